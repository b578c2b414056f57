// Seeded random command streams for the differential test: a symbol prefix,
// then orders of every type around a drifting mid per book (so books cross and
// sweep several levels), cancels and modifies of live and gone ids, duplicate
// ids, stop cascades, mass cancels of a user's orders (one book or all, one
// side or both; an operator's of every user), operators halting and resuming
// books, and now and then a field that must be rejected. The same seed always
// gives the same stream; there is no Math.random here.

import type {
  CancelCommand,
  Command,
  MassCancelCommand,
  ModifyCommand,
  NewOrderCommand,
  SymbolSpec,
  SymbolStatusCommand,
} from "../../src/engine/command.ts";
import { CancelReason, MassCancelSide, OrderType, Side, Stp, Tif, TradingStatus } from "../../src/engine/constants.ts";

const TWO_32 = 4294967296;
const TWO_53 = 2 ** 53;

/** sfc32 seeded through splitmix32: small, fast and good enough for test streams. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let s = (seed >>> 0) ^ Math.floor(seed / TWO_32);
    const next = (): number => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / TWO_32;
  }

  /** Uniform integer in [0, n), n <= 2^32. */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  chance(p: number): boolean {
    return this.float() < p;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("pick from an empty list");
    return items[this.int(items.length)]!;
  }
}

/** A book of the stream: its spec and where its mid starts. */
export interface GeneratorBook {
  spec: SymbolSpec;
  midPrice: number;
}

