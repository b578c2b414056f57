// Everything the engine shards of a process produce (executions, trades,
// market data, dead letters, their own symbol definitions) goes through one
// idempotent acks=all producer. Each message is tracked in its shard's
// AckRing, so a snapshot is stored only once every output before it is
// acknowledged. Nothing is ever dropped: a message librdkafka's queue cannot
// take now (_QUEUE_FULL, the broker away for long) is copied into a spill list
// and produced, in order, before anything newer; the shards stop consuming
// while the queue or a ring is short of room (`hasRoom`). A message that
// still fails (a delivery error, which with no delivery timeout means the
// producer itself failed) fails the log: the process must stop, and a restart
// re-sends from the last snapshot.

import { ErrorCode, KafkaError } from "../errors.ts";
import { Producer, type ProducerOptions } from "../producer.ts";
import { type HeaderName, ProduceHeaders, ProduceRecord } from "../record.ts";
import { AckRing } from "./ack-ring.ts";
import { shardsMax } from "./ids.ts";

export interface OutputLogOptions {
  /** The producer's options, but delivery reports are the log's (deliveryTimeoutMs 0: retried until acknowledged). */
  producer: Omit<ProducerOptions, "onDelivery">;
  /** Engine shards producing through this log (their indexes are 0 .. shardsCount - 1). */
  shardsCount: number;
  /** Unacknowledged outputs one shard may have (a power of two). */
  ringSlotsMax: number;
  /**
   * Room kept free for one command's outputs before a shard applies another (a mass cancel may need more: it spills).
   */
  commandOutputsReserve: number;
}

interface Spilled {
  shard: number;
  counter: number;
  topic: number;
  partition: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: [HeaderName, Uint8Array | null][];
}

export class OutputLog {
  readonly producer: Producer;
  /** Fill it, then `send`. */
  readonly record = new ProduceRecord();
  readonly rings: AckRing[];
  readonly stats = { produced: 0, acknowledged: 0, spilled: 0 };
  /** Set when a message could not be delivered: nothing more is trusted to reach Kafka. */
  failure: Error | null = null;
  /** Called once with `failure`. */
  onFailed: (error: Error) => void = (error) => {
    throw error;
  };
  private readonly spill: Spilled[] = [];
  private readonly spillHeaders = new ProduceHeaders(16);
  private readonly queueMessagesMax: number;
  private readonly reserve: number;
  /** librdkafka's queue length as of the last poll plus what was sent since: no FFI call per record. */
  private queuedEstimate = 0;
  /** Resolvers waiting for a shard's acknowledged seq to reach a value. */
  private waiters: { shard: number; seq: number; resolve: () => void }[] = [];

  constructor(options: OutputLogOptions) {
    const { shardsCount, ringSlotsMax, commandOutputsReserve } = options;
    if (!(Number.isInteger(shardsCount) && shardsCount >= 1 && shardsCount <= shardsMax))
      throw new Error(`shards ${shardsCount} outside [1, ${shardsMax}]`);
    if (!(
      commandOutputsReserve >= 1 &&
      commandOutputsReserve * 2 <= Math.min(ringSlotsMax, options.producer.queueMessagesMax)
    )) {
      throw new Error(
        `output reserve ${commandOutputsReserve} must be at most half the ring (${ringSlotsMax}) and the ` +
          `producer queue (${options.producer.queueMessagesMax})`,
      );
    }
    this.rings = Array.from({ length: shardsCount }, () => new AckRing(ringSlotsMax));
    this.queueMessagesMax = options.producer.queueMessagesMax;
    this.reserve = commandOutputsReserve;
    this.producer = new Producer({ ...options.producer, onDelivery: this.onDelivery });
  }

  topic(name: string): number {
    return this.producer.topic(name);
  }

  /** Whether a shard may apply another command now: nothing spilled, and room for a command's outputs everywhere. */
  hasRoom(shard: number): boolean {
    return (
      this.failure === null &&
      this.spill.length === 0 &&
      this.rings[shard]!.hasRoom(this.reserve) &&
      this.queuedEstimate + this.reserve <= this.queueMessagesMax
    );
  }

