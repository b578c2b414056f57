// Proves the librdkafka client against a real broker: topics created with their configs, order kept within a partition
// (single and batched produce), keys land where Java's partitioner puts them, headers/null/empty values round-trip, a
// consumer resumes from a stored offset (assign and seek) and a group resumes from its commit, and two group members
// split the partitions.

import { describe, expect, test } from "bun:test";
import {
  DeliveryLog,
  flushOrExplain,
  KafkaFlightRecorder,
  type Received,
  receive,
  testConsumerOptions,
  testProducerOptions,
  thrownBy,
  uniqueTopic,
  useTestKafka,
} from "../../test/support/kafka.ts";
import { Consumer, Offset } from "./consumer.ts";
import { ErrorCode, KafkaError } from "./errors.ts";
import { ProduceBatch } from "./produce-batch.ts";
import { Producer } from "./producer.ts";
import { HeaderName, PARTITION_ANY, ProduceHeaders, ProduceRecord } from "./record.ts";

const flushTimeoutMs = 60_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const fixture = useTestKafka();

const createTopic = (prefix: string, partitions: number, config: Record<string, string> = {}) =>
  fixture.createTopic(prefix, partitions, config);

/** A 64-byte value whose first 4 bytes are `seq` (little-endian). */
function sequenced(seq: number, bytes = 64): Uint8Array {
  const value = new Uint8Array(new ArrayBuffer(bytes));
  new DataView(value.buffer).setUint32(0, seq, true);
  return value;
}

function seqOf(value: Uint8Array | null): number {
  if (value === null) throw new Error("null value where a sequenced one was expected");
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getUint32(0, true);
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), the Java client's key hash. */
function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ data.length;
  const whole = data.length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) h = Math.imul(h ^ data[whole]!, m);
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

describe("admin", () => {
  test("creates topics with partition counts and topic configs, and reports them back", async () => {
    const lz4 = uniqueTopic("orders-lz4");
    const snappy = uniqueTopic("md-snappy");
    await fixture.admin.createTopics([
      {
        name: lz4,
        partitions: 12,
        replicationFactor: 1,
        config: { "compression.type": "lz4", "max.message.bytes": "65536" },
      },
      { name: snappy, partitions: 6, replicationFactor: 1, config: { "compression.type": "snappy" } },
    ]);
    await fixture.admin.waitForTopics([lz4, snappy], 60_000);
    const topics = fixture.admin.describeTopics();
    expect(topics.find((t) => t.name === lz4)?.partitions.length).toBe(12);
    expect(topics.find((t) => t.name === snappy)?.partitions.length).toBe(6);
    const lz4Config = await fixture.admin.describeTopicConfig(lz4);
    expect(lz4Config["compression.type"]).toBe("lz4");
    expect(lz4Config["max.message.bytes"]).toBe("65536");
    expect((await fixture.admin.describeTopicConfig(snappy))["compression.type"]).toBe("snappy");
  });

  test("an existing topic is a TOPIC_ALREADY_EXISTS KafkaError unless existingOk", async () => {
    const name = await createTopic("dup", 1);
    const error = await fixture.admin
      .createTopics([{ name, partitions: 1, replicationFactor: 1, config: {} }])
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaError);
    expect((error as KafkaError).code).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    expect((error as KafkaError).codeName).toBe("TOPIC_ALREADY_EXISTS");
    expect((error as KafkaError).message).toContain(name);
    await fixture.admin.createTopics([{ name, partitions: 1, replicationFactor: 1, config: {} }], true);
  });

  test("a bad topic config or replication factor is refused by the broker with a typed error", async () => {
    const badCodec = await fixture.admin
      .createTopics([
        {
          name: uniqueTopic("bad-codec"),
          partitions: 1,
          replicationFactor: 1,
          config: { "compression.type": "bogus" },
        },
      ])
      .catch((e: unknown) => e);
    expect(badCodec).toBeInstanceOf(KafkaError);
    expect((badCodec as KafkaError).code).toBe(ErrorCode.INVALID_CONFIG);
    const badReplication = await fixture.admin
      .createTopics([{ name: uniqueTopic("bad-rf"), partitions: 1, replicationFactor: 3, config: {} }])
      .catch((e: unknown) => e);
    expect(badReplication).toBeInstanceOf(KafkaError);
    expect((badReplication as KafkaError).code).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
  });

  test("deletes a topic; deleting an unknown one is UNKNOWN_TOPIC_OR_PART", async () => {
    const name = await createTopic("delete-me", 1);
    await fixture.admin.deleteTopics([name]);
    const again = await fixture.admin.deleteTopics([name]).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(KafkaError);
    expect((again as KafkaError).code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PART);
  });
});

