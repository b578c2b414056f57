// The TCP gateway end to end: the real exchange (`bun src/server/main.ts`,
// a fresh data directory, port 0, limits raised by a config file) as a child
// process on loopback, measured per journal policy (write, fsync, none).
//
//   ./bunw bench/gateway.bench.ts [--quick] [--json <file>] [--policy write|fsync|none|all] ...  (--help)
//
// throughput  N sessions (default 4), each with a command stream encoded
//             before timing (bench/gateway/stream.ts: passive limits around a
//             fixed mid, cancels and size cuts of its own orders, IOC takers),
//             written as fast as the sockets take them. Every command has
//             exactly one answer (accepted/rejected, cancelled by user/
//             rejected, modified/rejected), checked to name the command's
//             order, in order. answered/s = commands / (first byte written →
//             last answer); engine/s counts only commands whose answer carries
//             an engine seq (the gateway's own rejects have none: its limits,
//             unknown orders, a full journal). One warm-up round is discarded.
// latency     an open loop at each --rate (default 100k/s) over M sessions: command
//             k of session i is due at start + (k*M + i)/rate; a setImmediate
//             loop writes what is due, so timer granularity is not in the
//             figures. latency = answer arrival − due time (coordinated
//             omission corrected), warm-up discarded; service = arrival −
//             actual send; send lag = actual send − due, the sender's own
//             lateness. A per-100 ms timeline of the worst of each is in the JSON.
// cpu         CPU seconds per wall second over each window: the exchange's
//             from /proc/<pid>/stat (all threads), this process's (sender and
//             receiver) from process.cpuUsage(). On a 2-core machine the two
//             compete: read both before blaming either.

import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { type JournalPolicy, ExchangeProcess, pinSelf } from "./gateway/exchange-process.ts";
import { gcCell } from "./gateway/gc-log.ts";
import {
  type LatencyResult,
  latencyPhase,
  type Percentiles,
  type ThroughputResult,
  throughputPhase,
} from "./gateway/phases.ts";
import { defaultShape } from "./gateway/stream.ts";

const benchRoot = join(import.meta.dir, "..");
/** Issue 9's latency target: ack p99 at 100k orders/s with the journal on. */
const latencyP99TargetNs = 500_000;
const policiesAll: JournalPolicy[] = ["write", "fsync", "none"];

const HELP = `bun bench/gateway.bench.ts [flags]
  --quick                 short run (< 30 s for all policies): smaller rounds, 2 s of latency
  --policy <p>            write | fsync | none | all (default all): the exchange's journal policy
  --sessions <n>          throughput sessions (default 4)
  --commands <n>          commands per throughput round over all sessions (default 1000000; quick 100000)
  --rounds <n>            measured throughput rounds after one warm-up round (default 4; quick 2)
  --latency-sessions <n>  latency sessions (default 2)
  --rate <r>[,<r>...]     latency: offered commands/s over all latency sessions, one run per rate (default 100000)
  --latency-seconds <s>   latency: measured seconds after the warm-up (default 8; quick 1.5)
  --warmup-seconds <s>    latency: discarded warm-up seconds (default 2; quick 0.5)
  --seed <n>              command stream seed (default 42)
  --journal-batch-bytes <n>  the exchange's journal.batchBytesMax (default: the exchange's own, 1 MiB)
  --pin                   pin this process to CPU 0 and the exchange to the other CPUs (taskset): the spinning
                          sender on a core of its own
  --cpu-prof <dir>        run the exchange under bun --cpu-prof (and --cpu-prof-md), profiles in <dir>
  --gc                    run the exchange with BUN_JSC_logGC=1: its collector pauses per round and latency run
  --feed on|off           EXCHANGE_FEED for the exchange (default: its own default, on: the feed worker runs)
  --root <dir>            the checkout whose src/server/main.ts runs (default: this one; for before/after runs)
  --json <file>           also write every figure as JSON
  --help`;

