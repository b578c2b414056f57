// Drivers that feed one workload's command stream to an order book: ours
// (src/engine/engine.ts) and the peer, nodejs-order-book 10.1.1. Each driver
// has a plain loop (throughput and heap runs), a loop that times every command
// (latency runs) and a loop that tallies outcomes (the untimed check that the
// book saw the stream the generator meant).
//
// Ours gets one reused command struct per session, filled from the
// typed-array columns for every command (as the sequencer fills its one
// input record); its events are drained by resetting `events.count` after
// each command (and `onFull` clears mid-command), the cheapest a consumer could do.
//
// The peer takes an options object per call and string ids. The id and user
// strings are built once per workload, outside every timed loop, so the peer
// does not pay for our integer format (decimal strings: the peer ran as fast
// or faster with them than with prefixed ones like "o123"); the options object
// literal is built in the loop because that is how its API is called.
// Mapping of our commands:
//   limit (GTC/IOC/FOK, post-only)  -> limit({ id, side, size, price, timeInForce, postOnly, accountId, stpMode })
//   market, no protection price     -> market({ id, side, size, accountId, stpMode })
//   market with a protection price  -> limit IOC at that price (the peer's market has no price)  [not in any workload]
//   market FOK                      -> market (the peer's market has no time in force)          [not in any workload]
//   stop_limit                      -> stopLimit({ id, side, size, price, stopPrice, timeInForce, accountId, stpMode })
//   stop_market                     -> stopMarket({ id, side, size, stopPrice, accountId, stpMode })
//   cancel                          -> cancel(id)            (the peer does not check the owner)
//   modify(price, qty)              -> modify(id, { price, size })
//   stp none/cancel_taker/cancel_maker/cancel_both -> NONE/EXPIRE_TAKER/EXPIRE_MAKER/EXPIRE_BOTH;
//   stp decrement has no equivalent and maps to NONE                                            [not in any workload]
// Known differences in outcome (same input, not event for event): the peer
// re-queues every modified order (ours keeps priority on a same-price size
// cut); it rejects a stop whose condition already holds (ours triggers it) and
// checks sell stops against 0 before the first trade; it triggers stops only
// after a taker of the stop's own side.

import { type LimitOrderOptions, OrderBook, SelfTradePreventionMode, Side as PeerSide } from "nodejs-order-book";
import { CommandCode, CommandStruct } from "../src/engine/command.ts";
import { Engine } from "../src/engine/engine.ts";
import type { EventBuffer } from "../src/engine/events.ts";
import { EventKind, OrderType, Tif, rejectNames } from "../src/engine/constants.ts";
import { Op, type Workload } from "./workloads.ts";

/** Seq of addSymbol; command i carries seq SEQ_BASE + i, so seqs ascend across prefill and measured range. */
const SEQ_SYMBOL = 1;
const SEQ_BASE = 2;

export type ImplName = "ours" | "peer";

/** One fresh book with a workload applied up to some point. */
export interface Session {
  /** Applies commands [start, end). */
  run(start: number, end: number): void;
  /** Applies commands [start, end), writing each one's duration (ns, timer included) to out[i - start]. */
  runTimed(start: number, end: number, out: Float64Array): void;
  /** Applies commands [start, end) and tallies what happened (slow; untimed checks only). */
  runCounting(start: number, end: number): Tally;
}

export interface Tally {
  trades: number;
  rejects: number;
  triggered: number;
  /** Reject reasons (ours: reject code; peer: error code) and their counts. */
  rejectReasons: Record<string, number>;
}

function clearEvents(events: EventBuffer): void {
  events.clear();
}

// ---------------------------------------------------------------------------
// Ours

export class OursSession implements Session {
  readonly engine: Engine;
  readonly book: number;
  readonly w: Workload;
  readonly cmd = new CommandStruct();

  constructor(w: Workload) {
    this.w = w;
    this.engine = new Engine(w.sizing);
    this.engine.events.onFull = clearEvents;
    this.book = this.engine.addSymbol(SEQ_SYMBOL, w.spec);
    if (this.book < 0) throw new Error(`addSymbol failed: ${this.engine.symbolError(w.spec)}`);
  }

  run(start: number, end: number): void {
    runOurs(this.engine, this.cmd, this.book, this.w, start, end);
  }

  runTimed(start: number, end: number, out: Float64Array): void {
    runOursTimed(this.engine, this.cmd, this.book, this.w, start, end, out);
  }

