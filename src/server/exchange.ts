// The sequencer: stamps each accepted command with the next engine sequence
// number, an exchange-wide order id and its receive time, appends it to the
// input log, then applies it to the engine and hands the engine's events to
// the outputs. Live commands and journal replay go through the same `apply`,
// so a replay reproduces the live run event for event.

import type { SymbolSpec } from "../engine/command.ts";
import type { EngineConfig } from "../engine/config.ts";
import { Engine } from "../engine/engine.ts";
import type { EventBuffer } from "../engine/events.ts";
import { Command, Encoder, InputRecordView, type OrderFields } from "../protocol/index.ts";
import { nsToUs } from "./clock.ts";

/** The engine's input log (a journal file, or a Kafka partition later). */
export interface InputLog {
  /** Appends one encoded InputRecord frame (length prefix included) for `seq`. */
  append(seq: number, bytes: Uint8Array, start: number, end: number): void;
  /** Ends the batch; calls `durable(lastSeq)` once everything appended is durable (maybe at once). */
  flush(durable: (seq: number) => void): void;
}

/** Receives the engine's events of each command, in order. */
export interface EventSink {
  /** Rows [0, events.count) belong to the command of `op` (Command union code) and `orderId`. */
  onEvents(events: EventBuffer, op: number, orderId: number): void;
}

export class Exchange {
  readonly engine: Engine;
  /** Sequence number the next command gets. */
  nextSeq = 1;
  /** Exchange-wide id the next new order gets. */
  nextOrderId = 1;
  private readonly log: InputLog | null;
  private sink: EventSink | null = null;
  private readonly encoder = new Encoder();
  private readonly record = new InputRecordView();
  private currentOp = 0;
  private currentOrderId = 0;

  constructor(engineConfig: Partial<EngineConfig>, log: InputLog | null) {
    this.engine = new Engine(engineConfig);
    this.log = log;
    this.engine.events.onFull = (events) => this.drain(events);
  }

  setSink(sink: EventSink | null): void {
    this.sink = sink;
  }

  /** Defines a symbol through the log (book index = symbol id). Returns the error, or null. */
  defineSymbol(spec: SymbolSpec, receivedNs: number): string | null {
    const error = this.engine.symbolError(spec);
    if (error !== null) return error;
    const r = this.stamp(Command.SymbolDef, 0, 0, 0, 0, receivedNs);
    Object.assign(r.symbol, spec, { symbolId: this.engine.booksCount });
    this.commit();
    return null;
  }

  /** A new order from `user`; returns the order id it was given. */
  submitNew(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): number {
    const orderId = this.nextOrderId++;
    const r = this.stamp(Command.NewOrder, user, sessionId, sessionSeq, orderId, receivedNs);
    copyOrder(o, r);
    this.commit();
    return orderId;
  }

  submitCancel(user: number, sessionId: number, sessionSeq: number, orderId: number, o: OrderFields, receivedNs: number): void {
    const r = this.stamp(Command.Cancel, user, sessionId, sessionSeq, orderId, receivedNs);
    copyOrder(o, r);
    this.commit();
  }

  submitModify(user: number, sessionId: number, sessionSeq: number, orderId: number, o: OrderFields, receivedNs: number): void {
    const r = this.stamp(Command.Modify, user, sessionId, sessionSeq, orderId, receivedNs);
    copyOrder(o, r);
    this.commit();
  }

  /** Ends the current batch of the log; `durable(seq)` follows when it is safe to acknowledge. */
  flush(durable: (seq: number) => void): void {
    if (this.log === null) durable(this.nextSeq - 1);
    else this.log.flush(durable);
  }

  private stamp(command: number, user: number, sessionId: number, sessionSeq: number, orderId: number, receivedNs: number): InputRecordView {
    const r = this.record;
    r.clearOrder();
    r.command = command;
    r.engineSeq = this.nextSeq;
    r.receivedNs = receivedNs;
    r.userId = user;
    r.sessionId = sessionId;
    r.sessionSeq = sessionSeq;
    r.orderId = orderId;
    return r;
  }

  private commit(): void {
    const r = this.record;
    if (this.log !== null) {
      this.encoder.inputRecord(r);
      this.log.append(r.engineSeq, this.encoder.bytes, this.encoder.start, this.encoder.end);
    }
    this.apply(r);
  }

  /**
   * Applies one logged command to the engine: live commands right after they
   * are appended, and every record of the log on recovery. Records must come
   * in sequence order with no gap.
   */
  apply(r: InputRecordView): void {
    if (r.engineSeq !== this.nextSeq) throw new Error(`input log out of order: got seq ${r.engineSeq}, expected ${this.nextSeq}`);
    this.nextSeq = r.engineSeq + 1;
    if (r.orderId >= this.nextOrderId) this.nextOrderId = r.orderId + 1;
    this.currentOp = r.command;
    this.currentOrderId = r.orderId;
    const e = this.engine;
    const ts = nsToUs(r.receivedNs);
    switch (r.command) {
      case Command.NewOrder:
        e.newOrder(r.engineSeq, ts, r.symbolId, r.orderId, r.userId, r.side, r.type, r.tif, r.postOnly ? 1 : 0, r.stp, r.price, r.qty, r.stopPrice, r.clientOrderId);
        break;
      case Command.Cancel:
        e.cancel(r.engineSeq, ts, r.symbolId, r.orderId, r.userId);
        break;
      case Command.Modify:
        e.modify(r.engineSeq, ts, r.symbolId, r.orderId, r.userId, r.price, r.qty);
        break;
      case Command.SymbolDef: {
        const book = e.addSymbol(r.engineSeq, r.symbol);
        if (book !== r.symbol.symbolId) throw new Error(`symbol ${r.symbol.name} at seq ${r.engineSeq}: logged id ${r.symbol.symbolId}, engine gave ${book}`);
        break;
      }
      default:
        throw new Error(`input record ${r.engineSeq} has unknown command ${r.command}`);
    }
    this.drain(e.events);
  }

  private drain(events: EventBuffer): void {
    if (this.sink !== null && events.count > 0) this.sink.onEvents(events, this.currentOp, this.currentOrderId);
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
  to.price = from.price;
  to.qty = from.qty;
  to.stopPrice = from.stopPrice;
}
