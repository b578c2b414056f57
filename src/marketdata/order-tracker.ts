// Order state and order events from the engine's events and the logged
// command that caused them: an EventConsumer that keeps every order's latest
// state in an OrderStore and hands its sinks (QuestDB, tests) one OrderEventRow
// per order event as it happens and, when the command ends, one OrderRow per
// order it changed (in the order they first changed).
//
// Deterministic: times are the events' (the command's receive time), ids the
// engine's (order id, trade id, seq); the same events give the same rows in
// the same order. Feed it every command from the first (a replica replaying
// the journal does): a trade or cancel of an order it never saw placed is a
// broken invariant and throws.
//
// What each engine event does (RULES.md, Events):
//   accepted        placed: a new order (type, tif, stop price from the command); pending_trigger for stops
//   rejected        rejected with the reject code: a new order is stored as rejected; a cancel or modify
//                   adds the event to the order's history when it is the submitter's own order
//   trade           filled, for the taker and for the maker (two events, one trade id)
//   cancelled       expired for an IOC, FOK or market remainder; cancelled (with the reason) otherwise
//   reduced         reduced (self-trade decrement): less open quantity, the order stays live
//   modified        modified: new price and open quantity; qty becomes filled + the new open quantity
//   triggered       triggered: a stop became a working order
//   booked, mass_cancelled: no order event (book placement; the summary of cancels already reported)
// A rejected mass cancel names no order and is not an order event. A client
// order id that is not a safe integer is recorded as 0 (none).
// `eventIndex` numbers the order events of one command from 0.

import { CommandCode, type EngineCommand } from "../engine/command.ts";
import {
  CancelReason,
  EventKind,
  OrderType,
  orderTypeNames,
  PRICE_MAX,
  sideNames,
  tifNames,
} from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import {
  newOrderEventRow,
  newOrderRow,
  OrderEvent,
  type OrderEventRow,
  type OrderRow,
  orderRowError,
  OrderStatus,
} from "./order-rows.ts";
import { isLiveStatus, NIL, type OrderMemoryLimits, OrderStore } from "./order-store.ts";

export interface OrderSink {
  /** An order's state after a command changed it (the same row object every time: copy what you keep). */
  onOrderState(o: OrderRow): void;
  onOrderEvent(e: OrderEventRow): void;
}

export interface OrderTrackerStats {
  commands: number;
  orderRows: number;
  orderEvents: number;
  /** Rejected new orders whose fields are out of every domain (bad_field): an event, no order row. */
  rejectsWithoutRow: number;
}

export class OrderTracker {
  readonly store: OrderStore;
  readonly stats: OrderTrackerStats = { commands: 0, orderRows: 0, orderEvents: 0, rejectsWithoutRow: 0 };
  private readonly sinks: OrderSink[] = [];
  private readonly row = newOrderRow();
  private readonly ev = newOrderEventRow();
  private commandSeq = -1;
  private eventIndex = 0;
  /** Live orders changed by the current command: their rows go out when it ends. */
  private readonly touchedSlots: number[] = [];

  constructor(limits: Partial<OrderMemoryLimits> = {}) {
    this.store = new OrderStore(limits);
  }

  addSink(sink: OrderSink): void {
    if (this.sinks.includes(sink)) throw new Error("orders: sink added twice");
    this.sinks.push(sink);
  }

  // ---- EventConsumer ----

  onEvents(events: EventBuffer, cmd: EngineCommand): void {
    for (let i = 0; i < events.count; i++) {
      const seq = events.seq(i);
      if (seq !== this.commandSeq) {
        this.finishCommand();
        this.commandSeq = seq;
        this.eventIndex = 0;
        this.stats.commands++;
      }
      this.apply(events, i, cmd);
    }
  }

  /**
   * Ends the current command (also done when the next command's events
   * start): one row per order it changed, in the order they first changed;
   * orders it finished join the finished FIFO. Deferring that to here keeps a
   * big sweep from evicting an order before its row went out.
   */
  finishCommand(): void {
    const list = this.touchedSlots;
    const s = this.store;
    for (let k = 0; k < list.length; k++) {
      const slot = list[k]!;
      s.touched[slot] = 0;
      this.emitOrder(slot);
      if (!isLiveStatus(s.status[slot]!)) s.finish(slot);
    }
    list.length = 0;
  }

