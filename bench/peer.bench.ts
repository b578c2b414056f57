// Tape benchmark against exchange-core (issue 9): five tape-like scenarios
// (bench/tapes/), each run through our engine in-process and exchange-core's
// order book in one long-lived JVM, in interleaved rounds. Before any timing,
// both books' consensus digests must equal the generator's expectation (a
// mismatch fails the run). Per scenario: msgs/s per round (median and spread),
// the ratio ours/peer from the same run, per-message latency of both, and our
// heap allocation per message. Optionally our cancel-heavy and deep workloads
// from bench/run.ts in the same report. Method: bench/README.md.

import { writeFileSync } from "node:fs";
import os from "node:os";
import { measure } from "mitata";
import { fullGC } from "bun:jsc";
import {
  type HeapResult,
  heapWindows,
  measureHeap,
  measureLatency,
  measureThroughput,
  type Percentiles,
  percentiles,
  timerOverheadNs,
} from "./measure.ts";
import { openSession } from "./drivers.ts";
import { threadCpuNs } from "./cpu-time.ts";
import { engineRevision, fmtNs, fmtRate, machineInfo } from "./report.ts";
import { loadTape } from "./tapes/cache.ts";
import { type Digest, digestDiff, makeDigest, TradeFold } from "./tapes/digest.ts";
import type { Tape } from "./tapes/generate.ts";
import { type OurCapacity, OurTapeBook } from "./tapes/our-engine.ts";
import {
  buildPeer,
  ExchangeCorePeerProcess,
  type PeerCheck,
  type PeerLatency,
  type PeerRound,
  peerUnavailableReason,
} from "./tapes/peer-exchange-core.ts";
import { type ScenarioName, scenarioNames } from "./tapes/scenarios.ts";
import { TapeSide, tapeOpNames } from "./tapes/tape.ts";
import { generate, workloadNames, type WorkloadName } from "./workloads.ts";

const HELP = `bun bench/peer.bench.ts [flags]
  --quick                 smoke run: 5,000 orders per tape, existing workloads at scale 0.02
  --orders <n>            new orders per tape (default 1,000,000: ~1.1-1.9M messages)
  --rounds <n>            timed rounds per book and scenario, interleaved (default 5, at least 5 unless --quick)
  --warmup <n>            untimed full passes per book before the rounds (default 2)
  --scenarios <a,b>       subset of: ${scenarioNames.join(", ")}
  --seed <n>              tape seed (default 42)
  --capacity <c>          our engine's tables: production (the exchange's defaults, default) or tape (sized to
                          the tape's peaks)
  --impl <both|ours>      ours alone skips the peer (default both; ours when java or mvn is missing)
  --existing <a,b|none>   our own workloads from bench/run.ts to add (default cancel-heavy,deep)
  --existing-scale <f>    their scale (default 1; 0.02 with --quick)
  --json <file>           also write the report as JSON
Env PEER_JAVA_OPTS replaces the peer's JVM options.`;

