// Proves the tick ring keeps the newest ticks of each symbol, newest first, evicting the oldest,
// and refuses unknown symbols.

import { describe, expect, test } from "bun:test";
import { TickRing } from "./tick-ring.ts";
import { newTradeRow } from "./trade.ts";

describe("TickRing", () => {
  test("keeps the newest ticks per symbol, newest first", () => {
    const ring = new TickRing({ symbolsMax: 2, ticksPerSymbol: 3 });
    const t = newTradeRow();
    for (let i = 1; i <= 5; i++) {
      Object.assign(t, {
        symbolId: 0,
        tsUs: i * 10,
        priceTicks: 100 + i,
        qtyLots: i,
        quoteQty: (100 + i) * i,
        tradeId: i,
        takerSide: i % 2,
      });
      ring.push(t);
    }
    Object.assign(t, { symbolId: 1, tsUs: 99, priceTicks: 7, qtyLots: 1, quoteQty: 7, tradeId: 6, takerSide: 0 });
    ring.push(t);
    expect(ring.size(0)).toBe(3);
    expect(ring.latest(0, 10).map((x) => x.tradeId)).toEqual([5, 4, 3]);
    expect(ring.latest(0, 1)[0]).toEqual({
      tsUs: 50,
      priceTicks: 105,
      qtyLots: 5,
      quoteQty: 525,
      tradeId: 5,
      takerSide: 1,
    });
    expect(ring.latest(1, 10).map((x) => x.priceTicks)).toEqual([7]);
    expect(() => ring.slotNewest(1, 1)).toThrow(/outside/);
    expect(() => ring.push({ ...t, symbolId: 2 })).toThrow(/symbolId 2/);
  });
});
