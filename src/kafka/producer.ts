// The idempotent, acks=all producer. Produce calls return librdkafka's error
// code (0 = queued); each message's outcome comes back later as a delivery
// report (opaque id, partition, offset, error code) when the owner polls.
//
// Buffer lifetime: every message is produced with RD_KAFKA_MSG_F_COPY, so
// librdkafka copies value and key during the call and the caller may reuse or
// drop its buffer as soon as the call returns.

import { type Pointer, read } from "bun:ffi";
import { ClientHandle, type ClientHooks, commonProperties, type EventSink } from "./client.ts";
import { type KafkaProperties, withOverrides } from "./config.ts";
import { ErrorCode, KafkaError } from "./errors.ts";
import { rdk } from "./ffi.ts";
import { readMetadata } from "./metadata.ts";
import {
  MESSAGE,
  RD_KAFKA_EVENT_DR,
  RD_KAFKA_MSG_F_COPY,
  RD_KAFKA_MSG_F_PARTITION,
  RD_KAFKA_PRODUCER,
  RD_KAFKA_PURGE_F_INFLIGHT,
  RD_KAFKA_PURGE_F_QUEUE,
  rangeAddress,
  readI64,
  Scratch,
  VTYPE_HEADER,
  VTYPE_KEY,
  VTYPE_MSGFLAGS,
  VTYPE_OPAQUE,
  VTYPE_PARTITION,
  VTYPE_RKT,
  VTYPE_VALUE,
  VU,
} from "./native.ts";
import type { ProduceBatch } from "./produce-batch.ts";
import { OPAQUE_MAX, PARTITION_ANY, type ProduceRecord } from "./record.ts";

/**
 * One message's outcome: `errorCode` 0 means the broker acknowledged it
 * (acks=all) at `offset`; otherwise it was not written (or, for
 * _PURGE_INFLIGHT on close, its fate is unknown) and `offset` is meaningless.
 */
export type DeliveryHandler = (opaque: number, partition: number, offset: number, errorCode: number) => void;

export type Compression = "none" | "lz4" | "snappy" | "zstd" | "gzip";

export interface ProducerOptions extends ClientHooks {
  bootstrapServers: string;
  clientId: string;
  /** linger.ms: how long a message may wait for others to share its request. */
  lingerMs: number;
  /** batch.num.messages: messages per partition batch at most. */
  batchMessagesMax: number;
  /** batch.size: bytes per partition batch at most. */
  batchBytesMax: number;
  /** queue.buffering.max.messages: messages queued or in flight; past it produce returns _QUEUE_FULL. */
  queueMessagesMax: number;
  /** queue.buffering.max.kbytes: the same limit in KiB. */
  queueKbytesMax: number;
  /** message.max.bytes: a larger message is refused at produce with MSG_SIZE_TOO_LARGE. */
  messageBytesMax: number;
  /** message.timeout.ms: a message not acknowledged by then is reported with _MSG_TIMED_OUT (0 = never). */
  deliveryTimeoutMs: number;
  /** compression.codec for batches this producer writes (the topic's compression.type may recompress). */
  compression: Compression;
  onDelivery: DeliveryHandler;
  /** librdkafka properties applied after this producer's own (tests' tighter limits, tuning experiments). */
  properties?: KafkaProperties;
}

/**
 * Events handled per poll at most: one event carries a whole batch of reports, so this bounds the time a poll holds the
 * thread, not the messages.
 */
const pollEventsMax = 1_000;
/** Delivery reports taken out of an event per FFI call. */
const reportSliceMax = 1_024;
const headersMax = 16;
/** produceva entries before the headers: topic, partition, value, key, opaque, flags. */
const vuFixedCount = 6;
const metadataTimeoutMsDefault = 10_000;
const purgeServeMsMax = 5_000;
/** One rd_kafka_flush wait inside `flush`: reports are served between slices. */
const flushSliceMs = 5;

function producerProperties(o: ProducerOptions): KafkaProperties {
  return withOverrides(
    {
      ...commonProperties(o.bootstrapServers, o.clientId),
      // Exactly once and in order per partition across retries and reconnects.
      "enable.idempotence": "true",
      // The idempotent producer's own bounds, stated rather than implied.
      acks: "all",
      "max.in.flight.requests.per.connection": "5",
      retries: "2147483647",
      "retry.backoff.ms": "100",
      "request.timeout.ms": "30000",
      "message.timeout.ms": String(o.deliveryTimeoutMs),
      "linger.ms": String(o.lingerMs),
      "batch.num.messages": String(o.batchMessagesMax),
      "batch.size": String(o.batchBytesMax),
      "queue.buffering.max.messages": String(o.queueMessagesMax),
      "queue.buffering.max.kbytes": String(o.queueKbytesMax),
      "message.max.bytes": String(o.messageBytesMax),
      "compression.codec": o.compression,
      // The Java client's partitioner: a key lands on the same partition whichever client wrote it.
      partitioner: "murmur2_random",
      "sticky.partitioning.linger.ms": "10",
    },
    o.properties,
  );
}

