// A plain reference for the order tracker: Maps of objects, every order kept
// forever, written straight from the rules in order-tracker.ts's header. The
// randomized tests run both on the same commands and compare every row.

import { CommandCode, type EventRecord } from "../engine/command.ts";
import {
  CancelReason,
  EventKind,
  OrderType,
  orderTypeNames,
  PRICE_MAX,
  sideNames,
  tifNames,
} from "../engine/constants.ts";
import { OrderEvent, type OrderEventRow, type OrderRow, OrderStatus } from "./order-rows.ts";

/** The command fields the tracker reads. */
export interface ReferenceCommand {
  command: number;
  orderId: number;
  userId: number;
  type: number;
  tif: number;
  postOnly: boolean;
  priceTicks: number;
  qtyLots: number;
  stopPriceTicks: number;
}

const live = (o: OrderRow) =>
  o.status === OrderStatus.New || o.status === OrderStatus.PartiallyFilled || o.status === OrderStatus.PendingTrigger;
const count = (v: number) => Number.isSafeInteger(v) && v >= 0;
const price = (v: number) => Number.isInteger(v) && v >= 0 && v <= PRICE_MAX;

/** An order event's own fields (the event record supplies symbol, time, seq and index). */
type EventFields = Omit<OrderEventRow, "symbolId" | "tsUs" | "seq" | "eventIndex">;

/** What one command produced: the orders it changed (each once, in first-touch order) and its order events. */
class CommandOutput {
  readonly changed: OrderRow[] = [];
  readonly events: OrderEventRow[] = [];

  constructor(private readonly reference: OrderReference) {}

  touch(o: OrderRow, e: EventRecord): void {
    o.updatedUs = Math.max(o.updatedUs, e.tsUs);
    o.seq = e.seq;
    if (!this.changed.includes(o)) this.changed.push(o);
  }

  emit(e: EventRecord, fields: EventFields, own: OrderRow | null): void {
    const row: OrderEventRow = {
      symbolId: e.book,
      tsUs: e.tsUs,
      seq: e.seq,
      eventIndex: this.events.length,
      ...fields,
    };
    this.events.push(row);
    this.reference.events.push(row);
    if (own !== null) this.reference.history.get(own.orderId)!.push(row);
  }
}

export class OrderReference {
  readonly orders = new Map<number, OrderRow>();
  /** Every event, and each order's, in order. */
  readonly events: OrderEventRow[] = [];
  readonly history = new Map<number, OrderEventRow[]>();

  /** Applies one command's events; returns the order rows and order events it produced. */
  command(cmd: ReferenceCommand, events: readonly EventRecord[]): { rows: OrderRow[]; events: OrderEventRow[] } {
    const out = new CommandOutput(this);
    for (const e of events) {
      if (e.kind === EventKind.Accepted) this.accepted(cmd, e, out);
      else if (e.kind === EventKind.Trade) this.trade(e, out);
      else if (e.kind === EventKind.Cancelled) this.cancelled(e, out);
      else if (e.kind === EventKind.Reduced) this.reduced(e, out);
      else if (e.kind === EventKind.Modified) this.modified(e, out);
      else if (e.kind === EventKind.Triggered) this.triggered(e, out);
      else if (e.kind === EventKind.Rejected) this.rejected(cmd, e, out);
    }
    return { rows: out.changed.map((o) => ({ ...o })), events: out.events };
  }

  private mustBeLive(id: number): OrderRow {
    const o = this.orders.get(id);
    if (o === undefined || !live(o)) throw new Error(`reference: order ${id} is not live`);
    return o;
  }

  private accepted(cmd: ReferenceCommand, e: EventRecord, out: CommandOutput): void {
    const stop = cmd.type === OrderType.StopLimit || cmd.type === OrderType.StopMarket;
    const o = this.create(e, cmd, e.priceTicks, e.qtyLots, stop ? OrderStatus.PendingTrigger : OrderStatus.New);
    o.leavesLots = e.qtyLots;
    out.touch(o, e);
    out.emit(
      e,
      {
        orderId: e.id,
        userId: e.user,
        event: OrderEvent.Placed,
        reason: 0,
        priceTicks: e.priceTicks,
        qtyLots: e.qtyLots,
        leavesLots: e.qtyLots,
        tradeId: 0,
      },
      o,
    );
  }

  private trade(e: EventRecord, out: CommandOutput): void {
    for (const [id, leaves] of [
      [e.id, e.leavesQtyLots],
      [e.otherId, e.otherLeavesQtyLots],
    ] as const) {
      const o = this.mustBeLive(id);
      o.filledLots += e.qtyLots;
      o.leavesLots = leaves;
      o.status = leaves === 0 ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
      out.touch(o, e);
      out.emit(
        e,
        {
          orderId: id,
          userId: o.userId,
          event: OrderEvent.Filled,
          reason: 0,
          priceTicks: e.priceTicks,
          qtyLots: e.qtyLots,
          leavesLots: leaves,
          tradeId: e.tradeId,
        },
        o,
      );
    }
  }

  private cancelled(e: EventRecord, out: CommandOutput): void {
    const o = this.mustBeLive(e.id);
    const expired =
      e.code === CancelReason.Ioc || e.code === CancelReason.Fok || e.code === CancelReason.MarketRemainder;
    o.leavesLots = 0;
    o.status = expired ? OrderStatus.Expired : OrderStatus.Cancelled;
    out.touch(o, e);
    out.emit(
      e,
      {
        orderId: e.id,
        userId: o.userId,
        event: expired ? OrderEvent.Expired : OrderEvent.Cancelled,
        reason: e.code,
        priceTicks: o.priceTicks,
        qtyLots: e.qtyLots,
        leavesLots: 0,
        tradeId: 0,
      },
      o,
    );
  }

