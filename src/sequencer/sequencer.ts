// The sequencer: stamps each accepted command with the next engine sequence
// number, an exchange-wide order id and its receive time, appends it to the
// input log, then applies it to the engine and hands the engine's events to
// the outputs. Live commands and journal replay go through the same `apply`,
// so a replay reproduces the live run event for event.

import type { SymbolSpec } from "../engine/command.ts";
import type { EngineConfig } from "../engine/config.ts";
import { Engine } from "../engine/engine.ts";
import type { EventBuffer } from "../engine/events.ts";
import {
  Command,
  Encoder,
  InputRecordView,
  InputRecordWriter,
  inputRecordBytesMax,
  type OrderFields,
} from "../protocol/index.ts";
import type { JournalIdentity, SnapshotHeader } from "../snapshot/format.ts";
import { restoreSnapshot } from "../snapshot/restore.ts";
import { type Clock, systemClock } from "./clock.ts";
import type { CommandIntake } from "./intake.ts";

/** The engine's input log (a journal file, or a Kafka partition later). */
export interface InputLog {
  /** Appends one encoded InputRecord frame (length prefix included) for `seq`; false when it cannot take it now. */
  append(seq: number, bytes: Uint8Array, start: number, end: number): boolean;
  /** Ends the batch: starts making everything appended durable. */
  flush(): void;
  /** Whether a command would be taken now; false while the log is full (the caller stops reading input). */
  hasRoom(): boolean;
  /** Set by the owner: called with the highest seq that is durable, after a flush completes (maybe at once). */
  onDurable: ((seq: number) => void) | null;
  /**
   * Set by the owner: called once if the log fails and can take nothing more
   * (an I/O error). Nothing appended after the last `onDurable` is known to be
   * durable. Without a handler the process exits (JournalLog).
   */
  onFailed: ((error: Error) => void) | null;
  /**
   * Optional: room to write the frame of `seq` (at most `frameBytesMax` bytes,
   * length prefix included) in place, or null when the log cannot take it now
   * (as `append` returning false). The caller writes the frame at
   * `slot.bytes[slot.at, ...)` and then calls `commitFrame` with its length:
   * one write of the record where `append` would copy it.
   */
  reserveFrame?(seq: number, frameBytesMax: number): LogSlot | null;
  commitFrame?(seq: number, frameBytes: number): void;
}

/** Where a log takes a frame written in place (reused by the log: valid until the commit). */
export interface LogSlot {
  bytes: Uint8Array;
  at: number;
}

/**
 * An output of the engine (execution reports, the market-data stream, the
 * feed, Kafka topics). Consumers run on the matching thread, in the order they
 * were added, after every command; they must not throw and should not block.
 */
export interface EventConsumer {
  /**
   * Rows [0, events.count) were caused by `cmd`, the logged command (valid
   * only during the call: copy what you keep). A command with more events
   * than the buffer holds arrives in several calls with the same `cmd`.
   */
  onEvents(events: EventBuffer, cmd: InputRecordView): void;
  /**
   * Every command up to `seq` is durable in the input log. Outputs that leave
   * the process (reports, feed, Kafka, QuestDB) release what they hold up to
   * here: an event of a command that was never durable may vanish in a crash.
   */
  onDurable?(seq: number): void;
}

/**
 * What the sequencer tells an observer about each command it applies
 * (metrics: src/metrics/command-metrics.ts). Called on the matching thread;
 * it must not allocate or throw.
 */
export interface ApplyProbe {
  /** The engine's time is measured for a command when (commands applied & sampleMask) === 0. */
  readonly sampleMask: number;
  /** After the engine applied a command of `command` (CommandCode); `events` holds its (last) events. */
  applied(command: number, events: EventBuffer): void;
  /** Engine time of a sampled command, ns. */
  sampled(ns: number): void;
}

export class Sequencer implements CommandIntake {
  readonly engine: Engine;
  /** Events come as commands are applied, before the journal made them durable: reports wait for `onDurable`. */
  readonly eventsDurable = false;
  /** The front end resolves client order ids (its map is current: commands apply as they are submitted). */
  readonly resolvesClientIds = false;
  /** Receive times and every timer of the exchange come from here. */
  readonly clock: Clock;
  /** Sequence number the next command gets. */
  nextSeq = 1;
  /** Sequencer-wide id the next new order gets. */
  nextOrderId = 1;
  private log: InputLog | null;
  private readonly consumers: EventConsumer[] = [];
  private readonly encoder = new Encoder();
  private readonly recordWriter = new InputRecordWriter();
  private readonly recordBytes = new Uint8Array(inputRecordBytesMax);
  private readonly record = new InputRecordView();
  /** The command being applied: its events go to the consumers with it. */
  private current: InputRecordView;
  private durableSeqValue = 0;
  /** Callers of `untilDurable`, resolved as the log reports progress. */
  private durableWaiters: { seq: number; resolve: () => void }[] = [];
  /** Set by the owner after recovery: replayed commands are not observed. */
  probe: ApplyProbe | null = null;
  private appliedCount = 0;

