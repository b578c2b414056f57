// The consumer: manual assignment at chosen offsets (an engine shard resuming
// from its snapshot) or a classic consumer group (subscribe), batch polls into
// a reusable ConsumedBatch, explicit synchronous offset commits.

import { type Pointer, read } from "bun:ffi";
import { ClientHandle, type ClientHooks, commonProperties } from "./client.ts";
import { type KafkaProperties, withOverrides } from "./config.ts";
import { ConsumedBatch } from "./consumed-batch.ts";
import { ErrorCode, KafkaError, takeRdError, throwIfError } from "./errors.ts";
import { rdk } from "./ffi.ts";
import { verifyPartitions } from "./metadata.ts";
import { MESSAGE, RD_KAFKA_CONSUMER, Scratch } from "./native.ts";
import {
  freePartitionList,
  newPartitionList,
  readPartitionList,
  type TopicPartition,
  type TopicPartitionOffset,
} from "./partitions.ts";

/** Offsets with a meaning of their own (RD_KAFKA_OFFSET_*), usable wherever an offset is. */
export const Offset = {
  BEGINNING: -2,
  END: -1,
  /** The group's committed offset (auto.offset.reset when there is none). */
  STORED: -1000,
  /** No offset: what `committed()` reports for a partition the group never committed. */
  INVALID: -1001,
} as const;

export interface ConsumerOptions extends ClientHooks {
  bootstrapServers: string;
  clientId: string;
  /**
   * group.id: the committed offsets' owner, and the group joined by `subscribe`. librdkafka needs
   * one even for manual assignment.
   */
  groupId: string;
  /** Messages per poll at most. */
  batchMessagesMax: number;
  /** Bytes of keys, values and headers per poll; must hold the largest message the topics accept. */
  batchArenaBytes: number;
  /** Headers per poll at most. */
  batchHeadersMax: number;
  /** fetch.max.bytes: bytes per fetch response. */
  fetchMaxBytes: number;
  /** max.partition.fetch.bytes: bytes per partition per fetch. */
  partitionFetchMaxBytes: number;
  /** fetch.wait.max.ms: how long the broker may hold a fetch open when it has nothing. */
  fetchWaitMaxMs: number;
  /**
   * queued.min.messages: librdkafka prefetches until this many messages wait
   * per partition. With librdkafka before 2.2 (Debian's 2.0.2), reaching this
   * or `queuedMaxKbytes` stops fetching for a fixed 1 s (librdkafka #2879), so
   * size both to hold at least a second of consumption.
   */
  queuedMinMessages: number;
  /** queued.max.messages.kbytes: prefetched bytes held in librdkafka per consumer (see queuedMinMessages). */
  queuedMaxKbytes: number;
  /** auto.offset.reset: where to start without a committed offset, or when the offset is out of range. */
  autoOffsetReset: "earliest" | "latest" | "error";
  /** session.timeout.ms: a group member silent this long is removed. */
  sessionTimeoutMs: number;
  /** max.poll.interval.ms: a group member that does not poll this long leaves the group. */
  maxPollIntervalMs: number;
  properties?: KafkaProperties;
}

/** Main-queue events (logs, errors) served per poll at most. */
const mainEventsPerPollMax = 100;
const metadataTimeoutMsDefault = 10_000;
/** Answers that mean "the client does not know the leader yet", not "no such partition". */
const watermarkRetriable = new Set<number>([
  ErrorCode._UNKNOWN_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.NOT_LEADER_FOR_PARTITION,
  ErrorCode._TRANSPORT,
]);
const watermarkRetryMs = 50;

function consumerProperties(o: ConsumerOptions): KafkaProperties {
  return withOverrides(
    {
      ...commonProperties(o.bootstrapServers, o.clientId),
      "group.id": o.groupId,
      // Offsets are committed by the application, for exactly what it has processed (after a snapshot, say).
      "enable.auto.commit": "false",
      "enable.auto.offset.store": "false",
      "enable.partition.eof": "false",
      // No producer here writes transactions; read_committed costs nothing and stays right if one ever does.
      "isolation.level": "read_committed",
      // TCP and the broker (which checks CRCs on produce) already guard the bytes on
      // loopback; this saves CPU per message.
      "check.crcs": "false",
      "auto.offset.reset": o.autoOffsetReset,
      "fetch.max.bytes": String(o.fetchMaxBytes),
      "max.partition.fetch.bytes": String(o.partitionFetchMaxBytes),
      // librdkafka requires room for a whole fetch response plus its framing.
      "receive.message.max.bytes": String(o.fetchMaxBytes + 65_536),
      "fetch.min.bytes": "1",
      "fetch.wait.max.ms": String(o.fetchWaitMaxMs),
      "fetch.error.backoff.ms": "100",
      "queued.min.messages": String(o.queuedMinMessages),
      "queued.max.messages.kbytes": String(o.queuedMaxKbytes),
      "session.timeout.ms": String(o.sessionTimeoutMs),
      "heartbeat.interval.ms": String(Math.max(100, Math.floor(o.sessionTimeoutMs / 10))),
      "max.poll.interval.ms": String(o.maxPollIntervalMs),
      // Contiguous partition ranges per member: a shard's symbols stay together.
      "partition.assignment.strategy": "range",
    },
    o.properties,
  );
}

