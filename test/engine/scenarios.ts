// Hand-written scenarios of RULES.md as data: each is a command list with the
// exact events every command must produce (and, at some steps, the depth the
// book must show). `runScenario` plays one against any engine, so the same
// tables check the reference book and the fast engine.

import type {
  Command,
  EventRecord,
  MassCancelCommand,
  ModifyCommand,
  NewOrderCommand,
  SymbolSpec,
  SymbolStatusCommand,
} from "../../src/engine/command.ts";
import {
  CancelReason,
  EventKind,
  MassCancelSide,
  OrderType,
  Reject,
  Side,
  Stp,
  Tif,
  TradingStatus,
} from "../../src/engine/constants.ts";
import type { DepthLevel } from "../../src/engine/reference.ts";

/**
 * Every field the kind uses, plus the unused ones as 0; seq, tsUs and book
 * default to the command's. `side`, `clientId` and `otherClientId` are
 * checked only where a scenario names them (the differential test compares
 * them on every event).
 */
export type ExpectedEvent = Partial<EventRecord>;

export interface DepthExpectation {
  book: number;
  side: number;
  /** Best first, the whole side. */
  levels: DepthLevel[];
}

export interface ScenarioStep {
  cmd: Command;
  events: ExpectedEvent[];
  /** Checked after the command when the runner is given a depth function. */
  depth: DepthExpectation[];
}

export interface Scenario {
  name: string;
  steps: ScenarioStep[];
}

export type ApplyFn = (cmd: Command) => EventRecord[];
export type DepthFn = (book: number, side: number, levelsMax: number) => DepthLevel[];

// ---- Fixtures ---------------------------------------------------------------

/** Book 0: a tick and a lot above 1, so off-tick and off-lot values exist. */
export const TEST: SymbolSpec = { name: "TEST", tickSize: 5, lotSize: 2, minPrice: 50, maxPrice: 500, maxQty: 1000 };
/** Book 1: for engine-wide ids and per-book stops. */
export const OTHER: SymbolSpec = { name: "OTHER", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000, maxQty: 100 };

const BUY = Side.Buy;
const SELL = Side.Sell;
const U1 = 11;
const U2 = 12;
const U3 = 13;
const U4 = 14;
const TWO_53 = 2 ** 53;
const DEPTH_LEVELS_MAX = 1000;

// ---- Command builders (seq and ts are stamped by the scenario) --------------

interface OrderOptions {
  type?: number;
  tif?: number;
  postOnly?: boolean;
  stp?: number;
  stop?: number;
  book?: number;
  clientOrderId?: number;
}

export function order(
  side: number,
  id: number,
  user: number,
  price: number,
  qty: number,
  o: OrderOptions = {},
): NewOrderCommand {
  return {
    op: "new",
    seq: 0,
    tsUs: 0,
    book: o.book ?? 0,
    id,
    user,
    clientOrderId: o.clientOrderId ?? 0,
    side,
    type: o.type ?? OrderType.Limit,
    tif: o.tif ?? Tif.Gtc,
    postOnly: o.postOnly ?? false,
    stp: o.stp ?? Stp.None,
    priceTicks: price,
    qtyLots: qty,
    stopPriceTicks: o.stop ?? 0,
  };
}

export const buy = (id: number, user: number, price: number, qty: number, o: OrderOptions = {}): NewOrderCommand =>
  order(BUY, id, user, price, qty, o);
export const sell = (id: number, user: number, price: number, qty: number, o: OrderOptions = {}): NewOrderCommand =>
  order(SELL, id, user, price, qty, o);
/** `protection` 0 means none. */
export const market = (
  side: number,
  id: number,
  user: number,
  qty: number,
  protection = 0,
  o: OrderOptions = {},
): NewOrderCommand => order(side, id, user, protection, qty, { ...o, type: OrderType.Market });
export const stopLimit = (
  side: number,
  id: number,
  user: number,
  stop: number,
  price: number,
  qty: number,
  o: OrderOptions = {},
): NewOrderCommand => order(side, id, user, price, qty, { ...o, type: OrderType.StopLimit, stop });
export const stopMarket = (
  side: number,
  id: number,
  user: number,
  stop: number,
  qty: number,
  protection = 0,
  o: OrderOptions = {},
): NewOrderCommand => order(side, id, user, protection, qty, { ...o, type: OrderType.StopMarket, stop });

export function cancel(id: number, user: number, book = 0): Command {
  return { op: "cancel", seq: 0, tsUs: 0, book, id, user, clientOrderId: 0 };
}

export function modify(id: number, user: number, price: number, qty: number, book = 0): ModifyCommand {
  return { op: "modify", seq: 0, tsUs: 0, book, id, user, clientOrderId: 0, priceTicks: price, qtyLots: qty };
}

interface MassCancelOptions {
  /** One book; every book when absent. */
  book?: number;
  massSide?: number;
  reason?: number;
  requestId?: number;
  /** Every user's orders (an operator's cancel). */
  allUsers?: boolean;
}

/** An operator halts (true) or resumes (false) a book. */
export function symbolStatus(halted: boolean, book = 0, requestId = 0): SymbolStatusCommand {
  return {
    op: "symbol_status",
    seq: 0,
    tsUs: 0,
    book,
    status: halted ? TradingStatus.Halted : TradingStatus.Open,
    clientOrderId: requestId,
  };
}

export function massCancel(user: number, o: MassCancelOptions = {}): MassCancelCommand {
  return {
    op: "mass_cancel",
    seq: 0,
    tsUs: 0,
    user,
    clientOrderId: o.requestId ?? 0,
    oneSymbol: o.book !== undefined,
    book: o.book ?? 0,
    massSide: o.massSide ?? MassCancelSide.Both,
    cancelReason: o.reason ?? CancelReason.MassCancel,
    allUsers: o.allUsers ?? false,
  };
}

// ---- Expected events (all unused fields 0) ----------------------------------

function ev(kind: number, fields: ExpectedEvent): ExpectedEvent {
  return {
    kind,
    id: 0,
    user: 0,
    priceTicks: 0,
    qtyLots: 0,
    leavesQtyLots: 0,
    otherId: 0,
    otherUser: 0,
    otherLeavesQtyLots: 0,
    tradeId: 0,
    code: 0,
    oldPriceTicks: 0,
    oldQtyLots: 0,
    ...fields,
  };
}

export const accepted = (id: number, user: number, side: number, price: number, qty: number): ExpectedEvent =>
  ev(EventKind.Accepted, { id, user, side, code: side, priceTicks: price, qtyLots: qty });
export const rejected = (id: number, user: number, reason: number): ExpectedEvent =>
  ev(EventKind.Rejected, { id, user, code: reason });
/** `price` is the level the quantity left: 0 (the default) when it was not in the book. */
export const cancelled = (id: number, user: number, qty: number, reason: number, price = 0): ExpectedEvent =>
  ev(EventKind.Cancelled, { id, user, qtyLots: qty, code: reason, priceTicks: price });
export const reduced = (id: number, user: number, qty: number, leaves: number, price = 0): ExpectedEvent =>
  ev(EventKind.Reduced, {
    id,
    user,
    qtyLots: qty,
    leavesQtyLots: leaves,
    code: CancelReason.SelfTrade,
    priceTicks: price,
  });
export const modified = (
  id: number,
  user: number,
  price: number,
  qty: number,
  oldPrice: number,
  oldQty: number,
): ExpectedEvent =>
  ev(EventKind.Modified, { id, user, priceTicks: price, qtyLots: qty, oldPriceTicks: oldPrice, oldQtyLots: oldQty });
export const triggered = (id: number, user: number, stop: number, qty: number): ExpectedEvent =>
  ev(EventKind.Triggered, { id, user, priceTicks: stop, qtyLots: qty });
/** The order's remaining quantity joined the tail of its level. */
export const booked = (id: number, user: number, side: number, price: number, qty: number): ExpectedEvent =>
  ev(EventKind.Booked, { id, user, side, priceTicks: price, qtyLots: qty });
/** `book` -1: the mass cancel covered every book. */
export const massCancelled = (
  user: number,
  requestId: number,
  count: number,
  reason: number,
  book: number,
): ExpectedEvent =>
  ev(EventKind.MassCancelled, { user, clientId: requestId, side: 0, qtyLots: count, code: reason, book });
/** taker and maker are [id, user, leaves after the trade]. */
export const trade = (
  tradeId: number,
  takerSide: number,
  taker: [number, number, number],
  maker: [number, number, number],
  price: number,
  qty: number,
): ExpectedEvent =>
  ev(EventKind.Trade, {
    tradeId,
    code: takerSide,
    side: takerSide,
    id: taker[0],
    user: taker[1],
    leavesQtyLots: taker[2],
    otherId: maker[0],
    otherUser: maker[1],
    otherLeavesQtyLots: maker[2],
    priceTicks: price,
    qtyLots: qty,
  });

// ---- Scenario builder -------------------------------------------------------

class Builder {
  readonly steps: ScenarioStep[] = [];
  private seq = 0;

  constructor(symbols: SymbolSpec[]) {
    for (const spec of symbols) this.add({ op: "symbol", seq: 0, tsUs: 0, spec }, []);
  }

  /** Sends a command and expects exactly these events. */
  add(cmd: Command, events: ExpectedEvent[]): this {
    this.seq++;
    const stamped = { ...cmd, seq: this.seq, tsUs: 1_000_000 + this.seq * 10 } as Command;
    this.steps.push({ cmd: stamped, events, depth: [] });
    return this;
  }

