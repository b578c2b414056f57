// OpenOrdersRequest answers, written page by page as the requester's socket
// drains. While a session's answer is being written its further input waits
// (reading stops: TCP backpressure), so answers keep the order of requests
// and a session has one query at a time: a client that asks and does not
// read holds one page of the exchange's memory and nothing else. Pages are
// written only while the session has little unsent output and budget left
// (queryOrdersPerSecondMax), one small page per pass over the querying
// sessions, round robin, one pass per event-loop turn: a greedy client that
// does read gets a bounded share of the exchange's time, and another session
// waits for at most one page.
//
// An answer lists the user's orders live when it starts (ids up to the highest
// one then), each as it is when its page is written; an order that ended before
// its page is left out, so the last page (more = false) may be empty.
//
// Nothing is allocated per page: the user's orders are read from the log of
// its ClientOrders (client-orders.ts) at a cursor that survives compaction,
// each order's fields from the engine into one reused view, and the page is
// written in its fixed layout straight into the session's queue.

import { emptyOrderView, type OrderView } from "../engine/queries.ts";
import type { EngineView } from "../sequencer/intake.ts";
import { OpenOrderInfo } from "../protocol/index.ts";
import { type Clock, nowMs } from "../sequencer/clock.ts";
import type { ClientOrders } from "./client-orders.ts";
import { queryPageOrdersMax, queryPagesPerPassMax, queryRoomBytes } from "./constants.ts";
import type { Output } from "./output.ts";
import { type Session, SessionState } from "./session.ts";

export class OpenOrdersQueries {
  private readonly engine: EngineView;
  private readonly output: Output;
  private readonly clock: Clock;
  /** Sessions with an answer being written, in turn order. */
  private readonly querying: Session[] = [];
  private readonly page = Array.from({ length: queryPageOrdersMax }, () => new OpenOrderInfo());
  private readonly view: OrderView = emptyOrderView();
  /** Sessions whose answer a pass completed, told after it (their next request may start at once). */
  private readonly finished: Session[] = [];
  /** Called when a session's answer is complete: its input goes on (inbound.ts). */
  onDone: (s: Session) => void = () => {};
  /** Asks for a pass at the end of this event-loop turn (the gateway's turn task runs `pass`). */
  requestPass: () => void = () => {};

  constructor(engine: EngineView, output: Output, clock: Clock) {
    this.engine = engine;
    this.output = output;
    this.clock = clock;
  }

  /** Whether an answer is being written (a pass has work). */
  get active(): boolean {
    return this.querying.length > 0;
  }

  /** An OpenOrdersRequest: the answer starts now; the session reads nothing more until it is written. */
  request(s: Session): void {
    if (s.queryActive) throw new Error(`session ${s.id}: a query arrived while one is being answered`);
    const us = s.userState!;
    s.queryActive = true;
    s.queryCeilingId = us.lastOrderId;
    us.orders.openCursor(s);
    this.querying.push(s);
    this.requestPass();
  }

  /** Goes on with the answers (after a socket drained, a budget refilled, or held reports were released). */
  schedule(): void {
    if (this.querying.length > 0) this.requestPass();
  }

  /** Writes up to queryPagesPerPassMax pages, round robin over sessions with room. */
  pass(): void {
    if (this.querying.length === 0) return;
    let budget = queryPagesPerPassMax;
    let roomLeft = false;
    const list = this.querying;
    const now = nowMs(this.clock);
    for (let k = 0; k < list.length && budget > 0; k++) {
      const s = list[k]!;
      if (s.state !== SessionState.Active || s.out.queued >= queryRoomBytes) continue;
      // Out of budget: the gateway's tick (every deadlineTickMs) schedules the next pass.
      if (!s.queryPages.take(now)) continue;
      this.writePage(s);
      budget--;
      this.output.send(s);
      if (s.queryActive && s.out.queued < queryRoomBytes) roomLeft = true;
    }
    this.dropFinished();
    // Rotate, so the next pass starts with the sessions this one did not reach.
    if (list.length > 1) list.push(list.shift()!);
    for (const s of this.finished) this.onDone(s);
    this.finished.length = 0;
    // Sessions without room go on when their socket drains (or their held reports are released).
    if (roomLeft || budget === 0) this.schedule();
  }

  private dropFinished(): void {
    const list = this.querying;
    let keep = 0;
    for (let k = 0; k < list.length; k++) {
      const s = list[k]!;
      if (s.queryActive && s.state !== SessionState.Closing) list[keep++] = s;
      else if (s.queryActive) end(s);
    }
    list.length = keep;
  }

  private writePage(s: Session): void {
    const orders = s.userState!.orders;
    const ceiling = s.queryCeilingId;
    let at = orders.cursor;
    let n = 0;
    while (n < queryPageOrdersMax) {
      at = nextLive(orders, at, ceiling);
      if (at < 0) break;
      if (this.engine.readOrder(orders.orderIdAt(at), this.view)) fillInfo(this.page[n++]!, this.view);
      at++;
    }
    // Whether more follow: look one order ahead, and start the next page there.
    const next = at < 0 ? -1 : nextLive(orders, at, ceiling);
    this.output.openOrdersPage(s, this.page, n, next >= 0);
    // A client that reads its pages is alive, though its own messages wait behind the answer.
    s.lastRecvMs = nowMs(this.clock);
    if (next >= 0) {
      orders.cursor = next;
      return;
    }
    end(s);
    this.finished.push(s);
  }
}

/**
 * The first log position from `at` holding a live order of the answer, or -1.
 * The log is in ascending order id, so the first id above the answer's
 * ceiling ends it (orders placed after the answer began are not in it: their
 * own reports tell of them).
 */
function nextLive(orders: ClientOrders, at: number, ceilingId: number): number {
  for (const end = orders.logEnd; at < end; at++) {
    if (orders.orderIdAt(at) > ceilingId) return -1;
    if (orders.liveAt(at)) return at;
  }
  return -1;
}

function end(s: Session): void {
  s.queryActive = false;
  s.userState?.orders.closeCursor(s);
}

function fillInfo(info: OpenOrderInfo, v: OrderView): void {
  info.clientOrderId = v.clientId;
  info.orderId = v.id;
  info.symbolId = v.book;
  info.side = v.side;
  info.type = v.type;
  info.tif = v.tif;
  info.postOnly = v.postOnly;
  info.stp = v.stp;
  info.priceTicks = v.price;
  info.stopPriceTicks = v.stop;
  info.qtyLots = v.qty;
  info.leavesQtyLots = v.qty;
}
