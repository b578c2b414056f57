// Proves the ingest sink's resume filter skips exactly what QuestDB holds: trades up to the stored trade id, order rows
// and events before the stored seq (that seq sent again), and candles behind each series' newest stored open time,
// while a quiet symbol's candle that closed after a busier symbol's stored candle is still sent (the largest
// last_trade_id is no cut), and so is a candle amended by a late trade. Writers are in-memory doubles here;
// test/marketdata/ingest-crash-resume.test.ts runs the real thing.

import { expect, test } from "bun:test";
import { CandleAggregator } from "../marketdata/candles.ts";
import { newOrderEventRow, newOrderRow, OrderStatus } from "../marketdata/order-rows.ts";
import { newTradeRow } from "../marketdata/trade.ts";
import { QuestdbIngest, resumeFilter } from "./ingest.ts";
import type { MarketDataWriters } from "./market-data-writers.ts";
import { candleSeriesKey } from "./resume.ts";
import { SymbolNames } from "./symbols.ts";

function recordingWriters() {
  const rows = { ticks: [] as number[], candles: [] as string[], orders: [] as number[], events: [] as number[] };
  const writers = {
    ticks: { append: (t: { tradeId: number }) => (rows.ticks.push(t.tradeId), null) },
    candles: {
      append: (agg: CandleAggregator, symbol: number, interval: number, slot: number) => (
        rows.candles.push(`${symbol}/${interval}/${agg.openTimeUs[slot]! / 60e6}/${agg.final[slot]}`),
        null
      ),
    },
    orders: { append: (o: { seq: number }) => (rows.orders.push(o.seq), null) },
    orderEvents: { append: (e: { seq: number }) => (rows.events.push(e.seq), null) },
  } as unknown as MarketDataWriters;
  return { rows, writers };
}

const minute = 60_000_000;

test("resume skips what is stored and sends the rest, candle series by series", () => {
  const { rows, writers } = recordingWriters();
  const candles = new CandleAggregator({ symbolsMax: 2, candlesPerSeries: 16 });
  const symbols = new SymbolNames(2);
  const names = ["BUSY", "QUIET"];
  // Stored: BUSY's 1m candles up to minute 3 (its 1m candle of minute 3 maybe live then), QUIET's up to minute 0.
  const stored = new Map([
    [candleSeriesKey("BUSY", "1m"), 3 * minute],
    [candleSeriesKey("QUIET", "1m"), 0],
  ]);
  const filter = resumeFilter(
    { ticksTradeIdMax: 5, candlesTradeIdMax: 9, ordersSeqMax: 40, orderEventsSeqMax: 41 },
    stored,
  );
  const ingest = new QuestdbIngest(
    writers,
    candles,
    symbols,
    (id) => names[id] ?? null,
    filter,
    () => {},
  );
  const t = newTradeRow();
  const trade = (id: number, symbol: number, m: number) => {
    Object.assign(t, {
      symbolId: symbol,
      tsUs: m * minute + id,
      priceTicks: 100,
      qtyLots: 1,
      quoteQty: 100,
      tradeId: id,
      seq: id,
    });
    candles.onTrade(t);
    ingest.onTrade(t);
  };
  // QUIET trades at minute 0 (trade 1), then only at minute 5 (trade 10): its minute-0 candle
  // closes after BUSY's minute-3 one.
  trade(1, 1, 0);
  for (let m = 0; m < 5; m++) trade(2 + 2 * m, 0, m);
  trade(12, 1, 5);
  trade(13, 0, 5);
  // A late trade for BUSY's minute 1 (a clock that stepped back): the amended candle goes out again.
  trade(14, 0, 1);
  ingest.upsertLiveCandles();
  expect(rows.ticks).toEqual([6, 8, 10, 12, 13, 14]);
  const oneMinute = rows.candles.filter((c) => c.split("/")[1] === "0");
  // BUSY: minutes 0..2 stored (skipped), 3 and 4 sent as they close, the amended minute 1, then the live minute 5.
  expect(oneMinute.filter((c) => c.startsWith("0/"))).toEqual(["0/0/3/1", "0/0/4/1", "0/0/1/1", "0/0/5/0"]);
  // QUIET: its minute-0 candle is at the stored open time: sent again (it may have been stored
  // live), then the live minute 5.
  expect(oneMinute.filter((c) => c.startsWith("1/"))).toEqual(["1/0/0/1", "1/0/5/0"]);
  const o = newOrderRow();
  const e = newOrderEventRow();
  for (const seq of [39, 40, 41]) {
    Object.assign(o, { symbolId: 0, seq, createdSeq: seq, status: OrderStatus.New });
    ingest.onOrderState(o);
    Object.assign(e, { symbolId: 0, seq });
    ingest.onOrderEvent(e);
  }
  expect(rows.orders).toEqual([40, 41]);
  expect(rows.events).toEqual([41]);
  expect(ingest.stats.rowsSkipped).toBeGreaterThan(0);
});

test("no resume points (an empty database, or a forced re-send): everything is sent", () => {
  const { rows, writers } = recordingWriters();
  const candles = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 16 });
  const ingest = new QuestdbIngest(
    writers,
    candles,
    new SymbolNames(1),
    () => "X",
    resumeFilter(null, new Map([["X\u00001m", 99 * minute]])),
    () => {},
  );
  const t = newTradeRow();
  Object.assign(t, { symbolId: 0, tsUs: 1, priceTicks: 100, qtyLots: 1, quoteQty: 100, tradeId: 1, seq: 1 });
  candles.onTrade(t);
  ingest.onTrade(t);
  Object.assign(t, { tsUs: minute + 1, tradeId: 2, seq: 2 });
  candles.onTrade(t);
  ingest.onTrade(t);
  expect(rows.ticks).toEqual([1, 2]);
  expect(rows.candles.filter((c) => c.split("/")[1] === "0")).toEqual(["0/0/0/1"]);
});
