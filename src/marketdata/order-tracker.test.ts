// Proves the order tracker turns the real engine's events into the same order rows and order events as the plain
// reference, on random streams with every order type, self-trade mode, stop cascade, mass cancel, reused and duplicate
// id and invalid field; that its live orders are exactly the engine's; that the bounded memory keeps what it promises
// (live orders, the newest finished ones, histories marked truncated); and the event mapping on hand-made cases.

import { describe, expect, test } from "bun:test";
import { fillCommand } from "../engine/apply.ts";
import { type Command, CommandStruct, type EventRecord } from "../engine/command.ts";
import { CancelReason, OrderType, Side, Stp, Tif } from "../engine/constants.ts";
import { Engine } from "../engine/engine.ts";
import { generateCommands } from "../../test/engine/random-commands.ts";
import { OrderReference } from "./order-reference.ts";
import { OrderEvent, type OrderEventRow, type OrderRow, OrderStatus } from "./order-rows.ts";
import { isLiveStatus, NIL, type OrderMemoryLimits } from "./order-store.ts";
import { OrderTracker } from "./order-tracker.ts";

const seed = Number(process.env.SEED ?? 7);
const commandsCount = process.env.SOAK === "1" ? 400_000 : 40_000;

/** Runs plain commands through an engine with the tracker and the reference side by side. */
class Harness {
  readonly engine = new Engine({
    ordersMax: 4096,
    levelsMax: 2048,
    levelsPerSideMax: 512,
    symbolsMax: 8,
    eventsMax: 64,
  });
  readonly tracker: OrderTracker;
  readonly reference = new OrderReference();
  readonly rows: OrderRow[] = [];
  readonly events: OrderEventRow[] = [];
  readonly refRows: OrderRow[] = [];
  readonly refEvents: OrderEventRow[] = [];
  private readonly cmd = new CommandStruct();
  private readonly records: EventRecord[] = [];

  /** Receive stamps out of seq order by up to this many µs (as sessions stamped by the gateway arrive). */
  jitterUs = 0;
  private jitter = 12345;

  constructor(limits: Partial<OrderMemoryLimits> = {}) {
    this.tracker = new OrderTracker(limits);
    this.tracker.addSink({
      onOrderState: (o) => this.rows.push({ ...o }),
      onOrderEvent: (e) => this.events.push({ ...e }),
    });
    // A small event buffer: big commands arrive in several calls, as from the sequencer.
    this.engine.events.onFull = (events) => {
      this.tracker.onEvents(events, this.cmd);
      this.records.push(...events.drain());
    };
  }

  run(c: Command): void {
    if (this.jitterUs > 0) {
      this.jitter = (Math.imul(this.jitter, 1103515245) + 12345) >>> 0;
      c.tsUs -= this.jitter % this.jitterUs;
    }
    const cmd = fillCommand(c, this.cmd);
    this.engine.apply(cmd);
    this.tracker.onEvents(this.engine.events, cmd);
    this.records.push(...this.engine.events.drain());
    this.tracker.finishCommand();
    const out = this.reference.command(cmd, this.records);
    this.refRows.push(...out.rows);
    this.refEvents.push(...out.events);
    this.records.length = 0;
  }
}

