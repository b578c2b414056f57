// Proves against a real broker that limits and missing things surface as typed errors and lose nothing else: unknown
// topics and partitions, oversized messages (refused locally, by the topic's max.message.bytes, or by the consumer's
// arena) without stalling their neighbours, a full producer queue; and that 30 create/use/destroy cycles of every
// client free their threads and keep RSS within a stated bound.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import {
  DeliveryLog,
  receive,
  testAdminOptions,
  testConsumerOptions,
  testProducerOptions,
  thrownBy,
  uniqueTopic,
  useTestKafka,
} from "../../test/support/kafka.ts";
import { Admin } from "./admin.ts";
import { Consumer, Offset } from "./consumer.ts";
import { ErrorCode, KafkaError } from "./errors.ts";
import { Producer } from "./producer.ts";
import { ProduceRecord } from "./record.ts";

const flushTimeoutMs = 60_000;
/** A topic's record-batch limit in these tests. */
const topicBytesMax = 2048;
/** Lifecycle: cycles measured after warm-up, and the RSS growth they may cause. */
const cyclesCount = 30;
const warmupCyclesCount = 5;
const rssGrowthBytesMax = 16 << 20;

const fixture = useTestKafka();

const createTopic = (prefix: string, partitions: number, config: Record<string, string> = {}) =>
  fixture.createTopic(prefix, partitions, config);

function filled(bytes: number, fill: number): Uint8Array {
  return new Uint8Array(new ArrayBuffer(bytes)).fill(fill);
}

describe("missing topics and partitions", () => {
  test(
    "producer, consumer and admin name an unknown topic with UNKNOWN_TOPIC_OR_PART, " +
      "and a missing partition with _UNKNOWN_PARTITION",
    async () => {
      const topic = await createTopic("known", 2);
      const producer = new Producer(testProducerOptions(fixture.kafka, () => {}));
      const unknown = thrownBy(() => producer.topic("no-such-topic"));
      expect(unknown).toBeInstanceOf(KafkaError);
      expect((unknown as KafkaError).code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PART);
      expect((unknown as KafkaError).message).toContain("no-such-topic");
      const record = new ProduceRecord();
      record.topic = producer.topic(topic);
      record.partition = 2;
      record.setValue(filled(8, 1));
      expect(producer.produce(record)).toBe(ErrorCode._UNKNOWN_PARTITION);
      expect(producer.close(flushTimeoutMs)).toBe(0);

      const consumer = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-missing")));
      expect(
        (
          thrownBy(() =>
            consumer.assign([{ topic: "no-such-topic", partition: 0, offset: Offset.BEGINNING }]),
          ) as KafkaError
        ).code,
      ).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PART);
      expect(
        (thrownBy(() => consumer.assign([{ topic, partition: 5, offset: Offset.BEGINNING }])) as KafkaError).code,
      ).toBe(ErrorCode._UNKNOWN_PARTITION);
      consumer.close();

      const described = await fixture.admin.describeTopicConfig("no-such-topic").catch((e: unknown) => e);
      expect(described).toBeInstanceOf(KafkaError);
      expect((described as KafkaError).code).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PART);
    },
  );
});

