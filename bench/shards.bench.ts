// Scaling by symbol shards (issue 9): 16 symbols split over engine threads,
// each thread a worker owning its symbols with its own engine, fed the merged
// tapes of its symbols (bench/tapes/shard-tape.ts). Layouts say how the
// symbols split: 4x4 is 4 workers of 4 symbols, 1x16 one engine with all 16.
//
// Per round every worker builds a fresh engine, then all start together (a
// shared flag) and each runs its whole stream once. Reported per worker:
// msgs/s over wall time and over its thread's CPU time; per layout: the
// aggregate (all messages / from the first start to the last end) and a
// projection for a machine with a free core per worker (the sum of the
// workers' CPU-time rates: what they would do if none waited for a core,
// assuming no other shared bottleneck). Method and caveats: bench/README.md.
//
//   ./bunw bench/shards.bench.ts [--layouts 4x4,1x16] [--orders 250000] [--rounds 5] [--quick] [--json file]

import { writeFileSync } from "node:fs";
import os from "node:os";
import { Worker } from "node:worker_threads";
import { fmtRate, machineInfo } from "./report.ts";
import type { FromWorker, ShardSymbol, ShardWorkerData, ToWorker } from "./shards/worker.ts";
import { scenarioNames } from "./tapes/scenarios.ts";

const HELP = `bun bench/shards.bench.ts [flags]
  --layouts <WxS,...>   workers x symbols per worker (default 4x4,1x16; symbols are numbered across workers)
  --orders <n>          new orders per symbol's tape (default 250,000: ~300-470k messages each)
  --rounds <n>          timed rounds per layout (default 5, at least 5 unless --quick)
  --warmup <n>          untimed passes per worker first (default 1)
  --quick               smoke run: --orders 5000 --rounds 1 --layouts 4x4
  --json <file>         also write the report as JSON`;

interface Options {
  layouts: [number, number][];
  orders: number;
  rounds: number;
  warmup: number;
  quick: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    layouts: [
      [4, 4],
      [1, 16],
    ],
    orders: 250_000,
    rounds: 5,
    warmup: 1,
    quick: false,
    json: null,
  };
  const set = { layouts: false, orders: false, rounds: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--layouts") {
      o.layouts = value()
        .split(",")
        .map((l) => {
          const m = /^(\d+)x(\d+)$/.exec(l.trim());
          if (m === null) throw new Error(`layout ${l}: expected WORKERSxSYMBOLS, e.g. 4x4`);
          return [Number(m[1]), Number(m[2])] as [number, number];
        });
      set.layouts = true;
    } else if (flag === "--orders") {
      o.orders = Number(value());
      set.orders = true;
    } else if (flag === "--rounds") {
      o.rounds = Number(value());
      set.rounds = true;
    } else if (flag === "--warmup") o.warmup = Number(value());
    else if (flag === "--quick") o.quick = true;
    else if (flag === "--json") o.json = value();
    else if (flag === "--help" || flag === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${flag}\n${HELP}`);
  }
  if (o.quick) {
    if (!set.orders) o.orders = 5_000;
    if (!set.rounds) o.rounds = 1;
    if (!set.layouts) o.layouts = [[4, 4]];
  }
  for (const [w, s] of o.layouts)
    if (!(w >= 1 && w <= 64 && s >= 1 && s <= 64)) throw new Error(`layout ${w}x${s} out of range`);
  if (!(Number.isInteger(o.rounds) && o.rounds >= (o.quick ? 1 : 5)))
    throw new Error(`--rounds ${o.rounds}: at least 5 (1 with --quick)`);
  return o;
}

/** Symbol s: the five scenarios in turn, each symbol its own seed. */
function symbolOf(s: number): ShardSymbol {
  return { scenario: scenarioNames[s % scenarioNames.length]!, seed: 42 + s };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

interface RoundResult {
  workers: { wallNs: number; cpuNs: number; startNs: number; endNs: number }[];
  aggregateMsgsPerSec: number;
  projectedMsgsPerSec: number;
}

type FromAll = <K extends FromWorker["kind"]>(kind: K) => Promise<Extract<FromWorker, { kind: K }>[]>;

interface ShardPool {
  workers: Worker[];
  /** Round number the workers wait on before they start (Atomics.wait). */
  flag: Int32Array;
  /** The next message of `kind` from every worker (throws on a worker's error). */
  fromAll: FromAll;
}

function startWorkers(workersCount: number, symbolsPerWorker: number, o: Options): ShardPool {
  const start = new SharedArrayBuffer(4);
  const workers: Worker[] = [];
  const inbox: FromWorker[][] = [];
  const waiters: (() => void)[] = [];
  const wake = () => {
    for (const w of waiters.splice(0)) w();
  };
  for (let w = 0; w < workersCount; w++) {
    const symbols = Array.from({ length: symbolsPerWorker }, (_, k) => symbolOf(w * symbolsPerWorker + k));
    const data: ShardWorkerData = { index: w, symbols, orders: o.orders, warmup: o.warmup, start };
    const worker = new Worker(new URL("./shards/worker.ts", import.meta.url), { workerData: data });
    inbox.push([]);
    worker.on("message", (m: FromWorker) => {
      inbox[m.index]!.push(m);
      wake();
    });
    worker.on("error", (e) => {
      inbox[w]!.push({ kind: "error", index: w, message: String(e) });
      wake();
    });
    workers.push(worker);
  }
  const fromAll: FromAll = async (kind) => {
    const out = [];
    for (let w = 0; w < workersCount; w++) {
      for (;;) {
        const i = inbox[w]!.findIndex((m) => m.kind === kind || m.kind === "error");
        if (i >= 0) {
          const m = inbox[w]!.splice(i, 1)[0]!;
          if (m.kind === "error") throw new Error(`shard worker ${w}: ${m.message}`);
          out.push(m as Extract<FromWorker, { kind: typeof kind }>);
          break;
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    }
    return out;
  };
  return { workers, flag: new Int32Array(start), fromAll };
}

/** Rounds with every worker released at once; wall time from the first start to the last end. */
async function runRounds(pool: ShardPool, messages: number[], roundsCount: number): Promise<RoundResult[]> {
  const rounds: RoundResult[] = [];
  for (let r = 1; r <= roundsCount; r++) {
    for (const w of pool.workers) w.postMessage({ kind: "arm", round: r } satisfies ToWorker);
    await pool.fromAll("armed");
    Atomics.store(pool.flag, 0, r);
    Atomics.notify(pool.flag, 0);
    const done = await pool.fromAll("done");
    const first = Math.min(...done.map((d) => d.startNs));
    const last = Math.max(...done.map((d) => d.endNs));
    const total = messages.reduce((a, b) => a + b, 0);
    rounds.push({
      workers: done.map((d) => ({ wallNs: d.wallNs, cpuNs: d.cpuNs, startNs: d.startNs, endNs: d.endNs })),
      aggregateMsgsPerSec: (total / (last - first)) * 1e9,
      projectedMsgsPerSec: done.reduce((sum, d) => sum + (messages[d.index]! / d.cpuNs) * 1e9, 0),
    });
  }
  return rounds;
}

function spreadOf(values: number[]) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), rounds: values };
}

function layoutReport(
  workersCount: number,
  symbolsPerWorker: number,
  messages: number[],
  problems: string[],
  rounds: RoundResult[],
) {
  const perWorker = messages.map((m, w) => ({
    symbols: Array.from({ length: symbolsPerWorker }, (_, k) => symbolOf(w * symbolsPerWorker + k)),
    messages: m,
    wallMsgsPerSec: median(rounds.map((r) => (m / r.workers[w]!.wallNs) * 1e9)),
    cpuMsgsPerSec: median(rounds.map((r) => (m / r.workers[w]!.cpuNs) * 1e9)),
  }));
  const aggregate = spreadOf(rounds.map((r) => r.aggregateMsgsPerSec));
  const projected = spreadOf(rounds.map((r) => r.projectedMsgsPerSec));
  for (const [w, p] of perWorker.entries()) {
    console.log(
      `  worker ${w}: ${p.messages} msgs; ${fmtRate(p.wallMsgsPerSec)} msgs/s wall, ` +
        `${fmtRate(p.cpuMsgsPerSec)} msgs/s of its thread's CPU (medians)`,
    );
  }
  console.log(
    `  aggregate ${fmtRate(aggregate.median)} msgs/s [${fmtRate(aggregate.min)}..${fmtRate(aggregate.max)}] ` +
      `on this machine; with a free core per worker ${fmtRate(projected.median)} msgs/s [` +
      `${fmtRate(projected.min)}..${fmtRate(projected.max)}]`,
  );
  return {
    layout: `${workersCount}x${symbolsPerWorker}`,
    consensusAgreed: problems.length === 0,
    problems,
    perWorker,
    aggregateMsgsPerSec: aggregate,
    projectedMsgsPerSec: projected,
    rounds,
  };
}

