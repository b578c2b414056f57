// Ticks: the latest trade of a symbol, trades in a time window paged by trade
// id, and traded volume over a window. Memory holds each symbol's newest
// trades (TickRing) and candles; QuestDB (full mode) answers what they no
// longer hold, and the two are joined at the oldest trade memory keeps.

import { intervalCount, intervalUs } from "../marketdata/intervals.ts";
import type { TickRecord } from "../marketdata/tick-ring.ts";
import { wideBigInt } from "../marketdata/wide-sum.ts";
import { type ApiContext, limitParam, requireLive, symbolParam, windowParams } from "./context.ts";
import { badParameter, notAvailable } from "./errors.ts";
import { tickJson } from "./format.ts";
import type { Params } from "./params.ts";

export function latestTick(ctx: ApiContext, p: Params): object {
  requireLive(ctx);
  const symbol = symbolParam(ctx, p);
  const ring = ctx.ticks;
  const tick = ring.size(symbol.id) === 0 ? null : tickJson(tickAt(ring, ring.slotNewest(symbol.id, 0)));
  return { symbol: symbol.name, tick };
}

function tickAt(ring: ApiContext["ticks"], slot: number): TickRecord {
  return {
    tsUs: ring.tsUs[slot]!,
    priceTicks: ring.priceTicks[slot]!,
    qtyLots: ring.qtyLots[slot]!,
    quoteQty: ring.quoteQty[slot]!,
    tradeId: ring.tradeId[slot]!,
    takerSide: ring.takerSide[slot]!,
  };
}

/** What memory holds of a symbol's trades: complete from `fromId` on (0: everything since the first trade). */
function memoryFrom(ctx: ApiContext, symbolId: number): { fromId: number; fromUs: number } {
  const ring = ctx.ticks;
  const n = ring.size(symbolId);
  if (n < ring.capacity) return { fromId: 0, fromUs: 0 };
  const oldest = ring.slotNewest(symbolId, n - 1);
  return { fromId: ring.tradeId[oldest]!, fromUs: ring.tsUs[oldest]! };
}

/** Trades in memory with id >= fromId and ts in [startUs, endUs], oldest first, at most `limit`. */
function memoryTicks(
  ctx: ApiContext,
  symbolId: number,
  startUs: number,
  endUs: number,
  fromId: number,
  limit: number,
): TickRecord[] {
  const ring = ctx.ticks;
  const out: TickRecord[] = [];
  for (let k = ring.size(symbolId) - 1; k >= 0 && out.length < limit; k--) {
    const slot = ring.slotNewest(symbolId, k);
    const ts = ring.tsUs[slot]!;
    if (ring.tradeId[slot]! >= fromId && ts >= startUs && ts <= endUs) out.push(tickAt(ring, slot));
  }
  return out;
}

export async function ticksInWindow(ctx: ApiContext, p: Params): Promise<object> {
  requireLive(ctx);
  const symbol = symbolParam(ctx, p);
  const w = windowParams(ctx, p);
  const fromId = p.int("fromId", 0, Number.MAX_SAFE_INTEGER, 0);
  const limit = limitParam(ctx, p);
  const mem = memoryFrom(ctx, symbol.id);
  // Older matching trades may exist outside memory only if memory starts after both the cursor and the window start.
  const older = fromId < mem.fromId && w.startUs <= mem.fromUs;
  let rows: TickRecord[];
  let complete = true;
  if (older && ctx.questdb !== null) {
    rows = await ctx.questdb.ticks(symbol.name, w.startUs, w.endUs, fromId, mem.fromId, limit);
    if (rows.length < limit)
      rows.push(...memoryTicks(ctx, symbol.id, w.startUs, w.endUs, mem.fromId, limit - rows.length));
  } else {
    rows = memoryTicks(ctx, symbol.id, w.startUs, w.endUs, fromId, limit);
    complete = !older;
  }
  const nextFromId = rows.length === limit ? rows[rows.length - 1]!.tradeId + 1 : null;
  return {
    symbol: symbol.name,
    startTime: w.startMs,
    endTime: w.endMs,
    ticks: rows.map(tickJson),
    nextFromId,
    complete,
  };
}