  constructor(engineConfig: Partial<EngineConfig>, log: InputLog | null, clock: Clock = systemClock) {
    this.engine = new Engine(engineConfig);
    this.clock = clock;
    this.current = this.record;
    this.log = log;
    if (log !== null) log.onDurable = this.logDurable;
    this.engine.events.onFull = (events) => this.drain(events);
  }

  /** Starts logging commands to `log` (after recovery replayed what it already holds). */
  setLog(log: InputLog): void {
    if (this.log !== null) throw new Error("the exchange already has an input log");
    this.log = log;
    // Everything replayed from the log before now is durable by definition.
    this.durableSeqValue = this.nextSeq - 1;
    log.onDurable = this.logDurable;
  }

  /**
   * Restores a fresh sequencer from a snapshot: the engine's books and the
   * counters. Returns the header, or why the snapshot is unusable (nothing
   * changed then).
   */
  restoreSnapshot(bytes: Uint8Array, journal: JournalIdentity): SnapshotHeader | string {
    const header = restoreSnapshot(bytes, this.engine, journal);
    if (typeof header !== "string") this.restoreCounters(header.seq + 1, header.nextOrderId);
    return header;
  }

  /** After a snapshot restore: the sequencer continues from the snapshot's position. */
  restoreCounters(nextSeq: number, nextOrderId: number): void {
    this.nextSeq = nextSeq;
    this.nextOrderId = nextOrderId;
  }

  /** Adds an output; consumers see every later command's events, in the order they were added. */
  addConsumer(consumer: EventConsumer): void {
    if (this.consumers.includes(consumer)) throw new Error("consumer added twice");
    this.consumers.push(consumer);
  }

  removeConsumer(consumer: EventConsumer): void {
    const at = this.consumers.indexOf(consumer);
    if (at >= 0) this.consumers.splice(at, 1);
  }

  /** Defines a symbol through the log (book index = symbol id). Returns the error, or null. */
  defineSymbol(spec: SymbolSpec, receivedNs: number): string | null {
    const error = this.engine.symbolError(spec);
    if (error !== null) return error;
    const r = this.stamp(Command.SymbolDef, 0, 0, 0, 0, receivedNs);
    Object.assign(r.symbol, spec, { symbolId: this.engine.booksCount });
    return this.commit() ? null : "the input log cannot take the command now";
  }

  /**
   * A new order from `user`, to get order id `nextOrderId`. Returns false,
   * changing nothing, when the log cannot take the command now.
   */
  submitNew(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): boolean {
    const r = this.stamp(Command.NewOrder, user, sessionId, sessionSeq, this.nextOrderId, receivedNs);
    copyOrder(o, r);
    return this.commit();
  }

  submitCancel(
    user: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
    receivedNs: number,
  ): boolean {
    const r = this.stamp(Command.Cancel, user, sessionId, sessionSeq, orderId, receivedNs);
    copyOrder(o, r);
    return this.commit();
  }

  submitModify(
    user: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
    receivedNs: number,
  ): boolean {
    const r = this.stamp(Command.Modify, user, sessionId, sessionSeq, orderId, receivedNs);
    copyOrder(o, r);
    return this.commit();
  }

  /**
   * Cancels `user`'s live orders (optionally one symbol, one side: `o.oneSymbol`,
   * `o.symbolId`, `o.massSide`) with cancel reason `o.cancelReason`; the request
   * id travels in `o.clientOrderId`. False, changing nothing, when the log
   * cannot take the command now.
   */
  submitMassCancel(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): boolean {
    const r = this.stamp(Command.MassCancel, user, sessionId, sessionSeq, 0, receivedNs);
    copyOrder(o, r);
    return this.commit();
  }

  /**
   * An operator halts (TradingStatus.Halted) or resumes (Open) book
   * `symbolId`; the request id travels in the record, the reason is for
   * people. False, changing nothing, when the log cannot take the command now.
   */
  submitSymbolStatus(
    symbolId: number,
    tradingStatus: number,
    requestId: number,
    reason: string,
    receivedNs: number,
  ): boolean {
    const r = this.stamp(Command.SymbolStatus, 0, 0, 0, 0, receivedNs);
    r.symbolId = symbolId;
    r.tradingStatus = tradingStatus;
    r.clientOrderId = requestId;
    r.statusReason = reason;
    return this.commit();
  }