describe("oversized messages", () => {
  test("past the producer's message.max.bytes: MSG_SIZE_TOO_LARGE at produce, nothing queued", async () => {
    const topic = await createTopic("local-limit", 1);
    const producer = new Producer({ ...testProducerOptions(fixture.kafka, () => {}), messageBytesMax: 10_000 });
    const record = new ProduceRecord();
    record.topic = producer.topic(topic);
    record.partition = 0;
    record.setValue(filled(20_000, 7));
    const code = producer.produce(record);
    expect(code).toBe(ErrorCode.MSG_SIZE_TOO_LARGE);
    expect(new KafkaError(code, "produce").codeName).toBe("MSG_SIZE_TOO_LARGE");
    expect(producer.inFlight()).toBe(0);
    producer.close(flushTimeoutMs);
  });

  test("a producer sized to the topic refuses the oversized message alone; its neighbours are delivered", async () => {
    const topic = await createTopic("sized", 1, { "max.message.bytes": String(topicBytesMax) });
    const deliveries = new DeliveryLog();
    // Kafka limits record batches, not messages: with batch.size above the topic's limit one large
    // message fails its whole batch.
    const producer = new Producer({
      ...testProducerOptions(fixture.kafka, deliveries.handler),
      messageBytesMax: topicBytesMax,
      batchBytesMax: topicBytesMax,
    });
    const record = new ProduceRecord();
    record.topic = producer.topic(topic);
    record.partition = 0;
    const sizes = [100, 5_000, 100, 100];
    const codes = sizes.map((bytes, opaque) => {
      record.opaque = opaque;
      record.setValue(filled(bytes, opaque));
      return producer.produce(record);
    });
    expect(codes).toEqual([0, ErrorCode.MSG_SIZE_TOO_LARGE, 0, 0]);
    expect(producer.flush(flushTimeoutMs)).toBe(0);
    expect(deliveries.failures()).toEqual([]);
    expect(deliveries.opaque).toEqual([0, 2, 3]);
    producer.close(flushTimeoutMs);
  });

  test(
    "the broker's refusal of a batch over the topic's max.message.bytes comes back as MSG_SIZE_TOO_LARGE " +
      "reports, and the producer goes on",
    async () => {
      const topic = await createTopic("broker-limit", 1, { "max.message.bytes": String(topicBytesMax) });
      const deliveries = new DeliveryLog();
      const producer = new Producer(testProducerOptions(fixture.kafka, deliveries.handler));
      const record = new ProduceRecord();
      record.topic = producer.topic(topic);
      record.partition = 0;
      record.opaque = 1;
      record.setValue(filled(5_000, 1));
      expect(producer.produce(record)).toBe(0);
      expect(producer.flush(flushTimeoutMs)).toBe(0);
      expect(deliveries.failures()).toEqual([`1:${ErrorCode.MSG_SIZE_TOO_LARGE}`]);
      expect(producer.fatalError).toBeNull();
      record.opaque = 2;
      record.setValue(filled(100, 2));
      expect(producer.produce(record)).toBe(0);
      expect(producer.flush(flushTimeoutMs)).toBe(0);
      expect(deliveries.failures()).toEqual([`1:${ErrorCode.MSG_SIZE_TOO_LARGE}`]);
      expect(deliveries.opaque).toEqual([1, 2]);
      producer.close(flushTimeoutMs);
    },
  );

  test(
    "a message larger than the consumer's arena becomes a MSG_SIZE_TOO_LARGE slot in its place, " +
      "and the partition keeps flowing",
    async () => {
      const topic = await createTopic("arena", 1);
      const deliveries = new DeliveryLog();
      const producer = new Producer(testProducerOptions(fixture.kafka, deliveries.handler));
      const record = new ProduceRecord();
      record.topic = producer.topic(topic);
      record.partition = 0;
      for (const bytes of [10, 1_500, 20, 30]) {
        record.setValue(filled(bytes, bytes & 0xff));
        expect(producer.produce(record)).toBe(0);
      }
      expect(producer.flush(flushTimeoutMs)).toBe(0);
      producer.close(flushTimeoutMs);

      const consumer = new Consumer({
        ...testConsumerOptions(fixture.kafka, uniqueTopic("g-arena")),
        batchArenaBytes: 1024,
      });
      consumer.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
      const received = receive(consumer, 4);
      expect(received.map((r) => r.offset)).toEqual([0, 1, 2, 3]);
      expect(received.map((r) => r.errorCode)).toEqual([0, ErrorCode.MSG_SIZE_TOO_LARGE, 0, 0]);
      expect(received.map((r) => r.value?.length ?? -1)).toEqual([10, -1, 20, 30]);
      consumer.close();
    },
  );
});

