// A fresh, real Kafka broker for one test file: free ports, its own temp
// directory, installed first if missing (scripts/kafka.ts), removed after.
// Also the client settings tests share, so each test states only what it varies.

import { afterAll, beforeAll } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type KafkaBroker, startKafka } from "../../scripts/kafka.ts";
import {
  Admin,
  type AdminOptions,
  type ClientHooks,
  type Consumer,
  type ConsumerOptions,
  Producer,
  type ProducerOptions,
  ProduceRecord,
} from "../../src/kafka/index.ts";
import { freePorts } from "./ports.ts";

/** Another process may take a free port between our probe and the broker's bind. */
const startAttemptsMax = 3;
/** Tests run beside other work on 2 cores: a slow start is normal, a stuck one is not. */
const startTimeoutMs = 240_000;

export interface TestKafka {
  readonly bootstrapServers: string;
  readonly port: number;
  readonly dir: string;
  /** The current broker process (changes on restart). */
  pid(): number;
  /** Stops the broker and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /**
   * SIGTERM (or SIGKILL with `kill`) unless halted, then a new process on the same ports and
   * data; resolves when it is ready.
   */
  restart(options?: { kill?: boolean }): Promise<void>;
  /** SIGTERM and wait, keeping the data, for tests that need the broker down for a while; `restart` brings it back. */
  halt(): Promise<void>;
}

