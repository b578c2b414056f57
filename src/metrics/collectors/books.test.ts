// Proves open orders (stops included), price levels per side and the halted flag per symbol come from the engine's
// columns at scrape time; symbols defined after start share the "other" series.
import { expect, test } from "bun:test";
import { CommandStruct } from "../../engine/command.ts";
import { CommandCode } from "../../engine/command.ts";
import { OrderType, Side, TradingStatus } from "../../engine/constants.ts";
import { Engine } from "../../engine/engine.ts";
import { registerExchangeMetrics } from "../exchange-metrics.ts";
import { MetricsRegistry } from "../registry.ts";
import { parseExposition, sampleValue } from "../test-support.ts";
import { registerBookMetrics } from "./books.ts";

test("open orders, levels and halts per symbol", () => {
  const e = new Engine({ ordersMax: 256, levelsMax: 128, levelsPerSideMax: 64, symbolsMax: 4 });
  const spec = { tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000, maxQty: 1000 };
  for (const name of ["A", "B", "C"]) e.addSymbol(0, { name, ...spec });
  const c = new CommandStruct();
  let seq = 1;
  const place = (book: number, id: number, side: number, price: number, type: number = OrderType.Limit, stop = 0) => {
    c.clear();
    Object.assign(c, {
      command: CommandCode.NewOrder,
      engineSeq: seq++,
      symbolId: book,
      orderId: id,
      userId: 1,
      side,
      type,
      priceTicks: price,
      qtyLots: 1,
      stopPriceTicks: stop,
    });
    e.apply(c);
    e.events.clear();
  };
  place(0, 1, Side.Buy, 100);
  place(0, 2, Side.Buy, 100);
  place(0, 3, Side.Buy, 99);
  place(0, 4, Side.Sell, 200);
  place(0, 5, Side.Sell, 0, OrderType.StopMarket, 300);
  place(1, 6, Side.Buy, 50);
  place(2, 7, Side.Sell, 70);
  c.clear();
  Object.assign(c, {
    command: CommandCode.SymbolStatus,
    engineSeq: seq++,
    symbolId: 2,
    tradingStatus: TradingStatus.Halted,
  });
  e.apply(c);
  const registry = new MetricsRegistry();
  const metrics = registerExchangeMetrics(registry, { symbols: ["A"], kafkaPartitions: 1 });
  registerBookMetrics(registry, metrics, () => e);
  const f = parseExposition(registry.expose());
  expect(sampleValue(f, "exchange_open_orders", { symbol: "A" })).toBe(5);
  expect(sampleValue(f, "exchange_book_levels", { symbol: "A", side: "buy" })).toBe(2);
  expect(sampleValue(f, "exchange_book_levels", { symbol: "A", side: "sell" })).toBe(1);
  expect(sampleValue(f, "exchange_open_orders", { symbol: "other" })).toBe(2);
  expect(sampleValue(f, "exchange_book_levels", { symbol: "other", side: "buy" })).toBe(1);
  expect(sampleValue(f, "exchange_symbol_halted", { symbol: "A" })).toBe(0);
  expect(sampleValue(f, "exchange_symbol_halted", { symbol: "other" })).toBe(1);
});
