// The benchmark suite (`bun run bench`): every workload against our engine and
// the peer (nodejs-order-book), reporting commands/s, per-command latency
// percentiles and heap allocation per command. bench/README.md explains each
// method; `--help` lists the flags.

import { writeFileSync } from "node:fs";
import os from "node:os";
import { type ImplName, openSession, peerStrings, type Tally } from "./drivers.ts";
import {
  heapCalibration,
  type HeapResult,
  type LatencyResult,
  measureHeap,
  measureLatency,
  measureThroughput,
  type ThroughputOptions,
  type ThroughputResult,
  timerOverheadNs,
} from "./measure.ts";
import { engineRevision, fmtNs, fmtNum, fmtRate, machineInfo, packageVersion } from "./report.ts";
import { generate, type Workload, type WorkloadName, workloadNames } from "./workloads.ts";

const HELP = `bun bench/run.ts [flags]
  --quick              short smoke run (scale 0.02, small budgets; < 60 s)
  --scale <f>          multiply every workload's size (env BENCH_SCALE; default 1)
  --workloads <a,b>    subset of: ${workloadNames.join(", ")} (env BENCH_WORKLOADS)
  --impl <ours|peer|both>  (env BENCH_IMPL; default both)
  --seed <n>           workload seed (env BENCH_SEED; default 42)
  --json <file>        also write the results as JSON
  --help`;

interface Options {
  quick: boolean;
  scale: number;
  workloads: WorkloadName[];
  impls: ImplName[];
  seed: number;
  users: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const env = process.env;
  const o: Options = {
    quick: false,
    scale: Number(env.BENCH_SCALE ?? "1"),
    workloads: parseList(env.BENCH_WORKLOADS ?? workloadNames.join(",")),
    impls: parseImpl(env.BENCH_IMPL ?? "both"),
    seed: Number(env.BENCH_SEED ?? "42"),
    users: 1000,
    json: null,
  };
  let scaleSet = env.BENCH_SCALE !== undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--scale") {
      o.scale = Number(value());
      scaleSet = true;
    } else if (a === "--workloads") o.workloads = parseList(value());
    else if (a === "--impl") o.impls = parseImpl(value());
    else if (a === "--seed") o.seed = Number(value());
    else if (a === "--json") o.json = value();
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  if (o.quick && !scaleSet) o.scale = 0.02;
  if (!(o.scale > 0 && o.scale <= 100)) throw new Error(`scale ${o.scale} must be in (0, 100]`);
  if (!Number.isInteger(o.seed)) throw new Error(`seed ${o.seed} must be an integer`);
  return o;
}

function parseList(s: string): WorkloadName[] {
  const names = s
    .split(",")
    .map((x) => x.trim())
    .filter((x) => x.length > 0);
  for (const n of names) {
    if (!(workloadNames as readonly string[]).includes(n))
      throw new Error(`unknown workload ${n}; known: ${workloadNames.join(", ")}`);
  }
  return names as WorkloadName[];
}

function parseImpl(s: string): ImplName[] {
  if (s === "both") return ["ours", "peer"];
  if (s === "ours" || s === "peer") return [s];
  throw new Error(`--impl must be ours, peer or both, not ${s}`);
}

// ---------------------------------------------------------------------------

interface Budget {
  throughput: ThroughputOptions;
  latencyCommandsMax: number;
  heapWindowMax: number;
}

/**
 * Ours is fast: several passes per workload. The peer is 10-100x slower: one pass, shorter latency and heap windows.
 */
function budgetFor(impl: ImplName, quick: boolean): Budget {
  const chunksPerPass = quick ? 10 : 20;
  if (impl === "ours") {
    return {
      throughput: { chunksPerPass, minCpuTimeNs: quick ? 0.2e9 : 2e9, samplesMin: chunksPerPass, samplesMax: 5_000 },
      latencyCommandsMax: Number.MAX_SAFE_INTEGER,
      heapWindowMax: 1_000_000,
    };
  }
  // Exactly one pass: mitata's warm-up call takes the first chunk, the samples the rest.
  return {
    throughput: { chunksPerPass, minCpuTimeNs: 0, samplesMin: chunksPerPass - 1, samplesMax: chunksPerPass - 1 },
    latencyCommandsMax: quick ? 20_000 : 300_000,
    heapWindowMax: 20_000,
  };
}