export async function startTestKafka(): Promise<TestKafka> {
  const dir = mkdtempSync(join(tmpdir(), "exch-kafka-"));
  const startedMs = performance.now();
  let broker: KafkaBroker | null = null;
  let lastError: unknown = null;
  for (let attempt = 0; attempt < startAttemptsMax && broker === null; attempt++) {
    try {
      const [port, controllerPort] = freePorts(2);
      broker = await startKafka({ port: port!, controllerPort: controllerPort!, dir, startTimeoutMs });
    } catch (error) {
      lastError = error;
    }
  }
  if (broker === null) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  try {
    await waitForProducerIds(broker.bootstrapServers);
  } catch (error) {
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  console.error(
    `kafka: test broker pid ${broker.pid} on ${broker.bootstrapServers} ready ` +
      `in ${((performance.now() - startedMs) / 1000).toFixed(1)} s`,
  );
  const b = broker;
  let stopped = false;
  return {
    bootstrapServers: b.bootstrapServers,
    port: b.port,
    dir,
    pid: () => b.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      await b.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    restart: (options = {}) => b.restart(options),
    halt: () => b.stop(),
  };
}

/** Attempts at a first idempotent produce, and how long each may take. */
const producerIdAttemptsMax = 3;
const producerIdAttemptMs = 30_000;

/**
 * Waits until the broker hands out producer ids: one idempotent produce acknowledged. A fresh broker answers
 * InitProducerId with COORDINATOR_LOAD_IN_PROGRESS until its controller gave it a block of ids, and in one CI
 * run a test's producer (librdkafka 2.0.2) was left waiting past the test's 60 s deadline; the tests' producers
 * now meet a broker that has served one already. A producer stuck anyway is closed and another one tried.
 */
async function waitForProducerIds(bootstrapServers: string): Promise<void> {
  const topic = `warmup-${process.pid}`;
  const admin = new Admin({
    bootstrapServers,
    clientId: "test-warmup",
    operationTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  });
  try {
    await admin.createTopics([{ name: topic, partitions: 1, replicationFactor: 1, config: {} }], true);
    await admin.waitForTopics([topic], 60_000, 1);
  } finally {
    admin.close();
  }
  for (let attempt = 1; attempt <= producerIdAttemptsMax; attempt++) {
    let delivered = 0;
    const options = testProducerOptions({ bootstrapServers } as TestKafka, (_opaque, _partition, _offset, code) => {
      if (code === 0) delivered++;
    });
    const producer = new Producer({ ...options, clientId: "test-warmup" });
    try {
      const record = new ProduceRecord();
      record.topic = producer.topic(topic);
      record.partition = 0;
      record.setValue(new Uint8Array(1));
      if (producer.produce(record) === 0 && producer.flush(producerIdAttemptMs) === 0 && delivered === 1) return;
    } finally {
      producer.close(1_000);
    }
    console.error(
      `kafka: test broker: a first idempotent produce took over ${producerIdAttemptMs} ms (attempt ${attempt})`,
    );
  }
  throw new Error(`kafka: test broker never acknowledged an idempotent produce (${producerIdAttemptsMax} attempts)`);
}

/** Broker start and stop inside hooks: minutes, not the default seconds, on a busy machine. */
const hookTimeoutMs = 300_000;

export interface KafkaFixture {
  /** The file's broker, started before its first test. */
  readonly kafka: TestKafka;
  /** An admin client of that broker, open for the whole file. */
  readonly admin: Admin;
  /** A new topic, ready to produce to and consume from. */
  createTopic(prefix: string, partitions: number, config?: Record<string, string>): Promise<string>;
}

/** One broker and one admin client for the calling test file: started in beforeAll, stopped in afterAll. */
export function useTestKafka(adminHooks: ClientHooks = {}): KafkaFixture {
  let kafka: TestKafka | null = null;
  let admin: Admin | null = null;
  beforeAll(async () => {
    kafka = await startTestKafka();
    admin = new Admin({ ...testAdminOptions(kafka), ...adminHooks });
  }, hookTimeoutMs);
  afterAll(async () => {
    admin?.close();
    await kafka?.stop();
  }, hookTimeoutMs);
  const started = <T>(value: T | null): T => {
    if (value === null) throw new Error("the test broker is not started (useTestKafka runs in beforeAll)");
    return value;
  };
  return {
    get kafka() {
      return started(kafka);
    },
    get admin() {
      return started(admin);
    },
    async createTopic(prefix, partitions, config = {}) {
      const name = uniqueTopic(prefix);
      await started(admin).createTopics([{ name, partitions, replicationFactor: 1, config }]);
      await started(admin).waitForTopics([name], 60_000, partitions);
      return name;
    },
  };
}

/** What `fn` threw; fails the test when it returned. */
export function thrownBy(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw");
}

let topicSequence = 0;

/** A topic name no other test in this process uses. */
export function uniqueTopic(prefix: string): string {
  topicSequence++;
  return `${prefix}-${process.pid}-${topicSequence}`;
}

export function testAdminOptions(kafka: TestKafka): AdminOptions {
  return {
    bootstrapServers: kafka.bootstrapServers,
    clientId: "test-admin",
    operationTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  };
}

/** A producer that batches little (tests want each message out quickly) and never gives up on a message by itself. */
export function testProducerOptions(kafka: TestKafka, onDelivery: ProducerOptions["onDelivery"]): ProducerOptions {
  return {
    bootstrapServers: kafka.bootstrapServers,
    clientId: "test-producer",
    lingerMs: 1,
    batchMessagesMax: 10_000,
    batchBytesMax: 1_000_000,
    queueMessagesMax: 100_000,
    queueKbytesMax: 65_536,
    messageBytesMax: 1_000_000,
    deliveryTimeoutMs: 300_000,
    compression: "none",
    onDelivery,
  };
}

export function testConsumerOptions(kafka: TestKafka, groupId: string): ConsumerOptions {
  return {
    bootstrapServers: kafka.bootstrapServers,
    clientId: "test-consumer",
    groupId,
    batchMessagesMax: 1_000,
    batchArenaBytes: 4 << 20,
    batchHeadersMax: 4_000,
    fetchMaxBytes: 4 << 20,
    partitionFetchMaxBytes: 1 << 20,
    fetchWaitMaxMs: 10,
    queuedMinMessages: 100_000,
    queuedMaxKbytes: 16_384,
    autoOffsetReset: "earliest",
    sessionTimeoutMs: 10_000,
    maxPollIntervalMs: 300_000,
  };
}

/** Every delivery report a producer served, in the order served. */
export class DeliveryLog {
  readonly opaque: number[] = [];
  readonly partition: number[] = [];
  readonly offset: number[] = [];
  readonly errorCode: number[] = [];
  readonly handler = (opaque: number, partition: number, offset: number, errorCode: number): void => {
    this.opaque.push(opaque);
    this.partition.push(partition);
    this.offset.push(offset);
    this.errorCode.push(errorCode);
  };

  get count(): number {
    return this.opaque.length;
  }

  /** Reports with an error, as "opaque:code". */
  failures(): string[] {
    return this.opaque.flatMap((o, i) => (this.errorCode[i] === 0 ? [] : [`${o}:${this.errorCode[i]}`]));
  }
}

/**
 * librdkafka's debug lines for one client, the last `linesMax` kept: a test
 * whose flush or receive hangs prints them, so a one-off stall on a loaded CI
 * machine says where it stalled (metadata, PID acquisition, a partition).
 */
export class KafkaFlightRecorder {
  readonly lines: string[] = [];
  constructor(private readonly linesMax = 300) {}
  /** Client options: the debug contexts to record and the hook that keeps their lines (warnings still go to stderr). */
  hooks(contexts = "eos,topic,metadata,broker,msg"): {
    properties: Record<string, string>;
    onLog: (level: number, facility: string, message: string) => void;
  } {
    return {
      properties: { debug: contexts },
      onLog: (level, facility, message) => {
        if (level <= 4) console.error(`kafka ${facility}: ${message}`);
        this.lines.push(`${level} ${facility} ${message}`);
        if (this.lines.length > this.linesMax) this.lines.splice(0, this.lines.length - this.linesMax);
      },
    };
  }
  dump(what: string): string {
    return `${what}\nlast ${this.lines.length} librdkafka debug lines:\n${this.lines.join("\n")}`;
  }
}

/** Flushes; when messages are left after `timeoutMs`, throws with the reports so far and the recorder's lines. */
export function flushOrExplain(
  producer: { flush(timeoutMs: number): number },
  deliveries: DeliveryLog,
  recorder: KafkaFlightRecorder,
  timeoutMs: number,
): void {
  const left = producer.flush(timeoutMs);
  if (left === 0) return;
  const partitions = [...new Set(deliveries.partition)].sort((a, b) => a - b).join(",");
  throw new Error(
    recorder.dump(
      `${left} messages not delivered within ${timeoutMs} ms (${deliveries.count} reports, partitions ${partitions})`,
    ),
  );
}

export interface Received {
  topic: string;
  partition: number;
  offset: number;
  errorCode: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: [string, Uint8Array | null][];
}

/** Generous: a deadline for an event that will come, not a measurement. */
export const receiveTimeoutMsDefault = 60_000;

/**
 * Polls until `count` messages (errors included) arrived, copying each out of
 * the reused batch; throws with what it has if the deadline passes first.
 */
export function receive(consumer: Consumer, count: number, timeoutMs = receiveTimeoutMsDefault): Received[] {
  const received: Received[] = [];
  const deadline = performance.now() + timeoutMs;
  while (received.length < count) {
    if (performance.now() > deadline)
      throw new Error(`received ${received.length} of ${count} messages within ${timeoutMs} ms`);
    const batch = consumer.poll(100);
    // What a batch holds past `count` is dropped: the caller "processed" exactly `count`.
    for (let i = 0; i < batch.count && received.length < count; i++) {
      const headers: [string, Uint8Array | null][] = [];
      for (let h = batch.headerFirst[i]!; h < batch.headerFirst[i]! + batch.headerCount[i]!; h++) {
        const n = batch.headerValueBytes[h]!;
        headers.push([
          batch.headerName(h),
          n < 0 ? null : batch.bytes.slice(batch.headerValueStart[h]!, batch.headerValueStart[h]! + n),
        ]);
      }
      received.push({
        topic: consumer.topicName(batch.topicIndex[i]!),
        partition: batch.partition[i]!,
        offset: batch.offset[i]!,
        errorCode: batch.errorCode[i]!,
        key: batch.key(i)?.slice() ?? null,
        value: batch.value(i)?.slice() ?? null,
        headers,
      });
    }
  }
  return received;
}
