// Kafka mode end to end on this machine: a real broker (started here), the
// real exchange in Kafka mode (`bun src/server/main.ts`, mode = "full", 12
// partitions, one engine shard each, fresh topics per round) and this
// process as the load.
//
//   ./bunw bench/kafka-mode.bench.ts [--quick] [--json <file>] [--rounds n] ...  (--help)
//
// Per round, in this order (interleaved rounds: a slow minute of a shared
// machine touches every case alike; tables show the median and min–max):
// throughput  the pre-encoded stream (bench/kafka-mode/workload.ts) produced
//             as fast as the producer goes; orders/s = orders / (first
//             produce → last `executions` record consumed); CPU split of
//             broker, exchange and load from /proc.
// latency     open loop at --rate orders/s (default 50k): stamp = due time,
//             latency = first report consumed − due (bench/kafka-mode/cases.ts).
// tcp         the TCP gateway's answer latency at --rate commands/s
//             (bench/gateway/phases.ts latencyPhase: the gateway bench's
//             open loop and command stream) against the exchange in Kafka
//             mode and, beside it, in journal mode (policy write).
// Each case is a mitata-free open or closed loop timed by hand (one sample
// per round is the whole run); `mitata` would repeat a multi-second run.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { type KafkaBroker, startKafka } from "../scripts/kafka.ts";
import { Admin } from "../src/kafka/index.ts";
import { ensureTopics, defaultTopics, type KafkaModeTopics } from "../src/kafka/mode/topics.ts";
import { librdkafkaVersion } from "../src/kafka/version.ts";
import { freePort } from "../test/support/ports.ts";
import { ExchangeProcess } from "./gateway/exchange-process.ts";
import { fmtRate, spread, type Spread } from "./report.ts";
import { latencyPhase, type LatencyResult } from "./gateway/phases.ts";
import {
  type CpuSplit,
  type LatencyRound,
  latencyCase,
  type ThroughputRound,
  throughputCase,
  withCpu,
} from "./kafka-mode/cases.ts";
import { benchEngine, buildWorkload, type Workload } from "./kafka-mode/workload.ts";

const root = join(import.meta.dir, "..");

const HELP = `bun bench/kafka-mode.bench.ts [flags]
  --quick              a short run (about a minute plus broker start): 1 round, 100k orders, 2 s of latency
  --rounds <n>         interleaved rounds (default 3; quick 1)
  --orders <n>         throughput: orders per round (default 1000000; quick 100000)
  --partitions <n>     partitions of orders and the outputs: engine shards (default 12)
  --rate <r>           latency and tcp: offered orders/s (default 50000)
  --seconds <s>        latency and tcp: seconds per round, warm-up included (default 6; quick 2)
  --no-tcp             skip the TCP gateway case
  --json <file>        also write every figure as JSON
  --help`;

