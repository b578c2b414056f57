// OpenOrdersRequest answers, written page by page as the requester's socket
// drains. While a session's answer is being written its further input waits
// (reading stops: TCP backpressure), so answers keep the order of requests
// and a session has one query at a time: a client that asks and does not
// read holds one page of the exchange's memory and nothing else. Pages are
// written only while the session has little unsent output and budget left
// (queryOrdersPerSecondMax), one small page per pass over the querying
// sessions, round robin: a greedy client that does read gets a bounded share
// of the exchange's time, and another session waits for at most one page.
//
// An answer lists the user's orders live when it starts (ids up to the highest
// one then), each as it is when its page is written; an order that ended before
// its page is left out, so the last page (more = false) may be empty.

import type { Engine } from "../engine/engine.ts";
import type { OrderView } from "../engine/queries.ts";
import { Body, OpenOrderInfo } from "../protocol/index.ts";
import { type Clock, nowMs } from "../sequencer/clock.ts";
import { queryPageOrdersMax, queryPagesPerPassMax, queryRoomBytes } from "./constants.ts";
import type { Output } from "./output.ts";
import { type Session, SessionState } from "./session.ts";

export class OpenOrdersQueries {
  private readonly engine: Engine;
  private readonly output: Output;
  private readonly clock: Clock;
  /** Sessions with an answer being written, in turn order. */
  private readonly querying: Session[] = [];
  private readonly page = Array.from({ length: queryPageOrdersMax }, () => new OpenOrderInfo());
  /** Sessions whose answer a pass completed, told after it (their next request may start at once). */
  private readonly finished: Session[] = [];
  private passScheduled = false;
  private readonly passTask = () => {
    try {
      this.pass();
    } catch (error) {
      this.onFatal(error);
    }
  };
  /** Called when a session's answer is complete: its input goes on (inbound.ts). */
  onDone: (s: Session) => void = () => {};
  /** A broken invariant in a pass (the gateway's handler exits the process). */
  onFatal: (error: unknown) => void = (error) => {
    throw error;
  };

  constructor(engine: Engine, output: Output, clock: Clock) {
    this.engine = engine;
    this.output = output;
    this.clock = clock;
  }

  /** An OpenOrdersRequest: the answer starts now; the session reads nothing more until it is written. */
  request(s: Session): void {
    if (s.queryActive) throw new Error(`session ${s.id}: a query arrived while one is being answered`);
    const us = s.userState!;
    s.queryActive = true;
    s.queryIds = us.orders.values();
    s.queryCeilingId = us.lastOrderId;
    s.queryNextId = -1;
    this.querying.push(s);
    this.schedule();
  }

  /** Goes on with the answers (after a socket drained, or a turn ended). */
  schedule(): void {
    if (this.passScheduled || this.querying.length === 0) return;
    this.passScheduled = true;
    setImmediate(this.passTask);
  }

  /** Writes up to queryPagesPerPassMax pages, round robin over sessions with room. */
  private pass(): void {
    this.passScheduled = false;
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

  /** The next live order of the answer, or null when there is none. */
  private nextOrder(s: Session): OrderView | null {
    const peeked = s.queryNextId;
    s.queryNextId = -1;
    if (peeked >= 0) {
      const v = this.engine.order(peeked);
      if (v !== null) return v;
    }
    for (;;) {
      const it = s.queryIds!.next();
      if (it.done === true) return null;
      // Orders placed after the answer began are not in it (their own reports tell of them).
      if (it.value > s.queryCeilingId) continue;
      const v = this.engine.order(it.value);
      if (v !== null) return v;
    }
  }

  private writePage(s: Session): void {
    let n = 0;
    for (; n < queryPageOrdersMax; n++) {
      const v = this.nextOrder(s);
      if (v === null) break;
      fillInfo(this.page[n]!, v);
    }
    // Whether more follow: look one order ahead, and start the next page there.
    const next = n === queryPageOrdersMax ? (this.nextOrder(s)?.id ?? -1) : -1;
    s.queryNextId = next;
    const m = this.output.msg;
    m.body = Body.OpenOrders;
    // Full pages (all but the last) reuse the page's array: the encoder reads it and keeps nothing.
    m.orders = n === this.page.length ? this.page : this.page.slice(0, n);
    m.more = next >= 0;
    this.output.sendMessage(s, false);
    // A client that reads its pages is alive, though its own messages wait behind the answer.
    s.lastRecvMs = nowMs(this.clock);
    if (next >= 0) return;
    end(s);
    this.finished.push(s);
  }
}

function end(s: Session): void {
  s.queryActive = false;
  s.queryIds = null;
  s.queryNextId = -1;
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
