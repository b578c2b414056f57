// One engine shard: the engine of one `orders` partition. It applies the
// partition's records in partition order, as it consumes them, each stamped
// from the log itself (ids.ts): engine seq = commands applied so far + 1,
// order id from the partition and seq, receive time from the producer's stamp
// bounded by the broker's append time. Client order ids are resolved here
// (client-ids.ts). So the shard's state is a pure function of the partition:
// replaying it from a snapshot's offset reproduces the state hash exactly.
// What it cannot apply goes to the dead-letter topic (admission.ts), and the
// partition flows on.

import { CancelReason } from "../../engine/constants.ts";
import type { EngineConfig } from "../../engine/config.ts";
import { Command } from "../../protocol/codec.ts";
import { Sequencer } from "../../sequencer/sequencer.ts";
import type { Clock } from "../../sequencer/clock.ts";
import { Admission, DeadLetterReason } from "./admission.ts";
import { ClientIds } from "./client-ids.ts";
import { orderIdOf, receiveTimeNs } from "./ids.ts";
import { partitionOfSymbol } from "./symbol-partition.ts";

export interface ShardStats {
  /** Records applied (each got an engine seq). */
  applied: number;
  /** Records sent to the dead-letter topic, by reason. */
  deadLettered: number;
  deadLetterReasons: Record<string, number>;
}

/** Outcome of one record: applied, or refused with `admission.reason` / `admission.detail`. */
export const RecordOutcome = { Applied: 0, Refused: 1 } as const;

const textEncoder = new TextEncoder();

export class KafkaShard {
  readonly partition: number;
  /** Index among the process's shards (output tracking). */
  readonly index: number;
  readonly sequencer: Sequencer;
  readonly clientIds: ClientIds;
  readonly admission = new Admission();
  /** The next offset of the partition to apply: the snapshot's resume point. */
  nextOffset: number;
  readonly stats: ShardStats = { applied: 0, deadLettered: 0, deadLetterReasons: {} };
  /** Set by the host while the shard has applied records whose outputs it has not released yet. */
  touched = false;
  private readonly ordersPartitions: number;
  /** Per book: its `orders` partition (all shards define every symbol; each trades only its own). */
  private readonly bookPartition: Int32Array;
  /** Per book: the symbol's name as a record key. */
  private readonly bookKeys: Uint8Array[] = [];

  constructor(args: {
    partition: number;
    index: number;
    ordersPartitions: number;
    sequencer: Sequencer;
    nextOffset: number;
  }) {
    this.partition = args.partition;
    this.index = args.index;
    this.ordersPartitions = args.ordersPartitions;
    this.sequencer = args.sequencer;
    this.nextOffset = args.nextOffset;
    const engine = this.sequencer.engine;
    this.clientIds = new ClientIds(engine.config.ordersMax);
    this.bookPartition = new Int32Array(engine.config.symbolsMax).fill(-1);
    // A restored engine already holds books and live orders.
    for (let book = 0; book < engine.booksCount; book++) this.learnSymbol(book);
    this.clientIds.rebuild(engine);
    // First consumer: the client ids are current before any output reads them.
    this.sequencer.addConsumer(this.clientIds);
  }

  /** A fresh shard (no snapshot): an empty engine that starts at the partition's first offset. */
  static fresh(args: {
    partition: number;
    index: number;
    ordersPartitions: number;
    engine: Partial<EngineConfig>;
    clock?: Clock;
  }): KafkaShard {
    return new KafkaShard({ ...args, sequencer: new Sequencer(args.engine, null, args.clock), nextOffset: 0 });
  }

  /** The symbol's name as a record key (trades, market data). */
  symbolKey = (book: number): Uint8Array => this.bookKeys[book]!;

  /** Whether book `book` trades in this shard. */
  ownsBook(book: number): boolean {
    return this.bookPartition[book] === this.partition;
  }

