// Ticks into a real QuestDB: our ILP-over-HTTP writer (src/questdb) against
// the official @questdb/nodejs-client 4.2.0, measured in the same run.
//
//   ./bunw bench/questdb.bench.ts [--quick] [--rows N] [--rounds R] [--json <file>]
//
// A sample writes `rows` new ticks (3 symbols, all columns of the ticks table)
// and ends when QuestDB has acknowledged every row over HTTP (durable in its
// WAL); the time until the rows are also applied (visible to queries) is
// reported beside it. Rounds interleave the clients (ours, official, ours, ...)
// so a noisy neighbour hits both, after an untimed warm-up of each; the figures
// are the median of the rounds and their spread (min..max). Client CPU per row is this process's CPU time
// (user + system) over the sample: the cost the market-data path would pay on
// the matching thread. mitata measures the encoder alone (ns per row, no I/O).
// The official client runs as its docs and INFRA.md say it works under Bun:
// HTTP with `stdlib_http=on`, auto-flush every `rows / 10` rows and no timer
// (`auto_flush_interval=0`), protocol version 1 (our columns are integers).

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Sender } from "@questdb/nodejs-client";
import { measure } from "mitata";
import { sideNames } from "../src/engine/constants.ts";
import { newTradeRow, type TradeRow } from "../src/marketdata/trade.ts";
import { IlpBuffer } from "../src/questdb/ilp-buffer.ts";
import { waitForWalApplied } from "../src/questdb/resume.ts";
import { createTableSql, ensureTables, ticksTable } from "../src/questdb/schema.ts";
import { execSql } from "../src/questdb/sql.ts";
import { SymbolNames } from "../src/questdb/symbols.ts";
import { TicksIlp } from "../src/questdb/ticks-ilp.ts";
import { IlpHttpWriter } from "../src/questdb/writer.ts";
import { Prng } from "./prng.ts";
import { machineInfo, withQuestdb } from "./questdb-server.ts";

const HELP = `bun bench/questdb.bench.ts [flags]
  --quick          100k rows per sample, 2 rounds (about a minute)
  --rows <n>       ticks per sample (default 1,000,000)
  --rounds <n>     interleaved rounds (default 5)
  --json <file>    also write the results as JSON
  --help`;

interface Options {
  rows: number;
  rounds: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rows: 1_000_000, rounds: 5, json: null };
  let quick = false;
  let rowsSet = false;
  let roundsSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") quick = true;
    else if (a === "--rows") {
      o.rows = Number(value());
      rowsSet = true;
    } else if (a === "--rounds") {
      o.rounds = Number(value());
      roundsSet = true;
    } else if (a === "--json") o.json = value();
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  if (quick && !rowsSet) o.rows = 100_000;
  if (quick && !roundsSet) o.rounds = 2;
  if (!(Number.isInteger(o.rows) && o.rows >= 1000 && o.rows <= 100_000_000))
    throw new Error(`--rows ${o.rows} outside [1000, 1e8]`);
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1 && o.rounds <= 100))
    throw new Error(`--rounds ${o.rounds} outside [1, 100]`);
  return o;
}

const symbolNames = ["BTC-USD", "ETH-USD", "SOL-USD"];
/** Rows appended between two turns of the event loop: a live stream leaves the sender room like this. */
const rowsPerTurn = 4096;

/** The ticks of one sample, generated before timing: a seeded price walk, ids continuing across samples. */
function generate(rows: number, firstTradeId: number, seed: number): TradeRow[] {
  const rng = new Prng(seed);
  const prices = [3_000_000, 200_000, 15_000];
  const out: TradeRow[] = [];
  let tsUs = Date.UTC(2026, 0, 5) * 1000 + firstTradeId * 100;
  for (let i = 0; i < rows; i++) {
    const t = newTradeRow();
    const s = rng.int(3);
    prices[s] = Math.max(1, prices[s]! + rng.range(-20, 20));
    tsUs += rng.range(0, 200);
    Object.assign(t, {
      symbolId: s,
      tsUs,
      priceTicks: prices[s]!,
      qtyLots: 1 + rng.int(1000),
      tradeId: firstTradeId + i,
      seq: 2 * (firstTradeId + i),
      takerSide: rng.int(2),
      makerOrderId: rng.range(1, 10_000_000),
      takerOrderId: rng.range(1, 10_000_000),
      makerUserId: rng.range(1, 10_000),
      takerUserId: rng.range(1, 10_000),
    });
    t.quoteQty = t.priceTicks * t.qtyLots;
    out.push(t);
  }
  return out;
}