  private reduced(e: EventRecord, out: CommandOutput): void {
    const o = this.mustBeLive(e.id);
    o.leavesLots = e.leavesQtyLots;
    out.touch(o, e);
    out.emit(
      e,
      {
        orderId: e.id,
        userId: o.userId,
        event: OrderEvent.Reduced,
        reason: e.code,
        priceTicks: o.priceTicks,
        qtyLots: e.qtyLots,
        leavesLots: e.leavesQtyLots,
        tradeId: 0,
      },
      o,
    );
  }

  private modified(e: EventRecord, out: CommandOutput): void {
    const o = this.mustBeLive(e.id);
    o.priceTicks = e.priceTicks;
    o.leavesLots = e.qtyLots;
    o.qtyLots = o.filledLots + e.qtyLots;
    out.touch(o, e);
    out.emit(
      e,
      {
        orderId: e.id,
        userId: o.userId,
        event: OrderEvent.Modified,
        reason: 0,
        priceTicks: e.priceTicks,
        qtyLots: e.qtyLots,
        leavesLots: e.qtyLots,
        tradeId: 0,
      },
      o,
    );
  }

  private triggered(e: EventRecord, out: CommandOutput): void {
    const o = this.mustBeLive(e.id);
    o.status = OrderStatus.New;
    out.touch(o, e);
    out.emit(
      e,
      {
        orderId: e.id,
        userId: o.userId,
        event: OrderEvent.Triggered,
        reason: 0,
        priceTicks: e.priceTicks,
        qtyLots: e.qtyLots,
        leavesLots: o.leavesLots,
        tradeId: 0,
      },
      o,
    );
  }

  private rejected(cmd: ReferenceCommand, e: EventRecord, out: CommandOutput): void {
    if (cmd.command === CommandCode.NewOrder) this.newOrderRejected(cmd, e, out);
    else if (cmd.command === CommandCode.Cancel || cmd.command === CommandCode.Modify) this.changeRejected(cmd, e, out);
  }

  /** A rejected new order is stored when its fields fit an order row and its id is not live; else only its event. */
  private newOrderRejected(cmd: ReferenceCommand, e: EventRecord, out: CommandOutput): void {
    const p = price(cmd.priceTicks) ? cmd.priceTicks : 0;
    const q = count(cmd.qtyLots) ? cmd.qtyLots : 0;
    const fits = (v: number, names: readonly string[]) => Number.isInteger(v) && v >= 0 && v < names.length;
    const existing = this.orders.get(e.id);
    const storable =
      e.book >= 0 &&
      fits(e.side, sideNames) &&
      fits(cmd.type, orderTypeNames) &&
      fits(cmd.tif, tifNames) &&
      price(cmd.priceTicks) &&
      price(cmd.stopPriceTicks) &&
      count(cmd.qtyLots) &&
      count(e.id) &&
      count(e.user) &&
      !(existing !== undefined && live(existing));
    const o = storable ? this.create(e, cmd, p, q, OrderStatus.Rejected) : null;
    if (o !== null) out.touch(o, e);
    out.emit(
      e,
      {
        orderId: count(e.id) ? e.id : 0,
        userId: count(e.user) ? e.user : 0,
        event: OrderEvent.Rejected,
        reason: e.code,
        priceTicks: p,
        qtyLots: q,
        leavesLots: 0,
        tradeId: 0,
      },
      o,
    );
  }

  private changeRejected(cmd: ReferenceCommand, e: EventRecord, out: CommandOutput): void {
    const p = price(cmd.priceTicks) ? cmd.priceTicks : 0;
    const q = count(cmd.qtyLots) ? cmd.qtyLots : 0;
    const target = this.orders.get(cmd.orderId);
    const own = target !== undefined && target.userId === cmd.userId ? target : null;
    const modify = cmd.command === CommandCode.Modify;
    out.emit(
      e,
      {
        orderId: cmd.orderId,
        userId: cmd.userId,
        event: OrderEvent.Rejected,
        reason: e.code,
        priceTicks: modify ? p : 0,
        qtyLots: modify ? q : 0,
        leavesLots: own?.leavesLots ?? 0,
        tradeId: 0,
      },
      own,
    );
  }

  private create(e: EventRecord, cmd: ReferenceCommand, priceTicks: number, qtyLots: number, status: number): OrderRow {
    const stop = cmd.type === OrderType.StopLimit || cmd.type === OrderType.StopMarket;
    const o: OrderRow = {
      symbolId: e.book,
      orderId: e.id,
      userId: e.user,
      clientOrderId: count(e.clientId) ? e.clientId : 0,
      side: e.side,
      type: cmd.type,
      tif: cmd.tif,
      priceTicks,
      stopPriceTicks: stop ? cmd.stopPriceTicks : 0,
      qtyLots,
      filledLots: 0,
      leavesLots: 0,
      status,
      createdUs: e.tsUs,
      createdSeq: e.seq,
      updatedUs: e.tsUs,
      seq: e.seq,
    };
    this.orders.set(e.id, o);
    this.history.set(e.id, []);
    return o;
  }
}