describe(`random streams against the reference (seed ${seed})`, () => {
  test("every order row and order event equals the reference; live orders equal the engine's", () => {
    const h = new Harness();
    let checked = 0;
    for (const c of generateCommands(seed, commandsCount)) {
      h.run(c);
      if (c.seq % 5000 === 0) {
        expect(h.rows).toEqual(h.refRows);
        expect(h.events).toEqual(h.refEvents);
        checked += h.rows.length;
        h.rows.length = h.refRows.length = h.events.length = h.refEvents.length = 0;
        expectLiveEqualsEngine(h);
      }
    }
    expect(h.rows).toEqual(h.refRows);
    expect(h.events).toEqual(h.refEvents);
    expectLiveEqualsEngine(h);
    // The stream must have exercised every kind of order event.
    const kinds = new Set(h.reference.events.map((e) => e.event));
    for (const k of Object.values(OrderEvent)) expect(kinds.has(k)).toBe(true);
    expect(checked).toBeGreaterThan(10_000);
  });

  test(
    "receive stamps out of seq order: rows still equal the reference, " +
      "and an order is never updated before it was created",
    () => {
      const h = new Harness();
      h.jitterUs = 200;
      for (const c of generateCommands(seed + 2, commandsCount / 2)) h.run(c);
      expect(h.rows).toEqual(h.refRows);
      expect(h.events).toEqual(h.refEvents);
      expect(h.rows.every((o) => o.updatedUs >= o.createdUs)).toBe(true);
      expect(h.rows.some((o) => o.updatedUs > o.createdUs)).toBe(true);
    },
  );

  test(
    "bounded memory: small rings keep live orders, the newest finished ones and the newest events, " +
      "and say what is missing",
    () => {
      const limits = { finishedOrdersMax: 300, orderEventsMax: 2000, slotsInitial: 16 };
      const h = new Harness(limits);
      for (const c of generateCommands(seed + 1, commandsCount / 2)) h.run(c);
      const s = h.tracker.store;
      expect(s.grown).toBeGreaterThan(0);
      expect(s.finishedKept).toBe(limits.finishedOrdersMax);
      expectLiveEqualsEngine(h);
      // The newest finished orders are the ones kept, each with its latest state.
      const finished = [...h.reference.orders.values()]
        .filter((o) => !isLiveStatus(o.status))
        .sort((a, b) => a.seq - b.seq || a.orderId - b.orderId);
      let kept = 0;
      for (const o of finished.slice(-limits.finishedOrdersMax / 2)) {
        const slot = s.find(o.orderId);
        if (slot === NIL || s.orderId[slot] !== o.orderId || s.createdSeq[slot] !== o.createdSeq) continue;
        expect(rowOf(s.record(slot))).toEqual(o);
        kept++;
      }
      expect(kept).toBeGreaterThan(limits.finishedOrdersMax / 4);
      // Histories: the newest events of each order, in order; truncated ones say so.
      let truncated = 0;
      for (const o of h.reference.orders.values()) {
        const slot = s.find(o.orderId);
        if (slot === NIL || s.createdSeq[slot] !== o.createdSeq) continue;
        const { events, complete } = s.events(slot);
        const all = h.reference.history.get(o.orderId)!;
        expect(events).toEqual(all.slice(all.length - events.length));
        if (complete) expect(events.length).toBe(all.length);
        else truncated++;
      }
      expect(truncated).toBeGreaterThan(0);
    },
  );
});

function rowOf(r: ReturnType<OrderTracker["store"]["record"]>): OrderRow {
  const { postOnly: _postOnly, ...row } = r;
  return row;
}

function expectLiveEqualsEngine(h: Harness): void {
  const engineLive = new Map<number, number>();
  h.engine.forEachLiveOrder((id) => engineLive.set(id, h.engine.order(id)!.qty));
  const s = h.tracker.store;
  expect(s.liveCount).toBe(engineLive.size);
  for (const [id, qty] of engineLive) {
    const slot = s.find(id);
    expect(slot).not.toBe(NIL);
    expect(isLiveStatus(s.status[slot]!)).toBe(true);
    expect(s.leavesLots[slot]).toBe(qty);
  }
}

// ---- hand-made cases ----------------------------------------------------------

const btc = { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 };

