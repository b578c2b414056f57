// Topic administration: create topics with partition counts and topic
// configs, delete them, read their configs, and wait until they are usable.
// Requests run on librdkafka's threads; results arrive on a queue of their own
// that we poll without blocking the JS thread.

import { type Pointer, read } from "bun:ffi";
import { ClientHandle, type ClientHooks, commonProperties } from "./client.ts";
import { errstr, errstrText, type KafkaProperties, withOverrides } from "./config.ts";
import { ErrorCode, KafkaConfigError, KafkaError } from "./errors.ts";
import { rdk } from "./ffi.ts";
import { readMetadata, type TopicMetadata, topicReady } from "./metadata.ts";
import {
  pointerArray,
  RD_KAFKA_ADMIN_OP_CREATETOPICS,
  RD_KAFKA_ADMIN_OP_DELETETOPICS,
  RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
  RD_KAFKA_EVENT_CREATETOPICS_RESULT,
  RD_KAFKA_EVENT_DELETETOPICS_RESULT,
  RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
  RD_KAFKA_PRODUCER,
  RD_KAFKA_RESOURCE_TOPIC,
  Scratch,
} from "./native.ts";

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic configs as Kafka names them: "compression.type": "lz4", "max.message.bytes": "1048576". */
  config: Readonly<Record<string, string>>;
}

export interface AdminOptions extends ClientHooks {
  bootstrapServers: string;
  clientId: string;
  /** How long the broker may take to complete an operation (topic creation on the controller). */
  operationTimeoutMs: number;
  /** How long we wait for the broker's answer to one request. */
  requestTimeoutMs: number;
  properties?: KafkaProperties;
}

const resultPollIntervalMs = 5;
const topicPollIntervalMs = 50;
const metadataTimeoutMs = 5_000;

export class Admin {
  private readonly client: ClientHandle;
  private readonly operationTimeoutMs: number;
  private readonly requestTimeoutMs: number;

  constructor(options: AdminOptions) {
    this.client = new ClientHandle(
      RD_KAFKA_PRODUCER,
      "admin",
      withOverrides(commonProperties(options.bootstrapServers, options.clientId), options.properties),
      0,
      options,
    );
    this.operationTimeoutMs = options.operationTimeoutMs;
    this.requestTimeoutMs = options.requestTimeoutMs;
  }

  /**
   * Creates every topic of `specs`, and resolves once the broker created them
   * all. Rejects with a KafkaError for the first topic that failed (e.g.
   * TOPIC_ALREADY_EXISTS, INVALID_CONFIG) unless `existingOk` and it exists.
   * Wait for `waitForTopics` before producing: metadata can lag creation.
   */
  async createTopics(specs: readonly TopicSpec[], existingOk = false): Promise<void> {
    this.client.assertOpen("createTopics");
    const newTopics: Pointer[] = [];
    try {
      for (const spec of specs) newTopics.push(newTopic(spec));
      const array = pointerArray(newTopics);
      const results = await this.run(
        RD_KAFKA_ADMIN_OP_CREATETOPICS,
        RD_KAFKA_EVENT_CREATETOPICS_RESULT,
        `create topics ${specs.map((s) => s.name).join(",")}`,
        (options, queue) => rdk.rd_kafka_CreateTopics(this.client.rk, array.ptr, newTopics.length, options, queue),
      );
      array.u8.fill(0);
      for (const result of results) {
        if (result.code === 0 || (existingOk && result.code === ErrorCode.TOPIC_ALREADY_EXISTS)) continue;
        throw new KafkaError(result.code, `create topic ${result.name}`, { reason: result.reason });
      }
    } finally {
      for (const t of newTopics) rdk.rd_kafka_NewTopic_destroy(t);
    }
  }

  /** Deletes topics; rejects with a KafkaError for the first that failed (UNKNOWN_TOPIC_OR_PART when absent). */
  async deleteTopics(names: readonly string[]): Promise<void> {
    this.client.assertOpen("deleteTopics");
    const deletes = names.map((name) => rdk.rd_kafka_DeleteTopic_new(name) as Pointer);
    try {
      const array = pointerArray(deletes);
      const results = await this.run(
        RD_KAFKA_ADMIN_OP_DELETETOPICS,
        RD_KAFKA_EVENT_DELETETOPICS_RESULT,
        `delete topics ${names.join(",")}`,
        (options, queue) => rdk.rd_kafka_DeleteTopics(this.client.rk, array.ptr, deletes.length, options, queue),
      );
      for (const result of results) {
        if (result.code !== 0)
          throw new KafkaError(result.code, `delete topic ${result.name}`, { reason: result.reason });
      }
    } finally {
      for (const d of deletes) rdk.rd_kafka_DeleteTopic_destroy(d);
    }
  }

