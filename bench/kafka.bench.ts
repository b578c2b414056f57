// The Kafka client (src/kafka, librdkafka through bun:ffi) against a real
// broker on this machine: produce and consume throughput of small messages on
// one partition, and produce latency at a fixed offered rate.
//
//   ./bunw bench/kafka.bench.ts [--quick] [--json <file>] [--rounds n] ...  (--help)
//
// Every round runs every case once, in the same order (interleaved rounds, so
// a slow minute of a shared machine touches all cases alike); the tables show
// the median of the rounds and their spread (min–max).
//
// produce     mitata `measure`: one sample = produce `chunk` messages of
//             `bytes` bytes to partition 0 and serve delivery reports until
//             every one is acknowledged (acks=all, idempotent). msgs/s =
//             chunk / mean sample time. Two ways in: `produce` (one FFI call
//             per message) and `produceBatch` (rd_kafka_produce_batch, 1000
//             per call).
// consume     mitata `measure`: one sample = poll until `chunk` more messages
//             were copied out (a consumer that keeps its position across
//             samples; the topic always holds more than it has read).
// latency     open loop at `rate` msgs/s for `seconds`: message k is due at
//             start + k/rate; the loop produces what is due, then waits for
//             delivery reports for at most 1 ms. latency = acknowledgement
//             served − due time (coordinated omission corrected); service =
//             acknowledgement − actual produce call. Warm-up (first 20%) dropped.
// cpu         CPU seconds per wall second of the broker and of this process
//             (all threads, librdkafka's included), from /proc/<pid>/stat, over each case.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { measure } from "mitata";
import { type KafkaBroker, startKafka } from "../scripts/kafka.ts";
import {
  Admin,
  Consumer,
  ErrorCode,
  Offset,
  ProduceBatch,
  Producer,
  type ProducerOptions,
  ProduceRecord,
} from "../src/kafka/index.ts";
import { librdkafkaVersion } from "../src/kafka/version.ts";
import { freePort } from "../test/support/ports.ts";
import { type Spread, spread } from "./report.ts";

const HELP = `bun bench/kafka.bench.ts [flags]
  --quick              a short run (~20 s plus broker start): 2 rounds, small chunks, 1 s of latency
  --rounds <n>         interleaved rounds (default 5; quick 2)
  --chunk <n>          messages per throughput sample (default 200000; quick 20000)
  --samples <n>        mitata samples per throughput case per round (default 5; quick 3)
  --bytes <n>          message value bytes (default 64)
  --rate <r>           latency: offered messages/s (default 50000)
  --seconds <s>        latency: seconds per round, warm-up included (default 5; quick 1)
  --bootstrap <h:p>    use this broker instead of starting one (its CPU is then not reported)
  --json <file>        also write every figure as JSON
  --help`;

