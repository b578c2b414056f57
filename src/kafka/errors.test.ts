// Proves, without a broker, that librdkafka's refusals become typed errors: codes carry librdkafka's names, a bad
// configuration names its property, a closed client refuses every call with a KafkaError, and programmer errors (bad
// ranges, ids) are caught before C sees them.

import { describe, expect, test } from "bun:test";
import { thrownBy } from "../../test/support/kafka.ts";
import { Admin } from "./admin.ts";
import { Consumer, type ConsumerOptions } from "./consumer.ts";
import { ErrorCode, errorName, KafkaConfigError, KafkaError } from "./errors.ts";
import { ProduceBatch } from "./produce-batch.ts";
import { Producer, type ProducerOptions } from "./producer.ts";
import { HeaderName, ProduceRecord } from "./record.ts";

/** Nothing listens on port 1: these clients never reach a broker, and need not. */
const nowhere = "127.0.0.1:1";
const quiet = { onLog: () => {}, onError: () => {} };

function producerOptions(overrides: Partial<ProducerOptions> = {}): ProducerOptions {
  return {
    bootstrapServers: nowhere,
    clientId: "errors-test",
    lingerMs: 5,
    batchMessagesMax: 1000,
    batchBytesMax: 1_000_000,
    queueMessagesMax: 1000,
    queueKbytesMax: 1024,
    messageBytesMax: 1_000_000,
    deliveryTimeoutMs: 1_000,
    compression: "none",
    onDelivery: () => {},
    ...quiet,
    ...overrides,
  };
}

function consumerOptions(overrides: Partial<ConsumerOptions> = {}): ConsumerOptions {
  return {
    bootstrapServers: nowhere,
    clientId: "errors-test",
    groupId: "g",
    batchMessagesMax: 10,
    batchArenaBytes: 4096,
    batchHeadersMax: 10,
    fetchMaxBytes: 1 << 20,
    partitionFetchMaxBytes: 1 << 20,
    fetchWaitMaxMs: 10,
    queuedMinMessages: 1_000,
    queuedMaxKbytes: 1024,
    autoOffsetReset: "earliest",
    sessionTimeoutMs: 10_000,
    maxPollIntervalMs: 60_000,
    ...quiet,
    ...overrides,
  };
}

describe("KafkaError", () => {
  test("carries librdkafka's code, its name and a message with our context", () => {
    const error = new KafkaError(ErrorCode.MSG_SIZE_TOO_LARGE, "produce to orders[3]");
    expect(error.code).toBe(10);
    expect(error.codeName).toBe("MSG_SIZE_TOO_LARGE");
    expect(error.message).toBe(`produce to orders[3]: MSG_SIZE_TOO_LARGE (10): ${error.reason}`);
    expect(error.reason.length).toBeGreaterThan(0);
    expect(error.name).toBe("KafkaError");
    expect(error).toBeInstanceOf(Error);
    expect(errorName(ErrorCode._UNKNOWN_TOPIC)).toBe("_UNKNOWN_TOPIC");
    expect(errorName(ErrorCode._QUEUE_FULL)).toBe("_QUEUE_FULL");
  });

  test("every code this module names is the one librdkafka gives that name", () => {
    for (const [name, code] of Object.entries(ErrorCode)) expect(errorName(code)).toBe(name);
  });
});