interface ImplResult {
  throughput: ThroughputResult;
  latency: LatencyResult;
  heap: HeapResult;
  check: CheckResult;
  wallSeconds: number;
}

interface CheckResult {
  /** Commands of the measured range applied in the untimed counting run. */
  commands: number;
  tally: Tally;
  /**
   * Ours: trades, triggers and rejects equal what the shadow book expects. Null for the peer, whose outcomes differ by
   * design (drivers.ts).
   */
  matchesShadow: boolean | null;
}

interface WorkloadResult {
  description: string;
  stats: Workload["stats"];
  sizing: Workload["sizing"];
  generateSeconds: number;
  results: Partial<Record<ImplName, ImplResult>>;
  /** ours commands/s divided by peer commands/s, both from this run. */
  ratioOursToPeer: number | null;
}

async function benchImpl(
  impl: ImplName,
  w: Workload,
  strings: ReturnType<typeof peerStrings> | null,
  quick: boolean,
  overheadNs: number,
): Promise<ImplResult> {
  const t0 = performance.now();
  const budget = budgetFor(impl, quick);
  const check = checkRun(impl, w, strings, budget.latencyCommandsMax);
  const throughput = await measureThroughput(impl, w, strings, budget.throughput);
  const latency = measureLatency(impl, w, strings, budget.latencyCommandsMax, overheadNs);
  const heap = measureHeap(impl, w, strings, budget.heapWindowMax);
  return { throughput, latency, heap, check, wallSeconds: (performance.now() - t0) / 1e3 };
}

/** An untimed run that tallies events, so a figure is never reported for a stream the book did not really execute. */
function checkRun(
  impl: ImplName,
  w: Workload,
  strings: ReturnType<typeof peerStrings> | null,
  commandsMax: number,
): CheckResult {
  const session = openSession(impl, w, strings);
  const end = Math.min(w.count, w.prefillCount + commandsMax);
  const tally = session.runCounting(w.prefillCount, end);
  const matchesShadow =
    impl === "peer"
      ? null
      : end === w.count &&
        tally.rejects === w.stats.rejectsExpected &&
        tally.trades === w.stats.tradesMeasured &&
        tally.triggered === w.stats.triggeredMeasured;
  return { commands: end - w.prefillCount, tally, matchesShadow };
}

// ---------------------------------------------------------------------------
// Report

function printTable(results: Record<string, WorkloadResult>): void {
  const header = ["workload", "impl", "cmd/s", "p50", "p99", "p99.9", "max", "heap B/cmd", "cells/cmd", "check"];
  // One heap block (16 KiB) per window is the byte figure's resolution; cells are counted exactly.
  const heapBytes = (h: HeapResult): string =>
    h.zeroAllocation
      ? `0 (<${fmtNum(16_384 / h.commands, 2)})`
      : fmtNum(h.bytesPerCommand, h.bytesPerCommand < 10 ? 2 : 0);
  const heapCells = (h: HeapResult): string => (h.zeroAllocation ? "0" : fmtNum(h.cellsPerCommand, 3));
  const rows: string[][] = [];
  for (const [name, wr] of Object.entries(results)) {
    for (const impl of ["ours", "peer"] as const) {
      const r = wr.results[impl];
      if (r === undefined) continue;
      const t = r.check.tally;
      const check =
        impl === "ours"
          ? r.check.matchesShadow
            ? "ok"
            : `MISMATCH trades ${t.trades}/${wr.stats.tradesMeasured} rejects ${t.rejects}`
          : `${t.rejects} rejected`;
      rows.push([
        name,
        impl,
        fmtRate(r.throughput.commandsPerSec),
        fmtNs(r.latency.all.p50),
        fmtNs(r.latency.all.p99),
        fmtNs(r.latency.all.p999),
        fmtNs(r.latency.all.max),
        heapBytes(r.heap),
        heapCells(r.heap),
        check,
      ]);
    }
    if (wr.ratioOursToPeer !== null)
      rows.push(["", "ours/peer", `${wr.ratioOursToPeer.toFixed(1)}x`, "", "", "", "", "", "", ""]);
  }
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, c) => (c < 2 || c === cells.length - 1 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join("  ");
  console.log(`\n${line(header)}`);
  console.log(widths.map((n) => "-".repeat(n)).join("  "));
  for (const r of rows) console.log(line(r));
}