interface Options {
  quick: boolean;
  rounds: number;
  chunk: number;
  samples: number;
  bytes: number;
  rate: number;
  seconds: number;
  bootstrap: string | null;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const given = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    }
    if (a === "--quick") {
      quick = true;
      continue;
    }
    if (!["--rounds", "--chunk", "--samples", "--bytes", "--rate", "--seconds", "--bootstrap", "--json"].includes(a))
      throw new Error(`unknown flag ${a}\n${HELP}`);
    const v = argv[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    given.set(a, v);
  }
  const num = (flag: string, fallback: number) => (given.has(flag) ? Number(given.get(flag)) : fallback);
  const o: Options = {
    quick,
    rounds: num("--rounds", quick ? 2 : 5),
    chunk: num("--chunk", quick ? 20_000 : 200_000),
    samples: num("--samples", quick ? 3 : 5),
    bytes: num("--bytes", 64),
    rate: num("--rate", 50_000),
    seconds: num("--seconds", quick ? 1 : 5),
    bootstrap: given.get("--bootstrap") ?? null,
    json: given.get("--json") ?? null,
  };
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`${name} ${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("--rounds", o.rounds, 1, 100);
  int("--chunk", o.chunk, 1_000, 10_000_000);
  int("--samples", o.samples, 1, 1_000);
  int("--bytes", o.bytes, 4, 1_000_000);
  int("--rate", o.rate, 1, 2_000_000);
  if (!(o.seconds > 0 && o.seconds <= 600)) throw new Error(`--seconds ${o.seconds} must be in (0, 600]`);
  return o;
}

// ---------------------------------------------------------------------------
// Measurement helpers

interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function percentiles(values: Float64Array): Percentiles {
  const s = values.slice().sort();
  const n = s.length;
  if (n === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const at = (q: number) => s[Math.floor(q * (n - 1))]!;
  return { count: n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: s[n - 1]! };
}

/** CPU seconds (user + system, all threads) of a process, from /proc; null when it cannot be read. */
function processCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

interface CpuSplit {
  brokerCores: number | null;
  benchCores: number;
}

/** Runs `body` and reports CPU seconds per wall second of the broker and of this process over it. */
async function withCpu<T>(brokerPid: number | null, body: () => Promise<T>): Promise<{ result: T; cpu: CpuSplit }> {
  const broker0 = processCpuSeconds(brokerPid);
  // /proc for this process too: it counts librdkafka's threads, which do the sending and receiving.
  const self0 = processCpuSeconds(process.pid)!;
  const wall0 = performance.now();
  const result = await body();
  const wallS = (performance.now() - wall0) / 1000;
  const self1 = processCpuSeconds(process.pid)!;
  const broker1 = processCpuSeconds(brokerPid);
  return {
    result,
    cpu: {
      brokerCores: broker0 === null || broker1 === null ? null : (broker1 - broker0) / wallS,
      benchCores: (self1 - self0) / wallS,
    },
  };
}

// ---------------------------------------------------------------------------
// Cases

/** Throughput settings: batches fill up; nothing waits long for company. */
function throughputProducerOptions(bootstrap: string, onDelivery: ProducerOptions["onDelivery"]): ProducerOptions {
  return {
    bootstrapServers: bootstrap,
    clientId: "bench-produce",
    lingerMs: 5,
    batchMessagesMax: 10_000,
    batchBytesMax: 1_000_000,
    queueMessagesMax: 1_000_000,
    queueKbytesMax: 1_048_576,
    messageBytesMax: 1_000_000,
    deliveryTimeoutMs: 300_000,
    compression: "none",
    onDelivery,
  };
}

interface Bench {
  o: Options;
  topic: string;
  brokerPid: number | null;
  bootstrap: string;
  value: Uint8Array;
}

/** mitata samples of "produce `chunk` messages and wait for every acknowledgement". */
async function produceCase(
  b: Bench,
  batched: boolean,
): Promise<{ msgsPerSec: number; sampleNs: Record<string, number> }> {
  let acked = 0;
  let failed = 0;
  const producer = new Producer(
    throughputProducerOptions(b.bootstrap, (_opaque, _partition, _offset, errorCode) => {
      acked++;
      if (errorCode !== 0) failed++;
    }),
  );
  const record = new ProduceRecord();
  record.topic = producer.topic(b.topic);
  record.partition = 0;
  record.setValue(b.value);
  const batch = new ProduceBatch(1_000);
  const chunk = b.o.chunk;
  const produceOne = () => {
    while (producer.produce(record) === ErrorCode._QUEUE_FULL) producer.poll(1);
  };
  const produceBatched = () => {
    batch.add(record);
    if (!batch.full) return;
    let queued = producer.produceBatch(record.topic, batch);
    // A full queue refuses the tail of the batch; offer the refused count again once reports free room.
    while (queued < batch.capacity) {
      producer.poll(1);
      const refused = batch.capacity - queued;
      for (let i = 0; i < refused; i++) batch.add(record);
      queued += producer.produceBatch(record.topic, batch);
    }
  };
  const stats = await measure(
    () => {
      const target = acked + chunk;
      for (let i = 0; i < chunk; i++) {
        if (batched) produceBatched();
        else produceOne();
        if ((i & 1023) === 0) producer.poll(0);
      }
      if (batched && batch.count > 0) producer.produceBatch(record.topic, batch);
      while (acked < target) producer.poll(100);
    },
    {
      min_samples: b.o.samples,
      max_samples: b.o.samples,
      min_cpu_time: 0,
      warmup_samples: 0,
      warmup_threshold: 0,
      gc: false,
    },
  );
  if (failed > 0) throw new Error(`${failed} messages failed delivery`);
  producer.close(60_000);
  return {
    msgsPerSec: (chunk / stats.avg) * 1e9,
    sampleNs: { min: stats.min, p50: stats.p50, avg: stats.avg, max: stats.max },
  };
}

/** mitata samples of "poll until `chunk` more messages were copied out". */
async function consumeCase(
  b: Bench,
  consumer: Consumer,
): Promise<{ msgsPerSec: number; sampleNs: Record<string, number> }> {
  const chunk = b.o.chunk;
  let bytesSeen = 0;
  const stats = await measure(
    () => {
      let got = 0;
      const deadline = performance.now() + 120_000;
      while (got < chunk) {
        const batch = consumer.poll(100);
        got += batch.count;
        bytesSeen += batch.bytesUsed;
        if (performance.now() > deadline)
          throw new Error(`consumed ${got} of ${chunk} within 120 s: is the topic short of messages?`);
      }
    },
    {
      min_samples: b.o.samples,
      max_samples: b.o.samples,
      min_cpu_time: 0,
      warmup_samples: 0,
      warmup_threshold: 0,
      gc: false,
    },
  );
  if (bytesSeen === 0) throw new Error("consumer copied no bytes");
  return {
    msgsPerSec: (chunk / stats.avg) * 1e9,
    sampleNs: { min: stats.min, p50: stats.p50, avg: stats.avg, max: stats.max },
  };
}

interface LatencyRound {
  offeredPerSec: number;
  ackedPerSec: number;
  latencyNs: Percentiles;
  serviceNs: Percentiles;
}

async function latencyCase(b: Bench): Promise<LatencyRound> {
  const total = Math.round(b.o.rate * b.o.seconds);
  const warmup = Math.floor(total * 0.2);
  const dueNs = new Float64Array(total);
  const sentNs = new Float64Array(total);
  const latency = new Float64Array(total - warmup);
  const service = new Float64Array(total - warmup);
  let acked = 0;
  let failed = 0;
  const producer = new Producer({
    ...throughputProducerOptions(b.bootstrap, (opaque, _partition, _offset, errorCode) => {
      const now = Bun.nanoseconds();
      acked++;
      if (errorCode !== 0) failed++;
      if (opaque >= warmup) {
        latency[opaque - warmup] = now - dueNs[opaque]!;
        service[opaque - warmup] = now - sentNs[opaque]!;
      }
    }),
    clientId: "bench-latency",
    // Latency settings: a message waits at most 1 ms for company.
    lingerMs: 1,
  });
  const record = new ProduceRecord();
  record.topic = producer.topic(b.topic);
  record.partition = 0;
  record.setValue(b.value);
  const intervalNs = 1e9 / b.o.rate;
  const startNs = Bun.nanoseconds();
  let next = 0;
  while (acked < total) {
    const now = Bun.nanoseconds();
    while (next < total && startNs + next * intervalNs <= now) {
      record.opaque = next;
      dueNs[next] = startNs + next * intervalNs;
      sentNs[next] = Bun.nanoseconds();
      if (producer.produce(record) !== 0) throw new Error(`produce refused message ${next}`);
      next++;
    }
    producer.poll(1);
    if (Bun.nanoseconds() - startNs > (b.o.seconds + 120) * 1e9)
      throw new Error(`latency case: ${acked} of ${total} acknowledged after ${b.o.seconds + 120} s`);
  }
  const elapsedS = (Bun.nanoseconds() - startNs) / 1e9;
  if (failed > 0) throw new Error(`${failed} messages failed delivery`);
  producer.close(60_000);
  return {
    offeredPerSec: b.o.rate,
    ackedPerSec: total / elapsedS,
    latencyNs: percentiles(latency),
    serviceNs: percentiles(service),
  };
}

// ---------------------------------------------------------------------------
// Report

function fmtRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)} k`;
  return r.toFixed(0);
}