interface Sample {
  client: "ours" | "official";
  round: number;
  rows: number;
  ackSeconds: number;
  appliedSeconds: number;
  cpuSeconds: number;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

async function runOurs(ticks: TicksIlp, trades: TradeRow[]): Promise<number> {
  for (let i = 0; i < trades.length; i++) {
    const error = ticks.append(trades[i]!);
    if (error !== null) throw new Error(error);
    if (i % rowsPerTurn === rowsPerTurn - 1) await turn();
  }
  await ticks.writer.flush();
  return ticks.writer.stats.rowsAcked;
}

async function runOfficial(sender: Sender, trades: TradeRow[]): Promise<void> {
  for (let i = 0; i < trades.length; i++) {
    const t = trades[i]!;
    // `at` flushes (and awaits the HTTP answer) every auto_flush_rows rows.
    await sender
      .table("ticks_official")
      .symbol("symbol", symbolNames[t.symbolId]!)
      .symbol("taker_side", sideNames[t.takerSide]!)
      .intColumn("price", t.priceTicks)
      .intColumn("qty", t.qtyLots)
      .intColumn("quote_qty", t.quoteQty)
      .intColumn("trade_id", t.tradeId)
      .intColumn("maker_order_id", t.makerOrderId)
      .intColumn("taker_order_id", t.takerOrderId)
      .intColumn("maker_user", t.makerUserId)
      .intColumn("taker_user", t.takerUserId)
      .intColumn("seq", t.seq)
      .at(t.tsUs, "us");
    if (i % rowsPerTurn === rowsPerTurn - 1) await turn();
  }
  await sender.flush();
}

/** Encoder cost alone: ns per tick line into a reused buffer (what the matching thread pays per trade). */
async function encoderNsPerRow(symbols: SymbolNames): Promise<{ avg: number; p50: number; p99: number }> {
  const trades = generate(4096, 1, 99);
  const buffer = new IlpBuffer(4 << 20);
  // A writer whose batches never leave: only beginLine/endLine are used, and the buffer is reset per sample.
  const sink = {
    beginLine: () => buffer,
    endLine: () => {
      buffer.rows++;
    },
  } as unknown as IlpHttpWriter;
  const ticks = new TicksIlp(sink, symbols);
  const stats = await measure(
    () => {
      buffer.reset();
      for (let i = 0; i < trades.length; i++) ticks.append(trades[i]!);
    },
    { min_cpu_time: 0.5e9, min_samples: 20, max_samples: 2_000 },
  );
  const per = trades.length;
  return { avg: stats.avg / per, p50: stats.p50 / per, p99: stats.p99 / per };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface Summary {
  client: string;
  rowsPerSecAck: { median: number; min: number; max: number };
  rowsPerSecApplied: { median: number; min: number; max: number };
  cpuUsPerRow: { median: number; min: number; max: number };
}

function summarize(client: string, samples: Sample[]): Summary {
  const mine = samples.filter((s) => s.client === client);
  const spread = (xs: number[]) => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });
  return {
    client,
    rowsPerSecAck: spread(mine.map((s) => s.rows / s.ackSeconds)),
    rowsPerSecApplied: spread(mine.map((s) => s.rows / s.appliedSeconds)),
    cpuUsPerRow: spread(mine.map((s) => (s.cpuSeconds * 1e6) / s.rows)),
  };
}

const k = (r: number) => `${(r / 1000).toFixed(0)}k`;

/** One timed sample: `trades` through one client, until acknowledged and then applied (WAL) in QuestDB. */
async function timeSample(
  o: Options,
  client: "ours" | "official",
  round: number,
  trades: TradeRow[],
  ticks: TicksIlp,
  sender: Sender,
  httpUrl: string,
): Promise<Sample> {
  Bun.gc(true);
  const cpu0 = cpuSeconds();
  const t0 = performance.now();
  if (client === "ours") await runOurs(ticks, trades);
  else await runOfficial(sender, trades);
  const ackSeconds = (performance.now() - t0) / 1000;
  const cpu = cpuSeconds() - cpu0;
  await waitForWalApplied(httpUrl, [client === "ours" ? "ticks" : "ticks_official"], 600_000, 5);
  const appliedSeconds = (performance.now() - t0) / 1000;
  console.log(
    `round ${round + 1}/${o.rounds} ${client.padEnd(8)} ${k(o.rows / ackSeconds)} rows/s acknowledged, ` +
      `${k(o.rows / appliedSeconds)} rows/s applied, ${((cpu * 1e6) / o.rows).toFixed(2)} µs CPU/row`,
  );
  return { client, round, rows: o.rows, ackSeconds, appliedSeconds, cpuSeconds: cpu };
}