  /** After the last command, this side of the book shows these [price, qty, count] levels. */
  depth(side: number, levels: [number, number, number][], book = 0): this {
    const step = this.steps[this.steps.length - 1];
    if (step === undefined) throw new Error("depth before any command");
    step.depth.push({ book, side, levels: levels.map(([price, qty, count]) => ({ price, qty, count })) });
    return this;
  }
}

function scenario(name: string, build: (s: Builder) => void, symbols: SymbolSpec[] = [TEST, OTHER]): Scenario {
  const s = new Builder(symbols);
  build(s);
  return { name, steps: s.steps };
}

// ---- Runner -----------------------------------------------------------------

/** Plays the scenario; returns mismatch descriptions (empty when it passes), stopping at the first failing step. */
export function runScenario(s: Scenario, apply: ApplyFn, depth?: DepthFn): string[] {
  for (let i = 0; i < s.steps.length; i++) {
    const step = s.steps[i]!;
    const got = apply(step.cmd);
    const where = `${s.name}: step ${i} ${JSON.stringify(step.cmd)}`;
    const problems = compareEvents(step, got).map((p) => `${where}: ${p}`);
    if (depth !== undefined) {
      for (const d of step.depth) {
        const levels = depth(d.book, d.side, DEPTH_LEVELS_MAX);
        if (JSON.stringify(levels) !== JSON.stringify(d.levels)) {
          problems.push(
            `${where}: depth book ${d.book} side ${d.side}: expected ${JSON.stringify(d.levels)}, ` +
              `got ${JSON.stringify(levels)}`,
          );
        }
      }
    }
    if (problems.length > 0) return problems;
  }
  return [];
}

function compareEvents(step: ScenarioStep, got: EventRecord[]): string[] {
  const cmd = step.cmd;
  const book = cmd.op === "symbol" ? 0 : cmd.op === "mass_cancel" ? (cmd.oneSymbol ? cmd.book : -1) : cmd.book;
  const defaults: ExpectedEvent = { seq: cmd.seq, tsUs: cmd.tsUs, book };
  const expected = step.events.map((e) => ({ ...defaults, ...e }));
  const detail = `expected ${JSON.stringify(expected)}, got ${JSON.stringify(got)}`;
  if (got.length !== expected.length) return [`expected ${expected.length} events, got ${got.length}: ${detail}`];
  const problems: string[] = [];
  for (let j = 0; j < expected.length; j++) {
    const want = expected[j]!;
    const have = got[j]! as unknown as Record<string, number>;
    for (const [field, value] of Object.entries(want)) {
      if (!sameNumber(have[field], value))
        problems.push(`event ${j} field ${field}: expected ${value}, got ${have[field]}`);
    }
  }
  if (problems.length > 0) problems.push(detail);
  return problems;
}

/** Equality where NaN equals NaN (an invalid quantity may be echoed back). */
function sameNumber(a: unknown, b: unknown): boolean {
  return a === b || (Number.isNaN(a) && Number.isNaN(b));
}

// ---- The scenarios ----------------------------------------------------------

const unknownSymbol = (id: number, user: number): ExpectedEvent => ({
  ...rejected(id, user, Reject.UnknownSymbol),
  book: -1,
});

export const limitScenarios: Scenario[] = [
  scenario("limit GTC rests; levels aggregate per price, best first", (s) => {
    s.add(buy(1, U1, 100, 10), [accepted(1, U1, BUY, 100, 10), booked(1, U1, BUY, 100, 10)]).depth(BUY, [[100, 10, 1]]);
    s.add(buy(2, U2, 100, 4), [accepted(2, U2, BUY, 100, 4), booked(2, U2, BUY, 100, 4)]).depth(BUY, [[100, 14, 2]]);
    s.add(buy(3, U1, 105, 2), [accepted(3, U1, BUY, 105, 2), booked(3, U1, BUY, 105, 2)]).depth(BUY, [
      [105, 2, 1],
      [100, 14, 2],
    ]);
    s.add(sell(4, U2, 120, 2), [accepted(4, U2, SELL, 120, 2), booked(4, U2, SELL, 120, 2)]);
    s.add(sell(5, U2, 110, 6), [accepted(5, U2, SELL, 110, 6), booked(5, U2, SELL, 110, 6)]).depth(SELL, [
      [110, 6, 1],
      [120, 2, 1],
    ]);
  }),
  scenario("limit GTC fills against a maker at the maker's price and rests its remainder", (s) => {
    s.add(sell(1, U1, 100, 6), [accepted(1, U1, SELL, 100, 6), booked(1, U1, SELL, 100, 6)]);
    s.add(buy(2, U2, 105, 10), [
      accepted(2, U2, BUY, 105, 10),
      trade(1, BUY, [2, U2, 4], [1, U1, 0], 100, 6),
      booked(2, U2, BUY, 105, 4),
    ])
      .depth(SELL, [])
      .depth(BUY, [[105, 4, 1]]);
  }),
  scenario("a sweep takes levels best price first, FIFO within a level, and stops at its limit", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), booked(2, U2, SELL, 100, 4)]);
    s.add(sell(3, U1, 105, 4), [accepted(3, U1, SELL, 105, 4), booked(3, U1, SELL, 105, 4)]);
    s.add(sell(4, U2, 110, 4), [accepted(4, U2, SELL, 110, 4), booked(4, U2, SELL, 110, 4)]);
    s.add(buy(5, U3, 105, 20), [
      accepted(5, U3, BUY, 105, 20),
      trade(1, BUY, [5, U3, 16], [1, U1, 0], 100, 4),
      trade(2, BUY, [5, U3, 12], [2, U2, 0], 100, 4),
      trade(3, BUY, [5, U3, 8], [3, U1, 0], 105, 4),
      booked(5, U3, BUY, 105, 8),
    ])
      .depth(BUY, [[105, 8, 1]])
      .depth(SELL, [[110, 4, 1]]);
  }),
  scenario("a partly filled maker keeps its place at the head of its level", (s) => {
    s.add(sell(1, U1, 100, 10), [accepted(1, U1, SELL, 100, 10), booked(1, U1, SELL, 100, 10)]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), booked(2, U2, SELL, 100, 4)]);
    s.add(buy(3, U3, 100, 4), [accepted(3, U3, BUY, 100, 4), trade(1, BUY, [3, U3, 0], [1, U1, 6], 100, 4)]);
    s.add(buy(4, U3, 100, 8), [
      accepted(4, U3, BUY, 100, 8),
      trade(2, BUY, [4, U3, 2], [1, U1, 0], 100, 6),
      trade(3, BUY, [4, U3, 0], [2, U2, 2], 100, 2),
    ]).depth(SELL, [[100, 2, 1]]);
  }),
  scenario("a sell crosses bids highest first", (s) => {
    s.add(buy(1, U1, 100, 2), [accepted(1, U1, BUY, 100, 2), booked(1, U1, BUY, 100, 2)]);
    s.add(buy(2, U1, 110, 2), [accepted(2, U1, BUY, 110, 2), booked(2, U1, BUY, 110, 2)]);
    s.add(buy(3, U1, 105, 2), [accepted(3, U1, BUY, 105, 2), booked(3, U1, BUY, 105, 2)]);
    s.add(sell(4, U2, 100, 6), [
      accepted(4, U2, SELL, 100, 6),
      trade(1, SELL, [4, U2, 4], [2, U1, 0], 110, 2),
      trade(2, SELL, [4, U2, 2], [3, U1, 0], 105, 2),
      trade(3, SELL, [4, U2, 0], [1, U1, 0], 100, 2),
    ])
      .depth(BUY, [])
      .depth(SELL, []);
  }),
  scenario("limit IOC trades what it can and cancels the rest", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(buy(2, U2, 105, 10, { tif: Tif.Ioc }), [
      accepted(2, U2, BUY, 105, 10),
      trade(1, BUY, [2, U2, 6], [1, U1, 0], 100, 4),
      cancelled(2, U2, 6, CancelReason.Ioc),
    ])
      .depth(BUY, [])
      .depth(SELL, []);
    s.add(buy(3, U2, 105, 10, { tif: Tif.Ioc }), [
      accepted(3, U2, BUY, 105, 10),
      cancelled(3, U2, 10, CancelReason.Ioc),
    ]);
    // An IOC that is done is no longer live, so its id is free again.
    s.add(buy(3, U2, 105, 2), [accepted(3, U2, BUY, 105, 2), booked(3, U2, BUY, 105, 2)]);
  }),
  scenario("limit FOK fills completely across levels or is rejected whole", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(sell(2, U1, 105, 4), [accepted(2, U1, SELL, 105, 4), booked(2, U1, SELL, 105, 4)]);
    s.add(buy(3, U2, 105, 10, { tif: Tif.Fok }), [rejected(3, U2, Reject.FokNotFillable)]).depth(SELL, [
      [100, 4, 1],
      [105, 4, 1],
    ]);
    s.add(buy(4, U2, 100, 6, { tif: Tif.Fok }), [rejected(4, U2, Reject.FokNotFillable)]);
    s.add(buy(5, U2, 105, 8, { tif: Tif.Fok }), [
      accepted(5, U2, BUY, 105, 8),
      trade(1, BUY, [5, U2, 4], [1, U1, 0], 100, 4),
      trade(2, BUY, [5, U2, 0], [2, U1, 0], 105, 4),
    ]).depth(SELL, []);
    s.add(sell(6, U2, 100, 2, { tif: Tif.Fok }), [rejected(6, U2, Reject.FokNotFillable)]);
  }),
];