function fmtMs(ns: number): string {
  return `${(ns / 1e6).toFixed(2)} ms`;
}

function fmtCores(c: number | null): string {
  return c === null ? "-" : c.toFixed(2);
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[]) =>
    cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join("  ");
  return [line(header), widths.map((n) => "-".repeat(n)).join("  "), ...rows.map(line)].join("\n");
}

interface RoundResult {
  produce: { msgsPerSec: number; sampleNs: Record<string, number>; cpu: CpuSplit };
  produceBatch: { msgsPerSec: number; sampleNs: Record<string, number>; cpu: CpuSplit };
  consume: { msgsPerSec: number; sampleNs: Record<string, number>; cpu: CpuSplit };
  latency: LatencyRound & { cpu: CpuSplit };
}

function summarize(rounds: RoundResult[]) {
  const median = (f: (r: RoundResult) => number | null) => {
    const values = rounds.map(f).filter((v): v is number => v !== null);
    return values.length === 0 ? null : spread(values).median;
  };
  return {
    produceMsgsPerSec: spread(rounds.map((r) => r.produce.msgsPerSec)),
    produceBatchMsgsPerSec: spread(rounds.map((r) => r.produceBatch.msgsPerSec)),
    consumeMsgsPerSec: spread(rounds.map((r) => r.consume.msgsPerSec)),
    latencyP50Ns: spread(rounds.map((r) => r.latency.latencyNs.p50)),
    latencyP99Ns: spread(rounds.map((r) => r.latency.latencyNs.p99)),
    serviceP99Ns: spread(rounds.map((r) => r.latency.serviceNs.p99)),
    cpuMedian: {
      produce: { broker: median((r) => r.produce.cpu.brokerCores), bench: median((r) => r.produce.cpu.benchCores) },
      produceBatch: {
        broker: median((r) => r.produceBatch.cpu.brokerCores),
        bench: median((r) => r.produceBatch.cpu.benchCores),
      },
      consume: { broker: median((r) => r.consume.cpu.brokerCores), bench: median((r) => r.consume.cpu.benchCores) },
      latency: { broker: median((r) => r.latency.cpu.brokerCores), bench: median((r) => r.latency.cpu.benchCores) },
    },
  };
}

