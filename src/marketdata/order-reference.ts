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

export class OrderReference {
  readonly orders = new Map<number, OrderRow>();
  /** Every event, and each order's, in order. */
  readonly events: OrderEventRow[] = [];
  readonly history = new Map<number, OrderEventRow[]>();

  /** Applies one command's events; returns the order rows and order events it produced. */
  command(cmd: ReferenceCommand, events: readonly EventRecord[]): { rows: OrderRow[]; events: OrderEventRow[] } {
    const changed: OrderRow[] = [];
    const out: OrderEventRow[] = [];
    const touch = (o: OrderRow, e: EventRecord) => {
      o.updatedUs = Math.max(o.updatedUs, e.tsUs);
      o.seq = e.seq;
      if (!changed.includes(o)) changed.push(o);
    };
    const emit = (
      e: EventRecord,
      fields: Omit<OrderEventRow, "symbolId" | "tsUs" | "seq" | "eventIndex">,
      own: OrderRow | null,
    ) => {
      const row: OrderEventRow = { symbolId: e.book, tsUs: e.tsUs, seq: e.seq, eventIndex: out.length, ...fields };
      out.push(row);
      this.events.push(row);
      if (own !== null) this.history.get(own.orderId)!.push(row);
    };
    const mustBeLive = (id: number) => {
      const o = this.orders.get(id);
      if (o === undefined || !live(o)) throw new Error(`reference: order ${id} is not live`);
      return o;
    };
    for (const e of events) {
      if (e.kind === EventKind.Accepted) {
        const stop = cmd.type === OrderType.StopLimit || cmd.type === OrderType.StopMarket;
        const o = this.create(e, cmd, e.priceTicks, e.qtyLots, stop ? OrderStatus.PendingTrigger : OrderStatus.New);
        o.leavesLots = e.qtyLots;
        touch(o, e);
        emit(
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
      } else if (e.kind === EventKind.Trade) {
        for (const [id, leaves] of [
          [e.id, e.leavesQtyLots],
          [e.otherId, e.otherLeavesQtyLots],
        ] as const) {
          const o = mustBeLive(id);
          o.filledLots += e.qtyLots;
          o.leavesLots = leaves;
          o.status = leaves === 0 ? OrderStatus.Filled : OrderStatus.PartiallyFilled;
          touch(o, e);
          emit(
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
      } else if (e.kind === EventKind.Cancelled) {
        const o = mustBeLive(e.id);
        const expired =
          e.code === CancelReason.Ioc || e.code === CancelReason.Fok || e.code === CancelReason.MarketRemainder;
        o.leavesLots = 0;
        o.status = expired ? OrderStatus.Expired : OrderStatus.Cancelled;
        touch(o, e);
        emit(
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
      } else if (e.kind === EventKind.Reduced) {
        const o = mustBeLive(e.id);
        o.leavesLots = e.leavesQtyLots;
        touch(o, e);
        emit(
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
      } else if (e.kind === EventKind.Modified) {
        const o = mustBeLive(e.id);
        o.priceTicks = e.priceTicks;
        o.leavesLots = e.qtyLots;
        o.qtyLots = o.filledLots + e.qtyLots;
        touch(o, e);
        emit(
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
      } else if (e.kind === EventKind.Triggered) {
        const o = mustBeLive(e.id);
        o.status = OrderStatus.New;
        touch(o, e);
        emit(
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
      } else if (e.kind === EventKind.Rejected) {
        this.rejected(cmd, e, touch, emit);
      }
    }
    return { rows: changed.map((o) => ({ ...o })), events: out };
  }

  private rejected(
    cmd: ReferenceCommand,
    e: EventRecord,
    touch: (o: OrderRow, e: EventRecord) => void,
    emit: (
      e: EventRecord,
      f: Omit<OrderEventRow, "symbolId" | "tsUs" | "seq" | "eventIndex">,
      own: OrderRow | null,
    ) => void,
  ): void {
    const p = price(cmd.priceTicks) ? cmd.priceTicks : 0;
    const q = count(cmd.qtyLots) ? cmd.qtyLots : 0;
    if (cmd.command === CommandCode.NewOrder) {
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
      if (!storable) {
        emit(
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
          null,
        );
        return;
      }
      const o = this.create(e, cmd, p, q, OrderStatus.Rejected);
      touch(o, e);
      emit(
        e,
        {
          orderId: e.id,
          userId: e.user,
          event: OrderEvent.Rejected,
          reason: e.code,
          priceTicks: p,
          qtyLots: q,
          leavesLots: 0,
          tradeId: 0,
        },
        o,
      );
      return;
    }
    if (cmd.command !== CommandCode.Cancel && cmd.command !== CommandCode.Modify) return;
    const target = this.orders.get(cmd.orderId);
    const own = target !== undefined && target.userId === cmd.userId ? target : null;
    const modify = cmd.command === CommandCode.Modify;
    emit(
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
