// The TCP gateway's way into Kafka mode (CommandIntake): each command it
// accepts is produced to its symbol's `orders` partition (acks=all,
// idempotent) as an InputRecord with the session's reference and the
// gateway's receive time; the engine shard applies it when it consumes it,
// in partition order with every other producer's records. The gateway learns
// the outcome from the shard's events (this process's shards only: the
// gateway takes orders for the symbols of its own partitions) and sends each
// report at once: anything a shard applied is durable in Kafka already.
// A command counts as durable for the gateway (its in-flight limit) when
// Kafka acknowledged it; a command Kafka refuses to acknowledge within the
// delivery timeout fails the intake, as a failed journal does.

import type { InputRecordView, OrderFields } from "../../protocol/index.ts";
import { framePrefixBytes, inputRecordBytesMax } from "../../protocol/constants.ts";
import { InputRecordWriter } from "../../protocol/fixed.ts";
import type { Clock } from "../../sequencer/clock.ts";
import type { CommandIntake, EngineView } from "../../sequencer/intake.ts";
import type { EventBuffer } from "../../engine/events.ts";
import type { EventConsumer } from "../../sequencer/sequencer.ts";
import { KafkaError } from "../errors.ts";
import { Producer, type ProducerOptions } from "../producer.ts";
import { ProduceRecord } from "../record.ts";
import type { KafkaEngine } from "./engine-host.ts";
import { ShardsEngineView } from "./engine-view.ts";
import { partitionOfSymbol } from "./symbol-partition.ts";

export interface KafkaIntakeOptions {
  producer: Omit<ProducerOptions, "onDelivery">;
  /** Commands produced and not yet acknowledged, at most (a power of two); the gateway holds input past it. */
  inFlightMax: number;
}

const textEncoder = new TextEncoder();

export class KafkaIntake implements CommandIntake {
  readonly clock: Clock;
  readonly engine: EngineView;
  readonly eventsDurable = true;
  readonly resolvesClientIds = true;
  /** Set when Kafka did not acknowledge a command: nothing more is taken. */
  failure: Error | null = null;
  onFailed: (error: Error) => void = (error) => {
    throw error;
  };
  private readonly producer: Producer;
  private readonly record = new ProduceRecord();
  private readonly writer = new InputRecordWriter();
  private readonly buffer = new Uint8Array(new ArrayBuffer(inputRecordBytesMax));
  private readonly ordersTopic: number;
  private readonly ordersPartitions: number;
  /** Partitions this process's shards own; a command for another one is refused (Unavailable). */
  private readonly owned: Set<number>;
  private readonly consumers: EventConsumer[] = [];
  /**
   * Counters of commands produced and acknowledged (a prefix: reports come per partition, in any order across them).
   */
  private nextSeq = 1;
  private ackedSeq = 0;
  private readonly done: Uint8Array;
  private readonly mask: number;
  /** Symbol id -> its `orders` partition and key (the engine's symbols, learnt lazily). */
  private readonly symbolPartition: number[] = [];
  private readonly symbolKey: Uint8Array[] = [];
  private readonly firstOwned: number;

  constructor(engine: KafkaEngine, ordersTopic: string, ordersPartitions: number, options: KafkaIntakeOptions) {
    const m = options.inFlightMax;
    if (!(Number.isInteger(Math.log2(m)) && m >= 1024))
      throw new Error(`intake inFlightMax ${m} must be a power of two >= 1024`);
    this.clock = engine.clock;
    this.engine = new ShardsEngineView(engine.shards);
    this.ordersPartitions = ordersPartitions;
    this.owned = new Set(engine.shards.map((s) => s.partition));
    this.firstOwned = engine.shards[0]!.partition;
    this.done = new Uint8Array(m);
    this.mask = m - 1;
    this.producer = new Producer({ ...options.producer, onDelivery: this.onDelivery });
    this.ordersTopic = this.producer.topic(ordersTopic);
    // The shards' events reach the gateway's consumers; durability is this intake's own count (acknowledged commands).
    for (const shard of engine.shards) shard.sequencer.addConsumer({ onEvents: this.onShardEvents });
    engine.pumpHooks.push(() => this.poll());
    engine.batchHooks.push(() => this.notifyDurable());
  }

  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  addConsumer(consumer: EventConsumer): void {
    if (this.consumers.includes(consumer)) throw new Error("consumer added twice");
    this.consumers.push(consumer);
  }

  private readonly onShardEvents = (events: EventBuffer, cmd: InputRecordView): void => {
    const list = this.consumers;
    for (let k = 0; k < list.length; k++) list[k]!.onEvents(events, cmd);
  };

  /** Room for a command, and for an all-symbol mass cancel (one record per partition). */
  hasRoom(): boolean {
    return this.failure === null && this.nextSeq - 1 - this.ackedSeq + this.ordersPartitions <= this.mask;
  }