export class Producer implements EventSink {
  private readonly client: ClientHandle;
  private readonly onDelivery: DeliveryHandler;
  private readonly topicHandles: Pointer[] = [];
  private readonly topicNames: string[] = [];
  /** As of `topic()` (refreshed when a batch names a partition past it). */
  private readonly topicPartitionsCount: number[] = [];
  private readonly vus = new Scratch(VU.bytes * (vuFixedCount + headersMax));
  /** Delivery-report message pointers of one slice of an event. */
  private readonly reportPointers = new Scratch(8 * reportSliceMax);
  private reportsServed = 0;

  constructor(options: ProducerOptions) {
    this.client = new ClientHandle(
      RD_KAFKA_PRODUCER,
      "producer",
      producerProperties(options),
      RD_KAFKA_EVENT_DR,
      options,
    );
    this.onDelivery = options.onDelivery;
  }

  get name(): string {
    return this.client.name;
  }

  /** Set once librdkafka raised a fatal error: the producer must be closed and replaced. */
  get fatalError(): KafkaError | null {
    return this.client.fatalError;
  }

  /**
   * The index of `name` for ProduceRecord.topic. The first call per name asks
   * the broker (up to `timeoutMs`) and throws a KafkaError when the topic does
   * not exist, so a misspelt topic fails here rather than as delivery reports.
   */
  topic(name: string, timeoutMs = metadataTimeoutMsDefault): number {
    this.client.assertOpen("topic");
    const known = this.topicNames.indexOf(name);
    if (known >= 0) return known;
    const rkt = rdk.rd_kafka_topic_new(this.client.rk, name, null) as Pointer | null;
    if (rkt === null) throw new KafkaError(rdk.rd_kafka_last_error(), `producer topic ${name}`);
    let partitionsCount = 0;
    try {
      partitionsCount = this.partitionsOf(rkt, name, timeoutMs);
    } catch (error) {
      rdk.rd_kafka_topic_destroy(rkt);
      throw error;
    }
    this.topicHandles.push(rkt);
    this.topicNames.push(name);
    this.topicPartitionsCount.push(partitionsCount);
    return this.topicHandles.length - 1;
  }

  /** The topic's partition count from the broker; a KafkaError when it does not exist. */
  private partitionsOf(rkt: Pointer, name: string, timeoutMs: number): number {
    const [metadata] = readMetadata(this.client.rk, rkt, timeoutMs);
    const code = metadata === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PART : metadata.errorCode;
    if (code !== 0) throw new KafkaError(code, `producer topic ${name}`);
    return metadata!.partitions.length;
  }

  private topicHandle(index: number): Pointer {
    const rkt = this.topicHandles[index];
    if (rkt === undefined) throw new RangeError(`topic index ${index} was not returned by producer.topic()`);
    return rkt;
  }

  /**
   * Queues one message. Returns 0, or librdkafka's refusal: _QUEUE_FULL (poll
   * to serve reports, then retry), MSG_SIZE_TOO_LARGE, _UNKNOWN_PARTITION,
   * _FATAL. Throws only for programmer errors (closed producer, bad range).
   */
  produce(record: ProduceRecord): number {
    this.client.assertOpen("produce");
    const rkt = this.topicHandle(record.topic);
    if (!(Number.isInteger(record.opaque) && record.opaque >= 0 && record.opaque <= OPAQUE_MAX))
      throw new RangeError(`opaque ${record.opaque} outside [0, 2^53)`);
    if (record.headers !== null && record.headers.count > 0) return this.produceWithHeaders(rkt, record);
    const value = record.value;
    const key = record.key;
    const valueAddress = value === null ? null : rangeAddress(value, record.valueStart, record.valueBytes);
    const keyAddress = key === null ? null : rangeAddress(key, record.keyStart, record.keyBytes);
    const result = rdk.rd_kafka_produce(
      rkt,
      record.partition,
      RD_KAFKA_MSG_F_COPY,
      valueAddress,
      value === null ? 0 : record.valueBytes,
      keyAddress,
      key === null ? 0 : record.keyBytes,
      record.opaque as Pointer,
    );
    return result === 0 ? 0 : rdk.rd_kafka_last_error();
  }