async function runLayout(workersCount: number, symbolsPerWorker: number, o: Options) {
  const pool = startWorkers(workersCount, symbolsPerWorker, o);
  try {
    const ready = await pool.fromAll("ready");
    const messages = ready.map((r) => r.messages);
    const problems = ready.flatMap((r) => r.problems.map((p) => `worker ${r.index}: ${p}`));
    console.log(
      `\nlayout ${workersCount}x${symbolsPerWorker}: ${messages.reduce((a, b) => a + b, 0)} messages (per ` +
        `worker ${messages.join(", ")}); consensus ${problems.length === 0 ? "every book agreed" : "MISMATCH"}`,
    );
    for (const p of problems) console.log(`  ${p}`);
    const rounds = await runRounds(pool, messages, o.rounds);
    return layoutReport(workersCount, symbolsPerWorker, messages, problems, rounds);
  } finally {
    for (const w of pool.workers) w.postMessage({ kind: "stop" } satisfies ToWorker);
    await Promise.all(pool.workers.map((w) => w.terminate()));
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const cores = os.availableParallelism();
  console.log(
    `shards bench: ${o.layouts.map(([w, s]) => `${w}x${s}`).join(", ")}; ` +
      `${o.orders} orders per symbol's tape; ${o.rounds} rounds; ` +
      `${cores} cores here (workers beyond that share them); load average ${os.loadavg()[0]!.toFixed(2)}`,
  );
  const layouts = [];
  for (const [w, s] of o.layouts) layouts.push(await runLayout(w, s, o));
  const agreed = layouts.every((l) => l.consensusAgreed);
  if (o.json !== null) {
    const doc = {
      schema: "exchange-core-bun/shards-bench/1",
      date: new Date().toISOString(),
      machine: { ...machineInfo("none"), availableParallelism: cores, loadAverage1m: os.loadavg()[0] },
      config: o,
      methods: {
        symbols:
          "symbol s runs tape scenario s mod 5 (normal, static, swing-25, swing-40, " +
          "flash-crash) with seed 42 + s; a worker's symbols are merged round robin",
        round:
          "every worker builds a fresh engine (default capacities), all start on a shared flag, " +
          "each runs its stream once",
        aggregate: "all messages / (last end - first start) over the workers of the round",
        projected: "sum over workers of messages / that worker's thread CPU time: the rate with a free core per worker",
      },
      consensusAgreed: agreed,
      layouts,
    };
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${o.json}`);
  }
  if (!agreed) process.exit(1);
}

await main();