function printTables(o: Options, summary: ReturnType<typeof summarize>): void {
  const rate = (name: string, s: Spread, cpu: { broker: number | null; bench: number | null }) => [
    name,
    fmtRate(s.median),
    `${fmtRate(s.min)} – ${fmtRate(s.max)}`,
    fmtCores(cpu.broker),
    fmtCores(cpu.bench),
  ];
  console.log(
    `\nthroughput, ${o.bytes}-byte messages, one partition, acks=all ` +
      `(msgs/s; median of ${o.rounds} rounds, min – max)\n${table(
        ["case", "median", "spread", "cpu broker", "cpu bench"],
        [
          rate("produce (one call per message)", summary.produceMsgsPerSec, summary.cpuMedian.produce),
          rate("produceBatch (1000 per call)", summary.produceBatchMsgsPerSec, summary.cpuMedian.produceBatch),
          rate("consume (batch poll, copied out)", summary.consumeMsgsPerSec, summary.cpuMedian.consume),
        ],
      )}`,
  );
  const ms = (name: string, s: Spread) => [name, fmtMs(s.median), `${fmtMs(s.min)} – ${fmtMs(s.max)}`];
  console.log(
    `\nproduce latency at ${fmtRate(o.rate)} msgs/s offered ` +
      `(due → acknowledgement served; median of ${o.rounds} rounds, min – max)\n${table(
        ["figure", "median", "spread"],
        [
          ms("p50", summary.latencyP50Ns),
          ms("p99", summary.latencyP99Ns),
          ms("service p99 (call → ack)", summary.serviceP99Ns),
        ],
      )}`,
  );
  console.log(`cpu = CPU seconds per wall second (1.00 = one core): broker from /proc, bench = this process.`);
}

// ---------------------------------------------------------------------------

/** A fresh one-partition topic for this run. */
async function createTopic(bootstrap: string): Promise<string> {
  const admin = new Admin({
    bootstrapServers: bootstrap,
    clientId: "bench-admin",
    operationTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  });
  const topic = `bench-${process.pid}-${Date.now()}`;
  await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, config: {} }]);
  await admin.waitForTopics([topic], 60_000, 1);
  admin.close();
  return topic;
}

/** The consume case's consumer, every option set here. */
function benchConsumer(bootstrap: string): Consumer {
  return new Consumer({
    bootstrapServers: bootstrap,
    clientId: "bench-consume",
    groupId: `bench-${process.pid}`,
    batchMessagesMax: 10_000,
    batchArenaBytes: 8 << 20,
    batchHeadersMax: 0,
    fetchMaxBytes: 16 << 20,
    partitionFetchMaxBytes: 8 << 20,
    fetchWaitMaxMs: 10,
    queuedMinMessages: 1_000_000,
    queuedMaxKbytes: 131_072,
    autoOffsetReset: "earliest",
    sessionTimeoutMs: 10_000,
    maxPollIntervalMs: 300_000,
  });
}

