// Where a chart's day of 1m candles should come from: our `candles` table
// (written by the aggregator), a QuestDB materialized view over `ticks`, or
// SAMPLE BY over the raw ticks at query time. Measured with a real QuestDB.
//
//   ./bunw bench/questdb-candles.bench.ts [--quick] [--ticks N] [--queries Q] [--json <file>]
//
// Ingests N ticks of 3 symbols spread over one UTC day (plus their candles),
// waits until everything is applied and the view has caught up, then times
// Q rounds of the three queries, interleaved, each a full `/exec` round trip
// (what the query API would pay) for one symbol's 1,440 candles. Reports
// p50/p99/max per source.

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CandleAggregator } from "../src/marketdata/candles.ts";
import { newTradeRow } from "../src/marketdata/trade.ts";
import { type MarketDataWriters, openMarketDataWriters } from "../src/questdb/market-data-writers.ts";
import { waitForWalApplied } from "../src/questdb/resume.ts";
import { execSql } from "../src/questdb/sql.ts";
import { SymbolNames } from "../src/questdb/symbols.ts";
import { Prng } from "./prng.ts";
import { machineInfo, withQuestdb } from "./questdb-server.ts";

const HELP = `bun bench/questdb-candles.bench.ts [flags]
  --quick          1M ticks, 30 query rounds
  --ticks <n>      ticks stored (default 10,000,000, the issue's figure)
  --queries <n>    interleaved query rounds (default 200)
  --json <file>    also write the results as JSON
  --help`;

const symbolNames = ["BTC-USD", "ETH-USD", "SOL-USD"];
const dayStartUs = Date.UTC(2026, 0, 5) * 1000;
const dayUs = 86_400_000_000;