export class Consumer {
  private readonly client: ClientHandle;
  private readonly queue: Pointer;
  private readonly batch: ConsumedBatch;
  /**
   * rd_kafka_message_t* array that consume_batch_queue fills; [pendingIndex, pendingCount)
   * were fetched but not yet taken.
   */
  private readonly fetched: Scratch;
  private pendingIndex = 0;
  private pendingCount = 0;
  private readonly topicIndexByHandle = new Map<number, number>();
  private readonly topicNames: string[] = [];
  private readonly watermarkOut = new Scratch(16);

  constructor(options: ConsumerOptions) {
    this.batch = new ConsumedBatch({
      messagesMax: options.batchMessagesMax,
      arenaBytes: options.batchArenaBytes,
      headersMax: options.batchHeadersMax,
    });
    this.fetched = new Scratch(options.batchMessagesMax * 8);
    this.client = new ClientHandle(RD_KAFKA_CONSUMER, "consumer", consumerProperties(options), 0, options);
    this.queue = rdk.rd_kafka_queue_get_consumer(this.client.rk) as Pointer;
  }

  get name(): string {
    return this.client.name;
  }

  topicName(index: number): string {
    const name = this.topicNames[index];
    if (name === undefined) throw new RangeError(`no topic with index ${index}`);
    return name;
  }

  /**
   * Replaces the assignment: exactly these partitions, each from its offset
   * (absolute or an `Offset` constant). No group membership. Asks the broker
   * first and throws a KafkaError for a topic or partition that does not exist.
   */
  assign(partitions: readonly TopicPartitionOffset[], timeoutMs = metadataTimeoutMsDefault): void {
    this.client.assertOpen("assign");
    verifyPartitions(this.client.rk, partitions, timeoutMs);
    this.dropPending();
    const list = newPartitionList(partitions);
    try {
      throwIfError(rdk.rd_kafka_assign(this.client.rk, list), `assign ${describe(partitions)}`);
    } finally {
      freePartitionList(list);
    }
  }

  unassign(): void {
    this.client.assertOpen("unassign");
    this.dropPending();
    throwIfError(rdk.rd_kafka_assign(this.client.rk, null), "unassign");
  }

  /**
   * Joins the group (classic protocol) for `topics`; partitions arrive by rebalance while
   * polling, from the committed offsets.
   */
  subscribe(topics: readonly string[]): void {
    this.client.assertOpen("subscribe");
    const list = newPartitionList(topics.map((topic) => ({ topic, partition: -1 })));
    try {
      throwIfError(rdk.rd_kafka_subscribe(this.client.rk, list), `subscribe ${topics.join(",")}`);
    } finally {
      freePartitionList(list);
    }
  }

  /** The partitions currently assigned (by `assign` or by the group). */
  assignment(): TopicPartition[] {
    this.client.assertOpen("assignment");
    const out = new Scratch(8);
    throwIfError(rdk.rd_kafka_assignment(this.client.rk, out.ptr), "assignment");
    const list = out.getU64(0) as Pointer;
    try {
      return readPartitionList(list).map(({ topic, partition }) => ({ topic, partition }));
    } finally {
      freePartitionList(list);
    }
  }

  /** Moves assigned partitions to new offsets; messages already fetched from the old positions are dropped. */
  seek(partitions: readonly TopicPartitionOffset[], timeoutMs: number): void {
    this.client.assertOpen("seek");
    this.dropPending();
    const list = newPartitionList(partitions);
    try {
      const error = takeRdError(
        rdk.rd_kafka_seek_partitions(this.client.rk, list, timeoutMs) as Pointer | null,
        `seek ${describe(partitions)}`,
      );
      if (error !== null) throw error;
      const failed = readPartitionList(list).find((p) => p.errorCode !== 0);
      if (failed !== undefined)
        throw new KafkaError(failed.errorCode, `seek ${failed.topic}[${failed.partition}] to ${failed.offset}`);
    } finally {
      freePartitionList(list);
    }
  }

  /**
   * Waits up to `timeoutMs` for one message, then takes whatever else is
   * already fetched without waiting, up to the batch limits. The batch is
   * reused: read it before the next poll. Also serves logs and errors.
   */
  poll(timeoutMs: number): ConsumedBatch {
    this.client.assertOpen("poll");
    const batch = this.batch;
    batch.reset();
    this.client.serve(0, mainEventsPerPollMax, null);
    if (!this.takePending()) return batch;
    if (batch.count === 0) {
      // consume_batch_queue waits until its batch is full or the timeout passes: block for one message only.
      if (!this.fetch(timeoutMs, 1) || !this.takePending()) return batch;
    }
    while (!batch.full && this.fetch(0, batch.limits.messagesMax - batch.count)) {
      if (!this.takePending()) break;
    }
    return batch;
  }