  /** rd_kafka_produceva: the only non-variadic produce call that carries headers. */
  private produceWithHeaders(rkt: Pointer, record: ProduceRecord): number {
    const headers = record.headers!;
    if (headers.count > headersMax) throw new RangeError(`${headers.count} headers; at most ${headersMax} per message`);
    const v = this.vus;
    v.u32.fill(0);
    v.setU64(this.vu(0, VTYPE_RKT) + VU.u0, rkt);
    v.i32[(this.vu(1, VTYPE_PARTITION) + VU.u0) >>> 2] = record.partition;
    if (record.value !== null) {
      const at = this.vu(2, VTYPE_VALUE);
      v.setU64(at + VU.u0, rangeAddress(record.value, record.valueStart, record.valueBytes));
      v.setU64(at + VU.u1, record.valueBytes);
    } else this.vu(2, VTYPE_VALUE);
    if (record.key !== null) {
      const at = this.vu(3, VTYPE_KEY);
      v.setU64(at + VU.u0, rangeAddress(record.key, record.keyStart, record.keyBytes));
      v.setU64(at + VU.u1, record.keyBytes);
    } else this.vu(3, VTYPE_KEY);
    v.setU64(this.vu(4, VTYPE_OPAQUE) + VU.u0, record.opaque);
    v.i32[(this.vu(5, VTYPE_MSGFLAGS) + VU.u0) >>> 2] = RD_KAFKA_MSG_F_COPY;
    for (let h = 0; h < headers.count; h++) {
      const at = this.vu(vuFixedCount + h, VTYPE_HEADER);
      const name = headers.names[h]!.cString;
      const value = headers.values[h] ?? null;
      const bytes = headers.valueBytes[h]!;
      v.setU64(at + VU.u0, rangeAddress(name, 0, name.length));
      if (value !== null) v.setU64(at + VU.u1, rangeAddress(value, headers.valueStart[h]!, bytes));
      v.setI64(at + VU.u2, value === null ? -1 : bytes);
    }
    const error = rdk.rd_kafka_produceva(this.client.rk, v.ptr, vuFixedCount + headers.count) as Pointer | null;
    if (error === null) return 0;
    const code = rdk.rd_kafka_error_code(error);
    rdk.rd_kafka_error_destroy(error);
    return code;
  }

  /** Sets the type of produceva entry `index` and returns its byte offset. */
  private vu(index: number, vtype: number): number {
    const at = index * VU.bytes;
    this.vus.i32[at >>> 2] = vtype;
    return at;
  }

  /**
   * Queues every message of `batch` to `topic` (each with its own partition,
   * or the partitioner's choice for PARTITION_ANY). Returns how many were
   * queued; the others have their refusal in `batch.errorCode`. After a
   * _QUEUE_FULL every later message is refused too, so retrying the refused
   * ones in order keeps the order. The batch is cleared either way.
   */
  produceBatch(topic: number, batch: ProduceBatch): number {
    this.client.assertOpen("produceBatch");
    const rkt = this.topicHandle(topic);
    const count = batch.count;
    const stride = MESSAGE.bytes >>> 2;
    const partitionWord = MESSAGE.partition >>> 2;
    const errorWord = MESSAGE.err >>> 2;
    let queued = 0;
    let runStart = 0;
    let refusedAll = 0;
    // librdkafka 2.0.2 loses track of a batch message whose partition does not
    // exist (it is never reported and flush never completes), so such messages
    // are refused here and the valid runs around them are produced separately.
    for (let i = 0; i <= count; i++) {
      const valid =
        i < count && refusedAll === 0 && this.partitionExists(topic, batch.messages.i32[i * stride + partitionWord]!);
      if (valid) continue;
      if (i > runStart && refusedAll === 0) {
        const runCount = i - runStart;
        const runQueued = rdk.rd_kafka_produce_batch(
          rkt,
          0,
          RD_KAFKA_MSG_F_COPY | RD_KAFKA_MSG_F_PARTITION,
          (batch.messages.ptr + runStart * MESSAGE.bytes) as Pointer,
          runCount,
        );
        queued += runQueued;
        for (let k = runStart; k < i; k++) batch.errorCode[k] = batch.messages.i32[k * stride + errorWord]!;
        if (runQueued < runCount)
          refusedAll = batch.errorCode[i - 1] === ErrorCode._QUEUE_FULL ? ErrorCode._QUEUE_FULL : 0;
      }
      if (i < count) batch.errorCode[i] = refusedAll !== 0 ? refusedAll : ErrorCode._UNKNOWN_PARTITION;
      runStart = i + 1;
    }
    batch.clear();
    return queued;
  }

