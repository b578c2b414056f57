// The cases of the Kafka-mode benchmark, each against a real exchange in
// Kafka mode (`bun src/server/main.ts`, mode = "full", fresh topics) on this
// machine's broker:
// - throughput: the pre-encoded stream produced as fast as the producer goes
//   (produceBatch, 1000 per call) while a consumer counts `executions`
//   records; orders/s = stream length / (first produce → last report
//   consumed). CPU seconds per wall second of the broker, the exchange and
//   this process (the load: producer and consumer) from /proc.
// - latency: an open loop at `rate` orders/s; each order is stamped with its
//   due time (ns since the epoch), which the shard keeps as its receive time
//   and every report carries; latency = report consumed − due time
//   (coordinated omission corrected), for each order's first report.

import { Consumer, ErrorCode, Producer, ProduceRecord } from "../../src/kafka/index.ts";
import { OutputRecordReader } from "../../src/kafka/mode/records.ts";
import { partitionOfSymbol } from "../../src/kafka/mode/symbol-partition.ts";
import { InputRecordWriter, OrderFields } from "../../src/protocol/index.ts";
import { framePrefixBytes } from "../../src/protocol/constants.ts";
import { nowNs } from "../../src/sequencer/clock.ts";
import { processCpu } from "../gateway/exchange-process.ts";
import { type Percentiles, percentiles } from "../measure.ts";
import type { Workload } from "./workload.ts";

export interface CpuSplit {
  brokerCores: number;
  exchangeCores: number;
  loadCores: number;
}

const cpuOf = (pid: number) => {
  const c = processCpu(pid);
  return c.userSeconds + c.systemSeconds;
};

/** CPU seconds per wall second of the broker, the exchange and this process over `body`. */
export async function withCpu<T>(
  pids: { broker: number; exchange: number },
  body: () => Promise<T>,
): Promise<{ result: T; cpu: CpuSplit; wallSeconds: number }> {
  const b0 = cpuOf(pids.broker);
  const x0 = cpuOf(pids.exchange);
  const l0 = cpuOf(process.pid);
  const t0 = performance.now();
  const result = await body();
  const wall = (performance.now() - t0) / 1000;
  return {
    result,
    wallSeconds: wall,
    cpu: {
      brokerCores: (cpuOf(pids.broker) - b0) / wall,
      exchangeCores: (cpuOf(pids.exchange) - x0) / wall,
      loadCores: (cpuOf(process.pid) - l0) / wall,
    },
  };
}

export interface BenchTopics {
  orders: string;
  executions: string;
  executionPartitions: number;
}

function loadProducer(
  bootstrap: string,
  lingerMs: number,
  onDelivery: (opaque: number, partition: number, offset: number, error: number) => void,
): Producer {
  return new Producer({
    bootstrapServers: bootstrap,
    clientId: "bench-load",
    lingerMs,
    batchMessagesMax: 10_000,
    batchBytesMax: 1_000_000,
    queueMessagesMax: 1_000_000,
    queueKbytesMax: 1_048_576,
    messageBytesMax: 1_000_000,
    deliveryTimeoutMs: 300_000,
    compression: "lz4",
    onDelivery,
  });
}

function executionsConsumer(bootstrap: string, t: BenchTopics, fromEnd: boolean): Consumer {
  const c = new Consumer({
    bootstrapServers: bootstrap,
    clientId: "bench-executions",
    groupId: `bench-executions-${process.pid}`,
    batchMessagesMax: 10_000,
    batchArenaBytes: 8 << 20,
    batchHeadersMax: 0,
    fetchMaxBytes: 16 << 20,
    partitionFetchMaxBytes: 4 << 20,
    fetchWaitMaxMs: 5,
    queuedMinMessages: 1_000_000,
    queuedMaxKbytes: 131_072,
    autoOffsetReset: "earliest",
    sessionTimeoutMs: 10_000,
    maxPollIntervalMs: 300_000,
  });
  const partitions = Array.from({ length: t.executionPartitions }, (_, partition) => ({
    topic: t.executions,
    partition,
    offset: fromEnd ? c.watermarks(t.executions, partition, 30_000).high : 0,
  }));
  c.assign(partitions);
  return c;
}

