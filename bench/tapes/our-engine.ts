// The one place the tape benchmark calls our engine (src/engine/engine.ts):
// every message fills one reused command struct and goes through
// `engine.apply`. Everything else sees OurTapeBook: run a range of a tape,
// time each message, or report trades.
//
// Mapping of tape ops (tape.ts): New -> newOrder (limit GTC/IOC, or market
// with price 0: no protection); Cancel -> cancel; Reduce, Move and Replace ->
// modify(price, qty), which keeps priority for a same-price cut (Reduce) and
// re-queues otherwise (RULES.md, Modify), as exchange-core's REDUCE_ORDER,
// MOVE_ORDER and cancel + place do. Events are dropped by resetting the
// buffer's count after each message, the cheapest a gateway could do.

import { defaultEngineConfig } from "../../src/engine/config.ts";
import { Engine } from "../../src/engine/engine.ts";
import { CommandCode, CommandStruct } from "../../src/engine/command.ts";
import { EventKind, Stp } from "../../src/engine/constants.ts";
import type { EventBuffer } from "../../src/engine/events.ts";
import type { DigestLevel } from "./digest.ts";
import { TAPE_SPEC, type TapeSizing } from "./generate.ts";
import { type TapeColumns, TapeOp, TapeSide } from "./tape.ts";

/** Seq of the symbol definition; message i carries seq SEQ_BASE + i. */
const SEQ_SYMBOL = 1;
const SEQ_BASE = 2;
/** Event rows before the buffer must be drained; a sweep of 1000 levels fits many times over. */
const EVENTS_MAX = 1 << 16;

export type OurCapacity = "production" | "tape";

export type OnTrade = (makerId: number, price: number, qty: number) => void;

function dropEvents(events: EventBuffer): void {
  events.clear();
}

export class OurTapeBook {
  private readonly engine: Engine;
  private readonly book: number;

  /**
   * A fresh, empty book (allocates all storage; not for timed code). `production`
   * capacities are the exchange's defaults (what `bun run engine` starts with),
   * raised where the tape needs more; `tape` sizes every table to the tape's
   * peaks, which keeps them small enough to sit in cache and flatters the figures.
   */
  constructor(sizing: TapeSizing, capacity: OurCapacity = "production") {
    const d = defaultEngineConfig;
    const config =
      capacity === "tape"
        ? { ...sizing, symbolsMax: 1 }
        : {
            ordersMax: Math.max(d.ordersMax, sizing.ordersMax),
            levelsMax: Math.max(d.levelsMax, sizing.levelsMax),
            levelsPerSideMax: Math.max(d.levelsPerSideMax, sizing.levelsPerSideMax),
            symbolsMax: d.symbolsMax,
          };
    this.engine = new Engine({ ...config, eventsMax: EVENTS_MAX });
    this.engine.events.onFull = dropEvents;
    this.book = this.engine.addSymbol(SEQ_SYMBOL, { ...TAPE_SPEC });
    if (this.book < 0) throw new Error(`addSymbol failed: ${this.engine.symbolError({ ...TAPE_SPEC })}`);
  }

  /**
   * Applies messages [start, end), events dropped: the throughput loop. The
   * tape's columns are read into locals first, so each message reads its
   * fields without re-checking what each column is after every engine call.
   */
  run(t: TapeColumns, start: number, end: number): void {
    const engine = this.engine;
    const events = engine.events;
    const op = t.op;
    const side = t.side;
    const type = t.type;
    const tif = t.tif;
    const id = t.id;
    const user = t.user;
    const price = t.price;
    const qty = t.qty;
    cmd.symbolId = this.book;
    cmd.stp = Stp.None;
    for (let i = start; i < end; i++) {
      const o = op[i];
      cmd.engineSeq = SEQ_BASE + i;
      cmd.receivedNs = i * 1000;
      cmd.orderId = id[i]!;
      cmd.userId = user[i]!;
      cmd.priceTicks = price[i]!;
      cmd.qtyLots = qty[i]!;
      if (o === TapeOp.New) {
        cmd.command = CommandCode.NewOrder;
        cmd.side = side[i]!;
        cmd.type = type[i]!;
        cmd.tif = tif[i]!;
      } else {
        cmd.command = o === TapeOp.Cancel ? CommandCode.Cancel : CommandCode.Modify;
      }
      engine.apply(cmd);
      events.count = 0;
    }
  }

  /** As run, writing each message's duration (ns, one timer read per message) to out[i - start]. */
  runTimed(t: TapeColumns, start: number, end: number, out: Float64Array): void {
    const engine = this.engine;
    const book = this.book;
    const events = engine.events;
    let t0 = Bun.nanoseconds();
    for (let i = start; i < end; i++) {
      apply(engine, book, t, i);
      events.count = 0;
      const t1 = Bun.nanoseconds();
      out[i - start] = t1 - t0;
      t0 = t1;
    }
  }

  /**
   * Applies messages [start, end) reporting every trade; returns how many messages were rejected
   * (slow; untimed checks only).
   */
  runReporting(t: TapeColumns, start: number, end: number, onTrade: OnTrade): number {
    const engine = this.engine;
    const events = engine.events;
    let rejects = 0;
    const drain = (e: EventBuffer) => {
      for (let r = 0; r < e.count; r++) {
        const kind = e.kind(r);
        if (kind === EventKind.Trade) onTrade(e.otherId(r), e.priceTicks(r), e.qtyLots(r));
        else if (kind === EventKind.Rejected) rejects++;
      }
      e.clear();
    };
    events.onFull = drain;
    try {
      for (let i = start; i < end; i++) {
        apply(engine, this.book, t, i);
        drain(events);
      }
    } finally {
      events.onFull = dropEvents;
    }
    return rejects;
  }