  /** Produces `record` as an output of `shard`'s command `seq` (or spills a copy, in order, when the queue is full). */
  send(shard: number, seq: number): void {
    if (this.failure !== null) return;
    const ring = this.rings[shard]!;
    if (!ring.hasRoom(1))
      throw new Error(`shard ${shard}: ${ring.slotsMax} outputs unacknowledged; the caller must wait for room`);
    const counter = ring.push(seq);
    const r = this.record;
    r.opaque = counter * shardsMax + shard;
    this.stats.produced++;
    this.queuedEstimate++;
    if (this.spill.length === 0) {
      const code = this.producer.produce(r);
      if (code === 0) return;
      if (code !== ErrorCode._QUEUE_FULL)
        return this.fail(new KafkaError(code, `produce an output of shard ${shard} (seq ${seq})`));
    }
    this.spillCopy(shard, counter);
  }

  private spillCopy(shard: number, counter: number): void {
    const r = this.record;
    const headers: [HeaderName, Uint8Array | null][] = [];
    const h = r.headers;
    if (h !== null) {
      for (let i = 0; i < h.count; i++) {
        const v = h.values[i] ?? null;
        headers.push([h.names[i]!, v === null ? null : v.slice(h.valueStart[i]!, h.valueStart[i]! + h.valueBytes[i]!)]);
      }
    }
    this.spill.push({
      shard,
      counter,
      topic: r.topic,
      partition: r.partition,
      key: r.key === null ? null : r.key.slice(r.keyStart, r.keyStart + r.keyBytes),
      value: r.value === null ? null : r.value.slice(r.valueStart, r.valueStart + r.valueBytes),
      headers,
    });
    this.stats.spilled++;
  }

  /** Serves delivery reports, then produces spilled messages while the queue takes them. */
  poll(): void {
    this.producer.poll(0);
    if (this.spill.length > 0) this.drainSpill();
    this.queuedEstimate = this.producer.inFlight();
  }

  private drainSpill(): void {
    const r = this.record;
    let taken = 0;
    for (; taken < this.spill.length && this.failure === null; taken++) {
      const m = this.spill[taken]!;
      r.topic = m.topic;
      r.partition = m.partition;
      r.setKey(m.key).setValue(m.value);
      r.opaque = m.counter * shardsMax + m.shard;
      r.headers = this.headersOf(m);
      const code = this.producer.produce(r);
      if (code === ErrorCode._QUEUE_FULL) break;
      if (code !== 0) this.fail(new KafkaError(code, `produce a spilled output of shard ${m.shard}`));
    }
    r.headers = null;
    this.spill.splice(0, taken);
  }

  private headersOf(m: Spilled): ProduceHeaders | null {
    if (m.headers.length === 0) return null;
    const h = this.spillHeaders;
    h.clear();
    for (const [name, value] of m.headers) h.add(name, value);
    return h;
  }

  private readonly onDelivery = (opaque: number, _partition: number, _offset: number, errorCode: number): void => {
    const shard = opaque % shardsMax;
    const counter = (opaque - shard) / shardsMax;
    if (errorCode !== 0) return this.fail(new KafkaError(errorCode, `output of shard ${shard} not delivered`));
    this.rings[shard]!.ack(counter);
    this.stats.acknowledged++;
    if (this.waiters.length > 0) this.wake();
  };

  /**
   * Resolves once every output of `shard`'s commands up to `seq` is acknowledged; rejects
   * after `timeoutMs` or on failure.
   */
  untilAcked(shard: number, seq: number, timeoutMs: number): Promise<void> {
    if (this.rings[shard]!.ackedSeq >= seq) return Promise.resolve();
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.resolve !== done);
        reject(new Error(`outputs of shard ${shard} up to seq ${seq} not acknowledged within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push({ shard, seq, resolve: done });
    });
  }

  /** Wakes waiters whose seq is acknowledged (also after a shard applied commands with no output). */
  wake(): void {
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if (this.rings[w.shard]!.ackedSeq >= w.seq) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  /** Messages not yet acknowledged, spilled ones included. */
  get outstanding(): number {
    let n = 0;
    for (const ring of this.rings) n += ring.outstanding;
    return n;
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.onFailed(error);
  }

  /**
   * Produces what is spilled and waits up to `timeoutMs` for every acknowledgement; then frees the
   * producer. Returns the messages left.
   */
  close(timeoutMs: number): number {
    const deadline = performance.now() + timeoutMs;
    while (this.spill.length > 0 && this.failure === null && performance.now() < deadline) {
      this.poll();
      if (this.spill.length > 0) Bun.sleepSync(5);
    }
    const left = this.producer.flush(Math.max(0, deadline - performance.now())) + this.spill.length;
    this.producer.close(0);
    return left;
  }
}