interface Options {
  quick: boolean;
  policies: JournalPolicy[];
  sessions: number;
  commandsPerRound: number;
  rounds: number;
  latencySessions: number;
  rates: number[];
  latencySeconds: number;
  warmupSeconds: number;
  seed: number;
  cpuProfDir: string | null;
  gc: boolean;
  feed: "" | "on" | "off";
  root: string;
  pin: boolean;
  journalBatchBytes: number;
  json: string | null;
}

/** dev API keys of the default configuration: loadtest-1..64 (users 1001..1064). */
const keysMax = 64;
/** A hard stop for the whole run: a stuck exchange or socket never leaves the bench hanging. */
const watchdogMs = { quick: 120_000, full: 600_000 };

/** The flags that take a value. */
const valueFlags = [
  "--policy",
  "--sessions",
  "--commands",
  "--rounds",
  "--latency-sessions",
  "--rate",
  "--latency-seconds",
  "--warmup-seconds",
  "--seed",
  "--cpu-prof",
  "--journal-batch-bytes",
  "--json",
  "--feed",
  "--root",
];

function parseArgs(argv: string[]): Options {
  const given = new Map<string, string>();
  let quick = false;
  let pin = false;
  let gc = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    }
    if (a === "--quick" || a === "--pin" || a === "--gc") {
      if (a === "--quick") quick = true;
      else if (a === "--pin") pin = true;
      else gc = true;
      continue;
    }
    if (!valueFlags.includes(a)) throw new Error(`unknown flag ${a}\n${HELP}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    given.set(a, v);
  }
  const num = (flag: string, fallback: number): number => {
    const v = given.get(flag);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Error(`${flag} ${v} is not a number`);
    return n;
  };
  const policy = given.get("--policy") ?? "all";
  if (!(policy === "all" || (policiesAll as string[]).includes(policy)))
    throw new Error(`--policy must be write, fsync, none or all, not ${policy}`);
  const o: Options = {
    quick,
    policies: policy === "all" ? policiesAll : [policy as JournalPolicy],
    sessions: num("--sessions", 4),
    commandsPerRound: num("--commands", quick ? 100_000 : 1_000_000),
    rounds: num("--rounds", quick ? 2 : 4),
    latencySessions: num("--latency-sessions", 2),
    rates: (given.get("--rate") ?? "100000").split(",").map(Number),
    latencySeconds: num("--latency-seconds", quick ? 1.5 : 8),
    warmupSeconds: num("--warmup-seconds", quick ? 0.5 : 2),
    seed: num("--seed", 42),
    cpuProfDir: given.get("--cpu-prof") ?? null,
    gc,
    feed: (given.get("--feed") ?? "") as Options["feed"],
    root: given.get("--root") ?? benchRoot,
    pin,
    journalBatchBytes: num("--journal-batch-bytes", 0),
    json: given.get("--json") ?? null,
  };
  checkOptions(o);
  return o;
}

/** Throws naming the first flag out of range. */
function checkOptions(o: Options): void {
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`${name} ${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("--sessions", o.sessions, 1, keysMax - 1);
  int("--latency-sessions", o.latencySessions, 1, Math.floor((keysMax - o.sessions) / o.rates.length));
  int("--commands", o.commandsPerRound, o.sessions, 20_000_000);
  int("--rounds", o.rounds, 1, 100);
  int("--seed", o.seed, 0, 2 ** 31);
  if (o.journalBatchBytes !== 0) int("--journal-batch-bytes", o.journalBatchBytes, 1 << 16, 1 << 28);
  for (const rate of o.rates)
    if (!(rate >= 1 && rate <= 10_000_000)) throw new Error(`--rate ${rate} must be in [1, 1e7]`);
  if (!(o.feed === "" || o.feed === "on" || o.feed === "off"))
    throw new Error(`--feed must be on or off, not ${o.feed}`);
  if (!(o.latencySeconds > 0 && o.latencySeconds <= 600))
    throw new Error(`--latency-seconds ${o.latencySeconds} must be in (0, 600]`);
  if (!(o.warmupSeconds >= 0 && o.warmupSeconds <= 600))
    throw new Error(`--warmup-seconds ${o.warmupSeconds} must be in [0, 600]`);
  if (Math.max(...o.rates) * (o.latencySeconds + o.warmupSeconds) > 50_000_000)
    throw new Error("--rate x seconds above 50 M commands: the streams are encoded in memory");
}

// ---------------------------------------------------------------------------
// Report

function machineInfo(): Record<string, unknown> {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m !== null) cpu = m[1]!.trim();
  } catch {
    // Not Linux: os.cpus() already gave the model.
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    bun: Bun.version,
    bunRevision: Bun.revision,
  };
}

