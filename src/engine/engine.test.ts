// Proves the fast engine's own mechanics: capacity rejects, stale handles, event buffer
// overflow, queries and determinism.
import { describe, expect, test } from "bun:test";
import type { Command, EventRecord, SymbolSpec } from "./command.ts";
import type { EngineConfig } from "./config.ts";
import { CancelReason, EventKind, Reject, Side, Tif } from "./constants.ts";
import { applyCommand } from "./apply.ts";
import { Engine } from "./engine.ts";
import { allScenarios, cancel, market, modify, order, runScenario, stopLimit } from "../../test/engine/scenarios.ts";

const spec: SymbolSpec = {
  name: "BTC-USD",
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 1_000_000,
  maxQty: 1_000_000,
};

class Harness {
  readonly engine: Engine;
  readonly book: number;
  private seq = 1;
  constructor(config: Partial<EngineConfig> = {}) {
    // Small capacities keep validate() (a full walk after every command) cheap.
    this.engine = new Engine({ ordersMax: 4096, levelsMax: 4096, levelsPerSideMax: 1024, symbolsMax: 4, ...config });
    this.book = this.engine.addSymbol(this.seq++, spec);
  }
  limit(id: number, user: number, side: number, price: number, qty: number, tif: number = Tif.Gtc): EventRecord[] {
    return this.run(order(side, id, user, price, qty, { tif, book: this.book }));
  }
  stop(id: number, user: number, side: number, stop: number, price: number, qty: number): EventRecord[] {
    return this.run(stopLimit(side, id, user, stop, price, qty, { book: this.book }));
  }
  cancel(id: number, user: number): EventRecord[] {
    return this.run(cancel(id, user, this.book));
  }
  modify(id: number, user: number, price: number, qty: number): EventRecord[] {
    return this.run(modify(id, user, price, qty, this.book));
  }
  /** Applies a command built with seq 0, stamped with the next seq; leaves its events in the buffer. */
  send(c: Command): void {
    applyCommand(this.engine, { ...c, seq: this.seq++ } as Command);
  }
  run(c: Command): EventRecord[] {
    this.send(c);
    this.engine.validate();
    return this.engine.events.drain();
  }
}

const kinds = (evs: EventRecord[]) => evs.map((e) => e.kind);
const rejectOf = (evs: EventRecord[]) => (evs.length === 1 && evs[0]!.kind === EventKind.Rejected ? evs[0]!.code : 0);

describe("capacity", () => {
  test("order slots: a resting order beyond ordersMax is rejected, a taker still trades", () => {
    const h = new Harness({ ordersMax: 2 });
    h.limit(1, 1, Side.Sell, 100, 1);
    h.limit(2, 1, Side.Sell, 101, 1);
    expect(rejectOf(h.limit(3, 1, Side.Sell, 102, 1))).toBe(Reject.CapacityFull);
    // An IOC needs no slot; a GTC that fills completely never rests, but is checked before matching.
    expect(kinds(h.limit(4, 2, Side.Buy, 100, 1, Tif.Ioc))).toEqual([EventKind.Accepted, EventKind.Trade]);
    expect(kinds(h.limit(5, 2, Side.Buy, 101, 1))).toEqual([EventKind.Accepted, EventKind.Trade]);
  });

  test("levels per side: a new price level beyond the ladder is rejected, an existing level accepts", () => {
    const h = new Harness({ levelsPerSideMax: 2 });
    h.limit(1, 1, Side.Buy, 100, 1);
    h.limit(2, 1, Side.Buy, 99, 1);
    expect(rejectOf(h.limit(3, 1, Side.Buy, 98, 1))).toBe(Reject.CapacityFull);
    expect(kinds(h.limit(4, 1, Side.Buy, 99, 1))).toEqual([EventKind.Accepted, EventKind.Booked]);
    // The ask side has its own ladder.
    expect(kinds(h.limit(5, 1, Side.Sell, 200, 1))).toEqual([EventKind.Accepted, EventKind.Booked]);
    // A modify onto a new level is rejected unless it frees its old one.
    expect(rejectOf(h.modify(4, 1, 97, 1))).toBe(Reject.CapacityFull);
    expect(kinds(h.modify(1, 1, 97, 1))).toEqual([EventKind.Modified, EventKind.Booked]);
    expect(h.engine.depth(h.book, Side.Buy, 5).map((l) => l.price)).toEqual([99, 97]);
  });

  test("level pool shared by all books", () => {
    const h = new Harness({ levelsMax: 2 });
    h.limit(1, 1, Side.Buy, 100, 1);
    h.limit(2, 1, Side.Sell, 200, 1);
    expect(rejectOf(h.limit(3, 1, Side.Sell, 201, 1))).toBe(Reject.CapacityFull);
    expect(rejectOf(h.stop(4, 1, Side.Sell, 90, 90, 1))).toBe(Reject.CapacityFull);
    h.cancel(2, 1);
    expect(kinds(h.limit(3, 1, Side.Sell, 201, 1))).toEqual([EventKind.Accepted, EventKind.Booked]);
  });

  test("a triggered stop-limit that finds no free level is cancelled with reason capacity", () => {
    const h = new Harness({ levelsMax: 3 });
    h.limit(1, 1, Side.Sell, 100, 1);
    h.limit(2, 1, Side.Buy, 50, 1);
    h.stop(3, 2, Side.Buy, 100, 90, 5); // the stop takes the third level
    // A GTC buy that fills completely needs no level, so the full pool does not reject it.
    // The trade empties the ask level and triggers the stop, whose level frees too: 90 fits.
    const evs = h.limit(4, 3, Side.Buy, 100, 1);
    expect(kinds(evs)).toEqual([EventKind.Accepted, EventKind.Trade, EventKind.Triggered, EventKind.Booked]);
    expect(h.engine.order(3)).toMatchObject({ state: "resting", price: 90, qty: 5 });

    const h2 = new Harness({ levelsMax: 4 });
    h2.limit(1, 1, Side.Sell, 100, 2);
    h2.stop(2, 2, Side.Buy, 100, 90, 5);
    h2.limit(3, 1, Side.Buy, 50, 1);
    h2.limit(4, 1, Side.Buy, 40, 1);
    // Levels: ask 100, stop 100 (two stops), bids 50 and 40. The IOC leaves the ask level
    // alive; the stop level frees and the first stop rests at 90 on it; the second finds
    // no level for 91 and is cancelled.
    h2.stop(5, 2, Side.Buy, 100, 91, 1);
    expect(rejectOf(h2.limit(6, 1, Side.Buy, 45, 1))).toBe(Reject.CapacityFull);
    const evs2 = h2.limit(7, 3, Side.Buy, 100, 1, Tif.Ioc);
    expect(kinds(evs2)).toEqual([
      EventKind.Accepted,
      EventKind.Trade,
      EventKind.Triggered,
      EventKind.Booked,
      EventKind.Triggered,
      EventKind.Cancelled,
    ]);
    expect(evs2[5]).toMatchObject({ id: 5, qtyLots: 1, priceTicks: 0, code: CancelReason.Capacity });
    expect(h2.engine.order(2)).toMatchObject({ state: "resting", price: 90 });
  });
});