  runCounting(start: number, end: number): Tally {
    const tally: Tally = { trades: 0, rejects: 0, triggered: 0, rejectReasons: {} };
    const events = this.engine.events;
    events.onFull = (e) => {
      countEvents(e, tally);
      e.clear();
    };
    for (let i = start; i < end; i++) {
      this.engine.apply(fillOurs(this.cmd, this.book, this.w, i));
      countEvents(events, tally);
      events.clear();
    }
    events.onFull = clearEvents;
    return tally;
  }
}

function countEvents(e: EventBuffer, tally: Tally): void {
  for (let i = 0; i < e.count; i++) {
    const kind = e.kind(i);
    if (kind === EventKind.Trade) tally.trades++;
    else if (kind === EventKind.Triggered) tally.triggered++;
    else if (kind === EventKind.Rejected) {
      tally.rejects++;
      const key = rejectNames[e.code(i)] ?? String(e.code(i));
      tally.rejectReasons[key] = (tally.rejectReasons[key] ?? 0) + 1;
    }
  }
}

/**
 * Fills the reused struct with command i, writing only the fields that
 * command uses (the engine reads no others). Receive time: i µs.
 */
function fillOurs(c: CommandStruct, book: number, w: Workload, i: number): CommandStruct {
  const o = w.op[i];
  c.engineSeq = SEQ_BASE + i;
  c.receivedNs = i * 1000;
  c.symbolId = book;
  c.orderId = w.id[i]!;
  c.userId = w.user[i]!;
  if (o === Op.New) {
    c.command = CommandCode.NewOrder;
    c.side = w.side[i]!;
    c.type = w.type[i]!;
    c.tif = w.tif[i]!;
    c.postOnly = w.postOnly[i] === 1;
    c.stp = w.stp[i]!;
    c.priceTicks = w.price[i]!;
    c.qtyLots = w.qty[i]!;
    c.stopPriceTicks = w.stop[i]!;
  } else if (o === Op.Cancel) {
    c.command = CommandCode.Cancel;
  } else {
    c.command = CommandCode.Modify;
    c.priceTicks = w.price[i]!;
    c.qtyLots = w.qty[i]!;
  }
  return c;
}

/** The throughput loop: each command filled from the columns into the one struct and applied, events dropped. */
export function runOurs(
  engine: Engine,
  cmd: CommandStruct,
  book: number,
  w: Workload,
  start: number,
  end: number,
): void {
  const events = engine.events;
  for (let i = start; i < end; i++) {
    engine.apply(fillOurs(cmd, book, w, i));
    events.count = 0;
  }
}

/** The latency loop: as runOurs, with one timer read per command (end of one = start of the next). */
export function runOursTimed(
  engine: Engine,
  cmd: CommandStruct,
  book: number,
  w: Workload,
  start: number,
  end: number,
  out: Float64Array,
): void {
  const events = engine.events;
  let t0 = Bun.nanoseconds();
  for (let i = start; i < end; i++) {
    engine.apply(fillOurs(cmd, book, w, i));
    events.count = 0;
    const t1 = Bun.nanoseconds();
    out[i - start] = t1 - t0;
    t0 = t1;
  }
}

/** The latency loop with no command in it: what the timer and the loop cost per sample. */
export function timerOverheadLoop(op: Uint8Array, n: number, out: Float64Array): number {
  let sink = 0;
  let t0 = Bun.nanoseconds();
  for (let i = 0; i < n; i++) {
    sink += op[i]!;
    const t1 = Bun.nanoseconds();
    out[i] = t1 - t0;
    t0 = t1;
  }
  return sink;
}

// ---------------------------------------------------------------------------
// Peer

/** Strings the peer needs, built once per workload outside every timed loop. */
export interface PeerStrings {
  /** ids[id] = the order id as the peer's string key. */
  readonly ids: string[];
  /** users[user] = the account id string. */
  readonly users: string[];
}

export function peerStrings(w: Workload): PeerStrings {
  const ids = new Array<string>(w.idMax + 1);
  for (let i = 0; i <= w.idMax; i++) ids[i] = String(i);
  const users = new Array<string>(w.usersCount + 1);
  for (let i = 0; i <= w.usersCount; i++) users[i] = String(i);
  return { ids, users };
}