  /** Fills the fetched array (only when it is empty); false when nothing came. */
  private fetch(timeoutMs: number, messagesMax: number): boolean {
    const n = rdk.rd_kafka_consume_batch_queue(this.queue, timeoutMs, this.fetched.ptr, messagesMax) as number;
    this.pendingIndex = 0;
    this.pendingCount = n > 0 ? n : 0;
    return n > 0;
  }

  /** Moves fetched messages into the batch; false when the batch filled before they were all taken. */
  private takePending(): boolean {
    const batch = this.batch;
    while (this.pendingIndex < this.pendingCount) {
      const m = this.fetched.getU64(this.pendingIndex * 8) as Pointer;
      if (!batch.take(m, this.topicIndexOf(m))) return false;
      rdk.rd_kafka_message_destroy(m);
      this.pendingIndex++;
    }
    return true;
  }

  private topicIndexOf(m: Pointer): number {
    const rkt = read.ptr(m, MESSAGE.rkt);
    const known = this.topicIndexByHandle.get(rkt);
    if (known !== undefined) return known;
    const name = rkt === 0 ? "" : (rdk.rd_kafka_topic_name(rkt as Pointer) ?? "");
    let index = this.topicNames.indexOf(name);
    if (index < 0) index = this.topicNames.push(name) - 1;
    this.topicIndexByHandle.set(rkt, index);
    return index;
  }

  private dropPending(): void {
    while (this.pendingIndex < this.pendingCount) {
      rdk.rd_kafka_message_destroy(this.fetched.getU64(this.pendingIndex * 8) as Pointer);
      this.pendingIndex++;
    }
  }

  /** Commits exactly these offsets (the next offset to read, i.e. last processed + 1) and waits for the broker. */
  commit(offsets: readonly TopicPartitionOffset[]): void {
    this.client.assertOpen("commit");
    if (offsets.length === 0)
      throw new Error("commit needs at least one offset (an empty list would commit the current positions)");
    const list = newPartitionList(offsets);
    try {
      throwIfError(rdk.rd_kafka_commit(this.client.rk, list, 0), `commit ${describe(offsets)}`);
      const failed = readPartitionList(list).find((p) => p.errorCode !== 0);
      if (failed !== undefined)
        throw new KafkaError(failed.errorCode, `commit ${failed.topic}[${failed.partition}] at ${failed.offset}`);
    } finally {
      freePartitionList(list);
    }
  }

  /** The group's committed offsets for `partitions` (Offset.INVALID where none). */
  committed(partitions: readonly TopicPartition[], timeoutMs: number): TopicPartitionOffset[] {
    this.client.assertOpen("committed");
    const list = newPartitionList(partitions);
    try {
      throwIfError(rdk.rd_kafka_committed(this.client.rk, list, timeoutMs), `committed ${describe(partitions)}`);
      return readPartitionList(list).map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    } finally {
      freePartitionList(list);
    }
  }

  /**
   * Low and high watermark of a partition, asked of the broker (high = the
   * offset the next message will get). Right after a broker restart
   * librdkafka's cached metadata may not know the partition's leader yet and
   * answers _UNKNOWN_PARTITION or a leader error: those are retried until
   * `timeoutMs` once the broker confirms the partition exists (a partition
   * that does not exist throws at once).
   */
  watermarks(topic: string, partition: number, timeoutMs: number): { low: number; high: number } {
    this.client.assertOpen("watermarks");
    const out = this.watermarkOut;
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const leftMs = Math.max(1, Math.ceil(deadline - performance.now()));
      const code = rdk.rd_kafka_query_watermark_offsets(
        this.client.rk,
        topic,
        partition,
        out.ptr,
        (out.ptr + 8) as Pointer,
        leftMs,
      );
      if (code === 0) return { low: out.getI64(0), high: out.getI64(8) };
      if (!watermarkRetriable.has(code) || performance.now() >= deadline)
        throw new KafkaError(code, `watermarks of ${topic}[${partition}]`);
      verifyPartitions(this.client.rk, [{ topic, partition }], leftMs);
      Bun.sleepSync(watermarkRetryMs);
    }
  }

  /**
   * The high watermark of an assigned partition as the last fetch response
   * told it (no request: cheap enough for every metrics scrape); -1 before
   * the first fetch.
   */
  cachedHighWatermark(topic: string, partition: number): number {
    this.client.assertOpen("cachedHighWatermark");
    const out = this.watermarkOut;
    const code = rdk.rd_kafka_get_watermark_offsets(
      this.client.rk,
      topic,
      partition,
      out.ptr,
      (out.ptr + 8) as Pointer,
    );
    if (code !== 0) return -1;
    const high = out.getI64(8);
    return high < 0 ? -1 : high;
  }

  /** Leaves the group (if subscribed), frees every message, queue and the handle. Idempotent. */
  close(): void {
    if (!this.client.isOpen) return;
    this.dropPending();
    rdk.rd_kafka_consumer_close(this.client.rk);
    rdk.rd_kafka_queue_destroy(this.queue);
    this.client.destroy();
  }
}

function describe(partitions: readonly TopicPartition[]): string {
  return partitions.map((p) => `${p.topic}[${p.partition}]`).join(",");
}