/** The JSON report: machine, options, how each figure is measured, the summary and every round. */
function jsonReport(
  o: Options,
  loadAtStart: number[],
  summary: ReturnType<typeof summarize>,
  rounds: RoundResult[],
  totalSeconds: number,
) {
  return {
    schema: "exchange-core-bun/bench-kafka/1",
    date: new Date().toISOString(),
    machine: {
      cpu: os.cpus()[0]?.model ?? "unknown",
      cores: os.cpus().length,
      bun: Bun.version,
      librdkafka: librdkafkaVersion(),
      loadAverage: { atStart: loadAtStart, atEnd: os.loadavg() },
    },
    config: o,
    methods: {
      produce:
        "mitata measure: sample = produce `chunk` messages to partition 0 and serve delivery reports " +
        "until all are acknowledged (acks=all, idempotent, linger 5 ms); msgs/s = chunk / mean sample time",
      consume:
        "mitata measure: sample = poll until `chunk` more messages are copied into the batch arena; " +
        "one consumer keeps its position across samples",
      latency:
        "open loop at `rate`: message k due at start + k/rate; latency = delivery report served - due " +
        "(coordinated omission corrected); service = report - produce call; first 20% dropped; linger 1 ms",
      rounds: "every round runs every case once in the same order; medians and min-max over rounds",
    },
    summary,
    rounds,
    totalSeconds,
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const startedMs = performance.now();
  const loadAtStart = os.loadavg();
  const watchdog = setTimeout(() => {
    console.error("kafka bench: still running after 30 minutes; stopping");
    process.exit(3);
  }, 30 * 60_000);
  watchdog.unref();
  let broker: KafkaBroker | null = null;
  let dir: string | null = null;
  try {
    if (o.bootstrap === null) {
      dir = mkdtempSync(join(os.tmpdir(), "kafka-bench-"));
      broker = await startKafka({ port: freePort(), controllerPort: freePort(), dir });
    }
    const bootstrap = o.bootstrap ?? broker!.bootstrapServers;
    console.log(
      `kafka bench: librdkafka ${librdkafkaVersion()}, ` +
        `broker ${bootstrap}${broker === null ? " (given)" : ` pid ${broker.pid}`}, ${os.cpus().length} cores, ` +
        `load ${loadAtStart[0]!.toFixed(2)}${o.quick ? " (quick)" : ""}`,
    );
    if (loadAtStart[0]! > 0.5)
      console.log(
        `warning: load average ${loadAtStart[0]!.toFixed(2)} at start; other processes will disturb the figures`,
      );
    const topic = await createTopic(bootstrap);
    const value = new Uint8Array(new ArrayBuffer(o.bytes)).fill(0x5a);
    const b: Bench = { o, topic, brokerPid: broker?.pid ?? null, bootstrap, value };
    const consumer = benchConsumer(bootstrap);
    consumer.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
    const rounds: RoundResult[] = [];
    for (let r = 0; r < o.rounds; r++) {
      // The produce cases run first: each round writes more than its consume case reads.
      const produce = await withCpu(b.brokerPid, () => produceCase(b, false));
      const produceBatch = await withCpu(b.brokerPid, () => produceCase(b, true));
      const consume = await withCpu(b.brokerPid, () => consumeCase(b, consumer));
      const latency = await withCpu(b.brokerPid, () => latencyCase(b));
      rounds.push({
        produce: { ...produce.result, cpu: produce.cpu },
        produceBatch: { ...produceBatch.result, cpu: produceBatch.cpu },
        consume: { ...consume.result, cpu: consume.cpu },
        latency: { ...latency.result, cpu: latency.cpu },
      });
      const l = latency.result.latencyNs;
      console.log(
        `round ${r + 1}/${o.rounds}: produce ${fmtRate(produce.result.msgsPerSec)}/s, ` +
          `produceBatch ${fmtRate(produceBatch.result.msgsPerSec)}/s, ` +
          `consume ${fmtRate(consume.result.msgsPerSec)}/s, latency p50 ${fmtMs(l.p50)} p99 ${fmtMs(l.p99)}`,
      );
    }
    consumer.close();
    const summary = summarize(rounds);
    printTables(o, summary);
    const totalSeconds = (performance.now() - startedMs) / 1000;
    console.log(`\ntotal ${totalSeconds.toFixed(1)} s`);
    if (o.json !== null) {
      const doc = jsonReport(o, loadAtStart, summary, rounds, totalSeconds);
      writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
      console.log(`wrote ${o.json}`);
    }
  } finally {
    await broker?.stop();
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
    clearTimeout(watchdog);
  }
}

try {
  await main();
  process.exit(0);
} catch (e) {
  console.error(`kafka bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exit(1);
}