interface Options {
  quick: boolean;
  rounds: number;
  orders: number;
  partitions: number;
  rate: number;
  seconds: number;
  tcp: boolean;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const given = new Map<string, string>();
  let quick = false;
  let tcp = true;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    }
    if (a === "--quick") quick = true;
    else if (a === "--no-tcp") tcp = false;
    else {
      if (!["--rounds", "--orders", "--partitions", "--rate", "--seconds", "--json"].includes(a))
        throw new Error(`unknown flag ${a}\n${HELP}`);
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      given.set(a, v);
    }
  }
  const num = (flag: string, fallback: number) => (given.has(flag) ? Number(given.get(flag)) : fallback);
  const o: Options = {
    quick,
    rounds: num("--rounds", quick ? 1 : 3),
    orders: num("--orders", quick ? 100_000 : 1_000_000),
    partitions: num("--partitions", 12),
    rate: num("--rate", 50_000),
    seconds: num("--seconds", quick ? 2 : 6),
    tcp,
    json: given.get("--json") ?? null,
  };
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`${name} ${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("--rounds", o.rounds, 1, 50);
  int("--orders", o.orders, 1_000, 20_000_000);
  int("--partitions", o.partitions, 1, 64);
  int("--rate", o.rate, 100, 1_000_000);
  if (!(o.seconds > 0 && o.seconds <= 600)) throw new Error(`--seconds ${o.seconds} must be in (0, 600]`);
  return o;
}

/** Topics of one round: the mode's names under a fresh prefix. */
function roundTopics(round: number, partitions: number): KafkaModeTopics {
  const t = defaultTopics();
  for (const s of Object.values(t)) {
    s.name = `bench${process.pid}r${round}.${s.name}`;
    if (!s.name.endsWith(".dlq"))
      s.partitions = s.name.endsWith("market_data") ? Math.max(1, partitions >> 1) : partitions;
  }
  return t;
}

/** The exchange in Kafka mode on `topics` (every shard in it), or in journal mode when `topics` is null. */
async function exchange(
  bootstrap: string,
  topics: KafkaModeTopics | null,
  symbols: unknown[] | null,
): Promise<ExchangeProcess> {
  const config: Record<string, unknown> =
    topics === null
      ? {}
      : {
          mode: "full",
          snapshots: { enabled: false },
          engine: benchEngine,
          ...(symbols === null ? {} : { symbols }),
          kafka: {
            brokers: [bootstrap],
            clientId: `bench-${process.pid}`,
            topics: {
              orders: topics.orders.name,
              ordersDeadLetter: topics.ordersDeadLetter.name,
              executions: topics.executions.name,
              matches: topics.matches.name,
              marketData: topics.marketData.name,
            },
            partitions: {
              orders: topics.orders.partitions,
              ordersDeadLetter: 1,
              executions: topics.executions.partitions,
              matches: topics.matches.partitions,
              marketData: topics.marketData.partitions,
            },
          },
        };
  return await ExchangeProcess.start(root, {
    policy: "write",
    bunFlags: [],
    cpus: "",
    journalBatchBytes: 0,
    config,
    startTimeoutMs: 120_000,
  });
}

interface RoundResult {
  throughput: ThroughputRound & { cpu: CpuSplit };
  latency: LatencyRound & { cpu: CpuSplit };
  tcpKafka: LatencyResult | null;
  tcpJournal: LatencyResult | null;
}

const fmtMs = (ns: number) => `${(ns / 1e6).toFixed(2)} ms`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

function summarize(rounds: RoundResult[]) {
  const tcp = (f: (r: RoundResult) => LatencyResult | null, g: (l: LatencyResult) => number) => {
    const values = rounds
      .map(f)
      .filter((v): v is LatencyResult => v !== null)
      .map(g);
    return values.length === 0 ? null : spread(values);
  };
  return {
    ordersPerSec: spread(rounds.map((r) => r.throughput.ordersPerSec)),
    throughputCpu: {
      broker: spread(rounds.map((r) => r.throughput.cpu.brokerCores)).median,
      exchange: spread(rounds.map((r) => r.throughput.cpu.exchangeCores)).median,
      load: spread(rounds.map((r) => r.throughput.cpu.loadCores)).median,
    },
    latencyP50Ns: spread(rounds.map((r) => r.latency.latencyNs.p50)),
    latencyP99Ns: spread(rounds.map((r) => r.latency.latencyNs.p99)),
    latencyCpu: {
      broker: spread(rounds.map((r) => r.latency.cpu.brokerCores)).median,
      exchange: spread(rounds.map((r) => r.latency.cpu.exchangeCores)).median,
      load: spread(rounds.map((r) => r.latency.cpu.loadCores)).median,
    },
    tcpKafkaP50Ns: tcp(
      (r) => r.tcpKafka,
      (l) => l.latencyNs.p50,
    ),
    tcpKafkaP99Ns: tcp(
      (r) => r.tcpKafka,
      (l) => l.latencyNs.p99,
    ),
    tcpJournalP50Ns: tcp(
      (r) => r.tcpJournal,
      (l) => l.latencyNs.p50,
    ),
    tcpJournalP99Ns: tcp(
      (r) => r.tcpJournal,
      (l) => l.latencyNs.p99,
    ),
  };
}

function printTables(o: Options, s: ReturnType<typeof summarize>): void {
  console.log(
    `\nthroughput: orders → ${o.partitions} engine shards → executions ` +
      `(orders/s; median of ${o.rounds} rounds, min – max; cpu = cores)\n${table(
        ["case", "median", "spread", "cpu broker", "cpu exchange", "cpu load"],
        [
          [
            "sustained orders/s",
            fmtRate(s.ordersPerSec.median),
            `${fmtRate(s.ordersPerSec.min)} – ${fmtRate(s.ordersPerSec.max)}`,
            s.throughputCpu.broker.toFixed(2),
            s.throughputCpu.exchange.toFixed(2),
            s.throughputCpu.load.toFixed(2),
          ],
        ],
      )}`,
  );
  const ms = (name: string, x: Spread | null) =>
    x === null ? [name, "-", "-"] : [name, fmtMs(x.median), `${fmtMs(x.min)} – ${fmtMs(x.max)}`];
  console.log(
    `\nlatency at ${fmtRate(o.rate)} orders/s offered (median of ${o.rounds} rounds, min – max)\n${table(
      ["figure", "median", "spread"],
      [
        ms("produce → execution consumed, p50", s.latencyP50Ns),
        ms("produce → execution consumed, p99", s.latencyP99Ns),
        ms("TCP ack, Kafka mode, p50", s.tcpKafkaP50Ns),
        ms("TCP ack, Kafka mode, p99", s.tcpKafkaP99Ns),
        ms("TCP ack, journal mode (write), p50", s.tcpJournalP50Ns),
        ms("TCP ack, journal mode (write), p99", s.tcpJournalP99Ns),
      ],
    )}`,
  );
}

/** The TCP order-entry latency against the exchange in Kafka mode and in journal mode (write). */
async function tcpCases(
  o: Options,
  r: number,
  bootstrap: string,
  admin: Admin,
  running: ExchangeProcess[],
): Promise<{ tcpKafka: LatencyResult | null; tcpJournal: LatencyResult | null }> {
  let tcpKafka: LatencyResult | null = null;
  let tcpJournal: LatencyResult | null = null;
  const tcpTopics = roundTopics(r + 1000, o.partitions);
  await ensureTopics(admin, tcpTopics, 1, 120_000);
  const keys = ["loadtest-1", "loadtest-2"];
  const run = {
    keys,
    rate: o.rate,
    warmupSeconds: o.seconds * 0.25,
    measureSeconds: o.seconds * 0.75,
    seed: 42 + r,
  };
  for (const mode of ["kafka", "journal"] as const) {
    const xt = await exchange(bootstrap, mode === "kafka" ? tcpTopics : null, null);
    running.push(xt);
    try {
      const result = await latencyPhase(xt, run, () => {});
      if (mode === "kafka") tcpKafka = result;
      else tcpJournal = result;
    } finally {
      await xt.stop();
      running.splice(running.indexOf(xt), 1);
    }
  }
  return { tcpKafka, tcpJournal };
}

/** The JSON report: machine, options, workload, how each figure is measured, the summary and every round. */
function jsonReport(
  o: Options,
  loadAtStart: number[],
  w: Workload,
  summary: ReturnType<typeof summarize>,
  rounds: RoundResult[],
  totalSeconds: number,
) {
  return {
    schema: "exchange-core-bun/bench-kafka-mode/1",
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      bun: Bun.version,
      librdkafka: librdkafkaVersion(),
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() },
    },
    config: { ...o, engine: benchEngine },
    workload: {
      orders: w.count,
      symbols: w.symbols.map((s) => s.name),
      executions: w.executions,
      trades: w.trades,
    },
    methods: {
      throughput:
        "orders produced as fast as the load's producer goes (one call per order, linger 5 ms, lz4) to " +
        "`orders` (12 partitions: 12 engine shards in one exchange process); orders/s = orders / (first " +
        "produce -> last of the workload's execution reports consumed from `executions`)",
      latency:
        "open loop at `rate`: order k due at start + k/rate, stamped with its due time (the shard's " +
        "receive time); latency = its first report consumed - due; first 20% dropped",
      tcp:
        "bench/gateway/phases.ts latencyPhase (2 sessions, the gateway bench's command stream) against the " +
        "exchange in Kafka mode and in journal mode (write)",
      cpu:
        "CPU seconds per wall second over each case from /proc/<pid>/stat: broker, exchange, " +
        "this process (the load)",
      rounds:
        "every round runs every case once in the same order, on fresh topics and a fresh exchange; " +
        "medians and min-max over rounds",
    },
    summary,
    rounds,
    totalSeconds,
  };
}

/** One round: every case once, on fresh topics and a fresh exchange. */
async function runRound(
  o: Options,
  r: number,
  broker: KafkaBroker,
  admin: Admin,
  w: Workload,
  running: ExchangeProcess[],
): Promise<RoundResult> {
  const bootstrap = broker.bootstrapServers;
  const topics = roundTopics(r, o.partitions);
  await ensureTopics(admin, topics, 1, 120_000);
  const x = await exchange(bootstrap, topics, w.symbols);
  running.push(x);
  const pids = { broker: broker.pid, exchange: x.pid };
  const t = {
    orders: topics.orders.name,
    executions: topics.executions.name,
    executionPartitions: topics.executions.partitions,
  };
  const throughput = await withCpu(pids, () => throughputCase(bootstrap, t, w, 600_000));
  const latency = await withCpu(pids, () =>
    latencyCase(bootstrap, t, w.symbols[0]!.name, o.partitions, 0, o.rate, o.seconds, 300_000),
  );
  await x.stop();
  running.splice(running.indexOf(x), 1);
  const { tcpKafka, tcpJournal } = o.tcp
    ? await tcpCases(o, r, bootstrap, admin, running)
    : { tcpKafka: null, tcpJournal: null };
  console.log(
    `round ${r + 1}/${o.rounds}: ${fmtRate(throughput.result.ordersPerSec)} orders/s (cpu ` +
      `broker ${throughput.cpu.brokerCores.toFixed(2)}, exchange ${throughput.cpu.exchangeCores.toFixed(2)}, ` +
      `load ${throughput.cpu.loadCores.toFixed(2)}); ` +
      `latency p50 ${fmtMs(latency.result.latencyNs.p50)} p99 ${fmtMs(latency.result.latencyNs.p99)}` +
      (tcpKafka === null || tcpJournal === null
        ? ""
        : `; tcp ack p99 kafka ${fmtMs(tcpKafka.latencyNs.p99)}, journal ${fmtMs(tcpJournal.latencyNs.p99)}`),
  );
  return {
    throughput: { ...throughput.result, cpu: throughput.cpu },
    latency: { ...latency.result, cpu: latency.cpu },
    tcpKafka,
    tcpJournal,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const startedMs = performance.now();
  const loadAtStart = os.loadavg();
  const watchdog = setTimeout(() => {
    console.error("kafka-mode bench: still running after 60 minutes; stopping");
    process.exit(3);
  }, 60 * 60_000);
  watchdog.unref();
  const dir = mkdtempSync(join(os.tmpdir(), "kafka-mode-bench-"));
  let broker: KafkaBroker | null = null;
  const running: ExchangeProcess[] = [];
  process.on("exit", () => {
    for (const x of running) x.killNow();
  });
  try {
    broker = await startKafka({ port: freePort(), controllerPort: freePort(), dir });
    const bootstrap = broker.bootstrapServers;
    console.log(
      `kafka-mode bench: librdkafka ${librdkafkaVersion()}, broker pid ${broker.pid}, ${os.cpus().length} ` +
        `cores, load ${loadAtStart[0]!.toFixed(2)}${o.quick ? " (quick)" : ""}`,
    );
    if (loadAtStart[0]! > 0.5)
      console.log(
        `warning: load average ${loadAtStart[0]!.toFixed(2)} at start; other processes will disturb the figures`,
      );
    const built = performance.now();
    const w = buildWorkload(o.orders, o.partitions, 1000);
    console.log(
      `workload: ${w.count} orders over ${w.symbols.length} symbols, ${w.executions} execution ` +
        `reports, ${w.trades} trades (built in ${((performance.now() - built) / 1000).toFixed(1)} s)`,
    );
    const admin = new Admin({
      bootstrapServers: bootstrap,
      clientId: "bench-admin",
      operationTimeoutMs: 30_000,
      requestTimeoutMs: 30_000,
    });
    const rounds: RoundResult[] = [];
    for (let r = 0; r < o.rounds; r++) rounds.push(await runRound(o, r, broker, admin, w, running));
    admin.close();
    const summary = summarize(rounds);
    printTables(o, summary);
    const totalSeconds = (performance.now() - startedMs) / 1000;
    console.log(`\ntotal ${totalSeconds.toFixed(1)} s`);
    if (o.json !== null) {
      const doc = jsonReport(o, loadAtStart, w, summary, rounds, totalSeconds);
      writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
      console.log(`wrote ${o.json}`);
    }
  } finally {
    for (const x of running) await x.stop();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

try {
  await main();
  process.exit(0);
} catch (e) {
  console.error(`kafka-mode bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
