// A shard's stream for bench/shards.bench.ts: the tapes of the symbols one
// engine owns, merged message by message (round robin, each tape's own order
// kept) into one stream with a book column. Order ids are unique per tape;
// book b's ids are offset by b x 2^41 (tape ids are below 2^40), so they stay
// unique across the books of one engine.

import { type Digest, digestDiff, makeDigest, TradeFold } from "./digest.ts";
import type { Tape, TapeSizing } from "./generate.ts";
import type { OurShardBook, ShardColumns } from "./our-engine.ts";
import { TapeSide } from "./tape.ts";

export const BOOK_ID_OFFSET = 2 ** 41;

export function mergeShard(tapes: readonly Tape[]): ShardColumns {
  if (tapes.length < 1 || tapes.length > 1 << 16) throw new Error(`a shard holds 1..65536 tapes, not ${tapes.length}`);
  let count = 0;
  for (const t of tapes) count += t.columns.count;
  const out = {
    count,
    op: new Uint8Array(count),
    side: new Uint8Array(count),
    type: new Uint8Array(count),
    tif: new Uint8Array(count),
    id: new Float64Array(count),
    user: new Uint32Array(count),
    price: new Int32Array(count),
    qty: new Int32Array(count),
    aux: new Int32Array(count),
    book: new Uint16Array(count),
    minPrice: tapes[0]!.columns.minPrice,
    maxPrice: tapes[0]!.columns.maxPrice,
  };
  const next = new Array<number>(tapes.length).fill(0);
  let w = 0;
  while (w < count) {
    for (let b = 0; b < tapes.length; b++) {
      const c = tapes[b]!.columns;
      const i = next[b]!;
      if (i >= c.count) continue;
      next[b] = i + 1;
      out.op[w] = c.op[i]!;
      out.side[w] = c.side[i]!;
      out.type[w] = c.type[i]!;
      out.tif[w] = c.tif[i]!;
      out.id[w] = c.id[i]! + b * BOOK_ID_OFFSET;
      out.user[w] = c.user[i]!;
      out.price[w] = c.price[i]!;
      out.qty[w] = c.qty[i]!;
      out.aux[w] = c.aux[i]!;
      out.book[w] = b;
      w++;
    }
  }
  return out;
}

/** Capacities for all the shard's books at once: the sum of each tape's peaks. */
export function shardSizing(tapes: readonly Tape[]): TapeSizing {
  const s = { ordersMax: 0, levelsMax: 0, levelsPerSideMax: 0 };
  for (const t of tapes) {
    s.ordersMax += t.sizing.ordersMax;
    s.levelsMax += t.sizing.levelsMax;
    s.levelsPerSideMax = Math.max(s.levelsPerSideMax, t.sizing.levelsPerSideMax);
  }
  return s;
}

/**
 * Runs the merged stream through a fresh shard engine (untimed) and compares
 * each book's digest with its tape's expectation; returns the differing fields
 * per book (all empty: every book agreed) and the rejects.
 */
export function checkShard(
  book: OurShardBook,
  merged: ShardColumns,
  tapes: readonly Tape[],
): { diffs: string[][]; rejects: number } {
  const folds = tapes.map(() => new TradeFold());
  const rejects = book.runReporting(merged, (b, makerId, price, qty) =>
    folds[b]!.add(makerId - b * BOOK_ID_OFFSET, price, qty),
  );
  book.validate();
  const diffs = tapes.map((t, b) => {
    const digest: Digest = makeDigest(folds[b]!, book.levels(b, TapeSide.Buy), book.levels(b, TapeSide.Sell));
    return digestDiff(digest, t.expected);
  });
  return { diffs, rejects };
}