function targetsSummary(results: Record<string, WorkloadResult>): Record<string, unknown> {
  const ch = results["cancel-heavy"]?.results.ours;
  const ours = Object.values(results)
    .map((w) => w.results.ours)
    .filter((r): r is ImplResult => r !== undefined);
  const p99Max = Math.max(...ours.map((r) => r.latency.all.p99));
  const bytesMax = Math.max(...ours.map((r) => r.heap.bytesPerCommand));
  return {
    cancelHeavyCommandsPerSec: ch?.throughput.commandsPerSec ?? null,
    cancelHeavyTargetMet: ch === undefined ? null : ch.throughput.commandsPerSec >= 10_000_000,
    p99NsWorst: ours.length > 0 ? p99Max : null,
    p99TargetMetEverywhere: ours.length > 0 ? p99Max < 1_000 : null,
    p99NsByWorkload: Object.fromEntries(
      Object.entries(results).flatMap(([n, w]) => (w.results.ours ? [[n, w.results.ours.latency.all.p99]] : [])),
    ),
    heapBytesPerCommandWorst: ours.length > 0 ? bytesMax : null,
    heapCellsPerCommandWorst: ours.length > 0 ? Math.max(...ours.map((r) => r.heap.cellsPerCommand)) : null,
    zeroAllocationTargetMet: ours.length > 0 ? ours.every((r) => r.heap.zeroAllocation) : null,
  };
}

// ---------------------------------------------------------------------------

/** One workload: generated, then every implementation benched on it, with the ratio of ours to the peer. */
async function benchWorkload(name: WorkloadName, o: Options, overheadNs: number): Promise<WorkloadResult> {
  const g0 = performance.now();
  const w = generate(name, { scale: o.scale, seed: o.seed, users: o.users });
  const generateSeconds = (performance.now() - g0) / 1e3;
  const strings = o.impls.includes("peer") ? peerStrings(w) : null;
  console.log(`\n${name}: ${w.description}`);
  console.log(
    `  ${w.stats.prefillCommands} prefill + ${w.stats.measuredCommands} measured commands; ` +
      `mix ${JSON.stringify(w.stats.mix)}`,
  );
  const wr: WorkloadResult = {
    description: w.description,
    stats: w.stats,
    sizing: w.sizing,
    generateSeconds,
    results: {},
    ratioOursToPeer: null,
  };
  for (const impl of o.impls) {
    const r = await benchImpl(impl, w, strings, o.quick, overheadNs);
    wr.results[impl] = r;
    console.log(
      `  ${impl}: ${fmtRate(r.throughput.commandsPerSec)} cmd/s ` +
        `(${r.throughput.samples} chunks of ${r.throughput.commandsPerChunk}, ${r.throughput.passes} passes); ` +
        `p50 ${fmtNs(r.latency.all.p50)} p99 ${fmtNs(r.latency.all.p99)} p99.9 ${fmtNs(r.latency.all.p999)}; ` +
        `${fmtNum(r.heap.bytesPerCommand, 2)} B/cmd; ${r.wallSeconds.toFixed(1)} s`,
    );
  }
  const ours = wr.results.ours;
  const peer = wr.results.peer;
  if (ours !== undefined && peer !== undefined)
    wr.ratioOursToPeer = ours.throughput.commandsPerSec / peer.throughput.commandsPerSec;
  return wr;
}

