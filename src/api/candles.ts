// Candles in the klines convention: symbol, interval, startTime and endTime
// (ms, on the open time), limit up to the page maximum, rows oldest first.
// With startTime: the oldest `limit` candles opening at or after it; without:
// the newest `limit` opening at or before endTime (default: now). Memory keeps
// each series' newest candles; QuestDB (full mode) answers older ones, joined
// at the oldest candle memory keeps. An interval with no trades has no candle.

import type { CandleRecord } from "../marketdata/candles.ts";
import { intervalNames } from "../marketdata/intervals.ts";
import { type ApiContext, limitParam, requireLive, symbolParam, timeMsMax } from "./context.ts";
import { badParameter } from "./errors.ts";
import { klineRow, type KlineRow } from "./format.ts";
import type { Params } from "./params.ts";

function intervalParam(p: Params): number {
  const name = p.oneOf("interval", intervalNames);
  if (name === null) throw badParameter("interval", `required, one of ${intervalNames.join(", ")}`);
  return intervalNames.indexOf(name);
}

/**
 * Open time of the oldest candle memory is sure to hold for a series (every later one is there): 0
 * while its ring has not wrapped.
 */
function memoryFromUs(ctx: ApiContext, series: number): number {
  const c = ctx.candles;
  return c.candleCount(series) < c.capacity ? 0 : c.openTimeUs[c.slotAt(series, 0)]!;
}

/** Positions [from, to) of the ring whose open times are in [startUs, endUs]. */
function memoryRange(ctx: ApiContext, series: number, startUs: number, endUs: number): [number, number] {
  const c = ctx.candles;
  const n = c.candleCount(series);
  const firstAtOrAfter = (us: number) => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (c.openTimeUs[c.slotAt(series, mid)]! < us) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [firstAtOrAfter(startUs), firstAtOrAfter(endUs + 1)];
}

export async function klines(ctx: ApiContext, p: Params): Promise<KlineRow[]> {
  requireLive(ctx);
  const symbol = symbolParam(ctx, p);
  const interval = intervalParam(p);
  const startMs = p.int("startTime", 0, timeMsMax, null);
  const endMs = p.int("endTime", 0, timeMsMax, Math.min(ctx.nowMs(), timeMsMax));
  const limit = limitParam(ctx, p);
  if (startMs !== null && startMs > endMs) throw badParameter("startTime", "must not be after endTime");
  const endUs = endMs * 1000 + 999;
  const c = ctx.candles;
  const series = c.seriesOf(symbol.id, interval);
  const memFromUs = memoryFromUs(ctx, series);
  const rows: CandleRecord[] = [];
  if (startMs !== null) {
    const startUs = startMs * 1000;
    if (startUs < memFromUs && ctx.questdb !== null)
      rows.push(
        ...(await ctx.questdb.candles(symbol.name, interval, startUs, Math.min(endUs, memFromUs - 1), limit, false)),
      );
    const [from, to] = memoryRange(ctx, series, Math.max(startUs, memFromUs), endUs);
    for (let k = from; k < to && rows.length < limit; k++)
      rows.push(c.record(symbol.id, interval, c.slotAt(series, k)));
  } else {
    const [from, to] = memoryRange(ctx, series, 0, endUs);
    for (let k = Math.max(from, to - limit); k < to; k++) rows.push(c.record(symbol.id, interval, c.slotAt(series, k)));
    if (rows.length < limit && memFromUs > 0 && ctx.questdb !== null) {
      const beforeUs = Math.min(endUs, memFromUs - 1);
      rows.unshift(...(await ctx.questdb.candles(symbol.name, interval, 0, beforeUs, limit - rows.length, true)));
    }
  }
  return rows.map(klineRow);
}

export function liveCandle(ctx: ApiContext, p: Params): object {
  requireLive(ctx);
  const symbol = symbolParam(ctx, p);
  const interval = intervalParam(p);
  const slot = ctx.candles.liveSlot(symbol.id, interval);
  return {
    symbol: symbol.name,
    interval: intervalNames[interval],
    candle: slot < 0 ? null : klineRow(ctx.candles.record(symbol.id, interval, slot)),
  };
}