export const postOnlyScenarios: Scenario[] = [
  scenario("post-only rests when it does not cross and is rejected when it would take (touching counts)", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(buy(2, U2, 95, 2, { postOnly: true }), [accepted(2, U2, BUY, 95, 2), booked(2, U2, BUY, 95, 2)]).depth(BUY, [
      [95, 2, 1],
    ]);
    s.add(buy(3, U2, 100, 2, { postOnly: true }), [rejected(3, U2, Reject.PostOnlyWouldTake)]);
    s.add(buy(4, U2, 105, 2, { postOnly: true }), [rejected(4, U2, Reject.PostOnlyWouldTake)]);
    s.add(sell(5, U2, 95, 2, { postOnly: true }), [rejected(5, U2, Reject.PostOnlyWouldTake)]);
    s.add(sell(6, U2, 100, 2, { postOnly: true }), [accepted(6, U2, SELL, 100, 2), booked(6, U2, SELL, 100, 2)]).depth(
      SELL,
      [[100, 6, 2]],
    );
    // Own orders count as liquidity for post-only, whatever the stp.
    s.add(buy(7, U1, 100, 2, { postOnly: true, stp: Stp.CancelMaker }), [rejected(7, U1, Reject.PostOnlyWouldTake)]);
    // A duplicate id is found before the post-only check.
    s.add(buy(2, U2, 100, 2, { postOnly: true }), [rejected(2, U2, Reject.DuplicateOrderId)]);
    s.add(buy(8, U3, 95, 2), [accepted(8, U3, BUY, 95, 2), booked(8, U3, BUY, 95, 2)]).depth(BUY, [[95, 4, 2]]);
  }),
  scenario("post-only is a bad field with IOC, FOK, market and stop-market; a GTC stop-limit may be post-only", (s) => {
    s.add(buy(1, U1, 100, 2, { postOnly: true, tif: Tif.Ioc }), [rejected(1, U1, Reject.BadField)]);
    s.add(buy(2, U1, 100, 2, { postOnly: true, tif: Tif.Fok }), [rejected(2, U1, Reject.BadField)]);
    s.add(market(BUY, 3, U1, 2, 0, { postOnly: true }), [rejected(3, U1, Reject.BadField)]);
    s.add(stopMarket(BUY, 4, U1, 100, 2, 0, { postOnly: true }), [rejected(4, U1, Reject.BadField)]);
    s.add(stopLimit(BUY, 5, U1, 100, 100, 2, { postOnly: true, tif: Tif.Ioc }), [rejected(5, U1, Reject.BadField)]);
    s.add(stopLimit(BUY, 6, U1, 100, 100, 2, { postOnly: true }), [accepted(6, U1, BUY, 100, 2)]);
  }),
];

export const marketScenarios: Scenario[] = [
  scenario("market without protection sweeps any price and cancels its remainder", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 300, 2), [accepted(2, U1, SELL, 300, 2), booked(2, U1, SELL, 300, 2)]);
    s.add(sell(3, U1, 500, 2), [accepted(3, U1, SELL, 500, 2), booked(3, U1, SELL, 500, 2)]);
    s.add(market(BUY, 4, U2, 10), [
      accepted(4, U2, BUY, 0, 10),
      trade(1, BUY, [4, U2, 8], [1, U1, 0], 100, 2),
      trade(2, BUY, [4, U2, 6], [2, U1, 0], 300, 2),
      trade(3, BUY, [4, U2, 4], [3, U1, 0], 500, 2),
      cancelled(4, U2, 4, CancelReason.MarketRemainder),
    ]).depth(SELL, []);
    s.add(market(SELL, 5, U2, 4), [accepted(5, U2, SELL, 0, 4), cancelled(5, U2, 4, CancelReason.MarketRemainder)]);
  }),
  scenario("market with protection stops at its protection price", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(sell(3, U1, 110, 2), [accepted(3, U1, SELL, 110, 2), booked(3, U1, SELL, 110, 2)]);
    s.add(market(BUY, 4, U2, 10, 105), [
      accepted(4, U2, BUY, 105, 10),
      trade(1, BUY, [4, U2, 8], [1, U1, 0], 100, 2),
      trade(2, BUY, [4, U2, 6], [2, U1, 0], 105, 2),
      cancelled(4, U2, 6, CancelReason.MarketRemainder),
    ]).depth(SELL, [[110, 2, 1]]);
    s.add(buy(5, U1, 100, 2), [accepted(5, U1, BUY, 100, 2), booked(5, U1, BUY, 100, 2)]);
    s.add(buy(6, U1, 95, 2), [accepted(6, U1, BUY, 95, 2), booked(6, U1, BUY, 95, 2)]);
    s.add(market(SELL, 7, U2, 6, 100), [
      accepted(7, U2, SELL, 100, 6),
      trade(3, SELL, [7, U2, 4], [5, U1, 0], 100, 2),
      cancelled(7, U2, 4, CancelReason.MarketRemainder),
    ]).depth(BUY, [[95, 2, 1]]);
  }),
  scenario("market ignores GTC and IOC; FOK makes it fill-or-kill, within its protection", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(market(BUY, 2, U2, 6, 0, { tif: Tif.Gtc }), [
      accepted(2, U2, BUY, 0, 6),
      trade(1, BUY, [2, U2, 2], [1, U1, 0], 100, 4),
      cancelled(2, U2, 2, CancelReason.MarketRemainder),
    ]).depth(BUY, []);
    s.add(sell(3, U1, 100, 4), [accepted(3, U1, SELL, 100, 4), booked(3, U1, SELL, 100, 4)]);
    s.add(market(BUY, 4, U2, 6, 0, { tif: Tif.Ioc }), [
      accepted(4, U2, BUY, 0, 6),
      trade(2, BUY, [4, U2, 2], [3, U1, 0], 100, 4),
      cancelled(4, U2, 2, CancelReason.MarketRemainder),
    ]);
    s.add(sell(5, U1, 100, 4), [accepted(5, U1, SELL, 100, 4), booked(5, U1, SELL, 100, 4)]);
    s.add(market(BUY, 6, U2, 6, 0, { tif: Tif.Fok }), [rejected(6, U2, Reject.FokNotFillable)]);
    s.add(market(BUY, 7, U2, 4, 0, { tif: Tif.Fok }), [
      accepted(7, U2, BUY, 0, 4),
      trade(3, BUY, [7, U2, 0], [5, U1, 0], 100, 4),
    ]);
    s.add(sell(8, U1, 100, 2), [accepted(8, U1, SELL, 100, 2), booked(8, U1, SELL, 100, 2)]);
    s.add(sell(9, U1, 110, 2), [accepted(9, U1, SELL, 110, 2), booked(9, U1, SELL, 110, 2)]);
    s.add(market(BUY, 10, U2, 4, 105, { tif: Tif.Fok }), [rejected(10, U2, Reject.FokNotFillable)]);
    s.add(market(BUY, 11, U2, 4, 110, { tif: Tif.Fok }), [
      accepted(11, U2, BUY, 110, 4),
      trade(4, BUY, [11, U2, 2], [8, U1, 0], 100, 2),
      trade(5, BUY, [11, U2, 0], [9, U1, 0], 110, 2),
    ]);
  }),
];