  /** Seq of the last command logged (and applied); 0 before the first. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Resolves once every command up to `seq` is durable in the log. */
  untilDurable(seq: number): Promise<void> {
    if (this.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve) => this.durableWaiters.push({ seq, resolve }));
  }

  /** Highest seq known durable in the log (everything applied, without a log). */
  get durableSeq(): number {
    return this.log === null ? this.nextSeq - 1 : this.durableSeqValue;
  }

  /** Whether the log can take a command now (always, without a log). */
  hasRoom(): boolean {
    return this.log === null || this.log.hasRoom();
  }

  private readonly logDurable = (seq: number): void => {
    this.durableSeqValue = seq;
    this.notifyDurable(seq);
  };

  /**
   * Ends the current batch of the log; the consumers' `onDurable` follows when
   * it is safe to acknowledge. When everything applied is already durable
   * (another caller's flush took this caller's commands along), the consumers
   * hear it again at once: a caller that closed its batch after that flush
   * would otherwise wait for the next one.
   */
  flush(): void {
    if (this.log === null) return this.notifyDurable(this.nextSeq - 1);
    const before = this.durableSeqValue;
    this.log.flush();
    const told = this.durableSeqValue !== before;
    if (!told && before === this.nextSeq - 1 && before > 0) this.notifyDurable(before);
  }

  private notifyDurable(seq: number): void {
    const list = this.consumers;
    for (let k = 0; k < list.length; k++) list[k]!.onDurable?.(seq);
    if (this.durableWaiters.length > 0) this.wakeDurableWaiters(seq);
  }

  private wakeDurableWaiters(seq: number): void {
    const still: { seq: number; resolve: () => void }[] = [];
    for (const w of this.durableWaiters) {
      if (w.seq <= seq) w.resolve();
      else still.push(w);
    }
    this.durableWaiters = still;
  }

  private stamp(
    command: number,
    user: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    receivedNs: number,
  ): InputRecordView {
    const r = this.record;
    r.clearOrder();
    r.statusReason = "";
    r.command = command;
    r.engineSeq = this.nextSeq;
    r.receivedNs = receivedNs;
    r.userId = user;
    r.sessionId = sessionId;
    r.sessionSeq = sessionSeq;
    r.orderId = orderId;
    return r;
  }

  /** Logs the stamped command, then applies it; false (nothing changed) when the log refused it. */
  private commit(): boolean {
    const r = this.record;
    if (this.log !== null) {
      let ok: boolean;
      // Symbol definitions and status changes are rare: the generic encoder, not a fixed layout.
      if (r.command === Command.SymbolDef || r.command === Command.SymbolStatus) {
        const e = this.encoder;
        e.inputRecord(r);
        ok = this.log.append(r.engineSeq, e.bytes, e.start, e.end);
      } else if (this.log.reserveFrame !== undefined) {
        const slot = this.log.reserveFrame(r.engineSeq, this.recordWriter.layoutOf(r.command).frameBytes);
        ok = slot !== null;
        if (slot !== null) this.log.commitFrame!(r.engineSeq, this.recordWriter.write(slot.bytes, slot.at, r));
      } else {
        const n = this.recordWriter.write(this.recordBytes, 0, r);
        ok = this.log.append(r.engineSeq, this.recordBytes, 0, n);
      }
      if (!ok) return false;
    }
    this.apply(r);
    return true;
  }

  /**
   * Applies one logged command to the engine: live commands right after they
   * are appended, and every record of the log on recovery. Records must come
   * in sequence order with no gap.
   */
  apply(r: InputRecordView): void {
    if (r.engineSeq !== this.nextSeq)
      throw new Error(`input log out of order: got seq ${r.engineSeq}, expected ${this.nextSeq}`);
    this.nextSeq = r.engineSeq + 1;
    if (r.orderId >= this.nextOrderId) this.nextOrderId = r.orderId + 1;
    this.current = r;
    const e = this.engine;
    const booksBefore = e.booksCount;
    const probe = this.probe;
    if (probe === null) e.apply(r);
    else this.applyObserved(probe, r);
    if (r.command === Command.SymbolDef && (e.booksCount !== booksBefore + 1 || booksBefore !== r.symbol.symbolId)) {
      throw new Error(
        `symbol ${r.symbol.name} at seq ${r.engineSeq}: logged id ${r.symbol.symbolId}, ` +
          `engine holds ${e.booksCount} books`,
      );
    }
    this.drain(e.events);
  }

  private applyObserved(probe: ApplyProbe, r: InputRecordView): void {
    const e = this.engine;
    if ((this.appliedCount++ & probe.sampleMask) !== 0) e.apply(r);
    else {
      const startedNs = Bun.nanoseconds();
      e.apply(r);
      probe.sampled(Bun.nanoseconds() - startedNs);
    }
    probe.applied(r.command, e.events);
  }

  private drain(events: EventBuffer): void {
    if (events.count > 0) {
      const list = this.consumers;
      for (let k = 0; k < list.length; k++) list[k]!.onEvents(events, this.current);
    }
    events.clear();
  }
}

function copyOrder(from: OrderFields, to: OrderFields): void {
  to.clientOrderId = from.clientOrderId;
  to.symbolId = from.symbolId;
  to.side = from.side;
  to.type = from.type;
  to.tif = from.tif;
  to.postOnly = from.postOnly;
  to.stp = from.stp;
  to.priceTicks = from.priceTicks;
  to.qtyLots = from.qtyLots;
  to.stopPriceTicks = from.stopPriceTicks;
  to.oneSymbol = from.oneSymbol;
  to.massSide = from.massSide;
  to.cancelReason = from.cancelReason;
  to.allUsers = from.allUsers;
  to.tradingStatus = from.tradingStatus;
}