describe("produce and consume", () => {
  test(
    "order within a partition holds for single and batched produce, " + "with offsets matching the delivery reports",
    async () => {
      const topic = await createTopic("order", 2);
      const deliveries = new DeliveryLog();
      const producer = new Producer(testProducerOptions(fixture.kafka, deliveries.handler));
      const t = producer.topic(topic);
      const record = new ProduceRecord();
      record.topic = t;
      record.partition = 1;
      const total = 20_000;
      const batch = new ProduceBatch(500);
      for (let seq = 0; seq < total; seq++) {
        record.opaque = seq;
        record.setValue(sequenced(seq));
        // First half one call per message, second half through produce_batch.
        if (seq < total / 2) {
          while (producer.produce(record) === ErrorCode._QUEUE_FULL) producer.poll(10);
          continue;
        }
        batch.add(record);
        if (batch.full || seq === total - 1) {
          const count = batch.count;
          expect(producer.produceBatch(t, batch)).toBe(count);
        }
        producer.poll(0);
      }
      expect(producer.flush(flushTimeoutMs)).toBe(0);
      expect(deliveries.failures()).toEqual([]);
      expect(deliveries.count).toBe(total);
      // Reports come in produce order on one partition, and offsets are consecutive from 0.
      expect(deliveries.opaque).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(deliveries.offset).toEqual(Array.from({ length: total }, (_, i) => i));
      expect(new Set(deliveries.partition)).toEqual(new Set([1]));

      const consumer = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-order")));
      consumer.assign([{ topic, partition: 1, offset: Offset.BEGINNING }]);
      const received = receive(consumer, total);
      expect(received.map((r) => seqOf(r.value))).toEqual(deliveries.opaque);
      expect(received.map((r) => r.offset)).toEqual(deliveries.offset);
      expect(consumer.watermarks(topic, 1, 10_000)).toEqual({ low: 0, high: total });
      expect(consumer.watermarks(topic, 0, 10_000)).toEqual({ low: 0, high: 0 });
      consumer.close();
      expect(producer.close(flushTimeoutMs)).toBe(0);
    },
  );

  test("keys land on the partition Java's murmur2 partitioner picks, every time", async () => {
    // Vectors from Kafka's own UtilsTest pin the reference hash.
    expect(murmur2(encoder.encode("21"))).toBe(-973932308);
    expect(murmur2(encoder.encode("foobar"))).toBe(-790332482);
    expect(murmur2(encoder.encode("a-little-bit-long-string"))).toBe(-985981536);
    expect(murmur2(encoder.encode("a-little-bit-longer-string"))).toBe(-1486304829);
    const partitions = 6;
    const topic = await createTopic("keys", partitions);
    const deliveries = new DeliveryLog();
    const recorder = new KafkaFlightRecorder();
    const producer = new Producer({ ...testProducerOptions(fixture.kafka, deliveries.handler), ...recorder.hooks() });
    const record = new ProduceRecord();
    record.topic = producer.topic(topic);
    record.partition = PARTITION_ANY;
    const keys = Array.from({ length: 60 }, (_, i) => encoder.encode(`SYMBOL-${i}`));
    const rounds = 3;
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < keys.length; k++) {
        record.setKey(keys[k]!);
        record.setValue(sequenced(round * keys.length + k));
        record.opaque = k;
        expect(producer.produce(record)).toBe(0);
      }
    }
    flushOrExplain(producer, deliveries, recorder, flushTimeoutMs);
    expect(deliveries.failures()).toEqual([]);
    for (let i = 0; i < deliveries.count; i++) {
      const key = keys[deliveries.opaque[i]!]!;
      expect(deliveries.partition[i]).toBe((murmur2(key) & 0x7fffffff) % partitions);
    }
    const consumerRecorder = new KafkaFlightRecorder();
    const consumer = new Consumer({
      ...testConsumerOptions(fixture.kafka, uniqueTopic("g-keys")),
      ...consumerRecorder.hooks("topic,metadata,fetch"),
    });
    consumer.assign(
      Array.from({ length: partitions }, (_, partition) => ({ topic, partition, offset: Offset.BEGINNING })),
    );
    let received: Received[] = [];
    try {
      received = receive(consumer, rounds * keys.length);
    } catch (error) {
      throw new Error(consumerRecorder.dump((error as Error).message));
    }
    for (const r of received) expect(r.partition).toBe((murmur2(r.key!) & 0x7fffffff) % partitions);
    // Per key, its rounds arrive in the order produced.
    for (const key of keys) {
      const mine = received
        .filter((r) => decoder.decode(r.key!) === decoder.decode(key))
        .map((r) => Math.floor(seqOf(r.value) / keys.length));
      expect(mine).toEqual([0, 1, 2]);
    }
    consumer.close();
    producer.close(flushTimeoutMs);
  });

  test("headers, null and empty values and keys, and binary bytes round-trip", async () => {
    const topic = await createTopic("headers", 1, { "compression.type": "lz4" });
    const deliveries = new DeliveryLog();
    const producer = new Producer({ ...testProducerOptions(fixture.kafka, deliveries.handler), compression: "lz4" });
    const record = new ProduceRecord();
    record.topic = producer.topic(topic);
    record.partition = 0;
    const reason = new HeaderName("dlq-reason");
    const origin = new HeaderName("origin");
    const headers = new ProduceHeaders(4);
    const binary = new Uint8Array([0, 255, 1, 254, 0, 0, 7]);

    headers.add(reason, encoder.encode("undecodable: truncated table"));
    headers.add(origin, binary, 1, 4);
    headers.add(new HeaderName("empty"), new Uint8Array(0));
    headers.add(new HeaderName("null"), null);
    record.headers = headers;
    record.setValue(binary).setKey(encoder.encode("BTC-USD"));
    expect(producer.produce(record)).toBe(0);

    record.headers = null;
    record.setValue(null).setKey(null);
    expect(producer.produce(record)).toBe(0);
    record.setValue(new Uint8Array(0)).setKey(new Uint8Array(0));
    expect(producer.produce(record)).toBe(0);
    expect(producer.flush(flushTimeoutMs)).toBe(0);
    expect(deliveries.failures()).toEqual([]);

    const consumer = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-headers")));
    consumer.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
    const [withHeaders, nulls, empties] = receive(consumer, 3);
    expect(withHeaders!.value).toEqual(binary);
    expect(decoder.decode(withHeaders!.key!)).toBe("BTC-USD");
    expect(withHeaders!.headers).toEqual([
      ["dlq-reason", encoder.encode("undecodable: truncated table")],
      ["origin", binary.slice(1, 5)],
      ["empty", new Uint8Array(0)],
      ["null", null],
    ]);
    expect(nulls!.value).toBeNull();
    expect(nulls!.key).toBeNull();
    expect(nulls!.headers).toEqual([]);
    expect(empties!.value).toEqual(new Uint8Array(0));
    expect(empties!.key).toEqual(new Uint8Array(0));
    consumer.close();
    producer.close(flushTimeoutMs);
  });

  test(
    "a delivery handler that throws loses no report: the others are served, " + "the first error comes out of flush",
    async () => {
      const topic = await createTopic("throwing-handler", 1);
      const served: number[] = [];
      const producer = new Producer(
        testProducerOptions(fixture.kafka, (opaque) => {
          served.push(opaque);
          if (opaque === 1) throw new Error("handler failed on 1");
        }),
      );
      const record = new ProduceRecord();
      record.topic = producer.topic(topic);
      record.partition = 0;
      record.setValue(sequenced(0));
      for (let opaque = 0; opaque < 3; opaque++) {
        record.opaque = opaque;
        expect(producer.produce(record)).toBe(0);
      }
      expect(thrownBy(() => producer.flush(flushTimeoutMs))).toHaveProperty("message", "handler failed on 1");
      expect(producer.flush(flushTimeoutMs)).toBe(0);
      expect(served).toEqual([0, 1, 2]);
      producer.close(flushTimeoutMs);
    },
  );

  test("produce_batch reports refused messages per slot and queues the rest", async () => {
    const topic = await createTopic("batch", 2);
    const deliveries = new DeliveryLog();
    const producer = new Producer(testProducerOptions(fixture.kafka, deliveries.handler));
    const t = producer.topic(topic);
    const batch = new ProduceBatch(4);
    const record = new ProduceRecord();
    for (const [opaque, partition] of [
      [10, 0],
      [11, 7],
      [12, 1],
      [13, 0],
    ] as const) {
      record.opaque = opaque;
      record.partition = partition;
      record.setValue(sequenced(opaque));
      expect(batch.add(record)).toBe(true);
    }
    expect(batch.add(record)).toBe(false);
    expect(producer.produceBatch(t, batch)).toBe(3);
    expect(Array.from(batch.errorCode)).toEqual([0, ErrorCode._UNKNOWN_PARTITION, 0, 0]);
    expect(batch.count).toBe(0);
    expect(producer.flush(flushTimeoutMs)).toBe(0);
    expect(deliveries.opaque.toSorted()).toEqual([10, 12, 13]);
    expect(deliveries.failures()).toEqual([]);
    producer.close(flushTimeoutMs);
  });
});