/** Traded volume in [startTime, endTime): from memory's trades, else its candles for whole minutes, else QuestDB. */
export async function volume(ctx: ApiContext, p: Params): Promise<object> {
  requireLive(ctx);
  const symbol = symbolParam(ctx, p);
  const w = windowParams(ctx, p);
  if (w.startMs === w.endMs)
    throw badParameter("endTime", "must be after startTime (the window is [startTime, endTime))");
  const startUs = w.startUs;
  const endUs = w.endMs * 1000;
  const sums = fromTicks(ctx, symbol.id, startUs, endUs) ?? fromCandles(ctx, symbol.id, startUs, endUs);
  let r = sums;
  if (r === null) {
    if (ctx.questdb === null) {
      throw notAvailable(
        "the window reaches past the trades kept in memory and its ends are not whole minutes (embedded mode " +
          "has no history database)",
      );
    }
    r = await ctx.questdb.volume(symbol.name, startUs, endUs);
  }
  return {
    symbol: symbol.name,
    startTime: w.startMs,
    endTime: w.endMs,
    trades: r.trades,
    volume: r.volume.toString(),
    quoteVolume: r.quoteVolume.toString(),
  };
}

interface Sums {
  trades: number;
  volume: bigint;
  quoteVolume: bigint;
}

function fromTicks(ctx: ApiContext, symbolId: number, startUs: number, endUs: number): Sums | null {
  const mem = memoryFrom(ctx, symbolId);
  if (mem.fromId !== 0 && mem.fromUs >= startUs) return null;
  const ring = ctx.ticks;
  let trades = 0;
  let vol = 0n;
  let quote = 0n;
  for (let k = 0; k < ring.size(symbolId); k++) {
    const slot = ring.slotNewest(symbolId, k);
    const ts = ring.tsUs[slot]!;
    if (ts < startUs || ts >= endUs) continue;
    trades++;
    vol += BigInt(ring.qtyLots[slot]!);
    quote += BigInt(ring.quoteQty[slot]!);
  }
  return { trades, volume: vol, quoteVolume: quote };
}

/**
 * Tiles [startUs, endUs) (whole minutes) with the longest aligned candles; null when an end is not a minute or a bucket
 * is no longer in memory.
 */
function fromCandles(ctx: ApiContext, symbolId: number, startUs: number, endUs: number): Sums | null {
  const minute = intervalUs[0]!;
  if (startUs % minute !== 0 || endUs % minute !== 0) return null;
  const c = ctx.candles;
  const sums: Sums = { trades: 0, volume: 0n, quoteVolume: 0n };
  for (let t = startUs; t < endUs;) {
    let interval = intervalCount - 1;
    while (interval > 0 && (t % intervalUs[interval]! !== 0 || t + intervalUs[interval]! > endUs)) interval--;
    const series = c.seriesOf(symbolId, interval);
    const slot = candleAt(c, series, t);
    if (slot === undefined) return null;
    if (slot !== null) {
      sums.trades += c.tradeCount[slot]!;
      sums.volume += wideBigInt(c.volumeHi, c.volumeLo, slot);
      sums.quoteVolume += wideBigInt(c.quoteHi, c.quoteLo, slot);
    }
    t += intervalUs[interval]!;
  }
  return sums;
}

/**
 * The slot of the candle opening at `openUs`, null when memory knows there was none, undefined
 * when memory no longer knows.
 */
function candleAt(c: ApiContext["candles"], series: number, openUs: number): number | null | undefined {
  const n = c.candleCount(series);
  if (n === c.capacity && c.openTimeUs[c.slotAt(series, 0)]! > openUs) return undefined;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (c.openTimeUs[c.slotAt(series, mid)]! < openUs) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && c.openTimeUs[c.slotAt(series, lo)] === openUs ? c.slotAt(series, lo) : null;
}
