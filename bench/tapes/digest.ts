// The consensus digest: what every book must agree on after a tape. The
// trades (count, quantity, sum of price x quantity, and an order-sensitive
// 32-bit hash of every trade's maker id, price and quantity) and the final
// book (per side: levels, orders, volume, sum of price x volume, and the top
// levels). The Java driver (ExchangeCorePeer.java) computes the same fields
// the same way; `digestDiff` names every field that differs.

/** Levels per side listed in full in the digest (all levels count in the totals). */
export const DIGEST_TOP_LEVELS = 10;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TWO_32 = 4294967296;

export interface BookSideDigest {
  levels: number;
  orders: number;
  volume: number;
  /** Sum over levels of price x volume. */
  notional: number;
  /** Best first: [price, volume, orders]. */
  top: [number, number, number][];
}

export interface Digest {
  trades: number;
  tradedQty: number;
  /** Sum over trades of price x quantity. */
  tradedNotional: number;
  /** FNV-1a over 32-bit words (maker id low, maker id high, price, quantity) of every trade in order; 8 hex digits. */
  tradeHash: string;
  bids: BookSideDigest;
  asks: BookSideDigest;
}

/** Folds trades one by one into the trade part of a digest. */
export class TradeFold {
  trades = 0;
  tradedQty = 0;
  tradedNotional = 0;
  private hash = FNV_OFFSET | 0;

  add(makerId: number, price: number, qty: number): void {
    this.trades++;
    this.tradedQty += qty;
    this.tradedNotional += price * qty;
    let h = this.hash;
    h = Math.imul(h ^ (makerId >>> 0), FNV_PRIME);
    h = Math.imul(h ^ Math.floor(makerId / TWO_32), FNV_PRIME);
    h = Math.imul(h ^ price, FNV_PRIME);
    h = Math.imul(h ^ qty, FNV_PRIME);
    this.hash = h;
  }

  hashHex(): string {
    return (this.hash >>> 0).toString(16).padStart(8, "0");
  }
}

export interface DigestLevel {
  price: number;
  qty: number;
  count: number;
}

/** One side of the final book from its levels, best first. */
export function sideDigest(levels: readonly DigestLevel[]): BookSideDigest {
  const d: BookSideDigest = { levels: levels.length, orders: 0, volume: 0, notional: 0, top: [] };
  for (const l of levels) {
    d.orders += l.count;
    d.volume += l.qty;
    d.notional += l.price * l.qty;
    if (d.top.length < DIGEST_TOP_LEVELS) d.top.push([l.price, l.qty, l.count]);
  }
  return d;
}

export function makeDigest(trades: TradeFold, bids: readonly DigestLevel[], asks: readonly DigestLevel[]): Digest {
  const d: Digest = {
    trades: trades.trades,
    tradedQty: trades.tradedQty,
    tradedNotional: trades.tradedNotional,
    tradeHash: trades.hashHex(),
    bids: sideDigest(bids),
    asks: sideDigest(asks),
  };
  assertExact(d);
  return d;
}

/** Sums are float64 here and Java longs in the peer: both agree only while every sum stays below 2^53. */
function assertExact(d: Digest): void {
  for (const v of [d.tradedQty, d.tradedNotional, d.bids.volume, d.bids.notional, d.asks.volume, d.asks.notional]) {
    if (!Number.isSafeInteger(v))
      throw new Error(`digest sum ${v} is not an exact integer; the tape is too large for float64 sums`);
  }
}

/** Paths of the fields where `a` and `b` differ (empty when they agree), with both values. */
export function digestDiff(a: Digest, b: Digest): string[] {
  const out: string[] = [];
  const walk = (x: unknown, y: unknown, path: string) => {
    if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) out.push(`${path}.length: ${x.length} vs ${y.length}`);
      for (let i = 0; i < Math.min(x.length, y.length); i++) walk(x[i], y[i], `${path}[${i}]`);
    } else if (typeof x === "object" && x !== null && typeof y === "object" && y !== null) {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys)
        walk((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], path === "" ? k : `${path}.${k}`);
    } else if (x !== y) {
      out.push(`${path}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`);
    }
  };
  walk(a, b, "");
  return out;
}