describe("resuming", () => {
  async function fill(topic: string, count: number): Promise<void> {
    const deliveries = new DeliveryLog();
    const producer = new Producer(testProducerOptions(fixture.kafka, deliveries.handler));
    const record = new ProduceRecord();
    record.topic = producer.topic(topic);
    record.partition = 0;
    for (let seq = 0; seq < count; seq++) {
      record.setValue(sequenced(seq));
      expect(producer.produce(record)).toBe(0);
    }
    expect(producer.flush(flushTimeoutMs)).toBe(0);
    expect(deliveries.failures()).toEqual([]);
    producer.close(flushTimeoutMs);
  }

  test("a consumer assigned at a stored offset resumes exactly there; seek moves a live one", async () => {
    const topic = await createTopic("resume", 1);
    await fill(topic, 100);
    const first = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-resume")));
    first.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
    const head = receive(first, 40);
    expect(head.map((r) => seqOf(r.value))).toEqual(Array.from({ length: 40 }, (_, i) => i));
    // What a snapshot would store: the offset after the last message applied.
    const stored = head.at(-1)!.offset + 1;
    first.close();

    const second = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-resume")));
    second.assign([{ topic, partition: 0, offset: stored }]);
    const tail = receive(second, 60);
    expect(tail.map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => 40 + i));
    expect(tail.map((r) => seqOf(r.value))).toEqual(Array.from({ length: 60 }, (_, i) => 40 + i));
    second.seek([{ topic, partition: 0, offset: 10 }], 10_000);
    const again = receive(second, 5);
    expect(again.map((r) => r.offset)).toEqual([10, 11, 12, 13, 14]);
    second.close();
  });

  test("a group member resumes from the offset its group committed", async () => {
    const topic = await createTopic("commit", 1);
    await fill(topic, 50);
    const group = uniqueTopic("g-commit");
    const first = new Consumer(testConsumerOptions(fixture.kafka, group));
    first.subscribe([topic]);
    const head = receive(first, 20);
    expect(head.map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    first.commit([{ topic, partition: 0, offset: 20 }]);
    expect(first.committed([{ topic, partition: 0 }], 10_000)).toEqual([{ topic, partition: 0, offset: 20 }]);
    first.close();

    const second = new Consumer(testConsumerOptions(fixture.kafka, group));
    second.subscribe([topic]);
    const tail = receive(second, 30);
    expect(tail.map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => 20 + i));
    expect(second.assignment()).toEqual([{ topic, partition: 0 }]);
    second.close();

    const stranger = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-none")));
    expect(stranger.committed([{ topic, partition: 0 }], 10_000)[0]!.offset).toBe(Offset.INVALID);
    stranger.close();
  });

  test("two members of one group split the partitions between them", async () => {
    const partitions = 4;
    const topic = await createTopic("split", partitions);
    const group = uniqueTopic("g-split");
    const a = new Consumer(testConsumerOptions(fixture.kafka, group));
    const b = new Consumer(testConsumerOptions(fixture.kafka, group));
    a.subscribe([topic]);
    b.subscribe([topic]);
    // Rebalances are driven by polling; wait for the event (both hold partitions), not for a time.
    const deadline = performance.now() + 120_000;
    let ofA: number[] = [];
    let ofB: number[] = [];
    while (performance.now() < deadline) {
      a.poll(50);
      b.poll(50);
      ofA = a.assignment().map((p) => p.partition);
      ofB = b.assignment().map((p) => p.partition);
      if (ofA.length > 0 && ofB.length > 0 && ofA.length + ofB.length === partitions) break;
    }
    expect(ofA.length).toBeGreaterThan(0);
    expect(ofB.length).toBeGreaterThan(0);
    expect([...ofA, ...ofB].toSorted()).toEqual([0, 1, 2, 3]);
    a.close();
    b.close();
  });
});