class Script {
  readonly h = new Harness();
  private seq = 0;
  constructor() {
    this.h.run({ op: "symbol", seq: ++this.seq, tsUs: 1_000, spec: btc });
  }
  newOrder(
    id: number,
    user: number,
    side: number,
    price: number,
    qty: number,
    more: Partial<Extract<Command, { op: "new" }>> = {},
  ): void {
    const seq = ++this.seq;
    this.h.run({
      op: "new",
      seq,
      tsUs: 1_000 + seq,
      book: 0,
      id,
      user,
      clientOrderId: id * 10,
      side,
      type: OrderType.Limit,
      tif: Tif.Gtc,
      postOnly: false,
      stp: Stp.None,
      priceTicks: price,
      qtyLots: qty,
      stopPriceTicks: 0,
      ...more,
    });
  }
  cancel(id: number, user: number): void {
    const seq = ++this.seq;
    this.h.run({ op: "cancel", seq, tsUs: 1_000 + seq, book: 0, id, user, clientOrderId: 0 });
  }
  modify(id: number, user: number, price: number, qty: number): void {
    const seq = ++this.seq;
    this.h.run({
      op: "modify",
      seq,
      tsUs: 1_000 + seq,
      book: 0,
      id,
      user,
      clientOrderId: 0,
      priceTicks: price,
      qtyLots: qty,
    });
  }
  massCancel(user: number): void {
    const seq = ++this.seq;
    this.h.run({
      op: "mass_cancel",
      seq,
      tsUs: 1_000 + seq,
      user,
      clientOrderId: 1,
      oneSymbol: false,
      book: 0,
      massSide: 0,
      cancelReason: CancelReason.Disconnect,
    });
  }
  /** The events of the last commands as [order, event name, reason, qty, leaves]. */
  take(): [number, number, number, number, number][] {
    const out = this.h.events.map(
      (e) => [e.orderId, e.event, e.reason, e.qtyLots, e.leavesLots] as [number, number, number, number, number],
    );
    expect(this.h.rows).toEqual(this.h.refRows);
    expect(this.h.events).toEqual(this.h.refEvents);
    this.h.rows.length = this.h.refRows.length = this.h.events.length = this.h.refEvents.length = 0;
    return out;
  }
  status(id: number): number {
    const s = this.h.tracker.store;
    return s.status[s.find(id)]!;
  }
}

