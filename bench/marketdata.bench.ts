// Market data end to end with a real QuestDB: the exchange (sequencer, engine,
// journal with policy `write`) on this thread, market data in its worker
// thread (startMarketData, as `bun run engine` runs it: replica, ingestion,
// query API), QuestDB as a child process, all on this machine.
//
//   ./bunw bench/marketdata.bench.ts [--quick] [--rounds n] [--only engine,ingest,api] [--json <file>]   (--help)
//
// engine   sequencer + engine throughput on a fixed trade-heavy command stream
//          (bench/marketdata/flow.ts), applied in chunks of 1,000 back to back
//          on this thread, each chunk timed by mitata; without market data and
//          with it (worker ingesting into QuestDB meanwhile), rounds
//          interleaved. What market data costs the matching thread is one
//          shared-memory store per journal flush; on 2 cores the worker and
//          QuestDB compete with it for CPU. Target: with >= 90 % of without.
// ingest   a stream of `trades` trades submitted as fast as the engine takes
//          them; sustained rate = trades / time from the first command to
//          QuestDB acknowledging the last tick (the slowest stage of engine,
//          replica, encoders, writers and QuestDB sets it). Two variants,
//          interleaved: all four tables, and ticks + candles only. Target:
//          >= 400k ticks/s. Pipeline memory: the bounded structures and the
//          process RSS, sampled through the run.
// api      with `history` ticks stored (spread over days), query latency
//          from a client on this thread to the API in the worker: a day of
//          1m candles from QuestDB (two pages of 1,000 and 440), one page of
//          1,000 ticks from QuestDB, and the last 500 1m candles from memory.
//          Targets: p99 < 20 ms, < 20 ms, < 1 ms. Rounds interleave the
//          three; each round's p50/p99 come from mitata's samples.
//
// Figures are the median over rounds with the min..max spread. On a shared
// 2-core machine the spread is wide: measure on a quiet one.

import { writeFileSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measure } from "mitata";
import { DurableSignal } from "../src/api/durable-signal.ts";
import { type RunningMarketData, startMarketData } from "../src/api/start.ts";
import { waitForWalApplied } from "../src/questdb/resume.ts";
import { marketDataTables } from "../src/questdb/schema.ts";
import { execSql } from "../src/questdb/sql.ts";
import { JournalLog } from "../src/sequencer/journal-log.ts";
import { Sequencer } from "../src/sequencer/sequencer.ts";
import { submitRange, SweepFlow, sweepEngineConfig, sweepStartNs, sweepSymbols } from "./marketdata/flow.ts";
import { machineInfo, withQuestdb } from "./questdb-server.ts";

const HELP = `bun bench/marketdata.bench.ts [flags]
  --quick            short run: 2 rounds, 100k engine commands, 300k ingest trades, 1M stored ticks (a few minutes)
  --rounds <n>       rounds per scenario (default 3; quick 2)
  --only <list>      subset of: engine,ingest,api
  --json <file>      also write every figure as JSON
  --engine-commands <n>, --ingest-trades <n>, --history-trades <n>   sizes (the smoke test runs tiny ones)
  --nice-questdb <n>  run QuestDB at this niceness (renice; 0: as started) so matching wins the shared cores
  --help`;

const scenarios = ["engine", "ingest", "api"] as const;
type Scenario = (typeof scenarios)[number];

interface Options {
  quick: boolean;
  rounds: number;
  only: Scenario[];
  json: string | null;
  engineCommands: number;
  ingestTrades: number;
  historyTrades: number;
  niceQuestdb: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    rounds: 0,
    only: [...scenarios],
    json: null,
    engineCommands: 0,
    ingestTrades: 0,
    historyTrades: 0,
    niceQuestdb: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--rounds") o.rounds = Number(v());
    else if (a === "--only") o.only = v().split(",") as Scenario[];
    else if (a === "--json") o.json = v();
    else if (a === "--engine-commands") o.engineCommands = Number(v());
    else if (a === "--ingest-trades") o.ingestTrades = Number(v());
    else if (a === "--history-trades") o.historyTrades = Number(v());
    else if (a === "--nice-questdb") o.niceQuestdb = Number(v());
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  for (const s of o.only) if (!scenarios.includes(s)) throw new Error(`--only: unknown scenario ${s}`);
  if (o.rounds === 0) o.rounds = o.quick ? 2 : 3;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1 && o.rounds <= 50))
    throw new Error(`--rounds ${o.rounds} outside [1, 50]`);
  o.engineCommands ||= o.quick ? 100_000 : 1_000_000;
  o.ingestTrades ||= o.quick ? 300_000 : 2_000_000;
  o.historyTrades ||= o.quick ? 1_000_000 : 10_000_000;
  for (const [name, n] of [
    ["--engine-commands", o.engineCommands],
    ["--ingest-trades", o.ingestTrades],
    ["--history-trades", o.historyTrades],
  ] as const) {
    if (!(Number.isInteger(n) && n >= 2000 && n <= 100_000_000)) throw new Error(`${name} ${n} outside [2000, 1e8]`);
  }
  return o;
}

