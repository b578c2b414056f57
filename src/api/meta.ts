// GET /api/v1/time and GET /api/v1/symbols.

import { type ApiContext } from "./context.ts";
import { msOf } from "./format.ts";

export function exchangeTime(ctx: ApiContext): object {
  const s = ctx.state();
  return {
    serverTime: ctx.nowMs(),
    engineTime: s.appliedSeq === 0 ? null : msOf(s.appliedTsUs),
    engineTimeUs: s.appliedSeq === 0 ? null : s.appliedTsUs,
    engineSeq: s.appliedSeq,
    live: s.live,
  };
}

export function symbols(ctx: ApiContext): object {
  const e = ctx.engine;
  const list = [];
  for (let id = 0; id < e.booksCount; id++) {
    const s = e.symbolSpec(id);
    list.push({
      symbol: s.name,
      symbolId: id,
      tickSize: String(s.tickSize),
      lotSize: String(s.lotSize),
      minPrice: String(s.minPrice),
      maxPrice: String(s.maxPrice),
      maxQty: String(s.maxQty),
    });
  }
  return { symbols: list };
}
