// Proves the sequencer's probe counts every applied command by type and result and every engine reject by reason, times
// exactly one command in sampleEvery, counts nothing replayed before it was attached, and
// allocates nothing per command.
import { describe, expect, test } from "bun:test";
import { heapStats } from "bun:jsc";
import { CommandCode } from "../engine/command.ts";
import { CancelReason, Reject, Side, TradingStatus } from "../engine/constants.ts";
import { OrderFields } from "../protocol/index.ts";
import { Sequencer } from "../sequencer/sequencer.ts";
import { CommandMetrics } from "./command-metrics.ts";
import { registerExchangeMetrics } from "./exchange-metrics.ts";
import { MetricsRegistry } from "./registry.ts";
import { parseExposition, sampleValue } from "./test-support.ts";

const spec = { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 };

function order(o: OrderFields, id: number, side: number, price: number, qty = 1): OrderFields {
  o.clearOrder();
  Object.assign(o, { clientOrderId: id, symbolId: 0, side, priceTicks: price, qtyLots: qty });
  return o;
}

describe("CommandMetrics", () => {
  test("types, results, reject reasons and the sampled matching time", () => {
    const registry = new MetricsRegistry();
    const metrics = registerExchangeMetrics(registry, { symbols: ["BTC-USD"], kafkaPartitions: 1 });
    const q = new Sequencer({ ordersMax: 1024, levelsMax: 256, levelsPerSideMax: 128, symbolsMax: 4 }, null);
    q.defineSymbol(spec, 1);
    q.probe = new CommandMetrics(registry, metrics, 4);
    const o = new OrderFields();
    for (let i = 1; i <= 10; i++) q.submitNew(1, 0, i, order(o, i, Side.Buy, 100 + i), 1);
    q.submitNew(1, 0, 11, order(o, 11, Side.Buy, 0), 1); // price out of band
    q.submitNew(1, 0, 12, order(o, 12, 7, 100), 1); // bad side
    q.submitCancel(1, 0, 13, 999, order(o, 0, Side.Buy, 0), 1); // unknown order
    o.clearOrder();
    o.cancelReason = CancelReason.MassCancel;
    q.submitMassCancel(1, 0, 14, o, 1);
    q.submitSymbolStatus(0, TradingStatus.Halted, 1, "", 1);
    q.submitNew(2, 0, 1, order(o, 1, Side.Sell, 100), 1); // halted
    const f = parseExposition(registry.expose());
    const commands = (type: string, result: string) => sampleValue(f, "exchange_commands_total", { type, result });
    expect(commands("new_order", "accepted")).toBe(10);
    expect(commands("new_order", "rejected")).toBe(3);
    expect(commands("cancel", "rejected")).toBe(1);
    expect(commands("mass_cancel", "accepted")).toBe(1);
    expect(commands("symbol_status", "accepted")).toBe(1);
    // The symbol definition came before the probe: not counted.
    expect(commands("symbol_def", "accepted")).toBe(0);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "price_out_of_band" })).toBe(1);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "bad_field" })).toBe(1);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "unknown_order" })).toBe(1);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "symbol_halted" })).toBe(1);
    // 16 commands, one in 4 timed: the 1st, 5th, 9th and 13th.
    expect(sampleValue(f, "exchange_matching_seconds")).toBe(4);
    expect(metrics.hasCommand(CommandCode.SymbolStatus)).toBe(true);
    expect(Reject.SymbolHalted).toBe(13);
  });

  test("sampleEvery must be a power of two", () => {
    const registry = new MetricsRegistry();
    const metrics = registerExchangeMetrics(registry, { symbols: [], kafkaPartitions: 1 });
    expect(() => new CommandMetrics(registry, metrics, 3)).toThrow("power of two");
    expect(() => new CommandMetrics(registry, metrics, 0)).toThrow("power of two");
  });

  test("counting allocates nothing per command", () => {
    const registry = new MetricsRegistry();
    const metrics = registerExchangeMetrics(registry, { symbols: ["BTC-USD"], kafkaPartitions: 1 });
    const probe = new CommandMetrics(registry, metrics, 1);
    const events = { count: 1, kind: (_i: number) => 2, code: (_i: number) => 4 };
    for (let i = 0; i < 10_000; i++) probe.applied(CommandCode.NewOrder, events);
    Bun.gc(true);
    const before = heapStats().objectCount;
    for (let i = 0; i < 100_000; i++) {
      probe.applied(CommandCode.NewOrder, events);
      probe.sampled(250);
    }
    expect(heapStats().objectCount - before).toBeLessThan(100);
  });
});