  /** Every config entry of a topic as the broker reports it (defaults included). */
  async describeTopicConfig(name: string): Promise<Record<string, string>> {
    this.client.assertOpen("describeTopicConfig");
    const resource = rdk.rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name) as Pointer;
    try {
      const array = pointerArray([resource]);
      const config: Record<string, string> = {};
      await this.runEvent(
        RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS,
        RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT,
        `describe config of ${name}`,
        (options, queue) => rdk.rd_kafka_DescribeConfigs(this.client.rk, array.ptr, 1, options, queue),
        (event) => readConfigResult(event, name, config),
      );
      return config;
    } finally {
      rdk.rd_kafka_ConfigResource_destroy(resource);
    }
  }

  /** Topic metadata from the broker (blocks for one round trip). */
  describeTopics(): TopicMetadata[] {
    this.client.assertOpen("describeTopics");
    return readMetadata(this.client.rk, null, metadataTimeoutMs);
  }

  /**
   * Resolves once every topic exists with `partitions` partitions (when given), each with a
   * leader; rejects after `timeoutMs`.
   */
  async waitForTopics(names: readonly string[], timeoutMs: number, partitions?: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.client.assertOpen("waitForTopics");
      let topics: TopicMetadata[] = [];
      try {
        topics = readMetadata(this.client.rk, null, metadataTimeoutMs);
      } catch (error) {
        if (!(error instanceof KafkaError) || performance.now() > deadline) throw error;
      }
      const missing = names.filter(
        (name) =>
          !topicReady(
            topics.find((t) => t.name === name),
            partitions,
          ),
      );
      if (missing.length === 0) return;
      if (performance.now() > deadline)
        throw new KafkaError(ErrorCode._TIMED_OUT, `wait for topics ${missing.join(",")}`, {
          reason: `not ready after ${timeoutMs} ms`,
        });
      await Bun.sleep(topicPollIntervalMs);
    }
  }

  /**
   * Serves the admin client's logs and errors. Admin calls do it themselves;
   * an admin kept open and idle for long should call this now and then, or
   * those events wait in its queue.
   */
  poll(): number {
    this.client.assertOpen("poll");
    return this.client.serve(0, 1_000, null);
  }

  close(): void {
    this.client.destroy();
  }

  /** Runs one admin request whose result is a list of per-topic results. */
  private async run(
    op: number,
    resultType: number,
    context: string,
    start: (options: Pointer, queue: Pointer) => void,
  ): Promise<TopicResult[]> {
    let results: TopicResult[] = [];
    await this.runEvent(op, resultType, context, start, (event) => {
      results = readTopicResults(event, resultType);
    });
    return results;
  }

  /** Starts an admin request on a queue of its own, polls it until the result event, hands the event to `read`. */
  private async runEvent(
    op: number,
    resultType: number,
    context: string,
    start: (options: Pointer, queue: Pointer) => void,
    read: (event: Pointer) => void,
  ): Promise<void> {
    const options = this.adminOptions(op, context);
    const queue = rdk.rd_kafka_queue_new(this.client.rk) as Pointer;
    try {
      start(options, queue);
      // The request itself times out after requestTimeoutMs; this deadline only guards against a lost result.
      const deadline = performance.now() + this.requestTimeoutMs + this.operationTimeoutMs + 5_000;
      for (;;) {
        this.client.serve(0, 100, null);
        const event = rdk.rd_kafka_queue_poll(queue, 0) as Pointer | null;
        if (event !== null) {
          try {
            const type = rdk.rd_kafka_event_type(event);
            const code = rdk.rd_kafka_event_error(event);
            if (code !== 0)
              throw new KafkaError(code, context, { reason: rdk.rd_kafka_event_error_string(event) ?? undefined });
            if (type !== resultType)
              throw new KafkaError(ErrorCode._FAIL, context, { reason: `unexpected event type ${type}` });
            read(event);
            return;
          } finally {
            rdk.rd_kafka_event_destroy(event);
          }
        }
        if (performance.now() > deadline)
          throw new KafkaError(ErrorCode._TIMED_OUT, context, { reason: "no result from librdkafka" });
        await Bun.sleep(resultPollIntervalMs);
      }
    } finally {
      rdk.rd_kafka_queue_destroy(queue);
      rdk.rd_kafka_AdminOptions_destroy(options);
    }
  }

  private adminOptions(op: number, context: string): Pointer {
    const options = rdk.rd_kafka_AdminOptions_new(this.client.rk, op) as Pointer;
    const check = (code: number, what: string) => {
      if (code === 0) return;
      rdk.rd_kafka_AdminOptions_destroy(options);
      throw new KafkaConfigError(what, `${context}: ${what}`, errstrText());
    };
    check(
      rdk.rd_kafka_AdminOptions_set_request_timeout(options, this.requestTimeoutMs, errstr.ptr, errstr.u8.length),
      "request timeout",
    );
    if (op !== RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS) {
      check(
        rdk.rd_kafka_AdminOptions_set_operation_timeout(options, this.operationTimeoutMs, errstr.ptr, errstr.u8.length),
        "operation timeout",
      );
    }
    return options;
  }
}

