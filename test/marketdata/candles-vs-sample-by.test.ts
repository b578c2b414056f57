// Proves, against a real QuestDB, that the project's candles equal QuestDB's own SAMPLE BY over the stored ticks for
// every interval (1m..1d) on a few hundred thousand random trades spanning days, and that the candles table written
// from the aggregator holds the same rows.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CandleAggregator, type CandleRecord } from "../../src/marketdata/candles.ts";
import { intervalNames, intervalUs } from "../../src/marketdata/intervals.ts";
import { openMarketDataWriters } from "../../src/questdb/market-data-writers.ts";
import { waitForWalApplied } from "../../src/questdb/resume.ts";
import { SymbolNames } from "../../src/questdb/symbols.ts";
import { startTestQuestdb, type TestQuestdb } from "../support/questdb.ts";
import { forEachRandomTrade } from "./random-trades.ts";

const soak = process.env.SOAK === "1";
const tradesCount = Number(process.env.QDB_TRADES ?? (soak ? 3_000_000 : 300_000));
const seed = Number(process.env.SEED ?? 7);
const symbolNames = ["BTC-USD", "ETH-USD", "SOL USD,=x"];

let qdb: TestQuestdb;
let spillDir: string;
beforeAll(async () => {
  qdb = await startTestQuestdb();
  spillDir = mkdtempSync(join(tmpdir(), "exch-spill-"));
}, 600_000);
afterAll(async () => {
  await qdb?.stop();
  rmSync(spillDir, { recursive: true, force: true });
});

/** ISO text QuestDB prints for a µs timestamp. */
function isoUs(us: number): string {
  return `${new Date(Math.floor(us / 1000)).toISOString().slice(0, -1)}${String(us % 1000).padStart(3, "0")}Z`;
}

describe(`candles vs SAMPLE BY (${tradesCount} trades, seed ${seed})`, () => {
  test("every interval matches QuestDB's aggregation of the stored ticks; the candles table matches too", async () => {
    const symbols = new SymbolNames(symbolNames.length);
    symbolNames.forEach((name, id) => expect(symbols.set(id, name)).toBeNull());
    const writers = await openMarketDataWriters({ httpUrl: qdb.httpUrl, spillDir, symbols });
    const agg = new CandleAggregator({ symbolsMax: symbolNames.length, candlesPerSeries: 1000 });
    const finals = new Map<string, CandleRecord>();
    agg.onFinal = (symbolId, interval, slot) => {
      const c = agg.record(symbolId, interval, slot);
      finals.set(`${symbolNames[symbolId]}|${intervalNames[interval]}|${isoUs(c.openTimeUs)}`, c);
      expect(writers.candles.append(agg, symbolId, interval, slot)).toBeNull();
    };
    let lastTs = 0;
    let firstTs = 0;
    forEachRandomTrade(seed, { count: tradesCount, symbols: symbolNames.length, meanGapUs: 1_000_000 }, (t, i) => {
      expect(writers.ticks.append(t)).toBeNull();
      agg.onTrade(t);
      if (i === 0) firstTs = t.tsUs;
      lastTs = t.tsUs;
      // Live candles upserted now and then, as the stream would once per batch.
      if (i % 5000 === 0) agg.collectLive((s, iv, slot) => expect(writers.candles.append(agg, s, iv, slot)).toBeNull());
    });
    agg.advanceTo(lastTs + intervalUs[intervalNames.indexOf("1d")]!);
    // The stream spans several days, so every interval has many buckets.
    expect(lastTs - firstTs).toBeGreaterThan(2 * 86_400_000_000);
    await writers.flush();
    const stats = writers.stats();
    expect(stats.ticks!.rowsAcked).toBe(tradesCount);
    expect(stats.ticks!.rowsDeadLettered + stats.candles!.rowsDeadLettered).toBe(0);
    await waitForWalApplied(qdb.httpUrl, ["ticks", "candles"], 300_000);

    for (const interval of intervalNames) {
      const sampled = await qdb.sql(
        `SELECT ts, symbol, first(price), max(price), min(price), last(price), sum(qty), sum(quote_qty), count(),
                (2 * sum(price * qty) + sum(qty)) / (2 * sum(qty)), min(trade_id), max(trade_id)
         FROM ticks SAMPLE BY ${interval} ALIGN TO CALENDAR ORDER BY ts, symbol`,
      );
      const ours = [...finals.entries()]
        .filter(([key]) => key.split("|")[1] === interval)
        .map(([key, c]) => {
          const [symbol, , ts] = key.split("|");
          return [
            ts,
            symbol,
            c.open,
            c.high,
            c.low,
            c.close,
            Number(c.volume),
            Number(c.quoteVolume),
            c.trades,
            c.vwapTicks,
            c.firstTradeId,
            c.lastTradeId,
          ];
        })
        .sort((a, b) =>
          a[0] === b[0] ? String(a[1]).localeCompare(String(b[1])) : String(a[0]).localeCompare(String(b[0])),
        );
      expect(sampled.dataset.length).toBeGreaterThan(0);
      expect(sampled.dataset).toEqual(ours);

      const stored = await qdb.sql(
        `SELECT ts, symbol, open, high, low, close, volume, quote_volume, trades, vwap, first_trade_id, last_trade_id,
         final FROM candles WHERE interval = '${interval}' ORDER BY ts, symbol`,
      );
      expect(stored.dataset).toEqual(ours.map((row) => [...row, true]));
    }
    await writers.close();
  }, 1_200_000);
});