export const DEFAULT_BOOKS: readonly GeneratorBook[] = [
  {
    spec: { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
    midPrice: 50_000,
  },
  {
    spec: { name: "ETH-USD", tickSize: 5, lotSize: 10, minPrice: 5, maxPrice: 1_000_000, maxQty: 100_000 },
    midPrice: 3_000,
  },
  {
    spec: {
      name: "SOL-USD",
      tickSize: 100,
      lotSize: 1_000_000,
      minPrice: 100,
      maxPrice: 100_000_000,
      maxQty: 100_000_000_000,
    },
    midPrice: 1_500_000,
  },
  // A band of 41 prices ending at the largest price an Int32 column holds: the
  // mid reaches both edges, so prices at and just past the band are common.
  {
    spec: {
      name: "EDGE",
      tickSize: 1,
      lotSize: 1000,
      minPrice: 2_147_483_607,
      maxPrice: 2_147_483_647,
      maxQty: 10_000_000,
    },
    midPrice: 2_147_483_627,
  },
];

export interface GeneratorOptions {
  books?: readonly GeneratorBook[];
  /** Users 1..usersCount place most orders, so self-trades are common. */
  usersCount?: number;
  /** Prices are drawn within this many ticks of the book's mid. */
  bandTicks?: number;
  /** Ids remembered per book for cancels and modifies; reaching it forces a cancel, which bounds live orders. */
  poolMax?: number;
  /** Share of new orders with one field made invalid. */
  invalidRate?: number;
  /** Share of GTC limit orders priced on their own side of the mid; the rest cross it. */
  passiveShare?: number;
}

export const GENERATOR_DEFAULTS = {
  usersCount: 4,
  bandTicks: 10,
  poolMax: 200,
  invalidRate: 0.03,
  passiveShare: 0.85,
} as const;

interface PoolEntry {
  id: number;
  user: number;
  side: number;
  isStop: boolean;
  /** The last price and quantity this stream sent for the id (fills may have reduced it since). */
  price: number;
  qty: number;
}

interface BookState {
  spec: SymbolSpec;
  index: number;
  midTick: number;
  minTick: number;
  maxTick: number;
  pool: PoolEntry[];
  /** What this stream last set (a rejected status command changes nothing). */
  halted: boolean;
}

const RECENT_IDS_MAX = 64;

/** `count` commands in all, the symbol commands first; seq runs 1..count. */
export function* generateCommands(seed: number, count: number, options: GeneratorOptions = {}): Generator<Command> {
  const g = new StreamState(seed, options);
  for (let i = 0; i < count; i++) yield g.next();
}

class StreamState {
  private readonly rng: Rng;
  private readonly books: BookState[];
  private readonly defs: readonly GeneratorBook[];
  private readonly usersCount: number;
  private readonly bandTicks: number;
  private readonly poolMax: number;
  private readonly invalidRate: number;
  private readonly passiveShare: number;
  private readonly recentIds: number[] = [];
  private seq = 0;
  private nextId = 1;

  constructor(seed: number, o: GeneratorOptions) {
    this.rng = new Rng(seed);
    this.defs = o.books ?? DEFAULT_BOOKS;
    this.usersCount = o.usersCount ?? GENERATOR_DEFAULTS.usersCount;
    this.bandTicks = o.bandTicks ?? GENERATOR_DEFAULTS.bandTicks;
    this.poolMax = o.poolMax ?? GENERATOR_DEFAULTS.poolMax;
    this.invalidRate = o.invalidRate ?? GENERATOR_DEFAULTS.invalidRate;
    this.passiveShare = o.passiveShare ?? GENERATOR_DEFAULTS.passiveShare;
    this.books = this.defs.map((def, index) => {
      const minTick = Math.ceil(def.spec.minPrice / def.spec.tickSize);
      const maxTick = Math.floor(def.spec.maxPrice / def.spec.tickSize);
      return {
        spec: def.spec,
        index,
        midTick: Math.round(def.midPrice / def.spec.tickSize),
        minTick,
        maxTick,
        pool: [],
        halted: false,
      };
    });
  }

  next(): Command {
    this.seq++;
    const seq = this.seq;
    const ts = 1_700_000_000_000 + seq * 10;
    if (seq <= this.defs.length) return { op: "symbol", seq, tsUs: ts, spec: { ...this.defs[seq - 1]!.spec } };
    const b = this.rng.pick(this.books);
    this.drift(b);
    if (b.pool.length >= this.poolMax) return this.forcedCancel(b, seq, ts);
    const r = this.rng.float();
    if (r < 0.46) return this.limit(b, seq, ts);
    if (r < 0.52) return this.market(b, seq, ts);
    if (r < 0.6) return this.stop(b, seq, ts);
    if (r < 0.7975) return this.cancel(b, seq, ts);
    if (r < 0.8) return this.massCancel(b, seq, ts);
    if (r < 0.8025) return this.symbolStatus(b, seq, ts);
    return this.modify(b, seq, ts);
  }

  // ---- New orders ---------------------------------------------------------

  private limit(b: BookState, seq: number, ts: number): Command {
    const tifRoll = this.rng.float();
    const tif = tifRoll < 0.7 ? Tif.Gtc : tifRoll < 0.85 ? Tif.Ioc : Tif.Fok;
    const side = this.side();
    // Mostly passive GTC orders build depth; IOC, FOK and a share of GTC orders take.
    const price =
      tif === Tif.Gtc && this.rng.chance(this.passiveShare)
        ? this.passivePrice(b, side)
        : this.aggressivePrice(b, side);
    const c = this.order(b, seq, ts, side, OrderType.Limit, tif, price, this.qty(b));
    c.postOnly = tif === Tif.Gtc && this.rng.chance(0.15);
    return this.finishNew(b, c);
  }

  private market(b: BookState, seq: number, ts: number): Command {
    const tif = this.rng.pick([Tif.Gtc, Tif.Ioc, Tif.Fok]);
    const protection = this.rng.chance(0.5) ? this.price(b) : 0;
    const qty = this.rng.chance(0.1) ? this.lots(b, 10, 60) : this.qty(b);
    return this.finishNew(b, this.order(b, seq, ts, this.side(), OrderType.Market, tif, protection, qty));
  }

  private stop(b: BookState, seq: number, ts: number): Command {
    const isLimit = this.rng.chance(0.5);
    const tifRoll = this.rng.float();
    const tif = tifRoll < 0.6 ? Tif.Gtc : tifRoll < 0.8 ? Tif.Ioc : Tif.Fok;
    const stopTick = b.midTick + this.rng.range(-this.bandTicks, this.bandTicks);
    const side = this.side();
    let price = 0;
    if (isLimit) {
      price = (stopTick + this.rng.range(-2, 4) * (side === Side.Buy ? 1 : -1)) * b.spec.tickSize;
    } else if (this.rng.chance(0.4)) {
      price = this.price(b);
    }
    const type = isLimit ? OrderType.StopLimit : OrderType.StopMarket;
    const c = this.order(b, seq, ts, side, type, tif, price, this.rng.chance(0.2) ? this.lots(b, 5, 30) : this.qty(b));
    c.stopPriceTicks = stopTick * b.spec.tickSize;
    c.postOnly = isLimit && tif === Tif.Gtc && this.rng.chance(0.15);
    return this.finishNew(b, c);
  }

  private order(
    b: BookState,
    seq: number,
    ts: number,
    side: number,
    type: number,
    tif: number,
    price: number,
    qty: number,
  ): NewOrderCommand {
    const id = this.newId(b);
    return {
      op: "new",
      seq,
      tsUs: ts,
      book: b.index,
      id,
      user: this.user(),
      // Mostly derived from the id (as a client numbers its orders), sometimes anything.
      clientOrderId: this.rng.chance(0.9) ? id + 1_000_000 : this.rng.int(1000),
      side,
      type,
      tif,
      postOnly: false,
      stp: this.rng.chance(0.45) ? Stp.None : this.rng.range(1, 4),
      priceTicks: price,
      qtyLots: qty,
      stopPriceTicks: 0,
    };
  }

  /** Maybe breaks one field, then remembers an order that may stay live. */
  private finishNew(b: BookState, c: NewOrderCommand): Command {
    if (this.rng.chance(this.invalidRate)) this.breakField(b, c);
    const mayRest =
      (c.type === OrderType.Limit && c.tif === Tif.Gtc) ||
      c.type === OrderType.StopLimit ||
      c.type === OrderType.StopMarket;
    if (mayRest && c.book === b.index) {
      b.pool.push({
        id: c.id,
        user: c.user,
        side: c.side,
        isStop: c.type !== OrderType.Limit,
        price: c.priceTicks,
        qty: c.qtyLots,
      });
    }
    this.remember(c.id);
    return c;
  }

  private breakField(b: BookState, c: NewOrderCommand): void {
    const tick = b.spec.tickSize;
    const offTick = tick > 1 ? 1 : 0.5;
    switch (this.rng.int(14)) {
      case 0:
        c.book = this.rng.pick([-1, this.books.length, 1000, 1.5]);
        return;
      case 1:
        c.id = this.rng.pick([-1, 1.5, TWO_53, TWO_53 + 2]);
        return;
      case 2:
        c.user = this.rng.pick([-1, 0.5, TWO_53]);
        return;
      case 3:
        c.side = this.rng.pick([2, -1, 0.5]);
        return;
      case 4:
        c.type = this.rng.pick([4, -1]);
        return;
      case 5:
        c.tif = 3;
        return;
      case 6:
        c.stp = this.rng.pick([5, -1, 1.5]);
        return;
      case 7:
        c.postOnly = true;
        if (c.type === OrderType.Limit || c.type === OrderType.StopLimit) c.tif = this.rng.pick([Tif.Ioc, Tif.Fok]);
        return;
      case 8:
        c.qtyLots = this.rng.pick([
          0,
          -b.spec.lotSize,
          b.spec.lotSize * 1.5,
          b.spec.maxQty + b.spec.lotSize,
          0.5,
          Number.NaN,
        ]);
        return;
      case 9:
        c.priceTicks = c.priceTicks + offTick;
        return;
      case 10:
        c.priceTicks = this.rng.pick([
          b.spec.maxPrice + tick,
          b.spec.minPrice - tick,
          -tick,
          2 ** 31,
          tick * TWO_32 + c.priceTicks,
        ]);
        return;
      case 11:
        c.priceTicks =
          c.type === OrderType.Market || c.type === OrderType.StopMarket ? this.rng.pick([offTick, -tick]) : 0;
        return;
      case 12:
        c.type = this.rng.pick([OrderType.StopLimit, OrderType.StopMarket]);
        c.stopPriceTicks = this.rng.pick([
          0,
          c.stopPriceTicks + offTick,
          b.spec.maxPrice + tick,
          tick * TWO_32 + (c.stopPriceTicks || c.priceTicks),
        ]);
        return;
      default:
        // On a stop order this is a bad stop price; on a limit or market order the field is ignored.
        c.stopPriceTicks = this.rng.pick([0, b.midTick * tick + offTick, b.midTick * tick]);
        return;
    }
  }

  // ---- Cancels and modifies -----------------------------------------------

  private cancel(b: BookState, seq: number, ts: number): CancelCommand {
    const r = this.rng.float();
    if (r < 0.75 && b.pool.length > 0) return this.forcedCancel(b, seq, ts);
    const c: CancelCommand = {
      op: "cancel",
      seq,
      tsUs: ts,
      book: b.index,
      id: 0,
      user: this.user(),
      clientOrderId: this.rng.int(1000),
    };
    if (r < 0.83 && b.pool.length > 0) {
      const e = this.rng.pick(b.pool);
      c.id = e.id;
      c.user = e.user === 1 ? 2 : 1;
    } else if (r < 0.88 && b.pool.length > 0) {
      c.id = this.rng.pick(b.pool).id;
      c.book = this.rng.pick(this.books).index;
    } else if (r < 0.95 && this.recentIds.length > 0) {
      c.id = this.rng.pick(this.recentIds);
    } else {
      c.id = this.rng.pick([this.nextId + 1_000_000, -1, 0.5]);
      if (this.rng.chance(0.2)) c.book = this.rng.pick([-1, this.books.length, 0.5]);
    }
    return c;
  }

  /** Cancels a remembered id with its owner, and forgets it: whatever is live stays in the pool. */
  private forcedCancel(b: BookState, seq: number, ts: number): CancelCommand {
    const i = this.rng.int(b.pool.length);
    const e = b.pool[i]!;
    b.pool[i] = b.pool[b.pool.length - 1]!;
    b.pool.pop();
    return { op: "cancel", seq, tsUs: ts, book: b.index, id: e.id, user: e.user, clientOrderId: e.id + 1_000_000 };
  }

  /**
   * A mass cancel of one user: mostly valid (one book or all, one side or
   * both), sometimes an unknown book, a bad side or a reason that is not a
   * mass-cancel reason. The pool forgets what it cancels.
   */
  private massCancel(b: BookState, seq: number, ts: number): MassCancelCommand {
    const user = b.pool.length > 0 && this.rng.chance(0.8) ? this.rng.pick(b.pool).user : this.user();
    const c: MassCancelCommand = {
      op: "mass_cancel",
      seq,
      tsUs: ts,
      user,
      clientOrderId: this.rng.int(1000),
      oneSymbol: this.rng.chance(0.6),
      book: b.index,
      massSide: this.rng.pick([MassCancelSide.Both, MassCancelSide.Both, MassCancelSide.Buy, MassCancelSide.Sell]),
      cancelReason: this.rng.pick([
        CancelReason.MassCancel,
        CancelReason.Disconnect,
        CancelReason.DeadMansSwitch,
        CancelReason.Admin,
      ]),
    };
    const r = this.rng.float();
    if (r < 0.03) c.book = this.rng.pick([-1, this.books.length, 0.5]);
    else if (r < 0.05) c.massSide = this.rng.pick([3, -1, 0.5]);
    else if (r < 0.07) c.cancelReason = this.rng.pick([0, CancelReason.User, CancelReason.Admin + 1]);
    else if (r < 0.08) c.user = this.rng.pick([-1, 0.5, TWO_53]);
    else if (r < 0.09) c.allUsers = true;
    // An operator's cancel of every user's orders (user 0 in the log).
    else if (c.cancelReason === CancelReason.Admin && r < 0.4) Object.assign(c, { allUsers: true, user: 0 });
    this.forgetMassCancelled(c);
    return c;
  }

  /**
   * An operator halts or resumes the book: a halted book mostly resumes soon,
   * an open one is sometimes halted (about a quarter of the time halted);
   * now and then an unknown book or a status that is neither.
   */
  private symbolStatus(b: BookState, seq: number, ts: number): SymbolStatusCommand {
    const c: SymbolStatusCommand = {
      op: "symbol_status",
      seq,
      tsUs: ts,
      book: b.index,
      status: TradingStatus.Open,
      clientOrderId: this.rng.int(1000),
    };
    const r = this.rng.float();
    if (r < 0.05) c.book = this.rng.pick([-1, this.books.length, 0.5]);
    else if (r < 0.1) c.status = this.rng.pick([2, 255, -1, 0.5]);
    else {
      c.status = (b.halted ? this.rng.chance(0.2) : this.rng.chance(0.3)) ? TradingStatus.Halted : TradingStatus.Open;
      b.halted = c.status === TradingStatus.Halted;
    }
    return c;
  }

  private forgetMassCancelled(c: MassCancelCommand): void {
    const valid =
      c.massSide === MassCancelSide.Both || c.massSide === MassCancelSide.Buy || c.massSide === MassCancelSide.Sell;
    if (!valid || c.cancelReason < CancelReason.MassCancel || c.cancelReason > CancelReason.Admin) return;
    if (c.allUsers === true && c.cancelReason !== CancelReason.Admin) return;
    const side = c.massSide === MassCancelSide.Buy ? Side.Buy : c.massSide === MassCancelSide.Sell ? Side.Sell : -1;
    for (const book of this.books) {
      if (c.oneSymbol && book.index !== c.book) continue;
      book.pool = book.pool.filter(
        (e) => !((c.allUsers === true || e.user === c.user) && (side === -1 || e.side === side)),
      );
    }
  }

  private modify(b: BookState, seq: number, ts: number): ModifyCommand {
    const tick = b.spec.tickSize;
    const c: ModifyCommand = {
      op: "modify",
      seq,
      tsUs: ts,
      book: b.index,
      id: this.nextId + 1_000_000,
      user: this.user(),
      clientOrderId: 0,
      priceTicks: 0,
      qtyLots: 0,
    };
    if (b.pool.length === 0 || this.rng.chance(0.04)) {
      c.priceTicks = this.price(b);
      c.qtyLots = this.qty(b);
      if (this.rng.chance(0.3)) c.book = this.rng.pick([-1, this.books.length, 0.5]);
      return c;
    }
    const e = this.rng.pick(b.pool);
    c.id = e.id;
    c.clientOrderId = e.id + 1_000_000;
    c.user = this.rng.chance(0.93) ? e.user : e.user + 1;
    const lot = b.spec.lotSize;
    const r = this.rng.float();
    if (r < 0.3) {
      // Same price, quantity down (priority kept) or, if fills shrank it, maybe up.
      c.priceTicks = e.price;
      c.qtyLots = Math.max(lot, e.qty - lot * this.rng.range(0, 3));
    } else if (r < 0.45) {
      c.priceTicks = e.price;
      c.qtyLots = e.qty + lot * this.rng.range(1, 5);
    } else if (r < 0.75) {
      c.priceTicks = e.price + tick * this.rng.range(-3, 3);
      c.qtyLots = this.qty(b);
    } else if (r < 0.93) {
      // Anywhere in the band: often crossing, so the modify trades.
      c.priceTicks = this.price(b);
      c.qtyLots = this.rng.chance(0.5) ? e.qty : this.lots(b, 1, 30);
    } else {
      c.priceTicks = this.rng.pick([
        e.price + (tick > 1 ? 1 : 0.5),
        b.spec.maxPrice + tick,
        0,
        tick * TWO_32 + e.price,
      ]);
      c.qtyLots = this.rng.pick([e.qty, 0, lot * 1.5, b.spec.maxQty + lot]);
    }
    if (c.qtyLots > b.spec.maxQty && this.rng.chance(0.9)) c.qtyLots = b.spec.maxQty;
    e.price = c.priceTicks;
    e.qty = c.qtyLots;
    return c;
  }

  // ---- Fields -------------------------------------------------------------

  private drift(b: BookState): void {
    if (!this.rng.chance(0.08)) return;
    const half = this.bandTicks >> 1;
    const lo = b.minTick + half;
    const hi = b.maxTick - half;
    b.midTick = Math.min(hi, Math.max(lo, b.midTick + (this.rng.chance(0.5) ? 1 : -1)));
  }

  /** A price within bandTicks of the mid; at the edge of a band it may fall outside (a reject). */
  private price(b: BookState): number {
    return (b.midTick + this.rng.range(-this.bandTicks, this.bandTicks)) * b.spec.tickSize;
  }

  /** On the order's own side of the mid: it usually rests. */
  private passivePrice(b: BookState, side: number): number {
    const away = this.rng.range(0, this.bandTicks);
    return (b.midTick + (side === Side.Buy ? -away : away)) * b.spec.tickSize;
  }

  /** Across the mid: it usually trades, often through several levels. */
  private aggressivePrice(b: BookState, side: number): number {
    const through = this.rng.range(-1, this.bandTicks >> 1);
    return (b.midTick + (side === Side.Buy ? through : -through)) * b.spec.tickSize;
  }

  private qty(b: BookState): number {
    const r = this.rng.float();
    if (r < 0.7) return this.lots(b, 1, 5);
    if (r < 0.92) return this.lots(b, 5, 20);
    return this.lots(b, 20, 80);
  }

  private lots(b: BookState, lo: number, hi: number): number {
    return Math.min(b.spec.maxQty, b.spec.lotSize * this.rng.range(lo, hi));
  }

  private side(): number {
    return this.rng.chance(0.5) ? Side.Buy : Side.Sell;
  }

  private user(): number {
    const r = this.rng.float();
    if (r < 0.005) return 0;
    if (r < 0.01) return TWO_53 - 1;
    return this.rng.range(1, this.usersCount);
  }

  private newId(b: BookState): number {
    const r = this.rng.float();
    // An id of a remembered order: a duplicate while it is live, a legal reuse once it is gone.
    if (r < 0.03 && b.pool.length > 0) return this.rng.pick(b.pool).id;
    if (r < 0.05 && this.recentIds.length > 0) return this.rng.pick(this.recentIds);
    if (r < 0.052) return TWO_53 - 1 - this.rng.int(4);
    return this.nextId++;
  }

  private remember(id: number): void {
    if (this.recentIds.length < RECENT_IDS_MAX) {
      this.recentIds.push(id);
    } else {
      this.recentIds[this.rng.int(RECENT_IDS_MAX)] = id;
    }
  }
}