  /**
   * Applies the record at `offset` whose value is `bytes[start, start + length)`
   * (length -1: null) and whose broker timestamp is `appendMs`. Returns
   * Applied, or Refused with the reason in `admission` (the caller dead-letters
   * it). Either way the partition moves past it.
   */
  apply(offset: number, bytes: Uint8Array, start: number, length: number, appendMs: number): number {
    this.nextOffset = offset + 1;
    const a = this.admission;
    if (!a.admit(bytes, start, length)) return this.refused(a.reason);
    const v = a.view;
    const seq = this.sequencer.nextSeq;
    v.engineSeq = seq;
    v.receivedNs = receiveTimeNs(v.receivedNs, appendMs);
    switch (v.command) {
      case Command.NewOrder: {
        if (!this.routed(v.symbolId)) return this.refused(a.reason);
        // A client id already live for the user: the live order's id makes the engine reject it as a duplicate.
        const live = this.clientIds.find(v.userId, v.clientOrderId);
        v.orderId = live !== 0 ? live : orderIdOf(this.partition, seq);
        break;
      }
      case Command.Cancel:
      case Command.Modify:
        if (!this.routed(v.symbolId)) return this.refused(a.reason);
        // 0 names no order: the engine answers unknown_order.
        v.orderId = this.clientIds.find(v.userId, v.clientOrderId);
        break;
      case Command.MassCancel:
        if (v.oneSymbol && !this.routed(v.symbolId)) return this.refused(a.reason);
        v.orderId = 0;
        // A producer names no reason (0): a request of the user. The TCP gateway names its own
        // (disconnect, dead-man's switch).
        if (v.cancelReason === 0) v.cancelReason = CancelReason.MassCancel;
        break;
      case Command.SymbolDef:
        if (!this.symbolDefOk()) return this.refused(a.reason);
        v.orderId = 0;
        break;
      default:
        v.orderId = 0;
        break;
    }
    this.sequencer.apply(v);
    if (v.command === Command.SymbolDef) this.learnSymbol(v.symbol.symbolId);
    this.stats.applied++;
    return RecordOutcome.Applied;
  }

  /**
   * A record the consumer could not deliver itself (larger than its batch
   * arena): the partition moves past it; the caller dead-letters it.
   */
  skip(offset: number, detail: string): void {
    this.nextOffset = offset + 1;
    this.admission.refuse(DeadLetterReason.Oversized, detail);
    this.refused(DeadLetterReason.Oversized);
  }

  private refused(reason: string): number {
    this.stats.deadLettered++;
    this.stats.deadLetterReasons[reason] = (this.stats.deadLetterReasons[reason] ?? 0) + 1;
    return RecordOutcome.Refused;
  }

  /** An order for a known symbol must be on the symbol's partition (an unknown one the engine rejects). */
  private routed(book: number): boolean {
    if (book < 0 || book >= this.sequencer.engine.booksCount) return true;
    const owner = this.bookPartition[book]!;
    if (owner === this.partition) return true;
    const name = this.sequencer.engine.symbolSpec(book).name;
    return this.admission.refuse(
      DeadLetterReason.WrongPartition,
      `symbol ${book} (${name}) belongs to partition ${owner}, not ${this.partition}`,
    );
  }

  /** A symbol definition must add the next book: a new name, the next id, a spec the engine takes. */
  private symbolDefOk(): boolean {
    const s = this.admission.view.symbol;
    const engine = this.sequencer.engine;
    const a = this.admission;
    if (s.symbolId !== engine.booksCount)
      return a.refuse(
        DeadLetterReason.BadSymbolDef,
        `symbol ${s.name} has id ${s.symbolId}, the next is ${engine.booksCount}`,
      );
    if (engine.bookOf(s.name) >= 0)
      return a.refuse(DeadLetterReason.BadSymbolDef, `symbol ${s.name} is already defined`);
    const error = engine.symbolError(s);
    if (error !== null) return a.refuse(DeadLetterReason.BadSymbolDef, `symbol ${s.name}: ${error}`);
    return true;
  }

  private learnSymbol(book: number): void {
    const name = this.sequencer.engine.symbolSpec(book).name;
    this.bookPartition[book] = partitionOfSymbol(name, this.ordersPartitions);
    this.bookKeys[book] = textEncoder.encode(name);
  }
}