interface Spread {
  median: number;
  min: number;
  max: number;
}

function spread(xs: number[]): Spread {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return { median: s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2, min: s[0]!, max: s.at(-1)! };
}

function fmt(s: Spread, digits = 0, scale = 1): string {
  return (
    `${(s.median * scale).toFixed(digits)} ` +
    `(${(s.min * scale).toFixed(digits)}..${(s.max * scale).toFixed(digits)})`
  );
}

// ---- an exchange writing a journal ----------------------------------------------

interface BenchExchange {
  dir: string;
  journalPath: string;
  sequencer: Sequencer;
  log: JournalLog;
  close(): Promise<void>;
}

function openExchange(): BenchExchange {
  const dir = mkdtempSync(join(tmpdir(), "md-bench-"));
  const journalPath = join(dir, "journal.bin");
  const log = JournalLog.open(journalPath, "write", 4 << 20, 0, () => {});
  const sequencer = new Sequencer(sweepEngineConfig, log);
  for (const s of sweepSymbols) {
    const e = sequencer.defineSymbol(s, sweepStartNs - 1e9);
    if (e !== null) throw new Error(e);
  }
  sequencer.flush();
  return {
    dir,
    journalPath,
    sequencer,
    log,
    async close() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startMd(
  x: BenchExchange,
  httpPort: number,
  orders: boolean,
  mode: "full" | "embedded" = "full",
): Promise<RunningMarketData> {
  const md = await startMarketData({
    sequencer: x.sequencer,
    journalPath: x.journalPath,
    config: {
      mode,
      dataDir: x.dir,
      questdb: {
        http: { host: "127.0.0.1", port: httpPort },
        backlogRowsMax: 1_000_000,
        spillBytesMax: 8 * 2 ** 30,
        requestTimeoutMs: 30_000,
        batchRowsMax: 20_000,
      },
      http: { host: "127.0.0.1", port: 0, requestBytesMax: 65536, queryRowsMax: 1000 },
      apiKeys: [],
    },
    ordersToQuestdb: orders,
  });
  await md.live;
  return md;
}

async function truncateAll(httpUrl: string): Promise<void> {
  for (const t of marketDataTables) await execSql(httpUrl, `TRUNCATE TABLE ${t.name}`).catch(() => null);
}

/** Polls until `condition` holds (the worker and QuestDB work at their own pace). */
async function until(what: string, condition: () => Promise<boolean>, deadlineMs = 3_600_000): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  while (!(await condition())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(20);
  }
}

// ---- engine ---------------------------------------------------------------------

const engineVariants = ["without", "signal", "embedded", "full"] as const;
type EngineVariant = (typeof engineVariants)[number];
const engineVariantNames: Record<EngineVariant, string> = {
  without: "without market data",
  signal: "durable signal only (the matching thread's own cost, no worker)",
  embedded: "worker replaying into memory (embedded mode, no QuestDB)",
  full: "worker ingesting into QuestDB (full mode)",
};

async function engineScenario(o: Options, httpUrl: string, httpPort: number): Promise<Record<string, unknown>> {
  const chunk = 1_000;
  const flow = new SweepFlow(11, o.engineCommands, 2);
  const commands = Math.floor(flow.count / chunk) * chunk;
  const round = async (variant: EngineVariant): Promise<number> => {
    await truncateAll(httpUrl);
    const x = openExchange();
    const md = variant === "full" || variant === "embedded" ? await startMd(x, httpPort, true, variant) : null;
    if (variant === "signal") x.sequencer.addConsumer(new DurableSignal());
    try {
      let next = 0;
      const stats = await measure(
        () => {
          submitRange(x.sequencer, flow, next, next + chunk);
          x.sequencer.flush();
          next += chunk;
        },
        {
          min_samples: commands / chunk - 1,
          max_samples: commands / chunk - 1,
          min_cpu_time: 0,
          gc: false,
          warmup_threshold: 0,
          batch_unroll: 1,
          batch_samples: 0,
        },
      );
      return (chunk / stats.avg) * 1e9;
    } finally {
      await md?.stop(60_000);
      await x.close();
    }
  };
  const rates: Record<EngineVariant, number[]> = { without: [], signal: [], embedded: [], full: [] };
  // An untimed round first: the engine's code is compiled before any variant is timed.
  await round("without");
  for (let r = 0; r < o.rounds; r++) {
    for (const v of engineVariants) rates[v].push(await round(v));
    console.log(
      `engine round ${r + 1}: ${engineVariants.map((v) => `${v} ${rates[v].at(-1)!.toFixed(0)}`).join(", ")} ` +
        `commands/s`,
    );
  }
  const ratio = (v: EngineVariant) => spread(rates[v].map((x, i) => x / rates.without[i]!));
  const result = {
    commands,
    commandsPerSec: Object.fromEntries(engineVariants.map((v) => [v, spread(rates[v])])),
    ratioOverWithout: Object.fromEntries(engineVariants.map((v) => [v, ratio(v)])),
    rounds: rates,
  };
  console.log("\n| engine (commands/s, chunks of 1,000) | median (min..max) | / without |\n| --- | --- | --- |");
  for (const v of engineVariants)
    console.log(`| ${engineVariantNames[v]} | ${fmt(spread(rates[v]))} | ${fmt(ratio(v), 3)} |`);
  console.log("target: full / without >= 0.90");
  return result;
}

// ---- ingest ---------------------------------------------------------------------

interface IngestRound {
  ticksPerSec: number;
  rowsPerSec: number;
  engineMs: number;
  replicaMs: number;
  ackMs: number;
  rssMaxBytes: number;
  boundedBytes: number;
  orderStoreBytes: number;
}

/**
 * Submits the flow as fast as the engine takes it (yielding a turn per chunk), until QuestDB acknowledged every tick.
 */
async function ingestRun(
  flow: SweepFlow,
  httpUrl: string,
  httpPort: number,
  orders: boolean,
  keep: boolean,
): Promise<{ round: IngestRound; md: RunningMarketData; x: BenchExchange }> {
  await truncateAll(httpUrl);
  const x = openExchange();
  const md = await startMd(x, httpPort, orders);
  let rssMax = 0;
  const sampler = setInterval(() => {
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
  }, 100);
  const t0 = performance.now();
  const chunk = 10_000;
  for (let i = 0; i < flow.count; i += chunk) {
    submitRange(x.sequencer, flow, i, Math.min(flow.count, i + chunk));
    x.sequencer.flush();
    await new Promise((resolve) => setImmediate(resolve));
  }
  const engineMs = performance.now() - t0;
  const last = x.sequencer.nextSeq - 1;
  let replicaMs = 0;
  let rows = 0;
  await until("QuestDB to acknowledge every tick", async () => {
    const s = await md.stats();
    if (replicaMs === 0 && s.appliedSeq >= last) replicaMs = performance.now() - t0;
    const w = s.writers!;
    rows = Object.values(w).reduce((a, t) => a + t.rowsAcked, 0);
    return w.ticks!.rowsAcked >= flow.trades;
  });
  const ackMs = performance.now() - t0;
  clearInterval(sampler);
  const s = await md.stats();
  const writerBytes = Object.values(s.writers!).reduce((a, t) => a + t.memoryBytesAllocated, 0);
  const round: IngestRound = {
    ticksPerSec: flow.trades / (ackMs / 1000),
    rowsPerSec: rows / (ackMs / 1000),
    engineMs,
    replicaMs,
    ackMs,
    rssMaxBytes: Math.max(rssMax, s.memory.rssBytes),
    boundedBytes: writerBytes + s.memory.orderBytes,
    orderStoreBytes: s.memory.orderBytes,
  };
  if (!keep) {
    await md.stop(60_000);
    await x.close();
  }
  return { round, md, x };
}

async function ingestScenario(o: Options, httpUrl: string, httpPort: number): Promise<Record<string, unknown>> {
  const flow = new SweepFlow(12, o.ingestTrades, 2);
  const all: IngestRound[] = [];
  const ticksOnly: IngestRound[] = [];
  for (let r = 0; r < o.rounds; r++) {
    all.push((await ingestRun(flow, httpUrl, httpPort, true, false)).round);
    ticksOnly.push((await ingestRun(flow, httpUrl, httpPort, false, false)).round);
    console.log(
      `ingest round ${r + 1}: all tables ${all.at(-1)!.ticksPerSec.toFixed(0)} ticks/s, ` +
        `ticks + candles ${ticksOnly.at(-1)!.ticksPerSec.toFixed(0)} ticks/s`,
    );
  }
  const summary = (rs: IngestRound[]) => ({
    ticksPerSec: spread(rs.map((r) => r.ticksPerSec)),
    rowsPerSec: spread(rs.map((r) => r.rowsPerSec)),
    engineMs: spread(rs.map((r) => r.engineMs)),
    replicaMs: spread(rs.map((r) => r.replicaMs)),
    ackMs: spread(rs.map((r) => r.ackMs)),
    rssMaxMiB: spread(rs.map((r) => r.rssMaxBytes / 2 ** 20)),
    boundedMiB: spread(rs.map((r) => r.boundedBytes / 2 ** 20)),
  });
  const result = {
    trades: flow.trades,
    commands: flow.count,
    allTables: summary(all),
    ticksAndCandles: summary(ticksOnly),
    rounds: { all, ticksOnly },
  };
  console.log(
    `\n| ingest of ${flow.trades} trades | ticks/s | rows/s (all tables) | engine done (ms) | replica done ` +
      `(ms) | last tick acked (ms) | RSS max (MiB) | bounded buffers (MiB) |\n| --- | --- | --- | --- | --- | ` +
      `--- | --- | --- |`,
  );
  for (const [name, s] of [
    ["all four tables", result.allTables],
    ["ticks + candles", result.ticksAndCandles],
  ] as const) {
    console.log(
      `| ${name} | ${fmt(s.ticksPerSec)} | ${fmt(s.rowsPerSec)} | ${fmt(s.engineMs)} | ${fmt(s.replicaMs)} ` +
        `| ${fmt(s.ackMs)} | ${fmt(s.rssMaxMiB)} | ${fmt(s.boundedMiB)} |`,
    );
  }
  return result;
}

// ---- api ------------------------------------------------------------------------

/**
 * The timed queries. Each answer is checked while `mode.checking` (the warm-up); timed requests read the body without
 * parsing it: the latency is the API's (request, query, JSON, transfer), not this client's JSON.parse.
 */
function apiQueries(base: string, strict: boolean, mode: { checking: boolean }) {
  const day0 = Math.floor(sweepStartNs / 1e6);
  const dayEnd = day0 + 86_399_999;
  const dayCandles = async () => {
    const a = await fetch(
      `${base}/api/v1/klines?symbol=BTC-USD&interval=1m&startTime=${day0}&endTime=${dayEnd}&limit=1000`,
    );
    const first = mode.checking ? ((await a.json()) as unknown[][]) : (await a.arrayBuffer(), null);
    const nextStart = first === null ? day0 + 1000 * 60_000 : (first.at(-1)![0] as number) + 1;
    const b = await fetch(
      `${base}/api/v1/klines?symbol=BTC-USD&interval=1m&startTime=${nextStart}&endTime=${dayEnd}&limit=1000`,
    );
    if (!mode.checking) return void (await b.arrayBuffer());
    const second = (await b.json()) as unknown[];
    if (strict && (first!.length !== 1000 || second.length < 400))
      throw new Error(`a day of 1m candles has ${first!.length} + ${second.length} rows`);
  };
  const tickPage = async () => {
    const r = await fetch(
      `${base}/api/v1/ticks?symbol=ETH-USD&startTime=${day0 + 3_600_000}&endTime=${day0 + 7_200_000}&limit=1000`,
    );
    if (!mode.checking) return void (await r.arrayBuffer());
    const body = (await r.json()) as { ticks: unknown[] };
    if (strict ? body.ticks.length !== 1000 : body.ticks.length === 0)
      throw new Error(`a tick page has ${body.ticks.length} rows`);
  };
  const memoryCandles = async () => {
    const r = await fetch(`${base}/api/v1/klines?symbol=SOL-USD&interval=1m&limit=500`);
    if (!mode.checking) return void (await r.arrayBuffer());
    const rows = (await r.json()) as unknown[];
    if (strict ? rows.length !== 500 : rows.length === 0) throw new Error(`the last 500 candles are ${rows.length}`);
  };
  return {
    dayOf1mCandles: dayCandles,
    page1000Ticks: tickPage,
    last500CandlesFromMemory: memoryCandles,
  } as const;
}

async function apiScenario(o: Options, httpUrl: string, httpPort: number): Promise<Record<string, unknown>> {
  // About a million trades a day, so every minute of the day queried has candles; memory keeps
  // only the newest 1,024 minutes.
  const days = o.quick ? 2 : 10;
  // Tiny runs (the smoke test) have empty minutes: their answers are checked for rows, not counts.
  const strict = o.historyTrades >= 1_000_000;
  const flow = new SweepFlow(13, o.historyTrades, days);
  console.log(`api: storing ${flow.trades} ticks over ${days} days ...`);
  const { md, x, round } = await ingestRun(flow, httpUrl, httpPort, false, true);
  console.log(`api: stored in ${(round.ackMs / 1000).toFixed(1)} s`);
  try {
    await waitForWalApplied(httpUrl, ["ticks", "candles"], 600_000);
    const stored = (await execSql(httpUrl, "SELECT count() FROM ticks")).dataset[0]![0] as number;
    const mode = { checking: true };
    const queries = apiQueries(`http://127.0.0.1:${md.port}`, strict, mode);
    for (const q of Object.values(queries)) for (let i = 0; i < 20; i++) await q();
    mode.checking = false;
    const samples = o.quick ? 60 : 300;
    const p50: Record<string, number[]> = {};
    const p99: Record<string, number[]> = {};
    for (let r = 0; r < o.rounds; r++) {
      for (const [name, q] of Object.entries(queries)) {
        const stats = await measure(q, {
          min_samples: samples,
          max_samples: samples,
          min_cpu_time: 0,
          batch_unroll: 1,
          batch_samples: 0,
          warmup_threshold: 0,
        });
        (p50[name] ??= []).push(stats.p50 / 1e6);
        (p99[name] ??= []).push(stats.p99 / 1e6);
      }
      console.log(
        `api round ${r + 1}: ${Object.keys(queries)
          .map((n) => `${n} p99 ${p99[n]!.at(-1)!.toFixed(2)} ms`)
          .join(", ")}`,
      );
    }
    const targets: Record<string, number> = { dayOf1mCandles: 20, page1000Ticks: 20, last500CandlesFromMemory: 1 };
    const summary = Object.keys(queries).map((name) => ({
      query: name,
      p50Ms: spread(p50[name]!),
      p99Ms: spread(p99[name]!),
      targetP99Ms: targets[name],
    }));
    console.log(`\n| api with ${stored} ticks stored | p50 ms | p99 ms | target p99 |\n| --- | --- | --- | --- |`);
    for (const s of summary)
      console.log(`| ${s.query} | ${fmt(s.p50Ms, 2)} | ${fmt(s.p99Ms, 2)} | < ${s.targetP99Ms} ms |`);
    return { ticksStored: stored, days, samplesPerRound: samples, summary };
  } finally {
    await md.stop(60_000);
    await x.close();
  }
}

// ---- main -----------------------------------------------------------------------

const o = parseArgs(process.argv.slice(2));
const machine = machineInfo();
console.log(`market-data bench: ${JSON.stringify({ ...o, json: undefined })}; ${JSON.stringify(machine)}`);
const results: Record<string, unknown> = {};
await withQuestdb(async (server) => {
  if (o.niceQuestdb !== 0) {
    // Every thread of the JVM: renice on the pid covers only its main thread.
    const r = Bun.spawnSync([
      "bash",
      "-c",
      `for t in /proc/${server.pid}/task/*; do renice -n ${o.niceQuestdb} -p "\${t##*/}" >/dev/null; done`,
    ]);
    if (r.exitCode !== 0) throw new Error(`renice of QuestDB failed: ${r.stderr.toString()}`);
  }
  if (o.only.includes("engine")) results.engine = await engineScenario(o, server.httpUrl, server.httpPort);
  if (o.only.includes("ingest")) results.ingest = await ingestScenario(o, server.httpUrl, server.httpPort);
  if (o.only.includes("api")) results.api = await apiScenario(o, server.httpUrl, server.httpPort);
});
if (o.json !== null)
  writeFileSync(
    o.json,
    `${JSON.stringify({ date: new Date().toISOString(), machine, options: o, results }, null, 2)}\n`,
  );