function parseArgs(argv: string[]): { ticks: number; queries: number; json: string | null } {
  const o = { ticks: 10_000_000, queries: 200, json: null as string | null };
  let quick = false;
  let ticksSet = false;
  let queriesSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") quick = true;
    else if (a === "--ticks") {
      o.ticks = Number(value());
      ticksSet = true;
    } else if (a === "--queries") {
      o.queries = Number(value());
      queriesSet = true;
    } else if (a === "--json") o.json = value();
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  if (quick && !ticksSet) o.ticks = 1_000_000;
  if (quick && !queriesSet) o.queries = 30;
  if (!(Number.isInteger(o.ticks) && o.ticks >= 10_000))
    throw new Error(`--ticks ${o.ticks} must be an integer >= 10000`);
  if (!(Number.isInteger(o.queries) && o.queries >= 1))
    throw new Error(`--queries ${o.queries} must be an integer >= 1`);
  return o;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** A day of seeded random ticks over the three symbols into the writers and the candle aggregator. */
async function appendTicks(ticks: number, writers: MarketDataWriters, agg: CandleAggregator): Promise<void> {
  const rng = new Prng(17);
  const t = newTradeRow();
  const prices = [3_000_000, 200_000, 15_000];
  for (let i = 0; i < ticks; i++) {
    t.symbolId = rng.int(3);
    prices[t.symbolId] = Math.max(1, prices[t.symbolId]! + rng.range(-20, 20));
    t.tsUs = dayStartUs + Math.floor((i * dayUs) / ticks);
    t.priceTicks = prices[t.symbolId]!;
    t.qtyLots = 1 + rng.int(1000);
    t.quoteQty = t.priceTicks * t.qtyLots;
    t.tradeId = i + 1;
    t.seq = 2 * i;
    t.takerSide = rng.int(2);
    const error = writers.ticks.append(t);
    if (error !== null) throw new Error(error);
    agg.onTrade(t);
    if (i % 4096 === 4095) await turn();
  }
}

/** Waits until the materialized view holds as many rows as the candles table (it refreshes asynchronously). */
async function waitForView(url: string, candleRows: number): Promise<void> {
  for (const deadline = performance.now() + 1_800_000; ;) {
    const mv = Number((await execSql(url, "SELECT count() FROM candles_1m_mv")).dataset[0]![0]);
    if (mv === candleRows) break;
    if (performance.now() > deadline) throw new Error(`view holds ${mv} rows, candles ${candleRows}`);
    await Bun.sleep(200);
  }
}

/** Each query's times over `rounds` rounds, ms (every answer checked: a day of 1m candles is 1,440 rows). */
async function timeQueries(url: string, queries: Record<string, string>, rounds: number) {
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(queries).map((k) => [k, []]));
  for (let round = -3; round < rounds; round++) {
    for (const [name, sql] of Object.entries(queries)) {
      const q0 = performance.now();
      const rows = (await execSql(url, sql)).dataset.length;
      const ms = performance.now() - q0;
      if (rows !== 1440) throw new Error(`${name}: ${rows} rows, expected 1440`);
      // Three untimed rounds warm the caches and the JIT.
      if (round >= 0) times[name]!.push(ms);
    }
  }
  return times;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await withQuestdb(async (server, dir) => {
    const url = server.httpUrl;
    const symbols = new SymbolNames(symbolNames.length);
    symbolNames.forEach((n, i) => symbols.set(i, n));
    const writers = await openMarketDataWriters({ httpUrl: url, spillDir: join(dir, "spill"), symbols });
    await execSql(
      url,
      `CREATE MATERIALIZED VIEW IF NOT EXISTS candles_1m_mv AS SELECT ts, symbol,
         first(price) AS open, max(price) AS high, min(price) AS low, last(price) AS close,
         sum(qty) AS volume, sum(quote_qty) AS quote_volume, count() AS trades, sum(price * qty) AS notional
         FROM ticks SAMPLE BY 1m`,
    );
    const agg = new CandleAggregator({ symbolsMax: symbolNames.length });
    agg.onFinal = (s, i, slot) => {
      const error = writers.candles.append(agg, s, i, slot);
      if (error !== null) throw new Error(error);
    };
    const t0 = performance.now();
    await appendTicks(o.ticks, writers, agg);
    agg.advanceTo(dayStartUs + 2 * dayUs);
    await writers.flush();
    await waitForWalApplied(url, ["ticks", "candles"], 1_800_000);
    const candleRows = Number((await execSql(url, "SELECT count() FROM candles WHERE interval = '1m'")).dataset[0]![0]);
    await waitForView(url, candleRows);
    console.log(
      `ingested ${o.ticks} ticks and ${candleRows} 1m candles ` +
        `in ${((performance.now() - t0) / 1000).toFixed(1)} s; view caught up`,
    );
    const lo = "'2026-01-05T00:00:00.000000Z'";
    const hi = "'2026-01-06T00:00:00.000000Z'";
    const queries: Record<string, string> = {
      "candles table":
        `SELECT ts, open, high, low, close, volume, quote_volume, trades, vwap FROM candles ` +
        `WHERE symbol = 'BTC-USD' AND interval = '1m' AND ts >= ${lo} AND ts < ${hi}`,
      "materialized view":
        `SELECT ts, open, high, low, close, volume, quote_volume, trades, notional FROM candles_1m_mv ` +
        `WHERE symbol = 'BTC-USD' AND ts >= ${lo} AND ts < ${hi}`,
      "SAMPLE BY over ticks":
        `SELECT ts, first(price), max(price), min(price), last(price), sum(qty), sum(quote_qty), count(), ` +
        `sum(price * qty) FROM ticks WHERE symbol = 'BTC-USD' AND ts >= ${lo} AND ts < ${hi} SAMPLE BY 1m`,
    };
    const times = await timeQueries(url, queries, o.queries);
    const summary = Object.entries(times).map(([source, xs]) => {
      const s = [...xs].sort((a, b) => a - b);
      return { source, p50Ms: percentile(s, 50), p99Ms: percentile(s, 99), maxMs: s.at(-1)! };
    });
    console.log(`\n| source of a day of 1m candles (${o.ticks} ticks stored) | p50 ms | p99 ms | max ms |`);
    console.log("|---|---|---|---|");
    for (const s of summary)
      console.log(`| ${s.source} | ${s.p50Ms.toFixed(1)} | ${s.p99Ms.toFixed(1)} | ${s.maxMs.toFixed(1)} |`);
    if (o.json !== null) {
      const machine = { ...machineInfo() };
      writeFileSync(
        o.json,
        `${JSON.stringify({ date: new Date().toISOString(), machine, options: o, summary, times }, null, 2)}\n`,
      );
      console.log(`wrote ${o.json}`);
    }
    await writers.close();
  });
}

await main();