export interface ThroughputRound {
  orders: number;
  ordersPerSec: number;
  executions: number;
  /** Seconds from the first produce to the last order acknowledged by Kafka (the load's own pace). */
  produceSeconds: number;
  seconds: number;
}

/** Produces the whole workload and waits until every report it causes was consumed. */
export async function throughputCase(
  bootstrap: string,
  t: BenchTopics,
  w: Workload,
  timeoutMs: number,
): Promise<ThroughputRound> {
  const consumer = executionsConsumer(bootstrap, t, true);
  let acked = 0;
  let failed = 0;
  const producer = loadProducer(bootstrap, 5, (_o, _p, _off, error) => {
    acked++;
    if (error !== 0) failed++;
  });
  const record = new ProduceRecord();
  record.topic = producer.topic(t.orders);
  let consumed = 0;
  /**
   * Takes what the consumer has, waiting up to `waitMs` for the first record (a blocking wait, not a spin: the load
   * must not take the exchange's CPU).
   */
  const poll = (waitMs = 0) => {
    const b = consumer.poll(waitMs);
    consumed += b.count;
  };
  const started = performance.now();
  let producedAt = 0;
  try {
    for (let k = 0; k < w.count; k++) {
      record.partition = w.partition[k]!;
      record.setValue(w.bytes, w.start[k]!, w.length[k]!);
      record.opaque = k;
      let code = producer.produce(record);
      while (code === ErrorCode._QUEUE_FULL) {
        producer.poll(1);
        poll();
        code = producer.produce(record);
      }
      if (code !== 0) throw new Error(`throughput: produce refused order ${k}: ${code}`);
      if ((k & 1023) === 1023) {
        producer.poll(0);
        poll();
        if (performance.now() - started > timeoutMs)
          throw new Error(`throughput: produced ${k} of ${w.count} within ${timeoutMs} ms`);
      }
    }
    while (acked < w.count || consumed < w.executions) {
      producer.poll(0);
      if (acked === w.count && producedAt === 0) producedAt = performance.now();
      poll(5);
      if (performance.now() - started > timeoutMs)
        throw new Error(
          `throughput: ${acked} of ${w.count} acknowledged, ${consumed} of ${w.executions} reports consumed ` +
            `within ${timeoutMs} ms`,
        );
    }
    if (producedAt === 0) producedAt = performance.now();
    if (failed > 0) throw new Error(`${failed} orders failed delivery`);
    const seconds = (performance.now() - started) / 1000;
    return {
      orders: w.count,
      ordersPerSec: w.count / seconds,
      executions: consumed,
      produceSeconds: (producedAt - started) / 1000,
      seconds,
    };
  } finally {
    producer.close(10_000);
    consumer.close();
  }
}

export interface LatencyRound {
  offeredPerSec: number;
  orders: number;
  latencyNs: Percentiles;
}

/**
 * The latency case's order k into `frame` (returns its bytes): a passive limit at an even k, at an odd k a cancel of
 * the order before it.
 */
function writeLatencyOrder(
  writer: InputRecordWriter,
  o: OrderFields,
  frame: Uint8Array,
  k: number,
  dueNs: number,
  symbolId: number,
  sessionId: number,
): number {
  o.clearOrder();
  o.symbolId = symbolId;
  if (k % 2 === 1) {
    o.clientOrderId = k;
    return writer.writeCancel(frame, 0, 0, dueNs, 7, sessionId, k + 1, 0, o);
  }
  o.clientOrderId = k + 1;
  o.side = (k >> 1) & 1;
  o.priceTicks = o.side === 0 ? 90_000 : 110_000;
  o.qtyLots = 1;
  return writer.writeNewOrder(frame, 0, 0, dueNs, 7, sessionId, k + 1, 0, o);
}