describe("the event mapping", () => {
  test("fills, an IOC remainder expires, a market remainder expires, a rest is placed then cancelled", () => {
    const x = new Script();
    x.newOrder(1, 1, Side.Sell, 100, 5);
    x.newOrder(2, 2, Side.Buy, 100, 8, { tif: Tif.Ioc });
    expect(x.take()).toEqual([
      [1, OrderEvent.Placed, 0, 5, 5],
      [2, OrderEvent.Placed, 0, 8, 8],
      [2, OrderEvent.Filled, 0, 5, 3],
      [1, OrderEvent.Filled, 0, 5, 0],
      [2, OrderEvent.Expired, CancelReason.Ioc, 3, 0],
    ]);
    expect([x.status(1), x.status(2)]).toEqual([OrderStatus.Filled, OrderStatus.Expired]);
    x.newOrder(3, 1, Side.Sell, 101, 2);
    x.newOrder(4, 2, Side.Buy, 0, 4, { type: OrderType.Market });
    x.newOrder(5, 3, Side.Buy, 90, 7);
    x.cancel(5, 3);
    expect(x.take()).toEqual([
      [3, OrderEvent.Placed, 0, 2, 2],
      [4, OrderEvent.Placed, 0, 4, 4],
      [4, OrderEvent.Filled, 0, 2, 2],
      [3, OrderEvent.Filled, 0, 2, 0],
      [4, OrderEvent.Expired, CancelReason.MarketRemainder, 2, 0],
      [5, OrderEvent.Placed, 0, 7, 7],
      [5, OrderEvent.Cancelled, CancelReason.User, 7, 0],
    ]);
    expect(x.status(4)).toBe(OrderStatus.Expired);
    expect(x.status(5)).toBe(OrderStatus.Cancelled);
  });

  test("self-trade decrement reduces, a modify keeps filled and resets the open quantity, a stop triggers", () => {
    const x = new Script();
    x.newOrder(1, 1, Side.Sell, 100, 10);
    x.newOrder(2, 1, Side.Buy, 100, 4, { stp: Stp.Decrement });
    expect(x.take()).toEqual([
      [1, OrderEvent.Placed, 0, 10, 10],
      [2, OrderEvent.Placed, 0, 4, 4],
      [1, OrderEvent.Reduced, CancelReason.SelfTrade, 4, 6],
      [2, OrderEvent.Cancelled, CancelReason.SelfTrade, 4, 0],
    ]);
    const s = x.h.tracker.store;
    expect([s.qtyLots[s.find(1)], s.leavesLots[s.find(1)]]).toEqual([10, 6]);
    x.newOrder(3, 2, Side.Buy, 100, 2);
    x.modify(1, 1, 105, 3);
    expect(x.take()).toEqual([
      [3, OrderEvent.Placed, 0, 2, 2],
      [3, OrderEvent.Filled, 0, 2, 0],
      [1, OrderEvent.Filled, 0, 2, 4],
      [1, OrderEvent.Modified, 0, 3, 3],
    ]);
    expect([s.qtyLots[s.find(1)], s.filledLots[s.find(1)], s.priceTicks[s.find(1)]]).toEqual([5, 2, 105]);
    x.newOrder(4, 3, Side.Buy, 0, 1, { type: OrderType.StopMarket, stopPriceTicks: 105 });
    expect(x.status(4)).toBe(OrderStatus.PendingTrigger);
    x.newOrder(5, 2, Side.Buy, 105, 1);
    const events = x.take();
    expect(events).toContainEqual([4, OrderEvent.Triggered, 0, 1, 1]);
    expect(events).toContainEqual([4, OrderEvent.Filled, 0, 1, 0]);
    expect(x.status(4)).toBe(OrderStatus.Filled);
  });

  test(
    "a refused cancel joins the history of the submitter's own order only; " + "a mass cancel cancels with its reason",
    () => {
      const x = new Script();
      x.newOrder(1, 1, Side.Sell, 100, 10);
      x.cancel(1, 2);
      x.modify(1, 1, 100, 0);
      x.newOrder(2, 1, Side.Buy, 90, 1);
      x.massCancel(1);
      const events = x.take();
      expect(events).toEqual([
        [1, OrderEvent.Placed, 0, 10, 10],
        [1, OrderEvent.Rejected, 7, 0, 0],
        [1, OrderEvent.Rejected, 4, 0, 10],
        [2, OrderEvent.Placed, 0, 1, 1],
        [1, OrderEvent.Cancelled, CancelReason.Disconnect, 10, 0],
        [2, OrderEvent.Cancelled, CancelReason.Disconnect, 1, 0],
      ]);
      const s = x.h.tracker.store;
      const history = s.events(s.find(1)).events.map((e) => [e.event, e.userId]);
      expect(history).toEqual([
        [OrderEvent.Placed, 1],
        [OrderEvent.Rejected, 1],
        [OrderEvent.Cancelled, 1],
      ]);
    },
  );

  test("a refused new order is stored as rejected; one with a field out of every domain is an event only", () => {
    const x = new Script();
    x.newOrder(1, 1, Side.Sell, 100, 0);
    x.newOrder(2, 1, Side.Sell, 100, 5, { type: 9 });
    x.newOrder(3, 1, Side.Sell, 100.5, 5);
    const events = x.take();
    expect(events.map((e) => [e[0], e[1]])).toEqual([
      [1, OrderEvent.Rejected],
      [2, OrderEvent.Rejected],
      [3, OrderEvent.Rejected],
    ]);
    const s = x.h.tracker.store;
    expect(s.status[s.find(1)]).toBe(OrderStatus.Rejected);
    expect(s.find(2)).toBe(NIL);
    expect(s.find(3)).toBe(NIL);
    expect(x.h.tracker.stats.rejectsWithoutRow).toBe(2);
  });
});