  /** All levels of one side, best first (allocates; end-of-tape digest only). */
  levels(side: number): DigestLevel[] {
    return this.engine.depth(this.book, side === TapeSide.Buy ? 0 : 1, Number.MAX_SAFE_INTEGER);
  }

  /** Throws when the engine's storage breaks an invariant (tests). */
  validate(): void {
    this.engine.validate();
  }
}

/** The one command struct every message is written into. */
const cmd = new CommandStruct();

/** One message; its events are left in the buffer for the caller. */
function apply(engine: Engine, book: number, t: TapeColumns, i: number): void {
  const o = t.op[i];
  cmd.engineSeq = SEQ_BASE + i;
  cmd.receivedNs = i * 1000;
  cmd.symbolId = book;
  cmd.orderId = t.id[i]!;
  cmd.userId = t.user[i]!;
  cmd.priceTicks = t.price[i]!;
  cmd.qtyLots = t.qty[i]!;
  if (o === TapeOp.New) {
    cmd.command = CommandCode.NewOrder;
    cmd.side = t.side[i]!;
    cmd.type = t.type[i]!;
    cmd.tif = t.tif[i]!;
    cmd.stp = Stp.None;
  } else if (o === TapeOp.Cancel) {
    cmd.command = CommandCode.Cancel;
  } else {
    cmd.command = CommandCode.Modify;
  }
  engine.apply(cmd);
}

// ---------------------------------------------------------------------------
// Several books in one engine (bench/shards.bench.ts): the tapes of a shard's
// symbols merged into one stream with a book column.

/** A shard's merged stream: the tape columns plus the book of each message. Ids are offset per book (shard-tape.ts). */
export interface ShardColumns extends TapeColumns {
  readonly book: Uint16Array;
}

/** Our engine with `books` symbols, all with the tape's spec, at the exchange's default capacities. */
export class OurShardBook {
  private readonly engine: Engine;
  readonly books: number;

  constructor(books: number, sizing: TapeSizing) {
    const d = defaultEngineConfig;
    this.engine = new Engine({
      ordersMax: Math.max(d.ordersMax, sizing.ordersMax),
      levelsMax: Math.max(d.levelsMax, sizing.levelsMax),
      levelsPerSideMax: Math.max(d.levelsPerSideMax, sizing.levelsPerSideMax),
      symbolsMax: Math.max(d.symbolsMax, books),
      eventsMax: EVENTS_MAX,
    });
    this.engine.events.onFull = dropEvents;
    this.books = books;
    for (let b = 0; b < books; b++) {
      const spec = { ...TAPE_SPEC, name: `TAPE-${b}` };
      if (this.engine.addSymbol(SEQ_SYMBOL, spec) !== b)
        throw new Error(`addSymbol ${spec.name} failed: ${this.engine.symbolError(spec)}`);
    }
  }

  /** Applies messages [start, end), events dropped (as OurTapeBook.run, with the book from the stream). */
  run(t: ShardColumns, start: number, end: number): void {
    const engine = this.engine;
    const events = engine.events;
    const op = t.op;
    const book = t.book;
    const side = t.side;
    const type = t.type;
    const tif = t.tif;
    const id = t.id;
    const user = t.user;
    const price = t.price;
    const qty = t.qty;
    cmd.stp = Stp.None;
    for (let i = start; i < end; i++) {
      const o = op[i];
      cmd.engineSeq = SEQ_BASE + i;
      cmd.receivedNs = i * 1000;
      cmd.symbolId = book[i]!;
      cmd.orderId = id[i]!;
      cmd.userId = user[i]!;
      cmd.priceTicks = price[i]!;
      cmd.qtyLots = qty[i]!;
      if (o === TapeOp.New) {
        cmd.command = CommandCode.NewOrder;
        cmd.side = side[i]!;
        cmd.type = type[i]!;
        cmd.tif = tif[i]!;
      } else {
        cmd.command = o === TapeOp.Cancel ? CommandCode.Cancel : CommandCode.Modify;
      }
      engine.apply(cmd);
      events.count = 0;
    }
  }

  /**
   * Applies the whole stream reporting every trade with its book; returns how many messages were rejected (untimed
   * checks).
   */
  runReporting(t: ShardColumns, onTrade: (book: number, makerId: number, price: number, qty: number) => void): number {
    const events = this.engine.events;
    let rejects = 0;
    const drain = (e: EventBuffer) => {
      for (let r = 0; r < e.count; r++) {
        const kind = e.kind(r);
        if (kind === EventKind.Trade) onTrade(e.book(r), e.otherId(r), e.priceTicks(r), e.qtyLots(r));
        else if (kind === EventKind.Rejected) rejects++;
      }
      e.clear();
    };
    events.onFull = drain;
    try {
      for (let i = 0; i < t.count; i++) {
        cmd.stp = Stp.None;
        apply(this.engine, t.book[i]!, t, i);
        drain(events);
      }
    } finally {
      events.onFull = dropEvents;
    }
    return rejects;
  }

  /** All levels of one side of one book, best first (allocates; digests only). */
  levels(book: number, side: number): DigestLevel[] {
    return this.engine.depth(book, side === TapeSide.Buy ? 0 : 1, Number.MAX_SAFE_INTEGER);
  }

  validate(): void {
    this.engine.validate();
  }
}
