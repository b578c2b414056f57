// Writing the engine's events: the stamp of the command being applied (seq,
// receive time), the order the events are about (its side and client id), and
// one function per event shape, each writing every field its kind uses
// (EventRecord in command.ts lists them). The engine extends this class, so
// the hot path calls these as its own methods on the same object.

import type { EngineCommand } from "./command.ts";
import type { EngineConfig } from "./config.ts";
import { EventKind, Reject, Side } from "./constants.ts";
import {
  EF_CLIENT,
  EF_ID,
  EF_LEAVES,
  EF_OLD_QTY,
  EF_OTHER_CLIENT,
  EF_OTHER_ID,
  EF_OTHER_LEAVES,
  EF_OTHER_USER,
  EF_QTY,
  EF_SEQ,
  EF_TRADE_ID,
  EF_TS_US,
  EF_USER,
  EI_BOOK,
  EI_CODE,
  EI_KIND,
  EI_OLD_PRICE,
  EI_PRICE,
  EI_SIDE,
  EventBuffer,
} from "./events.ts";
import { EngineStore, OB_SIDE, OF_CLIENT, OF_ID, OF_QTY, OF_USER, OI_PRICE, OI_STOP } from "./store.ts";

export class EventWriter extends EngineStore {
  readonly events: EventBuffer;
  /** Next trade id; trade ids count from 1 over the whole engine. */
  nextTradeId = 1;
  /** Seq of the last command applied. */
  lastSeq = 0;

  // The command being applied: every event carries its seq and receive time.
  protected seq = 0;
  protected tsUs = 0;
  // The order the events are about (the taker while matching): its side and client id.
  protected subjectSide = 0;
  protected subjectClientId = 0;

  constructor(c: EngineConfig) {
    super(c);
    this.events = new EventBuffer(c.eventsMax);
  }

  /** Starts a command: its stamp, and the command itself as the subject (rejects echo it). */
  protected stamp(cmd: EngineCommand): void {
    this.seq = cmd.engineSeq;
    this.tsUs = Math.floor(cmd.receivedNs / 1000);
    this.lastSeq = cmd.engineSeq;
    this.subjectSide = cmd.side === Side.Sell ? Side.Sell : Side.Buy;
    this.subjectClientId = cmd.clientOrderId;
  }

  /** Makes a live order the subject of the events that follow. */
  protected subjectOrder(slot: number): void {
    this.subjectSide = this.ordB[(slot << 6) | OB_SIDE]!;
    this.subjectClientId = this.ordF[(slot << 3) | OF_CLIENT]!;
  }

  /** Appends an event with the fields every kind has; returns its row for the kind's own fields. */
  protected emitHeader(kind: number, book: number, id: number, user: number, code: number): number {
    const ev = this.events;
    const i = ev.next();
    const ei = ev.i32;
    const ef = ev.f64;
    const a = i << 5;
    const b = i << 4;
    ei[a | EI_KIND] = kind;
    ei[a | EI_CODE] = code;
    ei[a | EI_SIDE] = this.subjectSide;
    ei[a | EI_BOOK] = book;
    ef[b | EF_SEQ] = this.seq;
    ef[b | EF_TS_US] = this.tsUs;
    ef[b | EF_ID] = id;
    ef[b | EF_USER] = user;
    ef[b | EF_CLIENT] = this.subjectClientId;
    return i;
  }

  /** A rejected command; an unknown symbol is reported as book -1. */
  protected emitReject(book: number, id: number, user: number, reason: number): void {
    this.emitHeader(EventKind.Rejected, reason === Reject.UnknownSymbol ? -1 : book, id, user, reason);
  }

  /** `priceTicks` is the level the quantity left, 0 when it was not in the book. */
  protected emitCancelled(
    book: number,
    id: number,
    user: number,
    reason: number,
    qtyLots: number,
    priceTicks: number,
  ): void {
    const i = this.emitHeader(EventKind.Cancelled, book, id, user, reason);
    this.events.f64[(i << 4) | EF_QTY] = qtyLots;
    this.events.i32[(i << 5) | EI_PRICE] = priceTicks;
  }

  protected emitReduced(
    book: number,
    id: number,
    user: number,
    reason: number,
    qtyLots: number,
    leavesQtyLots: number,
    priceTicks: number,
  ): void {
    const i = this.emitHeader(EventKind.Reduced, book, id, user, reason);
    const ef = this.events.f64;
    ef[(i << 4) | EF_QTY] = qtyLots;
    ef[(i << 4) | EF_LEAVES] = leavesQtyLots;
    this.events.i32[(i << 5) | EI_PRICE] = priceTicks;
  }