/**
 * Takes what arrived, waiting up to `waitMs` for it (blocking in librdkafka: the load spins no CPU away from the
 * exchange); calls `first` with the order index of each first report of `sessionId`'s orders and returns their count.
 */
function takeFirstReports(
  consumer: Consumer,
  reader: OutputRecordReader,
  sessionId: number,
  waitMs: number,
  first: (k: number, nowNs: number) => void,
): number {
  const b = consumer.poll(waitMs);
  const now = nowNs();
  let seen = 0;
  for (let i = 0; i < b.count; i++) {
    if (b.errorCode[i] !== 0) continue;
    const e = reader.execution(b.bytes, b.valueStart[i]!, b.valueStart[i]! + b.valueBytes[i]!);
    if (e.sessionId !== sessionId || e.reportIndex !== 0) continue;
    seen++;
    first(e.sessionSeq - 1, now);
  }
  return seen;
}

/**
 * Open loop at `rate` for `seconds`: order k (a passive limit; every second
 * one cancels the order before it) is due at start + k/rate and stamped with
 * that time; latency = its first report consumed − due. First 20% dropped.
 */
export async function latencyCase(
  bootstrap: string,
  t: BenchTopics,
  symbolName: string,
  partitions: number,
  symbolId: number,
  rate: number,
  seconds: number,
  timeoutMs: number,
): Promise<LatencyRound> {
  const total = Math.round(rate * seconds);
  const warmup = Math.floor(total * 0.2);
  const latency = new Float64Array(total - warmup).fill(-1);
  const dueNs = new Float64Array(total);
  const consumer = executionsConsumer(bootstrap, t, true);
  const reader = new OutputRecordReader();
  let failed = 0;
  const producer = loadProducer(bootstrap, 0, (_o, _p, _off, error) => {
    if (error !== 0) failed++;
  });
  const record = new ProduceRecord();
  record.topic = producer.topic(t.orders);
  record.partition = partitionOfSymbol(symbolName, partitions);
  const key = new TextEncoder().encode(symbolName);
  const writer = new InputRecordWriter();
  const o = new OrderFields();
  const frame = new Uint8Array(512);
  const sessionId = 424242;
  let seen = 0;
  const poll = (waitMs: number) => {
    seen += takeFirstReports(consumer, reader, sessionId, waitMs, (k, now) => {
      if (k >= warmup) latency[k - warmup] = now - dueNs[k]!;
    });
  };
  const intervalNs = 1e9 / rate;
  const startNs = nowNs() + 5e6;
  let next = 0;
  const started = performance.now();
  try {
    while (seen < total) {
      const now = nowNs();
      while (next < total && startNs + next * intervalNs <= now) {
        const due = startNs + next * intervalNs;
        dueNs[next] = due;
        const n = writeLatencyOrder(writer, o, frame, next, due, symbolId, sessionId);
        record.setValue(frame, framePrefixBytes, n - framePrefixBytes).setKey(key);
        record.opaque = next;
        if (producer.produce(record) !== 0) throw new Error(`latency: produce refused order ${next}`);
        next++;
      }
      producer.poll(0);
      // Wait for reports until the next order is due (at most 1 ms, so the schedule slips by less than that).
      const dueInMs = next < total ? (startNs + next * intervalNs - nowNs()) / 1e6 : 1;
      poll(dueInMs >= 1 ? 1 : 0);
      if (performance.now() - started > timeoutMs)
        throw new Error(`latency: ${seen} of ${total} orders answered within ${timeoutMs} ms`);
    }
    if (failed > 0) throw new Error(`${failed} orders failed delivery`);
    const measured = latency.filter((v) => v >= 0);
    return { offeredPerSec: rate, orders: total, latencyNs: percentiles(measured) };
  } finally {
    producer.close(10_000);
    consumer.close();
  }
}