  // ---- one engine event ----

  private apply(events: EventBuffer, i: number, cmd: EngineCommand): void {
    const kind = events.kind(i);
    if (kind === EventKind.Trade) {
      this.fill(events.id(i), events.leavesQtyLots(i), events, i);
      this.fill(events.otherId(i), events.otherLeavesQtyLots(i), events, i);
    } else if (kind === EventKind.Accepted) this.placed(events, i, cmd);
    else if (kind === EventKind.Cancelled) this.cancelled(events, i);
    else if (kind === EventKind.Rejected) this.rejected(events, i, cmd);
    else if (kind === EventKind.Modified) this.modified(events, i);
    else if (kind === EventKind.Reduced) this.reduced(events, i);
    else if (kind === EventKind.Triggered) this.triggered(events, i);
  }

  private placed(events: EventBuffer, i: number, cmd: EngineCommand): void {
    const id = events.id(i);
    if (cmd.command !== CommandCode.NewOrder || cmd.orderId !== id)
      throw new Error(`orders: seq ${events.seq(i)} accepts order ${id} outside its new-order command`);
    const s = this.store;
    const slot = s.add(id, events.user(i));
    const isStop = cmd.type === OrderType.StopLimit || cmd.type === OrderType.StopMarket;
    const qty = events.qtyLots(i);
    s.clientOrderId[slot] = clientOrderIdOf(events.clientId(i));
    s.symbolId[slot] = events.book(i);
    s.side[slot] = events.side(i);
    s.type[slot] = cmd.type;
    s.tif[slot] = cmd.tif;
    s.postOnly[slot] = cmd.postOnly ? 1 : 0;
    s.priceTicks[slot] = events.priceTicks(i);
    s.stopPriceTicks[slot] = isStop ? cmd.stopPriceTicks : 0;
    s.qtyLots[slot] = qty;
    s.filledLots[slot] = 0;
    s.leavesLots[slot] = qty;
    s.status[slot] = isStop ? OrderStatus.PendingTrigger : OrderStatus.New;
    s.createdUs[slot] = events.tsUs(i);
    s.createdSeq[slot] = events.seq(i);
    s.updatedUs[slot] = events.tsUs(i);
    this.changed(slot, events, i);
    this.emitEvent(slot, OrderEvent.Placed, 0, events.priceTicks(i), qty, qty, 0, events, i);
  }

  private fill(id: number, leaves: number, events: EventBuffer, i: number): void {
    const s = this.store;
    const slot = this.liveSlot(id, events, i);
    const qty = events.qtyLots(i);
    s.filledLots[slot]! += qty;
    s.leavesLots[slot] = leaves;
    s.status[slot] = leaves === 0 ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
    this.changed(slot, events, i);
    this.emitEvent(slot, OrderEvent.Filled, 0, events.priceTicks(i), qty, leaves, events.tradeId(i), events, i);
  }

  private cancelled(events: EventBuffer, i: number): void {
    const s = this.store;
    const slot = this.liveSlot(events.id(i), events, i);
    const reason = events.code(i);
    const expired =
      reason === CancelReason.Ioc || reason === CancelReason.Fok || reason === CancelReason.MarketRemainder;
    s.leavesLots[slot] = 0;
    s.status[slot] = expired ? OrderStatus.Expired : OrderStatus.Cancelled;
    this.changed(slot, events, i);
    this.emitEvent(
      slot,
      expired ? OrderEvent.Expired : OrderEvent.Cancelled,
      reason,
      s.priceTicks[slot]!,
      events.qtyLots(i),
      0,
      0,
      events,
      i,
    );
  }

  private reduced(events: EventBuffer, i: number): void {
    const s = this.store;
    const slot = this.liveSlot(events.id(i), events, i);
    const leaves = events.leavesQtyLots(i);
    s.leavesLots[slot] = leaves;
    this.changed(slot, events, i);
    this.emitEvent(
      slot,
      OrderEvent.Reduced,
      events.code(i),
      s.priceTicks[slot]!,
      events.qtyLots(i),
      leaves,
      0,
      events,
      i,
    );
  }