export const stopScenarios: Scenario[] = [
  scenario("stops do not trigger before the book's first trade", (s) => {
    s.add(stopLimit(BUY, 1, U1, 100, 110, 2), [accepted(1, U1, BUY, 110, 2)]);
    s.add(stopMarket(SELL, 2, U1, 500, 2), [accepted(2, U1, SELL, 0, 2)]);
    s.add(buy(3, U2, 100, 2), [accepted(3, U2, BUY, 100, 2), booked(3, U2, BUY, 100, 2)]).depth(BUY, [[100, 2, 1]]);
  }),
  scenario("a buy stop triggers when the last trade price reaches its stop, after the trade that moved it", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(sell(3, U1, 110, 4), [accepted(3, U1, SELL, 110, 4), booked(3, U1, SELL, 110, 4)]);
    s.add(stopMarket(BUY, 4, U2, 105, 2), [accepted(4, U2, BUY, 0, 2)]);
    s.add(buy(5, U3, 100, 2), [accepted(5, U3, BUY, 100, 2), trade(1, BUY, [5, U3, 0], [1, U1, 0], 100, 2)]);
    s.add(buy(6, U3, 105, 2), [
      accepted(6, U3, BUY, 105, 2),
      trade(2, BUY, [6, U3, 0], [2, U1, 0], 105, 2),
      triggered(4, U2, 105, 2),
      trade(3, BUY, [4, U2, 0], [3, U1, 2], 110, 2),
    ]).depth(SELL, [[110, 2, 1]]);
  }),
  scenario("a sell stop triggers when the last trade price falls to its stop", (s) => {
    s.add(buy(1, U1, 100, 2), [accepted(1, U1, BUY, 100, 2), booked(1, U1, BUY, 100, 2)]);
    s.add(buy(2, U1, 95, 4), [accepted(2, U1, BUY, 95, 4), booked(2, U1, BUY, 95, 4)]);
    s.add(stopLimit(SELL, 3, U2, 100, 95, 2), [accepted(3, U2, SELL, 95, 2)]);
    s.add(sell(4, U3, 100, 2), [
      accepted(4, U3, SELL, 100, 2),
      trade(1, SELL, [4, U3, 0], [1, U1, 0], 100, 2),
      triggered(3, U2, 100, 2),
      trade(2, SELL, [3, U2, 0], [2, U1, 2], 95, 2),
    ]).depth(BUY, [[95, 2, 1]]);
    // Last trade 95 is above a sell stop at 90: it waits.
    s.add(stopMarket(SELL, 5, U2, 90, 2), [accepted(5, U2, SELL, 0, 2)]);
  }),
  scenario("a stop whose condition already holds triggers right after its accepted", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(buy(2, U2, 100, 2), [accepted(2, U2, BUY, 100, 2), trade(1, BUY, [2, U2, 0], [1, U1, 0], 100, 2)]);
    s.add(sell(3, U1, 105, 4), [accepted(3, U1, SELL, 105, 4), booked(3, U1, SELL, 105, 4)]);
    s.add(stopLimit(BUY, 4, U2, 100, 105, 2), [
      accepted(4, U2, BUY, 105, 2),
      triggered(4, U2, 100, 2),
      trade(2, BUY, [4, U2, 0], [3, U1, 2], 105, 2),
    ]);
    // Triggered at once, it does not cross and rests as an ordinary order: modifiable and cancellable.
    s.add(stopLimit(BUY, 5, U2, 95, 100, 2), [
      accepted(5, U2, BUY, 100, 2),
      triggered(5, U2, 95, 2),
      booked(5, U2, BUY, 100, 2),
    ]).depth(BUY, [[100, 2, 1]]);
    s.add(modify(5, U2, 95, 2), [modified(5, U2, 95, 2, 100, 2), booked(5, U2, BUY, 95, 2)]).depth(BUY, [[95, 2, 1]]);
    s.add(cancel(5, U2), [cancelled(5, U2, 2, CancelReason.User, 95)]).depth(BUY, []);
  }),
  scenario("stop cascade: a triggered stop's trade triggers the next stop in the same command", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(sell(3, U1, 110, 2), [accepted(3, U1, SELL, 110, 2), booked(3, U1, SELL, 110, 2)]);
    s.add(sell(4, U1, 115, 2), [accepted(4, U1, SELL, 115, 2), booked(4, U1, SELL, 115, 2)]);
    s.add(stopMarket(BUY, 5, U2, 100, 2), [accepted(5, U2, BUY, 0, 2)]);
    s.add(stopMarket(BUY, 6, U3, 105, 2), [accepted(6, U3, BUY, 0, 2)]);
    s.add(buy(7, U3, 100, 2), [
      accepted(7, U3, BUY, 100, 2),
      trade(1, BUY, [7, U3, 0], [1, U1, 0], 100, 2),
      triggered(5, U2, 100, 2),
      trade(2, BUY, [5, U2, 0], [2, U1, 0], 105, 2),
      triggered(6, U3, 105, 2),
      trade(3, BUY, [6, U3, 0], [3, U1, 0], 110, 2),
    ]).depth(SELL, [[115, 2, 1]]);
  }),
  scenario("buy stops elected by one trade run lowest stop first, then by arrival, not oldest first", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 110, 2), [accepted(2, U1, SELL, 110, 2), booked(2, U1, SELL, 110, 2)]);
    s.add(sell(3, U1, 120, 2), [accepted(3, U1, SELL, 120, 2), booked(3, U1, SELL, 120, 2)]);
    s.add(sell(4, U1, 130, 2), [accepted(4, U1, SELL, 130, 2), booked(4, U1, SELL, 130, 2)]);
    s.add(stopMarket(BUY, 5, U2, 100, 2), [accepted(5, U2, BUY, 0, 2)]);
    s.add(stopMarket(BUY, 6, U3, 95, 2), [accepted(6, U3, BUY, 0, 2)]);
    s.add(stopMarket(BUY, 7, U4, 95, 2), [accepted(7, U4, BUY, 0, 2)]);
    s.add(buy(8, U3, 100, 2), [
      accepted(8, U3, BUY, 100, 2),
      trade(1, BUY, [8, U3, 0], [1, U1, 0], 100, 2),
      triggered(6, U3, 95, 2),
      trade(2, BUY, [6, U3, 0], [2, U1, 0], 110, 2),
      triggered(7, U4, 95, 2),
      trade(3, BUY, [7, U4, 0], [3, U1, 0], 120, 2),
      triggered(5, U2, 100, 2),
      trade(4, BUY, [5, U2, 0], [4, U1, 0], 130, 2),
    ]).depth(SELL, []);
  }),
  scenario("sell stops elected by one trade run highest stop first", (s) => {
    s.add(buy(1, U1, 100, 2), [accepted(1, U1, BUY, 100, 2), booked(1, U1, BUY, 100, 2)]);
    s.add(buy(2, U1, 90, 2), [accepted(2, U1, BUY, 90, 2), booked(2, U1, BUY, 90, 2)]);
    s.add(buy(3, U1, 80, 2), [accepted(3, U1, BUY, 80, 2), booked(3, U1, BUY, 80, 2)]);
    s.add(stopMarket(SELL, 4, U2, 100, 2), [accepted(4, U2, SELL, 0, 2)]);
    s.add(stopMarket(SELL, 5, U3, 105, 2), [accepted(5, U3, SELL, 0, 2)]);
    s.add(sell(6, U4, 100, 2), [
      accepted(6, U4, SELL, 100, 2),
      trade(1, SELL, [6, U4, 0], [1, U1, 0], 100, 2),
      triggered(5, U3, 105, 2),
      trade(2, SELL, [5, U3, 0], [2, U1, 0], 90, 2),
      triggered(4, U2, 100, 2),
      trade(3, SELL, [4, U2, 0], [3, U1, 0], 80, 2),
    ]).depth(BUY, []);
  }),
  scenario("elected stops run in election order: one elected by a later trade waits, even if older", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 110, 2), [accepted(2, U1, SELL, 110, 2), booked(2, U1, SELL, 110, 2)]);
    s.add(sell(3, U1, 120, 2), [accepted(3, U1, SELL, 120, 2), booked(3, U1, SELL, 120, 2)]);
    s.add(sell(4, U1, 130, 2), [accepted(4, U1, SELL, 130, 2), booked(4, U1, SELL, 130, 2)]);
    s.add(stopMarket(BUY, 5, U2, 110, 2), [accepted(5, U2, BUY, 0, 2)]);
    s.add(stopMarket(BUY, 6, U2, 100, 2), [accepted(6, U2, BUY, 0, 2)]);
    s.add(stopMarket(BUY, 7, U3, 95, 2), [accepted(7, U3, BUY, 0, 2)]);
    // The trade at 100 elects 7 then 6; 7's trade at 110 elects 5, which queues behind 6.
    s.add(buy(8, U3, 100, 2), [
      accepted(8, U3, BUY, 100, 2),
      trade(1, BUY, [8, U3, 0], [1, U1, 0], 100, 2),
      triggered(7, U3, 95, 2),
      trade(2, BUY, [7, U3, 0], [2, U1, 0], 110, 2),
      triggered(6, U2, 100, 2),
      trade(3, BUY, [6, U2, 0], [3, U1, 0], 120, 2),
      triggered(5, U2, 110, 2),
      trade(4, BUY, [5, U2, 0], [4, U1, 0], 130, 2),
    ]).depth(SELL, []);
  }),
  scenario("a pending stop still executes after the price moves back past its stop", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(buy(3, U1, 90, 2), [accepted(3, U1, BUY, 90, 2), booked(3, U1, BUY, 90, 2)]);
    s.add(stopMarket(BUY, 4, U2, 100, 2), [accepted(4, U2, BUY, 0, 2)]);
    s.add(stopMarket(SELL, 5, U3, 100, 2), [accepted(5, U3, SELL, 0, 2)]);
    s.add(buy(6, U3, 100, 2), [
      accepted(6, U3, BUY, 100, 2),
      trade(1, BUY, [6, U3, 0], [1, U1, 0], 100, 2),
      triggered(4, U2, 100, 2),
      trade(2, BUY, [4, U2, 0], [2, U1, 0], 105, 2),
      triggered(5, U3, 100, 2),
      trade(3, SELL, [5, U3, 0], [3, U1, 0], 90, 2),
    ])
      .depth(BUY, [])
      .depth(SELL, []);
  }),
  scenario("a triggered post-only stop-limit is cancelled if it would take, and rests if not", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 4), [accepted(2, U1, SELL, 105, 4), booked(2, U1, SELL, 105, 4)]);
    s.add(stopLimit(BUY, 3, U2, 100, 105, 2, { postOnly: true }), [accepted(3, U2, BUY, 105, 2)]);
    s.add(buy(4, U3, 100, 2), [
      accepted(4, U3, BUY, 100, 2),
      trade(1, BUY, [4, U3, 0], [1, U1, 0], 100, 2),
      triggered(3, U2, 100, 2),
      cancelled(3, U2, 2, CancelReason.PostOnly),
    ]);
    s.add(stopLimit(BUY, 5, U2, 100, 100, 2, { postOnly: true }), [
      accepted(5, U2, BUY, 100, 2),
      triggered(5, U2, 100, 2),
      booked(5, U2, BUY, 100, 2),
    ])
      .depth(BUY, [[100, 2, 1]])
      .depth(SELL, [[105, 4, 1]]);
  }),
  scenario("a triggered FOK stop that cannot fill completely is cancelled; one that can, fills", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(stopLimit(BUY, 3, U2, 100, 105, 4, { tif: Tif.Fok }), [accepted(3, U2, BUY, 105, 4)]);
    s.add(buy(4, U3, 100, 2), [
      accepted(4, U3, BUY, 100, 2),
      trade(1, BUY, [4, U3, 0], [1, U1, 0], 100, 2),
      triggered(3, U2, 100, 4),
      cancelled(3, U2, 4, CancelReason.Fok),
    ]);
    s.add(stopMarket(BUY, 5, U2, 100, 2, 0, { tif: Tif.Fok }), [
      accepted(5, U2, BUY, 0, 2),
      triggered(5, U2, 100, 2),
      trade(2, BUY, [5, U2, 0], [2, U1, 0], 105, 2),
    ]).depth(SELL, []);
  }),
  scenario("a triggered stop-limit IOC cancels its remainder; a GTC remainder rests as an ordinary order", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(stopLimit(BUY, 3, U2, 100, 105, 4, { tif: Tif.Ioc }), [accepted(3, U2, BUY, 105, 4)]);
    s.add(stopLimit(BUY, 4, U3, 100, 105, 4), [accepted(4, U3, BUY, 105, 4)]);
    s.add(buy(5, U4, 100, 2), [
      accepted(5, U4, BUY, 100, 2),
      trade(1, BUY, [5, U4, 0], [1, U1, 0], 100, 2),
      triggered(3, U2, 100, 4),
      trade(2, BUY, [3, U2, 2], [2, U1, 0], 105, 2),
      cancelled(3, U2, 2, CancelReason.Ioc),
      triggered(4, U3, 100, 4),
      booked(4, U3, BUY, 105, 4),
    ]).depth(BUY, [[105, 4, 1]]);
    s.add(modify(4, U3, 100, 4), [modified(4, U3, 100, 4, 105, 4), booked(4, U3, BUY, 100, 4)]).depth(BUY, [
      [100, 4, 1],
    ]);
    s.add(cancel(4, U3), [cancelled(4, U3, 4, CancelReason.User, 100)]).depth(BUY, []);
  }),
  scenario("a triggered stop-market with protection stops at its protection price", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(sell(3, U1, 110, 2), [accepted(3, U1, SELL, 110, 2), booked(3, U1, SELL, 110, 2)]);
    s.add(stopMarket(BUY, 4, U2, 100, 6, 105), [accepted(4, U2, BUY, 105, 6)]);
    s.add(buy(5, U3, 100, 2), [
      accepted(5, U3, BUY, 100, 2),
      trade(1, BUY, [5, U3, 0], [1, U1, 0], 100, 2),
      triggered(4, U2, 100, 6),
      trade(2, BUY, [4, U2, 4], [2, U1, 0], 105, 2),
      cancelled(4, U2, 4, CancelReason.MarketRemainder),
    ]).depth(SELL, [[110, 2, 1]]);
  }),
  scenario("an untriggered stop can be cancelled but not modified; trades in another book leave it alone", (s) => {
    s.add(stopMarket(BUY, 1, U1, 100, 2), [accepted(1, U1, BUY, 0, 2)]);
    s.add(sell(2, U2, 100, 2, { book: 1 }), [accepted(2, U2, SELL, 100, 2), booked(2, U2, SELL, 100, 2)]);
    s.add(buy(3, U3, 100, 2, { book: 1 }), [
      accepted(3, U3, BUY, 100, 2),
      trade(1, BUY, [3, U3, 0], [2, U2, 0], 100, 2),
    ]);
    s.add(modify(1, U2, 100, 2), [rejected(1, U2, Reject.NotOwner)]);
    s.add(modify(1, U1, 100, 2), [rejected(1, U1, Reject.NotModifiable)]);
    s.add(cancel(1, U1, 1), [rejected(1, U1, Reject.UnknownOrder)]);
    s.add(cancel(1, U2), [rejected(1, U2, Reject.NotOwner)]);
    s.add(cancel(1, U1), [cancelled(1, U1, 2, CancelReason.User)]);
    s.add(cancel(1, U1), [rejected(1, U1, Reject.UnknownOrder)]);
  }),
];

