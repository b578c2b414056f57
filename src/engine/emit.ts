// Writing the engine's events: the stamp of the command being applied (seq,
// receive time), the order the events are about (its side and client id), and
// one function per event shape, each writing every column its kind uses
// (EventRecord in command.ts lists them). The engine extends this class, so
// the hot path calls these as its own methods on the same object.

import type { EngineCommand } from "./command.ts";
import type { EngineConfig } from "./config.ts";
import { EventKind, Reject, Side } from "./constants.ts";
import { EventBuffer } from "./events.ts";
import { EngineStore } from "./store.ts";

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
    this.subjectSide = this.ordSide[slot]!;
    this.subjectClientId = this.ordClientId[slot]!;
  }

  /** Appends an event with the fields every kind has; returns its row for the kind's own fields. */
  protected emitHeader(kind: number, book: number, id: number, user: number, code: number): number {
    const ev = this.events;
    const i = ev.next();
    ev.kind[i] = kind;
    ev.code[i] = code;
    ev.book[i] = book;
    ev.seq[i] = this.seq;
    ev.tsUs[i] = this.tsUs;
    ev.id[i] = id;
    ev.user[i] = user;
    ev.side[i] = this.subjectSide;
    ev.clientId[i] = this.subjectClientId;
    return i;
  }

  /** A rejected command; an unknown symbol is reported as book -1. */
  protected emitReject(book: number, id: number, user: number, reason: number): void {
    this.emitHeader(EventKind.Rejected, reason === Reject.UnknownSymbol ? -1 : book, id, user, reason);
  }

  protected emitAccepted(
    book: number,
    id: number,
    user: number,
    side: number,
    priceTicks: number,
    qtyLots: number,
  ): void {
    const i = this.emitHeader(EventKind.Accepted, book, id, user, side);
    this.events.priceTicks[i] = priceTicks;
    this.events.qtyLots[i] = qtyLots;
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
    this.events.qtyLots[i] = qtyLots;
    this.events.priceTicks[i] = priceTicks;
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
    const ev = this.events;
    ev.qtyLots[i] = qtyLots;
    ev.leavesQtyLots[i] = leavesQtyLots;
    ev.priceTicks[i] = priceTicks;
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
    const i = this.emitHeader(kind, book, this.ordId[o]!, this.ordUser[o]!, reason);
    const ev = this.events;
    ev.side[i] = this.ordSide[o]!;
    ev.clientId[i] = this.ordClientId[o]!;
    ev.qtyLots[i] = qtyLots;
    ev.leavesQtyLots[i] = leavesQtyLots;
    ev.priceTicks[i] = this.ordPriceTicks[o]!;
  }

  /** The order in `slot` now has its new price and quantity. */
  protected emitModified(book: number, slot: number, oldPriceTicks: number, oldQtyLots: number): void {
    const i = this.emitHeader(EventKind.Modified, book, this.ordId[slot]!, this.ordUser[slot]!, 0);
    const ev = this.events;
    ev.priceTicks[i] = this.ordPriceTicks[slot]!;
    ev.qtyLots[i] = this.ordQtyLots[slot]!;
    ev.oldPriceTicks[i] = oldPriceTicks;
    ev.oldQtyLots[i] = oldQtyLots;
  }

  protected emitTriggered(book: number, slot: number): void {
    const i = this.emitHeader(EventKind.Triggered, book, this.ordId[slot]!, this.ordUser[slot]!, 0);
    this.events.priceTicks[i] = this.ordStopPriceTicks[slot]!;
    this.events.qtyLots[i] = this.ordQtyLots[slot]!;
  }

  /**
   * An order has just joined the tail of its level with all its remaining
   * quantity. Written out rather than through emitHeader, from the caller's
   * locals: with one more caller of emitHeader on the resting path, the
   * cancel-heavy benchmark ran ~25% slower after its first rounds (JSC's
   * inlining); written out it does not.
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
    const ev = this.events;
    const i = ev.next();
    ev.kind[i] = EventKind.Booked;
    ev.code[i] = 0;
    ev.book[i] = book;
    ev.seq[i] = this.seq;
    ev.tsUs[i] = this.tsUs;
    ev.id[i] = id;
    ev.user[i] = user;
    ev.side[i] = side;
    ev.clientId[i] = clientId;
    ev.priceTicks[i] = priceTicks;
    ev.qtyLots[i] = qtyLots;
  }

  protected emitMassCancelled(book: number, id: number, user: number, reason: number, ordersCount: number): void {
    const i = this.emitHeader(EventKind.MassCancelled, book, id, user, reason);
    this.events.qtyLots[i] = ordersCount;
  }

  /** A fill of the subject (taker) against `maker` at the maker's level price; sets the book's last price. */
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
    const ev = this.events;
    const i = this.emitHeader(EventKind.Trade, book, id, user, side);
    ev.priceTicks[i] = priceTicks;
    ev.qtyLots[i] = qtyLots;
    ev.leavesQtyLots[i] = leavesQtyLots;
    ev.otherId[i] = this.ordId[maker]!;
    ev.otherUser[i] = this.ordUser[maker]!;
    ev.otherLeavesQtyLots[i] = makerLeavesQtyLots;
    ev.otherClientId[i] = this.ordClientId[maker]!;
    ev.tradeId[i] = this.nextTradeId++;
    this.lastPriceTicks[book] = priceTicks;
  }
}