  private modified(events: EventBuffer, i: number): void {
    const s = this.store;
    const slot = this.liveSlot(events.id(i), events, i);
    const price = events.priceTicks(i);
    const leaves = events.qtyLots(i);
    s.priceTicks[slot] = price;
    s.leavesLots[slot] = leaves;
    s.qtyLots[slot] = s.filledLots[slot]! + leaves;
    this.changed(slot, events, i);
    this.emitEvent(slot, OrderEvent.Modified, 0, price, leaves, leaves, 0, events, i);
  }

  private triggered(events: EventBuffer, i: number): void {
    const s = this.store;
    const slot = this.liveSlot(events.id(i), events, i);
    s.status[slot] = OrderStatus.New;
    this.changed(slot, events, i);
    const leaves = s.leavesLots[slot]!;
    this.emitEvent(slot, OrderEvent.Triggered, 0, events.priceTicks(i), events.qtyLots(i), leaves, 0, events, i);
  }

  private rejected(events: EventBuffer, i: number, cmd: EngineCommand): void {
    const code = events.code(i);
    if (cmd.command === CommandCode.NewOrder) return this.rejectedNew(events, i, cmd, code);
    if (cmd.command !== CommandCode.Cancel && cmd.command !== CommandCode.Modify) return;
    // A refused cancel or modify belongs to the order's history only when the order is the submitter's own.
    const s = this.store;
    const found = s.find(cmd.orderId);
    const own = found !== NIL && s.userId[found] === cmd.userId ? found : NIL;
    const modify = cmd.command === CommandCode.Modify;
    const price = modify && isPrice(cmd.priceTicks) ? cmd.priceTicks : 0;
    const qty = modify && isCount(cmd.qtyLots) ? cmd.qtyLots : 0;
    this.emitEvent(
      own,
      OrderEvent.Rejected,
      code,
      price,
      qty,
      own === NIL ? 0 : s.leavesLots[own]!,
      0,
      events,
      i,
      cmd.orderId,
      cmd.userId,
    );
  }

  /** A refused new order: stored as rejected (so "my orders" shows it) unless its fields fit no column. */
  private rejectedNew(events: EventBuffer, i: number, cmd: EngineCommand, code: number): void {
    const s = this.store;
    const id = events.id(i);
    const book = events.book(i);
    const storable =
      book >= 0 &&
      isCode(events.side(i), sideNames) &&
      isCode(cmd.type, orderTypeNames) &&
      isCode(cmd.tif, tifNames) &&
      isPrice(cmd.priceTicks) &&
      isPrice(cmd.stopPriceTicks) &&
      isCount(cmd.qtyLots) &&
      isCount(id) &&
      isCount(events.user(i));
    const existing = storable ? s.find(id) : NIL;
    const price = isPrice(cmd.priceTicks) ? cmd.priceTicks : 0;
    const qty = isCount(cmd.qtyLots) ? cmd.qtyLots : 0;
    if (!storable || (existing !== NIL && isLiveStatus(s.status[existing]!))) {
      this.stats.rejectsWithoutRow++;
      this.emitEvent(
        NIL,
        OrderEvent.Rejected,
        code,
        price,
        qty,
        0,
        0,
        events,
        i,
        isCount(id) ? id : 0,
        isCount(events.user(i)) ? events.user(i) : 0,
      );
      return;
    }
    const slot = s.add(id, events.user(i));
    s.clientOrderId[slot] = clientOrderIdOf(events.clientId(i));
    s.symbolId[slot] = book;
    s.side[slot] = events.side(i);
    s.type[slot] = cmd.type;
    s.tif[slot] = cmd.tif;
    s.postOnly[slot] = cmd.postOnly ? 1 : 0;
    s.priceTicks[slot] = price;
    s.stopPriceTicks[slot] =
      cmd.type === OrderType.StopLimit || cmd.type === OrderType.StopMarket ? cmd.stopPriceTicks : 0;
    s.qtyLots[slot] = qty;
    s.filledLots[slot] = 0;
    s.leavesLots[slot] = 0;
    s.status[slot] = OrderStatus.Rejected;
    s.createdUs[slot] = events.tsUs(i);
    s.createdSeq[slot] = events.seq(i);
    s.updatedUs[slot] = events.tsUs(i);
    this.changed(slot, events, i);
    this.emitEvent(slot, OrderEvent.Rejected, code, price, qty, 0, 0, events, i);
  }