  private partitionExists(topic: number, partition: number): boolean {
    if (partition === PARTITION_ANY) return true;
    if (partition < 0) return false;
    if (partition < this.topicPartitionsCount[topic]!) return true;
    // Partitions can be added to a topic: ask once before refusing.
    this.topicPartitionsCount[topic] = this.partitionsOf(
      this.topicHandles[topic]!,
      this.topicNames[topic]!,
      metadataTimeoutMsDefault,
    );
    return partition < this.topicPartitionsCount[topic]!;
  }

  /**
   * EventSink: a delivery-report event carries one or more messages; each goes
   * to onDelivery. If onDelivery throws, the event's other reports are still
   * delivered, then the first error is rethrown (from poll, flush or close).
   */
  handleEvent(event: Pointer, type: number): void {
    if (type !== RD_KAFKA_EVENT_DR) return;
    let thrown: unknown = null;
    const list = this.reportPointers;
    // Message pointers a slice at a time: one FFI call per slice, not one per message.
    for (;;) {
      const n = Number(rdk.rd_kafka_event_message_array(event, list.ptr, reportSliceMax));
      if (n === 0) break;
      for (let i = 0; i < n; i++) {
        const message = list.getU64(i * 8);
        this.reportsServed++;
        try {
          this.onDelivery(
            read.ptr(message as Pointer, MESSAGE.opaque),
            read.i32(message as Pointer, MESSAGE.partition),
            readI64(message as Pointer, MESSAGE.offset),
            read.i32(message as Pointer, MESSAGE.err),
          );
        } catch (error) {
          thrown ??= error;
        }
      }
      if (n < reportSliceMax) break;
    }
    if (thrown !== null) throw thrown;
  }

  /**
   * Serves delivery reports, logs and errors: waits up to `timeoutMs` for the first event. Returns the reports served.
   */
  poll(timeoutMs: number): number {
    this.client.assertOpen("poll");
    const before = this.reportsServed;
    this.client.serve(timeoutMs, pollEventsMax, this);
    return this.reportsServed - before;
  }

  /** Messages queued or in flight plus reports not yet served (rd_kafka_outq_len). */
  inFlight(): number {
    return this.client.isOpen ? rdk.rd_kafka_outq_len(this.client.rk) : 0;
  }

  /**
   * Sends what linger holds and serves reports until none is outstanding or
   * `timeoutMs` passed. Returns the messages still outstanding (0 = every
   * message has had its report). In event mode rd_kafka_flush only waits (it
   * cannot serve our queue) and bypasses linger only while it waits, so it is
   * called in short slices with the queue served between them.
   */
  flush(timeoutMs: number): number {
    this.client.assertOpen("flush");
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      this.client.serve(0, pollEventsMax, this);
      const outstanding = rdk.rd_kafka_outq_len(this.client.rk);
      const leftMs = deadline - performance.now();
      if (outstanding === 0 || leftMs <= 0) return outstanding;
      rdk.rd_kafka_flush(this.client.rk, Math.min(flushSliceMs, Math.ceil(leftMs)));
    }
  }

  /**
   * Flushes for up to `timeoutMs`, then purges what is left (each purged
   * message is still reported: _PURGE_QUEUE never sent, _PURGE_INFLIGHT fate
   * unknown), frees every handle. Returns the messages that were purged.
   * Idempotent.
   */
  close(timeoutMs: number): number {
    if (!this.client.isOpen) return 0;
    let left = 0;
    try {
      left = this.flush(timeoutMs);
      if (left > 0) {
        rdk.rd_kafka_purge(this.client.rk, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        const deadline = performance.now() + purgeServeMsMax;
        while (rdk.rd_kafka_outq_len(this.client.rk) > 0 && performance.now() < deadline)
          this.client.serve(100, pollEventsMax, this);
      }
    } finally {
      // Freed even when a delivery handler threw during the flush.
      for (const rkt of this.topicHandles) rdk.rd_kafka_topic_destroy(rkt);
      this.topicHandles.length = 0;
      this.topicNames.length = 0;
      this.topicPartitionsCount.length = 0;
      this.client.destroy();
    }
    return left;
  }
}