type PeerTif = NonNullable<LimitOrderOptions["timeInForce"]>;
const PEER_SIDES: readonly PeerSide[] = [PeerSide.BUY, PeerSide.SELL];
const PEER_TIFS: readonly PeerTif[] = ["GTC" as PeerTif, "IOC" as PeerTif, "FOK" as PeerTif];
const PEER_STPS: readonly SelfTradePreventionMode[] = [
  SelfTradePreventionMode.NONE,
  SelfTradePreventionMode.EXPIRE_TAKER,
  SelfTradePreventionMode.EXPIRE_MAKER,
  SelfTradePreventionMode.EXPIRE_BOTH,
  SelfTradePreventionMode.NONE,
];

export class PeerSession implements Session {
  readonly ob = new OrderBook({ enableJournaling: false });
  readonly w: Workload;
  readonly s: PeerStrings;

  constructor(w: Workload, s: PeerStrings) {
    this.w = w;
    this.s = s;
  }

  run(start: number, end: number): void {
    runPeer(this.ob, this.w, this.s, start, end);
  }

  runTimed(start: number, end: number, out: Float64Array): void {
    runPeerTimed(this.ob, this.w, this.s, start, end, out);
  }

  runCounting(start: number, end: number): Tally {
    const tally: Tally = { trades: 0, rejects: 0, triggered: 0, rejectReasons: {} };
    for (let i = start; i < end; i++) {
      const r = peerCommand(this.ob, this.w, this.s, i);
      if (r === null) continue;
      if (r.err !== null) {
        tally.rejects++;
        const key = String((r.err as { message?: unknown }).message ?? r.err);
        tally.rejectReasons[key] = (tally.rejectReasons[key] ?? 0) + 1;
      }
      tally.triggered += r.activated.length;
    }
    return tally;
  }
}

interface PeerResult {
  err: unknown;
  activated: unknown[];
}

/** One command to the peer; returns its response (cancel: null). */
function peerCommand(ob: OrderBook, w: Workload, s: PeerStrings, i: number): PeerResult | null {
  const idS = s.ids[w.id[i]!]!;
  const o = w.op[i];
  if (o === Op.Cancel) {
    ob.cancel(idS);
    return null;
  }
  if (o === Op.Modify) return ob.modify(idS, { price: w.price[i]!, size: w.qty[i]! });
  const t = w.type[i];
  const side = PEER_SIDES[w.side[i]!]!;
  const accountId = s.users[w.user[i]!]!;
  const stpMode = PEER_STPS[w.stp[i]!]!;
  const price = w.price[i]!;
  const size = w.qty[i]!;
  if (t === OrderType.Limit) {
    return ob.limit({
      id: idS,
      side,
      size,
      price,
      timeInForce: PEER_TIFS[w.tif[i]!]!,
      postOnly: w.postOnly[i] === 1,
      accountId,
      stpMode,
    });
  }
  if (t === OrderType.Market) {
    if (price !== 0)
      return ob.limit({ id: idS, side, size, price, timeInForce: PEER_TIFS[Tif.Ioc]!, accountId, stpMode });
    return ob.market({ id: idS, side, size, accountId, stpMode });
  }
  if (t === OrderType.StopLimit) {
    return ob.stopLimit({
      id: idS,
      side,
      size,
      price,
      stopPrice: w.stop[i]!,
      timeInForce: PEER_TIFS[w.tif[i]!]!,
      accountId,
      stpMode,
    });
  }
  return ob.stopMarket({ id: idS, side, size, stopPrice: w.stop[i]!, accountId, stpMode });
}

export function runPeer(ob: OrderBook, w: Workload, s: PeerStrings, start: number, end: number): void {
  for (let i = start; i < end; i++) peerCommand(ob, w, s, i);
}

export function runPeerTimed(
  ob: OrderBook,
  w: Workload,
  s: PeerStrings,
  start: number,
  end: number,
  out: Float64Array,
): void {
  let t0 = Bun.nanoseconds();
  for (let i = start; i < end; i++) {
    peerCommand(ob, w, s, i);
    const t1 = Bun.nanoseconds();
    out[i - start] = t1 - t0;
    t0 = t1;
  }
}

// ---------------------------------------------------------------------------

/** A fresh book of the given implementation with the workload's prefill applied (not timed by callers). */
export function openSession(impl: ImplName, w: Workload, strings: PeerStrings | null): Session {
  const session: Session = impl === "ours" ? new OursSession(w) : new PeerSession(w, strings ?? peerStrings(w));
  session.run(0, w.prefillCount);
  return session;
}
