// What a request handler reads: the replica's memory (symbols, recent ticks,
// candles, orders), QuestDB for older history (full mode; null in embedded
// mode), the clock, the API keys and the limits. Plus the few checks every
// handler shares: a known symbol, a time window, the caller's user.

import type { Engine } from "../engine/engine.ts";
import type { CandleAggregator } from "../marketdata/candles.ts";
import type { OrderStore } from "../marketdata/order-store.ts";
import type { TickRing } from "../marketdata/tick-ring.ts";
import { ApiError, badParameter, ErrorCode, notAvailable } from "./errors.ts";
import type { Params } from "./params.ts";
import type { QuestdbReader } from "./questdb-reader.ts";

export interface ApiLimits {
  /** Most rows in one page (and the `limit` parameter's maximum). */
  rowsMax: number;
  /** Rows in a page when `limit` is absent. */
  rowsDefault: number;
  /** Widest time window of a ticks, volume or orders query. */
  windowMsMax: number;
  /** The window when a query gives no start. */
  windowMsDefault: number;
}

export const apiLimitsDefault: Readonly<ApiLimits> = {
  rowsMax: 1000,
  rowsDefault: 500,
  windowMsMax: 31 * 86_400_000,
  windowMsDefault: 86_400_000,
};

/** The last time the API accepts, ms: year 9999 (QuestDB's timestamps end there). */
export const timeMsMax = 253_402_300_799_999;

export interface ApiState {
  /** False while the replica replays the journal at start-up (data routes answer 503). */
  live: boolean;
  appliedSeq: number;
  appliedTsUs: number;
  /** Seq the replay must reach before the API goes live. */
  targetSeq: number;
}

export interface ApiContext {
  engine: Engine;
  ticks: TickRing;
  candles: CandleAggregator;
  orders: OrderStore;
  questdb: QuestdbReader | null;
  limits: ApiLimits;
  nowMs(): number;
  state(): ApiState;
  /** The user a SHA-256 hex of an API key belongs to, or null. */
  userOfKeyHash(sha256: string): number | null;
}

/** The engine's id of the `symbol` parameter (required); 400 when unknown. */
export function symbolParam(ctx: ApiContext, p: Params, name = "symbol"): { id: number; name: string } {
  const symbol = p.required(name);
  return { id: knownSymbol(ctx, symbol, name), name: symbol };
}

/** As symbolParam, or null when absent. */
export function optionalSymbolParam(ctx: ApiContext, p: Params): { id: number; name: string } | null {
  const symbol = p.string("symbol");
  return symbol === null ? null : { id: knownSymbol(ctx, symbol, "symbol"), name: symbol };
}

function knownSymbol(ctx: ApiContext, symbol: string, name: string): number {
  const id = ctx.engine.bookOf(symbol);
  if (id < 0) throw badParameter(name, "unknown symbol (GET /api/v1/symbols lists them)");
  return id;
}

export function limitParam(ctx: ApiContext, p: Params): number {
  return p.int("limit", 1, ctx.limits.rowsMax, ctx.limits.rowsDefault);
}

/**
 * `startTime` and `endTime` (ms, inclusive) as µs: endTime defaults to now,
 * startTime to endTime less the default window; the window must not be
 * reversed or wider than the maximum.
 */
export function windowParams(
  ctx: ApiContext,
  p: Params,
): { startUs: number; endUs: number; startMs: number; endMs: number } {
  const endMs = p.int("endTime", 0, timeMsMax, Math.min(ctx.nowMs(), timeMsMax));
  const startMs = p.int("startTime", 0, timeMsMax, Math.max(0, endMs - ctx.limits.windowMsDefault));
  if (startMs > endMs) throw badParameter("startTime", "must not be after endTime");
  if (endMs - startMs > ctx.limits.windowMsMax)
    throw badParameter("endTime", `the window may span at most ${ctx.limits.windowMsMax} ms`);
  return { startUs: startMs * 1000, endUs: endMs * 1000 + 999, startMs, endMs };
}

/** Data routes need the replay finished: before that memory is partial. */
export function requireLive(ctx: ApiContext): void {
  const s = ctx.state();
  if (!s.live)
    throw notAvailable(
      `market data is replaying the journal (seq ${s.appliedSeq} of ${s.targetSeq}); try again shortly`,
    );
}

/** The user whose API key the request carries (X-API-Key); 401 without one or with an unknown one. */
export function callerOf(ctx: ApiContext, headers: Headers): number {
  const key = headers.get("x-api-key");
  if (key === null || key.length === 0)
    throw new ApiError(401, ErrorCode.Unauthorized, "this route needs an API key in the X-API-Key header");
  if (key.length > 256) throw new ApiError(401, ErrorCode.Unauthorized, "the API key is not valid");
  const user = ctx.userOfKeyHash(new Bun.CryptoHasher("sha256").update(key).digest("hex"));
  if (user === null) throw new ApiError(401, ErrorCode.Unauthorized, "the API key is not valid");
  return user;
}