  /** A cancel or reduce of a resting maker `o` (not the subject): its own side, client id and level price. */
  protected emitMakerQty(
    kind: number,
    book: number,
    o: number,
    reason: number,
    qtyLots: number,
    leavesQtyLots: number,
  ): void {
    const i = this.emitHeader(kind, book, this.ordF[(o << 3) | OF_ID]!, this.ordF[(o << 3) | OF_USER]!, reason);
    const ei = this.events.i32;
    const ef = this.events.f64;
    ei[(i << 5) | EI_SIDE] = this.ordB[(o << 6) | OB_SIDE]!;
    ei[(i << 5) | EI_PRICE] = this.ordI[(o << 4) | OI_PRICE]!;
    ef[(i << 4) | EF_CLIENT] = this.ordF[(o << 3) | OF_CLIENT]!;
    ef[(i << 4) | EF_QTY] = qtyLots;
    ef[(i << 4) | EF_LEAVES] = leavesQtyLots;
  }

  /** The order in `slot` now has its new price and quantity. */
  protected emitModified(book: number, slot: number, oldPriceTicks: number, oldQtyLots: number): void {
    const i = this.emitHeader(
      EventKind.Modified,
      book,
      this.ordF[(slot << 3) | OF_ID]!,
      this.ordF[(slot << 3) | OF_USER]!,
      0,
    );
    const ei = this.events.i32;
    const ef = this.events.f64;
    ei[(i << 5) | EI_PRICE] = this.ordI[(slot << 4) | OI_PRICE]!;
    ei[(i << 5) | EI_OLD_PRICE] = oldPriceTicks;
    ef[(i << 4) | EF_QTY] = this.ordF[(slot << 3) | OF_QTY]!;
    ef[(i << 4) | EF_OLD_QTY] = oldQtyLots;
  }

  protected emitTriggered(book: number, slot: number): void {
    const i = this.emitHeader(
      EventKind.Triggered,
      book,
      this.ordF[(slot << 3) | OF_ID]!,
      this.ordF[(slot << 3) | OF_USER]!,
      0,
    );
    this.events.i32[(i << 5) | EI_PRICE] = this.ordI[(slot << 4) | OI_STOP]!;
    this.events.f64[(i << 4) | EF_QTY] = this.ordF[(slot << 3) | OF_QTY]!;
  }

  /**
   * An order has just joined the tail of its level with all its remaining quantity (a triggered stop or a modify; new
   * orders write it in place).
   */
  protected emitBooked(
    book: number,
    id: number,
    user: number,
    side: number,
    clientId: number,
    priceTicks: number,
    qtyLots: number,
  ): void {
    const i = this.emitHeader(EventKind.Booked, book, id, user, 0);
    const ei = this.events.i32;
    const ef = this.events.f64;
    ei[(i << 5) | EI_SIDE] = side;
    ei[(i << 5) | EI_PRICE] = priceTicks;
    ef[(i << 4) | EF_CLIENT] = clientId;
    ef[(i << 4) | EF_QTY] = qtyLots;
  }

  protected emitMassCancelled(book: number, id: number, user: number, reason: number, ordersCount: number): void {
    const i = this.emitHeader(EventKind.MassCancelled, book, id, user, reason);
    this.events.f64[(i << 4) | EF_QTY] = ordersCount;
  }

  /**
   * A fill of the subject (taker) against `maker` at the maker's level price (the caller sets the book's last price).
   */
  protected emitTrade(
    book: number,
    id: number,
    user: number,
    side: number,
    maker: number,
    priceTicks: number,
    qtyLots: number,
    leavesQtyLots: number,
    makerLeavesQtyLots: number,
  ): void {
    const i = this.emitHeader(EventKind.Trade, book, id, user, side);
    const ef = this.events.f64;
    const b = i << 4;
    this.events.i32[(i << 5) | EI_PRICE] = priceTicks;
    ef[b | EF_QTY] = qtyLots;
    ef[b | EF_LEAVES] = leavesQtyLots;
    ef[b | EF_OTHER_ID] = this.ordF[(maker << 3) | OF_ID]!;
    ef[b | EF_OTHER_USER] = this.ordF[(maker << 3) | OF_USER]!;
    ef[b | EF_OTHER_LEAVES] = makerLeavesQtyLots;
    ef[b | EF_OTHER_CLIENT] = this.ordF[(maker << 3) | OF_CLIENT]!;
    ef[b | EF_TRADE_ID] = this.nextTradeId++;
  }
}