function printSummary(o: Options, summary: ReturnType<typeof summarize>[], ratio: number): void {
  console.log(
    `\n| client | rows/s acknowledged, median (min..max) | rows/s applied, median | client CPU µs/row, median |`,
  );
  console.log(`|---|---|---|---|`);
  for (const s of summary) {
    console.log(
      `| ${s.client} | ${k(s.rowsPerSecAck.median)} (${k(s.rowsPerSecAck.min)}..${k(s.rowsPerSecAck.max)}) ` +
        `| ${k(s.rowsPerSecApplied.median)} | ${s.cpuUsPerRow.median.toFixed(2)} |`,
    );
  }
  console.log(
    `\nours / official (acknowledged, medians of this run): ${ratio.toFixed(1)}x; ` +
      `target 400k ticks/s sustained; ${o.rows} rows per sample, ${o.rounds} interleaved rounds`,
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  await withQuestdb(async (server, dir) => {
    await ensureTables(server.httpUrl, [ticksTable]);
    await execSql(server.httpUrl, createTableSql({ ...ticksTable, name: "ticks_official" }));
    const symbols = new SymbolNames(symbolNames.length);
    symbolNames.forEach((n, i) => symbols.set(i, n));
    const ticks = new TicksIlp(
      new IlpHttpWriter({ httpUrl: server.httpUrl, table: "ticks", spillDir: join(dir, "spill") }),
      symbols,
    );
    const sender = await Sender.fromConfig(
      `http::addr=127.0.0.1:${server.httpPort};stdlib_http=on;auto_flush=on;auto_flush_rows=` +
        `${Math.max(1000, Math.floor(o.rows / 10))}` +
        `;auto_flush_interval=0;protocol_version=1;request_timeout=60000;retry_timeout=60000`,
    );
    const encoder = await encoderNsPerRow(symbols);
    console.log(
      `encoder alone: ${encoder.avg.toFixed(0)} ns per tick (p50 ${encoder.p50.toFixed(0)}, ` +
        `p99 ${encoder.p99.toFixed(0)}; mitata, per 4096-row sample)`,
    );
    const samples: Sample[] = [];
    let nextTradeId = 1;
    // Untimed warm-up of both clients: JIT, connections, the tables' first partitions.
    const warmupRows = Math.max(1000, Math.floor(o.rows / 5));
    await runOurs(ticks, generate(warmupRows, nextTradeId, 1000));
    nextTradeId += warmupRows;
    await runOfficial(sender, generate(warmupRows, nextTradeId, 1001));
    nextTradeId += warmupRows;
    for (let round = 0; round < o.rounds; round++) {
      for (const client of ["ours", "official"] as const) {
        const trades = generate(o.rows, nextTradeId, round * 2 + (client === "ours" ? 0 : 1));
        nextTradeId += o.rows;
        samples.push(await timeSample(o, client, round, trades, ticks, sender, server.httpUrl));
      }
    }
    await sender.close();
    await ticks.writer.close();
    // Every row of both clients is stored once.
    for (const table of ["ticks", "ticks_official"]) {
      const count = (await execSql(server.httpUrl, `SELECT count() FROM ${table}`)).dataset[0]![0];
      const expected = o.rows * o.rounds + Math.max(1000, Math.floor(o.rows / 5));
      if (count !== expected) throw new Error(`${table} holds ${count} rows, expected ${expected}`);
    }
    const summary = [summarize("ours", samples), summarize("official", samples)];
    const ratio = summary[0]!.rowsPerSecAck.median / summary[1]!.rowsPerSecAck.median;
    printSummary(o, summary, ratio);
    if (o.json !== null) {
      const machine = { ...machineInfo(), officialClient: "4.2.0" };
      const report = {
        date: new Date().toISOString(),
        machine,
        options: o,
        encoderNsPerRow: encoder,
        samples,
        summary,
        ratioOursToOfficial: ratio,
      };
      writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
      console.log(`wrote ${o.json}`);
    }
  });
}

await main();