test("a handle goes stale when its order goes, even after the slot is reused", () => {
  const h = new Harness({ ordersMax: 1 });
  h.limit(1, 1, Side.Buy, 100, 1);
  const handle = h.engine.order(1)!.handle;
  expect(h.engine.orderByHandle(handle)?.id).toBe(1);
  h.cancel(1, 1);
  h.limit(2, 1, Side.Buy, 100, 1);
  expect(h.engine.order(2)!.handle).not.toBe(handle);
  expect(h.engine.orderByHandle(handle)).toBeNull();
  expect(h.engine.orderByHandle(-1)).toBeNull();
  expect(h.engine.orderByHandle(1.5)).toBeNull();
});

test("event buffer overflow mid-command drains through onFull and loses nothing", () => {
  const h = new Harness({ eventsMax: 16 });
  for (let i = 1; i <= 40; i++) h.limit(i, 1, Side.Sell, 100 + i, 1);
  const seen: EventRecord[] = [];
  h.engine.events.onFull = (ev) => seen.push(...ev.drain());
  h.send(market(Side.Buy, 999, 2, 50));
  seen.push(...h.engine.events.drain());
  expect(seen.filter((e) => e.kind === EventKind.Trade).length).toBe(40);
  expect(seen.at(-1)).toMatchObject({ kind: EventKind.Cancelled, qtyLots: 10, code: CancelReason.MarketRemainder });
  expect(seen.map((e) => e.tradeId).filter((t) => t > 0)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  h.engine.events.onFull = null;
  for (let i = 1; i <= 20; i++) h.limit(200 + i, 1, Side.Sell, 100 + i, 1);
  expect(() => h.send(market(Side.Buy, 998, 2, 50))).toThrow(/event buffer full/);
});

test("queries: best prices, quantity at a price, depth, open orders", () => {
  const h = new Harness();
  expect(h.engine.bestBid(h.book)).toBe(0);
  h.limit(1, 1, Side.Buy, 100, 3);
  h.limit(2, 2, Side.Buy, 100, 4);
  h.limit(3, 1, Side.Buy, 98, 5);
  h.limit(4, 1, Side.Sell, 105, 6);
  h.stop(5, 1, Side.Sell, 90, 89, 2);
  expect(h.engine.bestBid(h.book)).toBe(100);
  expect(h.engine.bestAsk(h.book)).toBe(105);
  expect(h.engine.qtyAt(h.book, Side.Buy, 100)).toBe(7);
  expect(h.engine.qtyAt(h.book, Side.Buy, 99)).toBe(0);
  expect(h.engine.depth(h.book, Side.Buy, 1)).toEqual([{ price: 100, qty: 7, count: 2 }]);
  expect(
    h.engine
      .openOrders(1)
      .map((o) => o.id)
      .sort(),
  ).toEqual([1, 3, 4, 5]);
  expect(h.engine.openOrders(1).length).toBe(4);
  expect(h.engine.order(5)).toMatchObject({ state: "stop", stop: 90, price: 89 });
  expect(h.engine.openOrders(42)).toEqual([]);
  expect(() => h.engine.depth(7, Side.Buy, 1)).toThrow(/no book/);
});

test("the same commands give the same events and hash; a different history gives a different hash", () => {
  const run = (extra: boolean) => {
    const h = new Harness();
    const out: EventRecord[] = [];
    for (let i = 1; i <= 300; i++) {
      out.push(...h.limit(i, i % 5, i % 2, 100 + ((i * 7) % 13), 1 + (i % 4), i % 9 === 0 ? Tif.Ioc : Tif.Gtc));
      if (i % 3 === 0) out.push(...h.cancel(i - 1, (i - 1) % 5));
    }
    if (extra) h.limit(10_000, 1, Side.Buy, 1, 1);
    return { out, hash: h.engine.stateHash() };
  };
  const a = run(false);
  const b = run(false);
  expect(b.out).toEqual(a.out);
  expect(b.hash).toBe(a.hash);
  expect(run(true).hash).not.toBe(a.hash);
});

test("symbol registry refuses bad and duplicate specs", () => {
  const e = new Engine({ symbolsMax: 2 });
  expect(e.addSymbol(1, spec)).toBe(0);
  expect(e.addSymbol(2, spec)).toBe(-1);
  expect(e.symbolError(spec)).toMatch(/already defined/);
  expect(e.symbolError({ ...spec, name: "X", maxPrice: 0 })).toMatch(/maxPrice/);
  expect(e.symbolError({ ...spec, name: "X", maxQty: 2 ** 52 })).toMatch(/2\^53/);
  expect(e.addSymbol(3, { ...spec, name: "ETH-USD" })).toBe(1);
  expect(e.symbolError({ ...spec, name: "SOL-USD" })).toMatch(/capacity/);
  expect(e.bookOf("ETH-USD")).toBe(1);
  expect(e.bookOf("nope")).toBe(-1);
});

describe("scenarios shared with the reference book", () => {
  for (const s of allScenarios) {
    test(s.name, () => {
      const engine = new Engine({ ordersMax: 1024, levelsMax: 1024, levelsPerSideMax: 256, symbolsMax: 4 });
      const problems = runScenario(
        s,
        (cmd) => {
          applyCommand(engine, cmd);
          engine.validate();
          return engine.events.drain();
        },
        (book, side, n) => engine.depth(book, side, n),
      );
      expect(problems).toEqual([]);
    });
  }
});

test("events name the side and the submitter's client id of the order they are about; rejects echo the command", () => {
  const h = new Harness({ ordersMax: 64, levelsMax: 64, levelsPerSideMax: 16, symbolsMax: 1 });
  const ev = h.engine.events;
  const rows = () =>
    Array.from({ length: ev.count }, (_, i) => ({
      kind: ev.kind(i),
      side: ev.side(i),
      clientId: ev.clientId(i),
      other: ev.kind(i) === EventKind.Trade ? ev.otherClientId(i) : 0,
    }));
  h.send(order(Side.Sell, 1, 1, 100, 5, { clientOrderId: 501 }));
  h.send(stopLimit(Side.Sell, 2, 1, 95, 90, 1, { clientOrderId: 502 }));
  ev.clear();
  h.send(order(Side.Buy, 3, 2, 100, 2, { tif: Tif.Ioc, clientOrderId: 601 }));
  expect(rows()).toEqual([
    { kind: EventKind.Accepted, side: Side.Buy, clientId: 601, other: 0 },
    { kind: EventKind.Trade, side: Side.Buy, clientId: 601, other: 501 },
  ]);
  ev.clear();
  h.send(cancel(1, 1));
  // A refused command is echoed: its client id and side, never those of the order it named.
  h.send({ ...modify(2, 1, 91, 1), clientOrderId: 777 });
  h.send(cancel(99, 1));
  expect(rows()).toEqual([
    { kind: EventKind.Cancelled, side: Side.Sell, clientId: 501, other: 0 },
    { kind: EventKind.Rejected, side: Side.Buy, clientId: 777, other: 0 },
    { kind: EventKind.Rejected, side: Side.Buy, clientId: 0, other: 0 },
  ]);
  ev.clear();
  // The trade at 94 reaches the sell stop (94 <= 95): it triggers and rests as a sell at
  // 90, named by its own client id.
  h.send(order(Side.Buy, 4, 3, 94, 1, { clientOrderId: 701 }));
  h.send(order(Side.Sell, 5, 2, 94, 1, { tif: Tif.Ioc, clientOrderId: 602 }));
  expect(rows().map((r) => [r.kind, r.side, r.clientId])).toEqual([
    [EventKind.Accepted, Side.Buy, 701],
    [EventKind.Booked, Side.Buy, 701],
    [EventKind.Accepted, Side.Sell, 602],
    [EventKind.Trade, Side.Sell, 602],
    [EventKind.Triggered, Side.Sell, 502],
    [EventKind.Booked, Side.Sell, 502],
  ]);
  expect(h.engine.order(2)).toMatchObject({ state: "resting", price: 90, clientId: 502 });
});