/** Book 0 of the stop-election example of issue 8: tick 1, prices around 10,000. */
export const VENUE: SymbolSpec = {
  name: "VENUE",
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 100_000,
  maxQty: 1000,
};

export const stopElectionScenarios: Scenario[] = [
  scenario(
    "issue 8: both buy stops are elected by the 10011 trade and the lower stop (10008, placed later) runs first",
    (s) => {
      s.add(sell(1, U1, 10_000, 1), [accepted(1, U1, SELL, 10_000, 1), booked(1, U1, SELL, 10_000, 1)]);
      s.add(buy(2, U2, 10_000, 1), [accepted(2, U2, BUY, 10_000, 1), trade(1, BUY, [2, U2, 0], [1, U1, 0], 10_000, 1)]);
      s.add(sell(3, U1, 10_005, 1), [accepted(3, U1, SELL, 10_005, 1), booked(3, U1, SELL, 10_005, 1)]);
      s.add(sell(4, U1, 10_011, 5), [accepted(4, U1, SELL, 10_011, 5), booked(4, U1, SELL, 10_011, 5)]);
      s.add(stopMarket(BUY, 5, U3, 10_010, 1), [accepted(5, U3, BUY, 0, 1)]);
      s.add(stopMarket(BUY, 6, U4, 10_008, 1), [accepted(6, U4, BUY, 0, 1)]);
      s.add(buy(7, U2, 10_011, 2), [
        accepted(7, U2, BUY, 10_011, 2),
        trade(2, BUY, [7, U2, 1], [3, U1, 0], 10_005, 1),
        trade(3, BUY, [7, U2, 0], [4, U1, 4], 10_011, 1),
        triggered(6, U4, 10_008, 1),
        trade(4, BUY, [6, U4, 0], [4, U1, 3], 10_011, 1),
        triggered(5, U3, 10_010, 1),
        trade(5, BUY, [5, U3, 0], [4, U1, 2], 10_011, 1),
      ]).depth(SELL, [[10_011, 2, 1]]);
    },
    [VENUE],
  ),
];