function revision(root: string): { commit: string; dirty: boolean | null } {
  const git = (args: string[]) => Bun.spawnSync(["git", ...args], { cwd: root, stdout: "pipe", stderr: "ignore" });
  const head = git(["rev-parse", "HEAD"]);
  const status = git(["status", "--porcelain", "--", "src"]);
  return {
    commit: head.exitCode === 0 ? head.stdout.toString().trim() : "unknown",
    dirty: status.exitCode === 0 ? status.stdout.toString().trim().length > 0 : null,
  };
}

function fmtRate(r: number): string {
  if (!Number.isFinite(r)) return "-";
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)} k`;
  return r.toFixed(0);
}

function fmtUs(ns: number): string {
  if (!Number.isFinite(ns)) return "-";
  if (ns >= 1e7) return `${(ns / 1e6).toFixed(0)} ms`;
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  return `${(ns / 1e3).toFixed(1)} µs`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

interface PolicyResult {
  policy: JournalPolicy;
  throughput: ThroughputResult;
  /** One run per offered rate, in the order given. */
  latency: LatencyResult[];
  exchangeExitCode: number | null;
}

function rejectsOf(totals: { rejectsByReason: Record<string, number> }): number {
  return Object.values(totals.rejectsByReason).reduce((a, b) => a + b, 0);
}

function percent(part: number, whole: number): string {
  return whole === 0 ? "-" : `${((100 * part) / whole).toFixed(1)}%`;
}

function printTables(results: PolicyResult[]): void {
  printThroughput(results);
  printLatency(results);
  console.log(
    "\ngw answered = commands the gateway answered itself (engine seq 0: its limits, unknown orders, journal full) " +
      "and that never reached the engine; eng rejects = rejected by the engine; cpu = CPU seconds per wall second " +
      "(1.00 = one core) of the exchange (all threads, /proc) and of this process (sender and receiver); lag = the " +
      "sender's own lateness (actual − scheduled send); gc = the exchange's collector pauses (count / total ms / " +
      "longest ms, every heap of the process; with --gc). The p99 target applies with the journal on (write, fsync).",
  );
}

function printThroughput(results: PolicyResult[]): void {
  const tRows = results.map((r) => {
    const t = r.throughput;
    const median = [...t.rounds].sort((a, b) => a.engineCommandsPerSec - b.engineCommandsPerSec)[
      Math.floor((t.rounds.length - 1) / 2)
    ]!;
    const sum = (f: (x: (typeof t.rounds)[number]) => number) => t.rounds.reduce((a, x) => a + f(x), 0);
    const commands = sum((x) => x.commands);
    const gateway = sum((x) => x.totals.gatewayAnswers);
    return [
      r.policy,
      `${t.sessions}`,
      `${t.rounds.length} x ${fmtRate(t.commandsPerRound)}`,
      fmtRate(t.commandsPerSecMedian),
      fmtRate(t.engineCommandsPerSecMedian),
      fmtRate(t.engineCommandsPerSecBest),
      percent(gateway, commands),
      percent(sum((x) => rejectsOf(x.totals)) - gateway, commands),
      percent(
        sum((x) => x.totals.fills),
        commands,
      ),
      median.cpu.exchangeCores.toFixed(2),
      median.cpu.senderCores.toFixed(2),
      gcCell(median.gc),
      target(t.engineCommandsPerSecMedian >= 1_000_000),
    ];
  });
  console.log(
    `\nthroughput (commands / s, first byte sent → last answer; ` +
      `"engine" counts only commands that reached the engine)\n${table(
        [
          ...["policy", "sessions", "rounds", "answered", "engine", "engine best", "gw answered", "eng rejects"],
          ...["fills/cmd", "cpu exch", "cpu send", "gc n / ms / max", "engine >= 1 M/s"],
        ],
        tRows,
      )}`,
  );
}

function printLatency(results: PolicyResult[]): void {
  const lRows = results.flatMap((r) =>
    r.latency.map((l) => {
      const p: Percentiles = l.latencyNs;
      return [
        r.policy,
        fmtRate(l.offeredPerSec),
        fmtRate(l.answeredPerSec),
        percent(l.totals.gatewayAnswers, l.totals.commands),
        fmtUs(p.p50),
        fmtUs(p.p90),
        fmtUs(p.p99),
        fmtUs(p.p999),
        fmtUs(p.max),
        fmtUs(l.sendLagNs.p99),
        fmtUs(l.sendLagNs.max),
        l.cpu.exchangeCores.toFixed(2),
        l.cpu.senderCores.toFixed(2),
        gcCell(l.gc),
        r.policy === "none" ? "-" : target(p.p99 < latencyP99TargetNs),
      ];
    }),
  );
  console.log(
    `\nlatency (scheduled send → answer; open loop, coordinated omission corrected)\n${table(
      [
        ...["policy", "offered", "answered", "gw answered", "p50", "p90", "p99", "p99.9", "max", "lag p99", "lag max"],
        ...["cpu exch", "cpu send", "gc n / ms / max", "p99 < 500 µs"],
      ],
      lRows,
    )}`,
  );
}

function target(met: boolean): string {
  return met ? "met" : "NOT met";
}

// ---------------------------------------------------------------------------

async function benchPolicy(policy: JournalPolicy, o: Options, running: Set<ExchangeProcess>): Promise<PolicyResult> {
  const bunFlags =
    o.cpuProfDir === null
      ? []
      : [
          "--cpu-prof",
          "--cpu-prof-md",
          `--cpu-prof-dir=${o.cpuProfDir}`,
          `--cpu-prof-name=exchange-${policy}-${process.pid}`,
        ];
  const cpus = o.pin ? `1-${os.cpus().length - 1}` : "";
  const x = await ExchangeProcess.start(o.root, {
    policy,
    bunFlags,
    cpus,
    journalBatchBytes: o.journalBatchBytes,
    feed: o.feed,
    gcLog: o.gc,
  });
  running.add(x);
  console.log(`\npolicy ${policy}: exchange pid ${x.pid} on 127.0.0.1:${x.port}, data ${x.dataDir}`);
  try {
    // Every run has users of its own: client order ids restart at 1 in each, and a user's live orders stay in the book.
    const keys = Array.from({ length: o.sessions + o.latencySessions * o.rates.length }, (_, i) => `loadtest-${i + 1}`);
    const log = (line: string) => console.log(line);
    const throughput = await throughputPhase(
      x,
      {
        keys: keys.slice(0, o.sessions),
        commandsPerRound: o.commandsPerRound,
        warmupRounds: 1,
        rounds: o.rounds,
        seed: o.seed,
      },
      log,
    );
    const latency: LatencyResult[] = [];
    for (const [k, rate] of o.rates.entries()) {
      const from = o.sessions + k * o.latencySessions;
      const run = {
        keys: keys.slice(from, from + o.latencySessions),
        rate,
        warmupSeconds: o.warmupSeconds,
        measureSeconds: o.latencySeconds,
        seed: o.seed,
      };
      latency.push(await latencyPhase(x, run, log));
    }
    running.delete(x);
    const exchangeExitCode = await x.stop();
    return { policy, throughput, latency, exchangeExitCode };
  } catch (e) {
    running.delete(x);
    const output = x.recentOutput();
    await x.stop();
    throw new Error(
      `policy ${policy}: ${e instanceof Error ? e.message : String(e)}\nexchange output (last lines):\n${output}`,
    );
  }
}

/** Ends the process (exit code 3) if the run is still going after its time limit. */
function startWatchdog(o: Options, running: Set<ExchangeProcess>): Timer {
  const limitMs = o.quick ? watchdogMs.quick : watchdogMs.full;
  const watchdog = setTimeout(() => {
    console.error(`gateway bench: still running after ${limitMs / 1000} s; stopping`);
    for (const x of running) x.killNow();
    process.exit(3);
  }, limitMs);
  watchdog.unref();
  return watchdog;
}

/** The JSON report: machine, revision, options, how each figure is measured, the targets and every result. */
function jsonReport(o: Options, machine: Record<string, unknown>, results: PolicyResult[], totalSeconds: number) {
  return {
    schema: "exchange-core-bun/bench-gateway/1",
    date: new Date().toISOString(),
    machine,
    revision: revision(o.root),
    config: { ...o, stream: defaultShape },
    methods: {
      throughput:
        "per round, every session's pre-encoded commands are written as fast as its socket takes them; commands/s " +
        "= commands / (first byte written → arrival of the last answer); one warm-up round is discarded; each " +
        "command has exactly one answer (accepted/rejected, cancelled by user/rejected, modified/rejected), " +
        "checked to name the command's client order id in order",
      latency:
        "open loop: command k of session i of m is due at start + (k*m + i)/rate; a setImmediate loop writes what " +
        "is due; latency = answer arrival − due time (coordinated omission corrected), warm-up discarded; service " +
        "= arrival − actual send; send lag = actual send − due",
      cpu:
        "CPU seconds over the window: the exchange's utime+stime from /proc/<pid>/stat (all threads), " +
        "this process's from process.cpuUsage()",
    },
    targets: {
      engineMillionPerSec: Object.fromEntries(
        results.map((r) => [r.policy, r.throughput.engineCommandsPerSecMedian >= 1_000_000]),
      ),
      latencyP99Below500usAt100k: Object.fromEntries(
        results
          .filter((r) => r.policy !== "none")
          .flatMap((r) =>
            r.latency
              .filter((l) => l.offeredPerSec === 100_000)
              .map((l) => [r.policy, l.latencyNs.p99 < latencyP99TargetNs]),
          ),
      ),
      latencyP99Below100usAt100k: Object.fromEntries(
        results
          .filter((r) => r.policy !== "none")
          .flatMap((r) =>
            r.latency.filter((l) => l.offeredPerSec === 100_000).map((l) => [r.policy, l.latencyNs.p99 < 100_000]),
          ),
      ),
    },
    policies: Object.fromEntries(results.map((r) => [r.policy, r])),
    totalSeconds,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const started = performance.now();
  const machine = machineInfo();
  const loadAtStart = os.loadavg();
  const running = new Set<ExchangeProcess>();
  process.on("exit", () => {
    for (const x of running) x.killNow();
  });
  const watchdog = startWatchdog(o, running);
  console.log(
    `gateway bench: ${machine.cpu} x${machine.cores}, bun ${machine.bun}, ` +
      `policies ${o.policies.join(", ")}${o.quick ? " (quick)" : ""}` +
      `${o.pin ? ", pinned (bench CPU 0, exchange the rest)" : ""}, seed ${o.seed}`,
  );
  if (o.pin) {
    if (os.cpus().length < 2) throw new Error("--pin needs at least 2 CPUs");
    pinSelf("0");
  }
  if (loadAtStart[0]! > 0.5)
    console.log(
      `warning: load average ${loadAtStart[0]!.toFixed(2)} at start; other processes will disturb the figures`,
    );
  const results: PolicyResult[] = [];
  for (const policy of o.policies) results.push(await benchPolicy(policy, o, running));
  printTables(results);
  const totalSeconds = (performance.now() - started) / 1e3;
  console.log(`\ntotal ${totalSeconds.toFixed(1)} s`);
  if (o.json !== null) {
    const machineLoad = { ...machine, loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() } };
    const doc = jsonReport(o, machineLoad, results, totalSeconds);
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${o.json}`);
  }
  clearTimeout(watchdog);
}

try {
  await main();
  process.exit(0);
} catch (e) {
  console.error(`gateway bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