interface Options {
  quick: boolean;
  orders: number;
  rounds: number;
  warmup: number;
  scenarios: ScenarioName[];
  seed: number;
  capacity: OurCapacity;
  withPeer: boolean;
  existing: WorkloadName[];
  existingScale: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    orders: 1_000_000,
    rounds: 5,
    warmup: 2,
    scenarios: [...scenarioNames],
    seed: 42,
    capacity: "production",
    withPeer: true,
    existing: ["cancel-heavy", "deep"],
    existingScale: 1,
    json: null,
  };
  let ordersSet = false;
  let scaleSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--orders") {
      o.orders = Number(value());
      ordersSet = true;
    } else if (a === "--rounds") o.rounds = Number(value());
    else if (a === "--warmup") o.warmup = Number(value());
    else if (a === "--scenarios") o.scenarios = listOf(value(), scenarioNames);
    else if (a === "--seed") o.seed = Number(value());
    else if (a === "--capacity") {
      const c = value();
      if (c !== "production" && c !== "tape") throw new Error(`--capacity must be production or tape, not ${c}`);
      o.capacity = c;
    } else if (a === "--impl") {
      const v = value();
      if (v !== "both" && v !== "ours") throw new Error(`--impl must be both or ours, not ${v}`);
      o.withPeer = v === "both";
    } else if (a === "--existing") {
      const v = value();
      o.existing = v === "none" ? [] : listOf(v, workloadNames);
    } else if (a === "--existing-scale") {
      o.existingScale = Number(value());
      scaleSet = true;
    } else if (a === "--json") o.json = value();
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  if (o.quick && !ordersSet) o.orders = 5_000;
  if (o.quick && !scaleSet) o.existingScale = 0.02;
  if (!(Number.isInteger(o.rounds) && o.rounds >= (o.quick ? 1 : 5)))
    throw new Error(`--rounds ${o.rounds}: at least 5 interleaved rounds (1 with --quick)`);
  if (!(Number.isInteger(o.warmup) && o.warmup >= 0)) throw new Error(`--warmup ${o.warmup} must be an integer >= 0`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed ${o.seed} must be an integer`);
  if (!(o.existingScale > 0 && o.existingScale <= 100))
    throw new Error(`--existing-scale ${o.existingScale} must be in (0, 100]`);
  return o;
}

function listOf<T extends string>(s: string, known: readonly T[]): T[] {
  const names = s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  for (const n of names)
    if (!(known as readonly string[]).includes(n)) throw new Error(`unknown name ${n}; known: ${known.join(", ")}`);
  return names as T[];
}

// ---------------------------------------------------------------------------
// Results

interface Spread {
  median: number;
  min: number;
  max: number;
  /** (max - min) / median. */
  spread: number;
  /** Every round, in the order run (ours: mitata's samples, sorted). */
  rounds: number[];
}

interface Consensus {
  expected: Digest;
  ours: Digest;
  peer: Digest | null;
  /** Fields where each book differs from the generator's expectation (and from each other); all empty = agreed. */
  oursVsExpected: string[];
  peerVsExpected: string[] | null;
  oursVsPeer: string[] | null;
  oursRejects: number;
  peerFailures: number | null;
  agreed: boolean;
}

interface ScenarioResult {
  description: string;
  tapeFile: string;
  generateSeconds: number;
  stats: Tape["stats"];
  sizing: Tape["sizing"];
  consensus: Consensus;
  ours: {
    msgsPerSec: Spread;
    /** msgs/s over the running thread's CPU time (null where the platform has no thread CPU clock). */
    cpuMsgsPerSec: Spread | null;
    latency: { all: Percentiles; byOp: Record<string, Percentiles>; timerOverheadNs: number };
    heap: HeapResult;
  };
  peer: { msgsPerSec: Spread; cpuMsgsPerSec: Spread; rounds: PeerRound[]; latency: PeerLatency } | null;
  /** Median ours msgs/s over median peer msgs/s, both from this run. */
  ratioOursToPeer: number | null;
  /**
   * The same over each thread's CPU time (both clocks ignore time given to other processes; the peer's GC threads do
   * not count).
   */
  ratioOursToPeerCpu: number | null;
}

function spreadOf(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const median = s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, spread: (s[s.length - 1]! - s[0]!) / median, rounds: values };
}

// ---------------------------------------------------------------------------
// One scenario

function ourDigest(tape: Tape, capacity: OurCapacity): { digest: Digest; rejects: number } {
  const book = new OurTapeBook(tape.sizing, capacity);
  const fold = new TradeFold();
  const rejects = book.runReporting(tape.columns, 0, tape.columns.count, (maker, price, qty) =>
    fold.add(maker, price, qty),
  );
  book.validate();
  return { digest: makeDigest(fold, book.levels(TapeSide.Buy), book.levels(TapeSide.Sell)), rejects };
}

function consensusOf(tape: Tape, ours: { digest: Digest; rejects: number }, peer: PeerCheck | null): Consensus {
  const oursVsExpected = digestDiff(ours.digest, tape.expected);
  const peerVsExpected = peer === null ? null : digestDiff(peer.digest, tape.expected);
  const oursVsPeer = peer === null ? null : digestDiff(ours.digest, peer.digest);
  const agreed =
    oursVsExpected.length === 0 &&
    ours.rejects === 0 &&
    (peer === null || (peerVsExpected!.length === 0 && oursVsPeer!.length === 0 && peer.failures === 0));
  return {
    expected: tape.expected,
    ours: ours.digest,
    peer: peer?.digest ?? null,
    oursVsExpected,
    peerVsExpected,
    oursVsPeer,
    oursRejects: ours.rejects,
    peerFailures: peer?.failures ?? null,
    agreed,
  };
}

/**
 * Interleaved rounds under mitata: each sample times one full pass of ours on a
 * fresh book; the untimed parameter step before it runs one peer round in the
 * JVM, then builds that fresh book and collects garbage. mitata's first call is
 * its warm-up; its peer round is discarded too.
 */
async function interleavedRounds(
  tape: Tape,
  capacity: OurCapacity,
  rounds: number,
  peer: ExchangeCorePeerProcess | null,
): Promise<{ ours: number[]; oursCpu: number[]; peer: PeerRound[] }> {
  const n = tape.columns.count;
  const peerRounds: PeerRound[] = [];
  const oursCpuNs: number[] = [];
  let calls = 0;
  const stats = await measure(
    function* () {
      yield {
        async [0](): Promise<OurTapeBook> {
          if (peer !== null) {
            const r = await peer.round();
            if (calls > 0) peerRounds.push(r);
          }
          calls++;
          fullGC();
          const book = new OurTapeBook(tape.sizing, capacity);
          fullGC();
          return book;
        },
        bench(book: OurTapeBook): void {
          const c0 = threadCpuNs === null ? 0 : threadCpuNs();
          book.run(tape.columns, 0, n);
          if (threadCpuNs !== null) oursCpuNs.push(threadCpuNs() - c0);
        },
      };
    },
    // Exactly `rounds` samples, none trimmed (mitata drops 2 + 2 past 12), one warm-up call, no GC of mitata's own.
    {
      min_samples: rounds,
      max_samples: rounds,
      min_cpu_time: 0,
      gc: false,
      warmup_threshold: 0,
      samples_threshold: Number.MAX_SAFE_INTEGER,
    },
  );
  // mitata's warm-up call ran the bench function too: the last `rounds` CPU readings are the samples'.
  const oursCpu = oursCpuNs.slice(-rounds).map((ns) => (n / ns) * 1e9);
  return { ours: stats.samples.map((ns: number) => (n / ns) * 1e9), oursCpu, peer: peerRounds };
}

function ourLatency(tape: Tape, capacity: OurCapacity, overheadNs: number): ScenarioResult["ours"]["latency"] {
  const n = tape.columns.count;
  const book = new OurTapeBook(tape.sizing, capacity);
  const out = new Float64Array(n);
  fullGC();
  book.runTimed(tape.columns, 0, n, out);
  for (let i = 0; i < n; i++) out[i] = Math.max(0, out[i]! - overheadNs);
  const byOp: Record<string, Percentiles> = {};
  for (let op = 0; op < tapeOpNames.length; op++) {
    let count = 0;
    for (let i = 0; i < n; i++) if (tape.columns.op[i] === op) count++;
    if (count === 0) continue;
    const part = new Float64Array(count);
    let k = 0;
    for (let i = 0; i < n; i++) if (tape.columns.op[i] === op) part[k++] = out[i]!;
    byOp[tapeOpNames[op]!] = percentiles(part);
  }
  return { all: percentiles(out), byOp, timerOverheadNs: overheadNs };
}

/** Heap per message over the tape after a warm-up prefix (a tenth, at most 100k messages) on a fresh book. */
function ourHeap(tape: Tape, capacity: OurCapacity): HeapResult {
  fullGC();
  const book = new OurTapeBook(tape.sizing, capacity);
  const warm = Math.min(100_000, Math.floor(tape.columns.count / 10));
  book.run(tape.columns, 0, warm);
  return heapWindows((start, end) => book.run(tape.columns, start, end), warm, tape.columns.count, 1_000_000);
}

function printConsensus(tape: Tape, consensus: ReturnType<typeof consensusOf>): void {
  console.log(
    `  consensus: ${consensus.agreed ? "agreed" : "MISMATCH"} (${tape.expected.trades} ` +
      `trades, ${tape.expected.bids.orders + tape.expected.asks.orders} orders left)`,
  );
  if (consensus.agreed) return;
  for (const [who, diff] of [
    ["ours", consensus.oursVsExpected],
    ["peer", consensus.peerVsExpected],
    ["ours vs peer", consensus.oursVsPeer],
  ] as const) {
    if (diff !== null && diff.length > 0) console.log(`    ${who}: ${diff.slice(0, 8).join("; ")}`);
  }
}

async function runScenario(
  name: ScenarioName,
  o: Options,
  peer: ExchangeCorePeerProcess | null,
  overheadNs: number,
): Promise<ScenarioResult> {
  const cached = loadTape({ scenario: name, orders: o.orders, seed: o.seed });
  const tape = cached.tape;
  console.log(`\n${name}: ${tape.description}`);
  console.log(
    `  ${tape.stats.messages} ` +
      `messages ${JSON.stringify(tape.stats.ops)}; ` +
      `${cached.generated ? `generated in ${cached.generateSeconds.toFixed(1)} s` : "from cache"}`,
  );
  const ours = ourDigest(tape, o.capacity);
  let peerCheck: PeerCheck | null = null;
  if (peer !== null) {
    const loaded = await peer.load(cached.path);
    if (loaded !== tape.columns.count)
      throw new Error(`peer loaded ${loaded} messages, tape has ${tape.columns.count}`);
    peerCheck = await peer.check();
  }
  const consensus = consensusOf(tape, ours, peerCheck);
  printConsensus(tape, consensus);
  for (let w = 0; w < o.warmup; w++) {
    new OurTapeBook(tape.sizing, o.capacity).run(tape.columns, 0, tape.columns.count);
    if (peer !== null) await peer.round();
  }
  const rounds = await interleavedRounds(tape, o.capacity, o.rounds, peer);
  const oursSpread = spreadOf(rounds.ours);
  const peerSpread = peer === null ? null : spreadOf(rounds.peer.map((r) => r.msgsPerSec));
  const oursCpu = rounds.oursCpu.length === 0 ? null : spreadOf(rounds.oursCpu);
  const peerCpu = peer === null ? null : spreadOf(rounds.peer.map((r) => r.cpuMsgsPerSec));
  const ratioCpu = oursCpu === null || peerCpu === null ? null : oursCpu.median / peerCpu.median;
  const latency = ourLatency(tape, o.capacity, overheadNs);
  const peerLatency = peer === null ? null : await peer.latency();
  const heap = ourHeap(tape, o.capacity);
  const ratio = peerSpread === null ? null : oursSpread.median / peerSpread.median;
  console.log(
    `  ours ${fmtRate(oursSpread.median)} msgs/s [${fmtRate(oursSpread.min)}..${fmtRate(oursSpread.max)}]` +
      (peerSpread === null
        ? ""
        : `, peer ${fmtRate(peerSpread.median)} [${fmtRate(peerSpread.min)}..${fmtRate(peerSpread.max)}], ` +
          `ours/peer ${ratio!.toFixed(2)}x`) +
      (ratioCpu === null
        ? ""
        : `; over thread CPU time ours ${fmtRate(oursCpu!.median)}, peer ${fmtRate(peerCpu!.median)}, ` +
          `ours/peer ${ratioCpu.toFixed(2)}x`),
  );
  return {
    description: tape.description,
    tapeFile: cached.path,
    generateSeconds: cached.generateSeconds,
    stats: tape.stats,
    sizing: tape.sizing,
    consensus,
    ours: { msgsPerSec: oursSpread, cpuMsgsPerSec: oursCpu, latency, heap },
    peer:
      peerSpread === null
        ? null
        : { msgsPerSec: peerSpread, cpuMsgsPerSec: peerCpu!, rounds: rounds.peer, latency: peerLatency! },
    ratioOursToPeer: ratio,
    ratioOursToPeerCpu: ratioCpu,
  };
}

// ---------------------------------------------------------------------------
// Our own workloads (bench/run.ts), ours only

async function runExisting(name: WorkloadName, o: Options, overheadNs: number): Promise<Record<string, unknown>> {
  const w = generate(name, { scale: o.existingScale, seed: o.seed, users: 1000 });
  const check = openSession("ours", w, null).runCounting(w.prefillCount, w.count);
  const matchesShadow =
    check.trades === w.stats.tradesMeasured &&
    check.rejects === w.stats.rejectsExpected &&
    check.triggered === w.stats.triggeredMeasured;
  const throughput = await measureThroughput("ours", w, null, {
    chunksPerPass: o.quick ? 10 : 20,
    minCpuTimeNs: o.quick ? 0.2e9 : 2e9,
    samplesMin: o.quick ? 10 : 20,
    samplesMax: 5_000,
  });
  const latency = measureLatency("ours", w, null, Number.MAX_SAFE_INTEGER, overheadNs);
  const heap = measureHeap("ours", w, null, 1_000_000);
  console.log(
    `\n${name} (bench/run.ts, ours, scale ${o.existingScale}): ${fmtRate(throughput.commandsPerSec)} cmd/s; ` +
      `p50 ${fmtNs(latency.all.p50)} p99 ${fmtNs(latency.all.p99)} p99.9 ${fmtNs(latency.all.p999)}; ` +
      `${heap.zeroAllocation ? "0" : heap.bytesPerCommand.toFixed(2)} B/cmd; ` +
      `shadow check ${matchesShadow ? "ok" : "MISMATCH"}`,
  );
  return { description: w.description, stats: w.stats, matchesShadow, throughput, latency, heap };
}

// ---------------------------------------------------------------------------
// Report

function printTable(results: Record<string, ScenarioResult>): void {
  const header = [
    "scenario",
    "messages",
    "ours msgs/s",
    "spread",
    "peer msgs/s",
    "spread",
    "ours/peer",
    "CPU ours/peer",
    "ours p50",
    "p99",
    "p99.9",
    "peer p50",
    "p99",
    "p99.9",
    "B/msg",
    "consensus",
  ];
  const rows: string[][] = [];
  const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
  for (const [name, r] of Object.entries(results)) {
    const l = r.ours.latency.all;
    const p = r.peer;
    rows.push([
      name,
      String(r.stats.messages),
      fmtRate(r.ours.msgsPerSec.median),
      pct(r.ours.msgsPerSec.spread),
      p === null ? "-" : fmtRate(p.msgsPerSec.median),
      p === null ? "-" : pct(p.msgsPerSec.spread),
      r.ratioOursToPeer === null ? "-" : `${r.ratioOursToPeer.toFixed(2)}x`,
      r.ratioOursToPeerCpu === null ? "-" : `${r.ratioOursToPeerCpu.toFixed(2)}x`,
      fmtNs(l.p50),
      fmtNs(l.p99),
      fmtNs(l.p999),
      p === null ? "-" : fmtNs(p.latency.p50),
      p === null ? "-" : fmtNs(p.latency.p99),
      p === null ? "-" : fmtNs(p.latency.p999),
      r.ours.heap.zeroAllocation ? "0" : r.ours.heap.bytesPerCommand.toFixed(2),
      r.consensus.agreed ? (p === null ? "ours = expected" : "all agree") : "MISMATCH",
    ]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, c) => (c === 0 || c === cells.length - 1 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join("  ");
  console.log(`\n${line(header)}`);
  console.log(widths.map((n) => "-".repeat(n)).join("  "));
  for (const r of rows) console.log(line(r));
  console.log(
    "msgs/s = median of the interleaved rounds (full tape on a fresh book each); " +
      "spread = (max - min) / median; CPU ours/peer = the ratio of the medians of msgs/s " +
      "over each thread's CPU time (what a shared machine's other load does not skew as much); " +
      "latency per message, timer overhead subtracted",
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const loadAtStart = os.loadavg();
  const unavailable = o.withPeer ? peerUnavailableReason() : "not requested (--impl ours)";
  let peer: ExchangeCorePeerProcess | null = null;
  if (unavailable === null) peer = await ExchangeCorePeerProcess.start(buildPeer((l) => console.log(l)));
  else console.log(`peer: skipped, ${unavailable}`);
  const machine = machineInfo(peer === null ? "none" : String(peer.about.peer));
  console.log(
    `peer bench: ${machine.cpu} x${machine.cores}, bun ${machine.bun}, ${o.orders} orders per ` +
      `tape, ${o.rounds} rounds, capacity ${o.capacity}`,
  );
  if (peer !== null) console.log(`peer: ${peer.about.peer} on ${peer.about.java} (${peer.about.jvmArgs})`);
  if (loadAtStart[0]! > 0.5)
    console.log(
      `warning: load average ${loadAtStart[0]!.toFixed(2)} at start; other processes will disturb the figures`,
    );
  const overheadNs = timerOverheadNs(o.quick ? 200_000 : 2_000_000);
  const scenarios: Record<string, ScenarioResult> = {};
  const existing: Record<string, unknown> = {};
  try {
    for (const name of o.scenarios) scenarios[name] = await runScenario(name, o, peer, overheadNs);
    for (const name of o.existing) existing[name] = await runExisting(name, o, overheadNs);
  } finally {
    await peer?.close();
  }
  printTable(scenarios);
  const agreed = Object.values(scenarios).every((r) => r.consensus.agreed);
  const totalSeconds = (performance.now() - started) / 1e3;
  console.log(
    `\nconsensus: ${agreed ? "every book agreed on every scenario" : "MISMATCH (see above)"}; ` +
      `total ${totalSeconds.toFixed(1)} s`,
  );
  if (o.json !== null) {
    const doc = {
      schema: "exchange-core-bun/peer-bench/1",
      date: new Date().toISOString(),
      machine: { ...machine, loadAverage1m: { atStart: loadAtStart[0], atEnd: os.loadavg()[0] } },
      config: { ...o, peerUnavailable: unavailable, peerAbout: peer?.about ?? null },
      engine: engineRevision(),
      methods: {
        throughput:
          "per scenario, rounds interleaved: one peer round (exchange-core's book in a long-lived JVM, a full tape " +
          "pass on a fresh book, timed with System.nanoTime inside the JVM) then one mitata sample of ours (a full " +
          "pass on a fresh book); msgs/s = tape messages / pass time; after `warmup` untimed passes of each",
        latency:
          "a full pass on a fresh book with one timer read per message (Bun.nanoseconds / System.nanoTime), " +
          "timer overhead (p50 of an empty timed loop) subtracted",
        heap: "bun:jsc heapStats() windows over the tape after a warm-up prefix (bench/measure.ts heapWindows)",
        consensus:
          "digest (trades, traded quantity and notional, an order-sensitive trade hash, " +
          "final book) of ours and of the peer against the generator's shadow book",
      },
      timerOverheadNs: overheadNs,
      consensusAgreed: agreed,
      scenarios,
      existing,
      totalSeconds,
    };
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${o.json}`);
  }
  if (!agreed) process.exit(1);
}

await main();