  flush(): void {
    const before = this.ackedSeq;
    this.poll();
    // Even when nothing new was acknowledged: a batch closed after the last report must hear it.
    if (this.ackedSeq === before) this.notifyDurable();
  }

  /** Serves delivery reports; commands newly acknowledged free the gateway's held input and in-flight counts. */
  poll(): void {
    if (this.failure !== null) return;
    const before = this.ackedSeq;
    this.producer.poll(0);
    if (this.ackedSeq !== before) this.notifyDurable();
  }

  private notifyDurable(): void {
    const seq = this.ackedSeq;
    const list = this.consumers;
    for (let k = 0; k < list.length; k++) list[k]!.onDurable?.(seq);
  }

  submitNew(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): boolean {
    const partition = this.routeOf(o.symbolId);
    if (partition < 0) return false;
    const n = this.writer.writeNewOrder(this.buffer, 0, 0, receivedNs, user, sessionId, sessionSeq, 0, o);
    return this.produce(partition, o.symbolId, n);
  }

  /** The shard resolves `o.clientOrderId`; the gateway's `orderId` is not sent. */
  submitCancel(
    user: number,
    sessionId: number,
    sessionSeq: number,
    _orderId: number,
    o: OrderFields,
    receivedNs: number,
  ): boolean {
    const partition = this.routeOf(o.symbolId);
    if (partition < 0) return false;
    const n = this.writer.writeCancel(this.buffer, 0, 0, receivedNs, user, sessionId, sessionSeq, 0, o);
    return this.produce(partition, o.symbolId, n);
  }

  submitModify(
    user: number,
    sessionId: number,
    sessionSeq: number,
    _orderId: number,
    o: OrderFields,
    receivedNs: number,
  ): boolean {
    const partition = this.routeOf(o.symbolId);
    if (partition < 0) return false;
    const n = this.writer.writeModify(this.buffer, 0, 0, receivedNs, user, sessionId, sessionSeq, 0, o);
    return this.produce(partition, o.symbolId, n);
  }

  /**
   * One symbol: its partition. Every symbol: one record per partition of `orders` (each shard cancels its own and
   * answers with its own summary).
   */
  submitMassCancel(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): boolean {
    if (!this.hasRoom()) return false;
    const n = this.writer.writeMassCancel(this.buffer, 0, 0, receivedNs, user, sessionId, sessionSeq, 0, o);
    if (o.oneSymbol) {
      const partition = this.routeOf(o.symbolId);
      return partition >= 0 && this.produce(partition, o.symbolId, n);
    }
    for (let p = 0; p < this.ordersPartitions; p++) if (!this.produce(p, -1, n)) return false;
    return true;
  }

  /**
   * The partition of a symbol, when this process's shards own it; -1 otherwise. An unknown symbol goes to any own
   * shard, whose engine rejects it.
   */
  private routeOf(symbolId: number): number {
    if (!this.hasRoom()) return -1;
    if (symbolId < 0 || symbolId >= this.engine.booksCount) return this.firstOwned;
    let p = this.symbolPartition[symbolId];
    if (p === undefined) {
      const name = this.engine.symbolSpec(symbolId).name;
      p = partitionOfSymbol(name, this.ordersPartitions);
      this.symbolPartition[symbolId] = p;
      this.symbolKey[symbolId] = textEncoder.encode(name);
    }
    return this.owned.has(p) ? p : -1;
  }

  private produce(partition: number, symbolId: number, frameBytes: number): boolean {
    const r = this.record;
    r.topic = this.ordersTopic;
    r.partition = partition;
    r.setValue(this.buffer, framePrefixBytes, frameBytes - framePrefixBytes);
    r.setKey(symbolId >= 0 && symbolId < this.symbolKey.length ? (this.symbolKey[symbolId] ?? null) : null);
    const seq = this.nextSeq;
    r.opaque = seq;
    const code = this.producer.produce(r);
    if (code !== 0) {
      // The queue is bounded by hasRoom; anything else is the producer failing.
      this.fail(new KafkaError(code, `produce a command to partition ${partition}`));
      return false;
    }
    this.done[seq & this.mask] = 0;
    this.nextSeq = seq + 1;
    return true;
  }

  private readonly onDelivery = (opaque: number, _partition: number, _offset: number, errorCode: number): void => {
    if (errorCode !== 0) return this.fail(new KafkaError(errorCode, `command ${opaque} not acknowledged by Kafka`));
    this.done[opaque & this.mask] = 1;
    while (this.ackedSeq + 1 < this.nextSeq && this.done[(this.ackedSeq + 1) & this.mask] === 1) this.ackedSeq++;
  };

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.onFailed(error);
  }

  /**
   * Waits up to `timeoutMs` for every command to be acknowledged, then frees the producer; returns the commands left.
   */
  close(timeoutMs: number): number {
    const left = this.producer.flush(timeoutMs);
    this.producer.close(0);
    return left;
  }
}
