// A user's orders: one by id, its event history, the open ones, and the
// history filtered by symbol, status and creation time, paged by order id.
// Every route needs the user's API key and shows only that user's orders and
// events: another user's order is a 403.
//
// Memory holds every live order and the newest finished ones (every order
// with an id above `evictedIdMax`); QuestDB (full mode) holds the rest. Where
// both have an order, memory's state is the newer one.

import { orderStatusNames } from "../marketdata/order-rows.ts";
import { isLiveStatus, NIL, type OrderEventRecord, type OrderRecord } from "../marketdata/order-store.ts";
import { type ApiContext, limitParam, optionalSymbolParam, requireLive, windowParams } from "./context.ts";
import { ApiError, ErrorCode, notFound } from "./errors.ts";
import { orderEventJson, orderJson } from "./format.ts";
import { type Params, parseInteger } from "./params.ts";

function symbolName(ctx: ApiContext, id: number): string | null {
  return id >= 0 && id < ctx.engine.booksCount ? ctx.engine.symbolSpec(id).name : null;
}

function forbidden(orderId: number): ApiError {
  return new ApiError(403, ErrorCode.Forbidden, `order ${orderId} belongs to another user`);
}

export function orderIdParam(text: string): number {
  return parseInteger("orderId", text, 1, Number.MAX_SAFE_INTEGER);
}

/** The order's latest state: memory first, then QuestDB. */
async function findOrder(ctx: ApiContext, orderId: number): Promise<OrderRecord | null> {
  const s = ctx.orders;
  const slot = s.find(orderId);
  if (slot !== NIL) return s.record(slot);
  return ctx.questdb === null ? null : await ctx.questdb.order(orderId);
}

function missing(ctx: ApiContext, orderId: number): ApiError {
  const where =
    ctx.questdb === null
      ? `memory (embedded mode keeps live orders and the newest ${ctx.orders.limits.finishedOrdersMax} finished ones)`
      : "memory or QuestDB";
  return notFound(`order ${orderId} is not in ${where}`);
}

export async function order(ctx: ApiContext, user: number, orderIdText: string): Promise<object> {
  requireLive(ctx);
  const orderId = orderIdParam(orderIdText);
  const o = await findOrder(ctx, orderId);
  if (o === null) throw missing(ctx, orderId);
  if (o.userId !== user) throw forbidden(orderId);
  return { order: orderJson(o, symbolName(ctx, o.symbolId)) };
}

export async function orderEvents(ctx: ApiContext, user: number, orderIdText: string, p: Params): Promise<object> {
  requireLive(ctx);
  const orderId = orderIdParam(orderIdText);
  const limit = limitParam(ctx, p);
  const s = ctx.orders;
  const slot = s.find(orderId);
  let events: OrderEventRecord[];
  let complete: boolean;
  if (slot !== NIL) {
    if (s.userId[slot] !== user) throw forbidden(orderId);
    const mem = s.events(slot);
    events = mem.events;
    complete = mem.complete;
    if (!complete && ctx.questdb !== null) {
      // QuestDB has the older events; memory the newest (QuestDB may not have applied them yet).
      const stored = await ctx.questdb.orderEvents(orderId, user, ctx.limits.rowsMax);
      const first = events[0];
      events = [
        ...stored.filter(
          (e) => first === undefined || e.seq < first.seq || (e.seq === first.seq && e.eventIndex < first.eventIndex),
        ),
        ...events,
      ];
      complete = true;
    }
  } else {
    const o = ctx.questdb === null ? null : await ctx.questdb.order(orderId);
    if (o === null) throw missing(ctx, orderId);
    if (o.userId !== user) throw forbidden(orderId);
    events = await ctx.questdb!.orderEvents(orderId, user, ctx.limits.rowsMax);
    complete = true;
  }
  const page = events.slice(0, limit);
  return {
    orderId,
    events: page.map((e) => orderEventJson(e, symbolName(ctx, e.symbolId))),
    complete: complete && page.length === events.length,
  };
}

export function openOrders(ctx: ApiContext, user: number, p: Params): object {
  requireLive(ctx);
  const symbol = optionalSymbolParam(ctx, p);
  const fromId = p.int("fromId", 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = limitParam(ctx, p);
  const s = ctx.orders;
  const rows: OrderRecord[] = [];
  s.forUser(user, false, (slot) => {
    if (
      isLiveStatus(s.status[slot]!) &&
      s.orderId[slot]! >= fromId &&
      (symbol === null || s.symbolId[slot] === symbol.id)
    )
      rows.push(s.record(slot));
    return rows.length < limit;
  });
  const nextFromId = rows.length === limit ? rows[rows.length - 1]!.orderId + 1 : null;
  return { orders: rows.map((o) => orderJson(o, symbolName(ctx, o.symbolId))), nextFromId };
}

export async function orderHistory(ctx: ApiContext, user: number, p: Params): Promise<object> {
  requireLive(ctx);
  const symbol = optionalSymbolParam(ctx, p);
  const status = p.oneOf("status", orderStatusNames);
  const statusCode = status === null ? -1 : orderStatusNames.indexOf(status);
  const w = windowParams(ctx, p);
  const fromId = p.int("fromId", 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = limitParam(ctx, p);
  const matches = (o: OrderRecord) =>
    o.orderId >= fromId &&
    o.createdUs >= w.startUs &&
    o.createdUs <= w.endUs &&
    (symbol === null || o.symbolId === symbol.id) &&
    (statusCode < 0 || o.status === statusCode);
  const s = ctx.orders;
  // A user's list in memory is in id order: one more match than a page says whether there is more.
  let rows: OrderRecord[] = [];
  s.forUser(user, false, (slot) => {
    if (s.orderId[slot]! < fromId || s.createdUs[slot]! < w.startUs || s.createdUs[slot]! > w.endUs) return true;
    if ((symbol !== null && s.symbolId[slot] !== symbol.id) || (statusCode >= 0 && s.status[slot] !== statusCode))
      return true;
    rows.push(s.record(slot));
    return rows.length <= limit;
  });
  // Memory holds every order above evictedIdMax; older ones of the window may be in QuestDB only.
  const older = fromId <= s.evictedIdMax && w.startUs <= s.evictedCreatedUsMax;
  let cutId = Number.MAX_SAFE_INTEGER;
  let more = false;
  if (older && ctx.questdb !== null) {
    const stored = await ctx.questdb.orders({
      userId: user,
      symbol: symbol?.name ?? null,
      status,
      startUs: w.startUs,
      endUs: w.endUs,
      fromId,
      belowId: s.evictedIdMax + 1,
      limit,
    });
    // An order memory still has is newer there (and was filtered on its newer state).
    for (const o of stored) if (s.find(o.orderId) === NIL && matches(o)) rows.push(o);
    // QuestDB may hold more past its page: nothing beyond its last row is known complete.
    if (stored.length === limit) {
      cutId = stored[limit - 1]!.orderId;
      more = true;
    }
  }
  rows = rows.filter((o) => o.orderId <= cutId).sort((a, b) => a.orderId - b.orderId);
  if (rows.length > limit) {
    rows = rows.slice(0, limit);
    more = true;
  }
  const nextFromId = more ? (rows.length > 0 ? rows[rows.length - 1]!.orderId : cutId) + 1 : null;
  return {
    orders: rows.map((o) => orderJson(o, symbolName(ctx, o.symbolId))),
    nextFromId,
    complete: !older || ctx.questdb !== null,
  };
}