export const rejectScenarios: Scenario[] = [
  scenario("unknown symbol is the first check, for new, cancel and modify; the event's book is -1", (s) => {
    s.add(buy(1, U1, 100, 2, { book: -1 }), [unknownSymbol(1, U1)]);
    s.add(buy(2, U1, 100, 2, { book: 2 }), [unknownSymbol(2, U1)]);
    s.add(order(9, -1, U1, 101, 0, { book: 7 }), [unknownSymbol(-1, U1)]);
    s.add(cancel(1, U1, -1), [unknownSymbol(1, U1)]);
    s.add(modify(1, U1, 100, 2, 2), [unknownSymbol(1, U1)]);
  }),
  scenario("bad_field: ids, users and codes out of their domains; checked before quantity", (s) => {
    s.add(buy(-1, U1, 100, 2), [rejected(-1, U1, Reject.BadField)]);
    s.add(buy(1.5, U1, 100, 2), [rejected(1.5, U1, Reject.BadField)]);
    s.add(buy(TWO_53, U1, 100, 2), [rejected(TWO_53, U1, Reject.BadField)]);
    s.add(buy(1, -1, 100, 2), [rejected(1, -1, Reject.BadField)]);
    s.add(buy(1, TWO_53, 100, 2), [rejected(1, TWO_53, Reject.BadField)]);
    s.add(order(2, 1, U1, 100, 2), [rejected(1, U1, Reject.BadField)]);
    s.add(order(-1, 1, U1, 100, 2), [rejected(1, U1, Reject.BadField)]);
    s.add(buy(1, U1, 100, 2, { type: 4 }), [rejected(1, U1, Reject.BadField)]);
    s.add(buy(1, U1, 100, 2, { tif: 3 }), [rejected(1, U1, Reject.BadField)]);
    s.add(buy(1, U1, 100, 2, { stp: 5 }), [rejected(1, U1, Reject.BadField)]);
    s.add(buy(1, U1, 100, 2, { stp: 1.5 }), [rejected(1, U1, Reject.BadField)]);
    s.add(order(2, 1, U1, 100, 0), [rejected(1, U1, Reject.BadField)]);
    // The extremes of the domains are valid.
    s.add(buy(TWO_53 - 1, 0, 100, 2), [accepted(TWO_53 - 1, 0, BUY, 100, 2), booked(TWO_53 - 1, 0, BUY, 100, 2)]);
    s.add(sell(0, TWO_53 - 1, 200, 2, { stp: Stp.Decrement }), [
      accepted(0, TWO_53 - 1, SELL, 200, 2),
      booked(0, TWO_53 - 1, SELL, 200, 2),
    ]);
  }),
  scenario("bad_quantity: not a positive multiple of the lot, or above maxQty; checked before price", (s) => {
    s.add(buy(1, U1, 100, 0), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 100, -2), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 100, 3), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 100, 2.5), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 100, 1002), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 100, Number.NaN), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 101, 0), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(market(BUY, 1, U1, 3), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(buy(1, U1, 100, 1000), [accepted(1, U1, BUY, 100, 1000), booked(1, U1, BUY, 100, 1000)]);
  }),
  scenario("price checks: off tick before out of band; market takes 0 or a valid protection", (s) => {
    s.add(buy(1, U1, 101, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(buy(1, U1, 100.5, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(buy(1, U1, 503, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(buy(1, U1, 45, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(buy(1, U1, 505, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(buy(1, U1, 0, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(buy(1, U1, -5, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(buy(1, U1, 2 ** 31, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(buy(1, U1, 2 ** 31 + 2, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(stopLimit(BUY, 1, U1, 100, 0, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(market(BUY, 1, U1, 2, 101), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(market(BUY, 1, U1, 2, 505), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(stopMarket(BUY, 1, U1, 100, 2, 45), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(buy(1, U1, 50, 2), [accepted(1, U1, BUY, 50, 2), booked(1, U1, BUY, 50, 2)]);
    s.add(sell(2, U1, 500, 2), [accepted(2, U1, SELL, 500, 2), booked(2, U1, SELL, 500, 2)]);
    s.add(market(BUY, 3, U2, 2, 0), [accepted(3, U2, BUY, 0, 2), trade(1, BUY, [3, U2, 0], [2, U1, 0], 500, 2)]);
  }),
  scenario("stop price checks: after the limit price, before the duplicate id", (s) => {
    s.add(stopLimit(BUY, 1, U1, 101, 100, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(stopLimit(BUY, 1, U1, 0, 100, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(stopLimit(BUY, 1, U1, 505, 100, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(stopMarket(SELL, 1, U1, 0, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(stopMarket(SELL, 1, U1, 99.5, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(stopLimit(BUY, 1, U1, 101, 505, 2), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(stopLimit(BUY, 1, U1, 100, 100, 2), [accepted(1, U1, BUY, 100, 2)]);
    s.add(stopLimit(BUY, 1, U1, 101, 100, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(stopLimit(BUY, 1, U1, 100, 100, 2), [rejected(1, U1, Reject.DuplicateOrderId)]);
  }),
  scenario("duplicate_order_id: live resting or stop orders in any book; a gone id may be used again", (s) => {
    s.add(buy(1, U1, 100, 2), [accepted(1, U1, BUY, 100, 2), booked(1, U1, BUY, 100, 2)]);
    s.add(buy(1, U2, 95, 2), [rejected(1, U2, Reject.DuplicateOrderId)]);
    s.add(sell(1, U1, 10, 2, { book: 1 }), [rejected(1, U1, Reject.DuplicateOrderId)]);
    s.add(stopMarket(BUY, 2, U1, 200, 2), [accepted(2, U1, BUY, 0, 2)]);
    s.add(sell(2, U1, 400, 2), [rejected(2, U1, Reject.DuplicateOrderId)]);
    s.add(buy(1, U1, 101, 2), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(sell(3, U2, 100, 2), [accepted(3, U2, SELL, 100, 2), trade(1, SELL, [3, U2, 0], [1, U1, 0], 100, 2)]);
    s.add(buy(1, U1, 100, 2), [accepted(1, U1, BUY, 100, 2), booked(1, U1, BUY, 100, 2)]);
    s.add(cancel(1, U1), [cancelled(1, U1, 2, CancelReason.User, 100)]);
    s.add(buy(1, U2, 90, 2, { book: 0 }), [accepted(1, U2, BUY, 90, 2), booked(1, U2, BUY, 90, 2)]);
    s.add(buy(3, U2, 90, 2), [accepted(3, U2, BUY, 90, 2), booked(3, U2, BUY, 90, 2)]).depth(BUY, [[90, 4, 2]]);
    // A rejected order never becomes live.
    s.add(buy(9, U1, 101, 2), [rejected(9, U1, Reject.PriceOffTick)]);
    s.add(buy(9, U1, 100, 2), [accepted(9, U1, BUY, 100, 2), booked(9, U1, BUY, 100, 2)]);
  }),
  scenario("unknown_order and not_owner on cancel and modify", (s) => {
    s.add(buy(1, U1, 100, 4), [accepted(1, U1, BUY, 100, 4), booked(1, U1, BUY, 100, 4)]);
    s.add(cancel(2, U1), [rejected(2, U1, Reject.UnknownOrder)]);
    s.add(cancel(-1, U1), [rejected(-1, U1, Reject.UnknownOrder)]);
    s.add(cancel(1, U2), [rejected(1, U2, Reject.NotOwner)]);
    s.add(cancel(1, U1, 1), [rejected(1, U1, Reject.UnknownOrder)]);
    s.add(modify(2, U1, 100, 2), [rejected(2, U1, Reject.UnknownOrder)]);
    s.add(modify(1, U2, 100, 2), [rejected(1, U2, Reject.NotOwner)]);
    s.add(modify(1, U1, 100, 2, 1), [rejected(1, U1, Reject.UnknownOrder)]);
    s.add(modify(1, U2, 101, 0), [rejected(1, U2, Reject.NotOwner)]);
    s.add(buy(2, U2, 95, 2), [accepted(2, U2, BUY, 95, 2), booked(2, U2, BUY, 95, 2)]).depth(BUY, [
      [100, 4, 1],
      [95, 2, 1],
    ]);
  }),
];

export const selfTradeScenarios: Scenario[] = [
  scenario("stp none: a user's orders trade with each other; the maker's stp is ignored", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(buy(2, U1, 100, 2), [accepted(2, U1, BUY, 100, 2), trade(1, BUY, [2, U1, 0], [1, U1, 0], 100, 2)]);
    s.add(sell(3, U1, 100, 2, { stp: Stp.CancelBoth }), [accepted(3, U1, SELL, 100, 2), booked(3, U1, SELL, 100, 2)]);
    s.add(buy(4, U1, 100, 2, { stp: Stp.None }), [
      accepted(4, U1, BUY, 100, 2),
      trade(2, BUY, [4, U1, 0], [3, U1, 0], 100, 2),
    ]);
  }),
  scenario("cancel_taker: the taker's remainder is cancelled at its own order; the maker stays", (s) => {
    s.add(sell(1, U2, 100, 2), [accepted(1, U2, SELL, 100, 2), booked(1, U2, SELL, 100, 2)]);
    s.add(sell(2, U1, 100, 2), [accepted(2, U1, SELL, 100, 2), booked(2, U1, SELL, 100, 2)]);
    s.add(sell(3, U2, 100, 2), [accepted(3, U2, SELL, 100, 2), booked(3, U2, SELL, 100, 2)]);
    s.add(buy(4, U1, 100, 6, { stp: Stp.CancelTaker }), [
      accepted(4, U1, BUY, 100, 6),
      trade(1, BUY, [4, U1, 4], [1, U2, 0], 100, 2),
      cancelled(4, U1, 4, CancelReason.SelfTrade),
    ])
      .depth(SELL, [[100, 4, 2]])
      .depth(BUY, []);
  }),
  scenario("cancel_maker: own makers are cancelled whole and matching goes on", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U2, 100, 2), [accepted(2, U2, SELL, 100, 2), booked(2, U2, SELL, 100, 2)]);
    s.add(sell(3, U1, 105, 4), [accepted(3, U1, SELL, 105, 4), booked(3, U1, SELL, 105, 4)]);
    s.add(sell(4, U2, 105, 2), [accepted(4, U2, SELL, 105, 2), booked(4, U2, SELL, 105, 2)]);
    s.add(buy(5, U1, 105, 6, { stp: Stp.CancelMaker }), [
      accepted(5, U1, BUY, 105, 6),
      cancelled(1, U1, 2, CancelReason.SelfTrade, 100),
      trade(1, BUY, [5, U1, 4], [2, U2, 0], 100, 2),
      cancelled(3, U1, 4, CancelReason.SelfTrade, 105),
      trade(2, BUY, [5, U1, 2], [4, U2, 0], 105, 2),
      booked(5, U1, BUY, 105, 2),
    ])
      .depth(BUY, [[105, 2, 1]])
      .depth(SELL, []);
  }),
  scenario("cancel_both: the maker, then the taker's remainder, are cancelled", (s) => {
    s.add(sell(1, U2, 100, 2), [accepted(1, U2, SELL, 100, 2), booked(1, U2, SELL, 100, 2)]);
    s.add(sell(2, U1, 100, 4), [accepted(2, U1, SELL, 100, 4), booked(2, U1, SELL, 100, 4)]);
    s.add(sell(3, U2, 100, 2), [accepted(3, U2, SELL, 100, 2), booked(3, U2, SELL, 100, 2)]);
    s.add(buy(4, U1, 100, 6, { stp: Stp.CancelBoth }), [
      accepted(4, U1, BUY, 100, 6),
      trade(1, BUY, [4, U1, 4], [1, U2, 0], 100, 2),
      cancelled(2, U1, 4, CancelReason.SelfTrade, 100),
      cancelled(4, U1, 4, CancelReason.SelfTrade),
    ])
      .depth(SELL, [[100, 2, 1]])
      .depth(BUY, []);
  }),
  scenario("decrement with a larger maker: the maker is reduced and keeps its place, the taker is cancelled", (s) => {
    s.add(sell(1, U1, 100, 10), [accepted(1, U1, SELL, 100, 10), booked(1, U1, SELL, 100, 10)]);
    s.add(sell(2, U2, 100, 2), [accepted(2, U2, SELL, 100, 2), booked(2, U2, SELL, 100, 2)]);
    s.add(buy(3, U1, 100, 4, { stp: Stp.Decrement }), [
      accepted(3, U1, BUY, 100, 4),
      reduced(1, U1, 4, 6, 100),
      cancelled(3, U1, 4, CancelReason.SelfTrade),
    ]).depth(SELL, [[100, 8, 2]]);
    s.add(buy(4, U3, 100, 2), [accepted(4, U3, BUY, 100, 2), trade(1, BUY, [4, U3, 0], [1, U1, 4], 100, 2)]);
  }),
  scenario("decrement with a larger taker: the maker is cancelled, the taker reduced, and matching goes on", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), booked(2, U2, SELL, 100, 4)]);
    s.add(buy(3, U1, 100, 8, { stp: Stp.Decrement }), [
      accepted(3, U1, BUY, 100, 8),
      cancelled(1, U1, 2, CancelReason.SelfTrade, 100),
      reduced(3, U1, 2, 6),
      trade(1, BUY, [3, U1, 2], [2, U2, 0], 100, 4),
      booked(3, U1, BUY, 100, 2),
    ])
      .depth(BUY, [[100, 2, 1]])
      .depth(SELL, []);
  }),
  scenario("decrement with equal quantities: both are cancelled", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(buy(2, U1, 100, 4, { stp: Stp.Decrement }), [
      accepted(2, U1, BUY, 100, 4),
      cancelled(1, U1, 4, CancelReason.SelfTrade, 100),
      cancelled(2, U1, 4, CancelReason.SelfTrade),
    ])
      .depth(BUY, [])
      .depth(SELL, []);
  }),
  scenario("self-trade prevention applies to a market taker", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(sell(2, U2, 105, 2), [accepted(2, U2, SELL, 105, 2), booked(2, U2, SELL, 105, 2)]);
    s.add(market(BUY, 3, U1, 6, 0, { stp: Stp.CancelMaker }), [
      accepted(3, U1, BUY, 0, 6),
      cancelled(1, U1, 2, CancelReason.SelfTrade, 100),
      trade(1, BUY, [3, U1, 4], [2, U2, 0], 105, 2),
      cancelled(3, U1, 4, CancelReason.MarketRemainder),
    ]);
    s.add(sell(4, U1, 100, 2), [accepted(4, U1, SELL, 100, 2), booked(4, U1, SELL, 100, 2)]);
    s.add(market(BUY, 5, U1, 6, 0, { stp: Stp.Decrement }), [
      accepted(5, U1, BUY, 0, 6),
      cancelled(4, U1, 2, CancelReason.SelfTrade, 100),
      reduced(5, U1, 2, 4),
      cancelled(5, U1, 4, CancelReason.MarketRemainder),
    ]);
  }),
  scenario(
    "FOK walk: own orders are skipped under cancel_maker, counted under none, and end the walk otherwise",
    (s) => {
      s.add(sell(1, U2, 100, 2), [accepted(1, U2, SELL, 100, 2), booked(1, U2, SELL, 100, 2)]);
      s.add(sell(2, U1, 100, 4), [accepted(2, U1, SELL, 100, 4), booked(2, U1, SELL, 100, 4)]);
      s.add(sell(3, U2, 105, 4), [accepted(3, U2, SELL, 105, 4), booked(3, U2, SELL, 105, 4)]);
      s.add(buy(4, U1, 105, 6, { tif: Tif.Fok, stp: Stp.CancelMaker }), [
        accepted(4, U1, BUY, 105, 6),
        trade(1, BUY, [4, U1, 4], [1, U2, 0], 100, 2),
        cancelled(2, U1, 4, CancelReason.SelfTrade, 100),
        trade(2, BUY, [4, U1, 0], [3, U2, 0], 105, 4),
      ]).depth(SELL, []);
      s.add(sell(5, U2, 100, 2), [accepted(5, U2, SELL, 100, 2), booked(5, U2, SELL, 100, 2)]);
      s.add(sell(6, U1, 100, 4), [accepted(6, U1, SELL, 100, 4), booked(6, U1, SELL, 100, 4)]);
      s.add(sell(7, U2, 105, 4), [accepted(7, U2, SELL, 105, 4), booked(7, U2, SELL, 105, 4)]);
      s.add(buy(8, U1, 105, 6, { tif: Tif.Fok, stp: Stp.Decrement }), [rejected(8, U1, Reject.FokNotFillable)]);
      s.add(buy(9, U1, 105, 6, { tif: Tif.Fok, stp: Stp.CancelTaker }), [rejected(9, U1, Reject.FokNotFillable)]);
      s.add(buy(10, U1, 105, 6, { tif: Tif.Fok, stp: Stp.CancelBoth }), [rejected(10, U1, Reject.FokNotFillable)]);
      s.add(buy(11, U1, 105, 2, { tif: Tif.Fok, stp: Stp.Decrement }), [
        accepted(11, U1, BUY, 105, 2),
        trade(3, BUY, [11, U1, 0], [5, U2, 0], 100, 2),
      ]);
      s.add(buy(12, U1, 105, 8, { tif: Tif.Fok, stp: Stp.None }), [
        accepted(12, U1, BUY, 105, 8),
        trade(4, BUY, [12, U1, 4], [6, U1, 0], 100, 4),
        trade(5, BUY, [12, U1, 0], [7, U2, 0], 105, 4),
      ]).depth(SELL, []);
    },
  ),
];

export const modifyScenarios: Scenario[] = [
  scenario("modify down in quantity at the same price keeps time priority", (s) => {
    s.add(sell(1, U1, 100, 6), [accepted(1, U1, SELL, 100, 6), booked(1, U1, SELL, 100, 6)]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), booked(2, U2, SELL, 100, 4)]);
    s.add(modify(1, U1, 100, 4), [modified(1, U1, 100, 4, 100, 6)]).depth(SELL, [[100, 8, 2]]);
    s.add(buy(3, U3, 100, 4), [accepted(3, U3, BUY, 100, 4), trade(1, BUY, [3, U3, 0], [1, U1, 0], 100, 4)]);
  }),
  scenario("modify to the same price and quantity is accepted and changes nothing", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), booked(2, U2, SELL, 100, 4)]);
    s.add(modify(1, U1, 100, 4), [modified(1, U1, 100, 4, 100, 4)]);
    s.add(buy(3, U3, 100, 2), [accepted(3, U3, BUY, 100, 2), trade(1, BUY, [3, U3, 0], [1, U1, 2], 100, 2)]);
  }),
  scenario("modify up in quantity at the same price loses time priority", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), booked(2, U2, SELL, 100, 4)]);
    s.add(modify(1, U1, 100, 6), [modified(1, U1, 100, 6, 100, 4), booked(1, U1, SELL, 100, 6)]).depth(SELL, [
      [100, 10, 2],
    ]);
    s.add(buy(3, U3, 100, 2), [accepted(3, U3, BUY, 100, 2), trade(1, BUY, [3, U3, 0], [2, U2, 2], 100, 2)]);
  }),
  scenario("modify to a new price moves the order to the tail of its new level", (s) => {
    s.add(buy(1, U1, 100, 4), [accepted(1, U1, BUY, 100, 4), booked(1, U1, BUY, 100, 4)]);
    s.add(buy(2, U2, 95, 4), [accepted(2, U2, BUY, 95, 4), booked(2, U2, BUY, 95, 4)]);
    s.add(modify(1, U1, 95, 2), [modified(1, U1, 95, 2, 100, 4), booked(1, U1, BUY, 95, 2)]).depth(BUY, [[95, 6, 2]]);
    s.add(sell(3, U3, 95, 6), [
      accepted(3, U3, SELL, 95, 6),
      trade(1, SELL, [3, U3, 2], [2, U2, 0], 95, 4),
      trade(2, SELL, [3, U3, 0], [1, U1, 0], 95, 2),
    ]);
  }),
  scenario("a crossing modify trades as a GTC taker and rests its remainder", (s) => {
    s.add(sell(1, U1, 105, 2), [accepted(1, U1, SELL, 105, 2), booked(1, U1, SELL, 105, 2)]);
    s.add(sell(2, U1, 110, 2), [accepted(2, U1, SELL, 110, 2), booked(2, U1, SELL, 110, 2)]);
    s.add(buy(3, U2, 100, 6), [accepted(3, U2, BUY, 100, 6), booked(3, U2, BUY, 100, 6)]);
    s.add(modify(3, U2, 110, 6), [
      modified(3, U2, 110, 6, 100, 6),
      trade(1, BUY, [3, U2, 4], [1, U1, 0], 105, 2),
      trade(2, BUY, [3, U2, 2], [2, U1, 0], 110, 2),
      booked(3, U2, BUY, 110, 2),
    ])
      .depth(BUY, [[110, 2, 1]])
      .depth(SELL, []);
    s.add(sell(4, U1, 115, 2), [accepted(4, U1, SELL, 115, 2), booked(4, U1, SELL, 115, 2)]);
    s.add(modify(3, U2, 115, 2), [
      modified(3, U2, 115, 2, 110, 2),
      trade(3, BUY, [3, U2, 0], [4, U1, 0], 115, 2),
    ]).depth(BUY, []);
    s.add(cancel(3, U2), [rejected(3, U2, Reject.UnknownOrder)]);
  }),
  scenario("a crossing modify applies the order's own stp", (s) => {
    s.add(buy(1, U1, 100, 4, { stp: Stp.CancelTaker }), [accepted(1, U1, BUY, 100, 4), booked(1, U1, BUY, 100, 4)]);
    s.add(sell(2, U1, 105, 2), [accepted(2, U1, SELL, 105, 2), booked(2, U1, SELL, 105, 2)]);
    s.add(modify(1, U1, 105, 4), [modified(1, U1, 105, 4, 100, 4), cancelled(1, U1, 4, CancelReason.SelfTrade)])
      .depth(BUY, [])
      .depth(SELL, [[105, 2, 1]]);
    s.add(buy(3, U1, 100, 2, { stp: Stp.CancelMaker }), [accepted(3, U1, BUY, 100, 2), booked(3, U1, BUY, 100, 2)]);
    s.add(sell(4, U2, 110, 2), [accepted(4, U2, SELL, 110, 2), booked(4, U2, SELL, 110, 2)]);
    s.add(modify(3, U1, 110, 2), [
      modified(3, U1, 110, 2, 100, 2),
      cancelled(2, U1, 2, CancelReason.SelfTrade, 105),
      trade(1, BUY, [3, U1, 0], [4, U2, 0], 110, 2),
    ])
      .depth(BUY, [])
      .depth(SELL, []);
  }),
  scenario("a post-only order cannot be modified into a cross; elsewhere it moves", (s) => {
    s.add(sell(1, U2, 105, 2), [accepted(1, U2, SELL, 105, 2), booked(1, U2, SELL, 105, 2)]);
    s.add(buy(2, U1, 100, 4, { postOnly: true }), [accepted(2, U1, BUY, 100, 4), booked(2, U1, BUY, 100, 4)]);
    s.add(modify(2, U1, 105, 4), [rejected(2, U1, Reject.PostOnlyWouldTake)]).depth(BUY, [[100, 4, 1]]);
    s.add(modify(2, U1, 100, 2), [modified(2, U1, 100, 2, 100, 4)]);
    s.add(modify(2, U1, 95, 6), [modified(2, U1, 95, 6, 100, 2), booked(2, U1, BUY, 95, 6)]).depth(BUY, [[95, 6, 1]]);
  }),
  scenario("modify checks quantity, then price, as for a new limit order; a rejected modify changes nothing", (s) => {
    s.add(buy(1, U1, 100, 4), [accepted(1, U1, BUY, 100, 4), booked(1, U1, BUY, 100, 4)]);
    s.add(modify(1, U1, 100, 0), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(modify(1, U1, 100, 3), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(modify(1, U1, 100, 1002), [rejected(1, U1, Reject.BadQuantity)]);
    s.add(modify(1, U1, 101, 4), [rejected(1, U1, Reject.PriceOffTick)]);
    s.add(modify(1, U1, 505, 4), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(modify(1, U1, 0, 4), [rejected(1, U1, Reject.PriceOutOfBand)]);
    s.add(modify(1, U1, 101, 0), [rejected(1, U1, Reject.BadQuantity)]).depth(BUY, [[100, 4, 1]]);
    s.add(sell(2, U2, 100, 4), [accepted(2, U2, SELL, 100, 4), trade(1, SELL, [2, U2, 0], [1, U1, 0], 100, 4)]);
  }),
  scenario("a modify that trades triggers stops", (s) => {
    s.add(sell(1, U1, 105, 2), [accepted(1, U1, SELL, 105, 2), booked(1, U1, SELL, 105, 2)]);
    s.add(sell(2, U1, 110, 2), [accepted(2, U1, SELL, 110, 2), booked(2, U1, SELL, 110, 2)]);
    s.add(buy(3, U2, 100, 2), [accepted(3, U2, BUY, 100, 2), booked(3, U2, BUY, 100, 2)]);
    s.add(stopMarket(BUY, 4, U3, 105, 2), [accepted(4, U3, BUY, 0, 2)]);
    s.add(modify(3, U2, 105, 2), [
      modified(3, U2, 105, 2, 100, 2),
      trade(1, BUY, [3, U2, 0], [1, U1, 0], 105, 2),
      triggered(4, U3, 105, 2),
      trade(2, BUY, [4, U3, 0], [2, U1, 0], 110, 2),
    ]).depth(SELL, []);
  }),
];

export const cancelScenarios: Scenario[] = [
  scenario("cancel removes the order with its remaining quantity; an empty level goes", (s) => {
    s.add(buy(1, U1, 100, 6), [accepted(1, U1, BUY, 100, 6), booked(1, U1, BUY, 100, 6)]);
    s.add(buy(2, U2, 100, 2), [accepted(2, U2, BUY, 100, 2), booked(2, U2, BUY, 100, 2)]);
    s.add(sell(3, U3, 100, 2), [accepted(3, U3, SELL, 100, 2), trade(1, SELL, [3, U3, 0], [1, U1, 4], 100, 2)]);
    s.add(cancel(1, U1), [cancelled(1, U1, 4, CancelReason.User, 100)]).depth(BUY, [[100, 2, 1]]);
    s.add(cancel(2, U2), [cancelled(2, U2, 2, CancelReason.User, 100)]).depth(BUY, []);
    s.add(cancel(2, U2), [rejected(2, U2, Reject.UnknownOrder)]);
    s.add(cancel(3, U3), [rejected(3, U3, Reject.UnknownOrder)]);
  }),
  scenario("trade ids count over the whole engine; each book has its own last price", (s) => {
    s.add(sell(1, U1, 100, 2), [accepted(1, U1, SELL, 100, 2), booked(1, U1, SELL, 100, 2)]);
    s.add(buy(2, U2, 100, 2), [accepted(2, U2, BUY, 100, 2), trade(1, BUY, [2, U2, 0], [1, U1, 0], 100, 2)]);
    s.add(sell(3, U1, 10, 1, { book: 1 }), [accepted(3, U1, SELL, 10, 1), booked(3, U1, SELL, 10, 1)]);
    s.add(buy(4, U2, 10, 1, { book: 1 }), [accepted(4, U2, BUY, 10, 1), trade(2, BUY, [4, U2, 0], [3, U1, 0], 10, 1)]);
    // Book 0's last price is 100, not book 1's 10: a sell stop at 50 waits.
    s.add(stopMarket(SELL, 5, U1, 50, 2), [accepted(5, U1, SELL, 0, 2)]);
    s.add(sell(6, U1, 100, 2), [accepted(6, U1, SELL, 100, 2), booked(6, U1, SELL, 100, 2)]);
    s.add(buy(7, U2, 100, 2), [accepted(7, U2, BUY, 100, 2), trade(3, BUY, [7, U2, 0], [6, U1, 0], 100, 2)]);
  }),
];

export const haltScenarios: Scenario[] = [
  scenario("a halted book rejects new orders and modifies, takes cancels, and trades again once resumed", (s) => {
    s.add(sell(1, U1, 100, 4), [accepted(1, U1, SELL, 100, 4), booked(1, U1, SELL, 100, 4)]);
    s.add(buy(2, U2, 95, 2), [accepted(2, U2, BUY, 95, 2), booked(2, U2, BUY, 95, 2)]);
    s.add(symbolStatus(true), []);
    // The other book trades on.
    s.add(sell(3, U1, 10, 1, { book: 1 }), [accepted(3, U1, SELL, 10, 1), booked(3, U1, SELL, 10, 1)]);
    s.add(buy(4, U2, 100, 2), [rejected(4, U2, Reject.SymbolHalted)]).depth(SELL, [[100, 4, 1]]);
    s.add(stopMarket(BUY, 5, U2, 150, 2), [rejected(5, U2, Reject.SymbolHalted)]);
    s.add(modify(1, U1, 105, 4), [rejected(1, U1, Reject.SymbolHalted)]).depth(SELL, [[100, 4, 1]]);
    // Ownership is checked first: an unknown order is unknown whatever the status.
    s.add(modify(77, U1, 105, 4), [rejected(77, U1, Reject.UnknownOrder)]);
    s.add(cancel(2, U2), [cancelled(2, U2, 2, CancelReason.User, 95)]).depth(BUY, []);
    // Halting a halted book changes nothing.
    s.add(symbolStatus(true), []);
    s.add(symbolStatus(false), []);
    s.add(buy(6, U2, 100, 2), [accepted(6, U2, BUY, 100, 2), trade(1, BUY, [6, U2, 0], [1, U1, 2], 100, 2)]);
    s.add(modify(1, U1, 105, 2), [modified(1, U1, 105, 2, 100, 2), booked(1, U1, SELL, 105, 2)]);
  }),
  scenario(
    "symbol status of an unknown book or with a status that is neither open nor halted is rejected and changes nothing",
    (s) => {
      s.add(symbolStatus(true, 7, 42), [{ ...rejected(0, 0, Reject.UnknownSymbol), book: -1, clientId: 42 }]);
      s.add({ ...symbolStatus(true, 0, 43), status: 2 }, [{ ...rejected(0, 0, Reject.BadField), clientId: 43 }]);
      s.add(buy(1, U1, 100, 2), [accepted(1, U1, BUY, 100, 2), booked(1, U1, BUY, 100, 2)]);
    },
  ),
  scenario(
    "an operator's mass cancel of every user: one book, one side, in order id order; all_users needs reason admin",
    (s) => {
      s.add(buy(1, U1, 95, 2), [accepted(1, U1, BUY, 95, 2), booked(1, U1, BUY, 95, 2)]);
      s.add(buy(2, U2, 90, 4), [accepted(2, U2, BUY, 90, 4), booked(2, U2, BUY, 90, 4)]);
      s.add(sell(3, U3, 105, 2), [accepted(3, U3, SELL, 105, 2), booked(3, U3, SELL, 105, 2)]);
      s.add(buy(4, U3, 9, 1, { book: 1 }), [accepted(4, U3, BUY, 9, 1), booked(4, U3, BUY, 9, 1)]);
      s.add(massCancel(0, { book: 0, allUsers: true, reason: CancelReason.MassCancel }), [
        { ...rejected(0, 0, Reject.BadField), book: 0 },
      ]);
      s.add(symbolStatus(true), []);
      // Halted: an operator still cancels.
      s.add(
        massCancel(0, {
          book: 0,
          massSide: MassCancelSide.Buy,
          allUsers: true,
          reason: CancelReason.Admin,
          requestId: 9,
        }),
        [
          cancelled(1, U1, 2, CancelReason.Admin, 95),
          cancelled(2, U2, 4, CancelReason.Admin, 90),
          massCancelled(0, 9, 2, CancelReason.Admin, 0),
        ],
      )
        .depth(BUY, [])
        .depth(SELL, [[105, 2, 1]])
        .depth(BUY, [[9, 1, 1]], 1);
      s.add(massCancel(0, { allUsers: true, reason: CancelReason.Admin, requestId: 10 }), [
        { ...cancelled(3, U3, 2, CancelReason.Admin, 105), book: 0 },
        { ...cancelled(4, U3, 1, CancelReason.Admin, 9), book: 1 },
        massCancelled(0, 10, 2, CancelReason.Admin, -1),
      ]);
    },
  ),
];

export const allScenarios: Scenario[] = [
  ...limitScenarios,
  ...postOnlyScenarios,
  ...marketScenarios,
  ...stopScenarios,
  ...stopElectionScenarios,
  ...rejectScenarios,
  ...selfTradeScenarios,
  ...modifyScenarios,
  ...cancelScenarios,
  ...haltScenarios,
];