  // ---- helpers ----

  private liveSlot(id: number, events: EventBuffer, i: number): number {
    const slot = this.store.find(id);
    if (slot === NIL || !isLiveStatus(this.store.status[slot]!)) {
      throw new Error(
        `orders: seq ${events.seq(i)} (${events.kind(i)}) is about order ${id}, which is not live here: ` +
          `the tracker missed earlier commands`,
      );
    }
    return slot;
  }

  /**
   * Stamps the change and puts the order on the list whose rows go out at the
   * end of the command. Receive stamps are not monotonic across sessions (the
   * gateway stamps on receipt, the sequencer orders), so `updated` is the
   * latest engine time at which the order changed, never before its creation.
   */
  private changed(slot: number, events: EventBuffer, i: number): void {
    const s = this.store;
    if (events.tsUs(i) > s.updatedUs[slot]!) s.updatedUs[slot] = events.tsUs(i);
    s.seq[slot] = events.seq(i);
    if (s.touched[slot] === 0) {
      s.touched[slot] = 1;
      this.touchedSlots.push(slot);
    }
  }

  private emitOrder(slot: number): void {
    const s = this.store;
    const o = this.row;
    o.symbolId = s.symbolId[slot]!;
    o.orderId = s.orderId[slot]!;
    o.userId = s.userId[slot]!;
    o.clientOrderId = s.clientOrderId[slot]!;
    o.side = s.side[slot]!;
    o.type = s.type[slot]!;
    o.tif = s.tif[slot]!;
    o.priceTicks = s.priceTicks[slot]!;
    o.stopPriceTicks = s.stopPriceTicks[slot]!;
    o.qtyLots = s.qtyLots[slot]!;
    o.filledLots = s.filledLots[slot]!;
    o.leavesLots = s.leavesLots[slot]!;
    o.status = s.status[slot]!;
    o.createdUs = s.createdUs[slot]!;
    o.createdSeq = s.createdSeq[slot]!;
    o.updatedUs = s.updatedUs[slot]!;
    o.seq = s.seq[slot]!;
    const error = orderRowError(o);
    if (error !== null) throw new Error(`orders: order ${o.orderId} at seq ${o.seq}: ${error}`);
    this.stats.orderRows++;
    const sinks = this.sinks;
    for (let k = 0; k < sinks.length; k++) sinks[k]!.onOrderState(o);
  }

  /** One order event; `slot` chains it to an order's history (NIL: none). Order id and user default to the event's. */
  private emitEvent(
    slot: number,
    event: number,
    reason: number,
    price: number,
    qty: number,
    leaves: number,
    tradeId: number,
    events: EventBuffer,
    i: number,
    orderId = slot === NIL ? events.id(i) : this.store.orderId[slot]!,
    userId = slot === NIL ? events.user(i) : this.store.userId[slot]!,
  ): void {
    const e = this.ev;
    e.symbolId = events.book(i);
    e.tsUs = events.tsUs(i);
    e.seq = events.seq(i);
    e.eventIndex = this.eventIndex++;
    e.orderId = orderId;
    e.userId = userId;
    e.event = event;
    e.reason = reason;
    e.priceTicks = price;
    e.qtyLots = qty;
    e.leavesLots = leaves;
    e.tradeId = tradeId;
    this.store.recordEvent(e, slot);
    this.stats.orderEvents++;
    const sinks = this.sinks;
    for (let k = 0; k < sinks.length; k++) sinks[k]!.onOrderEvent(e);
  }
}

/**
 * The engine echoes any client order id; one that is not a safe integer (the wire's -1 for 2^53 and
 * above) is recorded as 0, none.
 */
export function clientOrderIdOf(v: number): number {
  return isCount(v) ? v : 0;
}

function isCount(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 0;
}

function isPrice(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= PRICE_MAX;
}

function isCode(v: number, names: readonly string[]): boolean {
  return Number.isInteger(v) && v >= 0 && v < names.length;
}