describe("backpressure", () => {
  test("a full producer queue refuses with _QUEUE_FULL; what was queued is delivered", async () => {
    const topic = await createTopic("queue", 1);
    const deliveries = new DeliveryLog();
    // A long linger keeps the first messages queued, so the limit is reached whatever the machine's speed.
    const producer = new Producer({
      ...testProducerOptions(fixture.kafka, deliveries.handler),
      queueMessagesMax: 5,
      lingerMs: 60_000,
    });
    const record = new ProduceRecord();
    record.topic = producer.topic(topic);
    record.partition = 0;
    record.setValue(filled(8, 1));
    const codes = Array.from({ length: 7 }, (_, opaque) => {
      record.opaque = opaque;
      return producer.produce(record);
    });
    expect(codes).toEqual([0, 0, 0, 0, 0, ErrorCode._QUEUE_FULL, ErrorCode._QUEUE_FULL]);
    expect(producer.flush(flushTimeoutMs)).toBe(0);
    expect(deliveries.opaque).toEqual([0, 1, 2, 3, 4]);
    expect(deliveries.failures()).toEqual([]);
    producer.close(flushTimeoutMs);
  });
});

/** Threads of this process that librdkafka started (it names them "rdk:main", "rdk:broker1", ...). */
function librdkafkaThreadsCount(): number {
  let count = 0;
  for (const task of readdirSync("/proc/self/task")) {
    try {
      if (readFileSync(`/proc/self/task/${task}/comm`, "utf8").startsWith("rdk:")) count++;
    } catch {
      // The thread ended while we listed them.
    }
  }
  return count;
}

describe("lifecycle", () => {
  test(
    `${cyclesCount} cycles of create, use and close free every librdkafka thread and grow RSS by less ` +
      `than ${rssGrowthBytesMax >> 20} MiB`,
    async () => {
      const topic = await createTopic("cycles", 1);
      const record = new ProduceRecord();
      record.partition = 0;
      record.setValue(filled(64, 9));
      let produced = 0;
      const cycle = async () => {
        const deliveries = new DeliveryLog();
        const producer = new Producer(testProducerOptions(fixture.kafka, deliveries.handler));
        record.topic = producer.topic(topic);
        for (let i = 0; i < 100; i++) expect(producer.produce(record)).toBe(0);
        expect(producer.close(flushTimeoutMs)).toBe(0);
        expect(deliveries.failures()).toEqual([]);
        produced += 100;
        const consumer = new Consumer(testConsumerOptions(fixture.kafka, uniqueTopic("g-cycle")));
        consumer.assign([{ topic, partition: 0, offset: produced - 100 }]);
        expect(receive(consumer, 100).at(-1)!.offset).toBe(produced - 1);
        consumer.close();
        const cycleAdmin = new Admin(testAdminOptions(fixture.kafka));
        expect((await cycleAdmin.describeTopicConfig(topic))["cleanup.policy"]).toBe("delete");
        cycleAdmin.close();
      };
      for (let i = 0; i < warmupCyclesCount; i++) await cycle();
      Bun.gc(true);
      // Only the file's admin client is alive between cycles.
      const threadsBefore = librdkafkaThreadsCount();
      expect(threadsBefore).toBeGreaterThan(0);
      const rssBefore = process.memoryUsage().rss;
      for (let i = 0; i < cyclesCount; i++) await cycle();
      Bun.gc(true);
      const rssGrowth = process.memoryUsage().rss - rssBefore;
      console.error(
        `lifecycle: ${cyclesCount} cycles, RSS ${(rssBefore / 2 ** 20).toFixed(1)} MiB, ` +
          `growth ${(rssGrowth / 2 ** 20).toFixed(1)} MiB, librdkafka threads ${threadsBefore} ` +
          `-> ${librdkafkaThreadsCount()}`,
      );
      expect(librdkafkaThreadsCount()).toBe(threadsBefore);
      expect(rssGrowth).toBeLessThan(rssGrowthBytesMax);
    },
  );
});