interface TopicResult {
  name: string;
  code: number;
  reason: string;
}

function newTopic(spec: TopicSpec): Pointer {
  errstr.u8[0] = 0;
  const topic = rdk.rd_kafka_NewTopic_new(
    spec.name,
    spec.partitions,
    spec.replicationFactor,
    errstr.ptr,
    errstr.u8.length,
  ) as Pointer | null;
  if (topic === null) throw new KafkaConfigError(null, `topic ${spec.name}`, errstrText());
  for (const [name, value] of Object.entries(spec.config)) {
    const code = rdk.rd_kafka_NewTopic_set_config(topic, name, value);
    if (code !== 0) {
      rdk.rd_kafka_NewTopic_destroy(topic);
      throw new KafkaError(code, `topic ${spec.name} config ${name}=${value}`);
    }
  }
  return topic;
}

function readTopicResults(event: Pointer, resultType: number): TopicResult[] {
  const result =
    resultType === RD_KAFKA_EVENT_CREATETOPICS_RESULT
      ? rdk.rd_kafka_event_CreateTopics_result(event)
      : rdk.rd_kafka_event_DeleteTopics_result(event);
  const countOut = new Scratch(8);
  const array =
    resultType === RD_KAFKA_EVENT_CREATETOPICS_RESULT
      ? rdk.rd_kafka_CreateTopics_result_topics(result, countOut.ptr)
      : rdk.rd_kafka_DeleteTopics_result_topics(result, countOut.ptr);
  const results: TopicResult[] = [];
  for (let i = 0; i < countOut.getU64(0); i++) {
    const topic = readPointer(array as Pointer, i);
    results.push({
      name: rdk.rd_kafka_topic_result_name(topic) ?? "",
      code: rdk.rd_kafka_topic_result_error(topic),
      reason: rdk.rd_kafka_topic_result_error_string(topic) ?? "",
    });
  }
  return results;
}

function readConfigResult(event: Pointer, name: string, into: Record<string, string>): void {
  const result = rdk.rd_kafka_event_DescribeConfigs_result(event);
  const countOut = new Scratch(8);
  const resources = rdk.rd_kafka_DescribeConfigs_result_resources(result, countOut.ptr) as Pointer;
  if (countOut.getU64(0) !== 1)
    throw new KafkaError(ErrorCode._FAIL, `describe config of ${name}`, {
      reason: `expected 1 resource, got ${countOut.getU64(0)}`,
    });
  const resource = readPointer(resources, 0);
  const code = rdk.rd_kafka_ConfigResource_error(resource);
  if (code !== 0)
    throw new KafkaError(code, `describe config of ${name}`, {
      reason: rdk.rd_kafka_ConfigResource_error_string(resource) ?? undefined,
    });
  const entries = rdk.rd_kafka_ConfigResource_configs(resource, countOut.ptr) as Pointer;
  for (let i = 0; i < countOut.getU64(0); i++) {
    const entry = readPointer(entries, i);
    const key = rdk.rd_kafka_ConfigEntry_name(entry);
    if (key !== null) into[key] = rdk.rd_kafka_ConfigEntry_value(entry) ?? "";
  }
}

/** Element `index` of a C array of pointers. */
function readPointer(array: Pointer, index: number): Pointer {
  return read.ptr(array, index * 8) as Pointer;
}