describe("bad configuration", () => {
  test("an unknown property is a KafkaConfigError naming it", () => {
    const error = thrownBy(() => new Producer(producerOptions({ properties: { "no.such.property": "1" } })));
    expect(error).toBeInstanceOf(KafkaConfigError);
    expect((error as KafkaConfigError).property).toBe("no.such.property");
    expect((error as KafkaConfigError).code).toBe(ErrorCode._INVALID_ARG);
    expect((error as KafkaConfigError).message).toContain("unknown property");
  });

  test("an invalid value is a KafkaConfigError naming the property and librdkafka's reason", () => {
    const error = thrownBy(() => new Producer(producerOptions({ compression: "bogus" as "lz4" })));
    expect(error).toBeInstanceOf(KafkaConfigError);
    expect((error as KafkaConfigError).property).toBe("compression.codec");
    expect((error as KafkaConfigError).reason).toContain("bogus");
    const range = thrownBy(() => new Producer(producerOptions({ lingerMs: -5 })));
    expect((range as KafkaConfigError).property).toBe("linger.ms");
  });

  test("a combination rd_kafka_new refuses is a KafkaConfigError for the whole configuration", () => {
    // Idempotence needs acks=all; librdkafka checks that only when the client is created.
    const error = thrownBy(() => new Producer(producerOptions({ properties: { acks: "1" } })));
    expect(error).toBeInstanceOf(KafkaConfigError);
    expect((error as KafkaConfigError).property).toBeNull();
    expect((error as KafkaConfigError).reason).toContain("idempotence");
  });

  test("a consumer batch that cannot hold a message is refused before any handle exists", () => {
    expect(thrownBy(() => new Consumer(consumerOptions({ batchArenaBytes: 10 })))).toBeInstanceOf(Error);
  });
});

describe("closed clients", () => {
  test("a closed producer refuses every call with a _DESTROY KafkaError; close is idempotent", () => {
    const producer = new Producer(producerOptions());
    expect(producer.close(1_000)).toBe(0);
    expect(producer.close(1_000)).toBe(0);
    const record = new ProduceRecord();
    for (const call of [
      () => producer.produce(record),
      () => producer.poll(0),
      () => producer.flush(0),
      () => producer.topic("orders"),
      () => producer.produceBatch(0, new ProduceBatch(1)),
    ]) {
      const error = thrownBy(call);
      expect(error).toBeInstanceOf(KafkaError);
      expect((error as KafkaError).code).toBe(ErrorCode._DESTROY);
      expect((error as KafkaError).message).toContain("closed producer");
    }
    expect(producer.inFlight()).toBe(0);
  });

  test("a closed consumer and a closed admin refuse their calls the same way", async () => {
    const consumer = new Consumer(consumerOptions());
    consumer.close();
    consumer.close();
    for (const call of [
      () => consumer.poll(0),
      () => consumer.commit([{ topic: "t", partition: 0, offset: 1 }]),
      () => consumer.assign([]),
      () => consumer.watermarks("t", 0, 10),
    ]) {
      expect((thrownBy(call) as KafkaError).code).toBe(ErrorCode._DESTROY);
    }
    const admin = new Admin({
      bootstrapServers: nowhere,
      clientId: "errors-test",
      operationTimeoutMs: 1000,
      requestTimeoutMs: 1000,
      ...quiet,
    });
    admin.close();
    const error = await admin
      .createTopics([{ name: "t", partitions: 1, replicationFactor: 1, config: {} }])
      .catch((e: unknown) => e);
    expect((error as KafkaError).code).toBe(ErrorCode._DESTROY);
  });
});

describe("programmer errors", () => {
  test("ranges outside the buffer, unknown topic indexes and out-of-range opaque ids throw before reaching C", () => {
    const producer = new Producer(producerOptions());
    const record = new ProduceRecord();
    record.setValue(new Uint8Array(8), 4, 8);
    expect(thrownBy(() => producer.produce(record))).toBeInstanceOf(RangeError);
    record.setValue(new Uint8Array(8));
    record.topic = 3;
    expect(thrownBy(() => producer.produce(record))).toBeInstanceOf(RangeError);
    record.topic = 0;
    record.opaque = -1;
    expect(thrownBy(() => new ProduceBatch(2).add(record))).toBeInstanceOf(RangeError);
    expect(thrownBy(() => new HeaderName("a\u0000b"))).toBeInstanceOf(Error);
    producer.close(0);
  });
});