function printTargets(targets: ReturnType<typeof targetsSummary>): void {
  const met = (b: unknown) => (b === true ? "met" : b === false ? "NOT met" : "-");
  console.log(
    `\ntargets (ours): cancel-heavy >= 10 M ` +
      `cmd/s: ${fmtRate(targets.cancelHeavyCommandsPerSec as number)} ${met(targets.cancelHeavyTargetMet)}; ` +
      `p99 < 1 µs in every workload: ` +
      `worst ${fmtNs(targets.p99NsWorst as number)} ${met(targets.p99TargetMetEverywhere)}; ` +
      `0 bytes/command: ${met(targets.zeroAllocationTargetMet)}`,
  );
  console.log(
    "latency = per command, timer overhead subtracted; heap: cells counted exactly, bytes to one 16 KiB block " +
      "per window; peer check = commands it rejected (it differs from ours by design, see bench/drivers.ts)",
  );
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const machine = machineInfo(`nodejs-order-book ${packageVersion("nodejs-order-book")}`);
  const loadAtStart = os.loadavg();
  console.log(
    `bench: ${machine.cpu} x${machine.cores}, bun ${machine.bun}, ` +
      `scale ${o.scale}${o.quick ? " (quick)" : ""}, seed ${o.seed}`,
  );
  if (loadAtStart[0]! > 0.5) {
    console.log(
      `warning: load average ${loadAtStart[0]!.toFixed(2)} at start; other processes will disturb the figures`,
    );
  }
  const overheadNs = timerOverheadNs(o.quick ? 200_000 : 2_000_000);
  const calibration = heapCalibration(100_000);
  console.log(
    `timer overhead ${overheadNs.toFixed(1)} ns (subtracted from latencies); heap method calibration: ` +
      `${fmtNum(calibration.bytesPerObject, 1)} B and ${fmtNum(calibration.cellsPerObject, 2)} cells ` +
      `per {a, b} object (JSC: 32 B, 1 cell)`,
  );
  const results: Record<string, WorkloadResult> = {};
  for (const name of o.workloads) {
    results[name] = await benchWorkload(name, o, overheadNs);
  }
  printTable(results);
  const targets = targetsSummary(results);
  if (targets.p99NsWorst !== null) printTargets(targets);
  const totalSeconds = (performance.now() - started) / 1e3;
  console.log(`\ntotal ${totalSeconds.toFixed(1)} s`);
  if (o.json !== null) {
    const doc = {
      schema: "exchange-core-bun/bench/1",
      date: new Date().toISOString(),
      machine: { ...machine, loadAverage1m: { atStart: loadAtStart[0], atEnd: os.loadavg()[0] } },
      config: { quick: o.quick, scale: o.scale, seed: o.seed, users: o.users, workloads: o.workloads, impls: o.impls },
      engine: engineRevision(),
      methods: {
        throughput:
          "mitata measure(): the measured range cut into equal chunks, one chunk per sample, the next chunk chosen " +
          "in an untimed computed parameter (a fresh prefilled book, GC before and after, at the end of the " +
          "range); no GC between samples, so an implementation's own garbage collection is inside its timed " +
          "chunks; commands/s = chunk commands / mean sample time (mitata drops the 2 fastest and 2 slowest " +
          "samples past 12)",
        latency:
          "every command of the measured range after a warm-up prefix timed alone with Bun.nanoseconds() (one read " +
          "per command), minus the timer overhead (p50 of the same loop with no command)",
        heap:
          "bun:jsc heapStats(): full GC and sweep, read heapCapacity and objectTypeCounts, run N commands, read " +
          "again; void and retried with N/2 if heapSize changed (a GC ran); heapStats' own cost subtracted",
      },
      timerOverheadNs: overheadNs,
      heapCalibration: calibration,
      targets,
      workloads: results,
      totalSeconds,
    };
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${o.json}`);
  }
}

await main();
