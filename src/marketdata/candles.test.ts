// Proves the candle aggregator equals the plain reference on random streams (in order and with late trades), emits each
// final candle once when its bucket closes (next trade or advanceTo), produces nothing for empty intervals, keeps exact
// integer volumes past 2^53, and allocates nothing per trade.

import { heapStats } from "bun:jsc";
import { describe, expect, test } from "bun:test";
import { Prng } from "../../bench/prng.ts";
import { forEachRandomTrade } from "../../test/marketdata/random-trades.ts";
import { CandleReference, type ReferenceCandle } from "./candle-reference.ts";
import { CandleAggregator, type CandleRecord, NIL } from "./candles.ts";
import { intervalCount, intervalIndex, intervalUs } from "./intervals.ts";
import { newTradeRow, type TradeRow } from "./trade.ts";

const seed = Number(process.env.SEED ?? 42);
const minute = 60_000_000;
const day0 = Date.UTC(2026, 0, 5) * 1000;

function trade(symbolId: number, tsUs: number, priceTicks: number, qtyLots: number, tradeId: number): TradeRow {
  const t = newTradeRow();
  Object.assign(t, { symbolId, tsUs, priceTicks, qtyLots, quoteQty: priceTicks * qtyLots, tradeId, seq: tradeId });
  return t;
}

/** The fields the reference also has, for a deep comparison. */
function comparable(c: CandleRecord | ReferenceCandle) {
  return {
    symbolId: c.symbolId,
    interval: c.interval,
    openTimeUs: c.openTimeUs,
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
    quoteVolume: c.quoteVolume,
    notional: c.notional,
    trades: c.trades,
    vwapTicks: c.vwapTicks,
    firstTradeId: c.firstTradeId,
    lastTradeId: c.lastTradeId,
  };
}

/** Records every onFinal: the last values per key, and how often each key was handed out. */
function recordFinals(agg: CandleAggregator) {
  const last = new Map<string, CandleRecord>();
  const times = new Map<string, number>();
  agg.onFinal = (symbolId, interval, slot) => {
    const c = agg.record(symbolId, interval, slot);
    expect(c.final).toBe(true);
    const key = `${symbolId}/${interval}/${c.openTimeUs}`;
    last.set(key, c);
    times.set(key, (times.get(key) ?? 0) + 1);
  };
  return { last, times };
}

describe("candles vs the reference", () => {
  test(`an in-order random stream over days: ring, finals and live candles equal the reference (seed ${seed})`, () => {
    const symbols = 3;
    const agg = new CandleAggregator({ symbolsMax: 4, candlesPerSeries: 1000 });
    const ref = new CandleReference();
    const finals = recordFinals(agg);
    const rng = new Prng(seed);
    let lastTs = 0;
    forEachRandomTrade(seed, { count: 60_000, symbols, meanGapUs: 6_000_000 }, (t) => {
      agg.onTrade(t);
      ref.onTrade(t);
      lastTs = t.tsUs;
      // A timer that fires now and then, never ahead of the stream.
      if (rng.chance(0.01)) agg.advanceTo(t.tsUs);
    });
    expect(agg.stats.lateTrades).toBe(0);
    // Live candles: the newest of each series, equal to the reference's newest.
    for (let s = 0; s < symbols; s++) {
      for (let i = 0; i < intervalCount; i++) {
        const kept = agg.records(s, i);
        const expected = ref.candles(s, i);
        // The ring keeps the newest 1,000 (the 1m series over ~4 days has more).
        expect(kept.map(comparable)).toEqual(expected.slice(-1000).map(comparable));
        expect(kept.at(-1)!.final).toBe(false);
        expect(agg.liveSlot(s, i)).not.toBe(NIL);
      }
    }
    agg.advanceTo(lastTs + 2 * intervalUs[intervalIndex("1d")]!);
    // Every bucket of the stream was handed out exactly once, with its final values.
    let buckets = 0;
    for (let s = 0; s < symbols; s++) {
      for (let i = 0; i < intervalCount; i++) {
        for (const c of ref.candles(s, i)) {
          const key = `${s}/${i}/${c.openTimeUs}`;
          expect(finals.times.get(key)).toBe(1);
          expect(comparable(finals.last.get(key)!)).toEqual(comparable(c));
          buckets++;
        }
        expect(agg.liveSlot(s, i)).toBe(NIL);
      }
    }
    expect(finals.last.size).toBe(buckets);
    expect(agg.stats.finals).toBe(buckets);
  });

  test(`late trades behind advanceTo amend their candles, which are handed out again (seed ${seed})`, () => {
    const agg = new CandleAggregator({ symbolsMax: 2, candlesPerSeries: 1000 });
    const ref = new CandleReference();
    const finals = recordFinals(agg);
    const rng = new Prng(seed + 7);
    let now = day0;
    let id = 0;
    for (let i = 0; i < 5_000; i++) {
      now += rng.range(0, 10_000_000);
      // One trade in ten is stamped up to 20 minutes in the past (a clock that stepped back).
      const ts = rng.chance(0.1) ? Math.max(day0, now - rng.range(0, 20 * minute)) : now;
      const t = trade(rng.int(2), ts, rng.range(900, 1100), rng.range(1, 50), ++id);
      agg.onTrade(t);
      ref.onTrade(t);
      if (rng.chance(0.05)) agg.advanceTo(now);
    }
    expect(agg.stats.lateTrades).toBeGreaterThan(0);
    expect(agg.stats.amendedFinals).toBeGreaterThan(0);
    expect(agg.stats.tradesOutsideRing).toBe(0);
    agg.advanceTo(now + 2 * intervalUs[intervalIndex("1d")]!);
    for (let s = 0; s < 2; s++) {
      for (let i = 0; i < intervalCount; i++) {
        const expected = ref.candles(s, i).map(comparable);
        expect(agg.records(s, i).map(comparable)).toEqual(expected);
        // The last handed-out version of each candle is the final truth.
        for (const c of expected) expect(comparable(finals.last.get(`${s}/${i}/${c.openTimeUs}`)!)).toEqual(c);
      }
    }
  });

  test("a late trade older than a full ring keeps is counted, not silently folded in", () => {
    const agg = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 3 });
    for (let m = 0; m < 5; m++) agg.onTrade(trade(0, day0 + m * minute, 100, 1, m + 1));
    agg.onTrade(trade(0, day0, 100, 1, 6));
    // The 1m ring keeps minutes 2..4; minute 0 is gone. Longer intervals keep their one bucket and take the trade.
    expect(agg.stats.tradesOutsideRing).toBe(1);
    expect(agg.records(0, intervalIndex("1m")).map((c) => c.openTimeUs)).toEqual(
      [2, 3, 4].map((m) => day0 + m * minute),
    );
    expect(agg.records(0, intervalIndex("5m"))[0]!.trades).toBe(6);
  });
});

describe("candle lifecycle", () => {
  test("the live candle follows every trade; the next bucket's trade makes it final, exactly once", () => {
    const agg = new CandleAggregator({ symbolsMax: 2, candlesPerSeries: 1000 });
    const finals: string[] = [];
    agg.onFinal = (s, i, slot) => finals.push(`${s}/${i}/${agg.openTimeUs[slot]}`);
    const m1 = intervalIndex("1m");
    agg.onTrade(trade(0, day0 + 1_000, 100, 2, 1));
    agg.onTrade(trade(0, day0 + 2_000, 104, 1, 2));
    agg.onTrade(trade(0, day0 + 3_000, 98, 1, 3));
    const live = agg.liveSlot(0, m1);
    expect(agg.record(0, m1, live)).toMatchObject({
      open: 100,
      high: 104,
      low: 98,
      close: 98,
      volume: 4n,
      trades: 3,
      vwapTicks: 101,
      final: false,
    });
    const seen: string[] = [];
    agg.collectLive((s, i, slot) => seen.push(`${s}/${i}/${agg.close[slot]}`));
    expect(seen).toEqual(["0/0/98", "0/1/98", "0/2/98", "0/3/98", "0/4/98", "0/5/98"]);
    // Nothing changed since: nothing to collect.
    agg.collectLive(() => expect.unreachable());
    // Another symbol's trade in the next minute closes nothing of symbol 0.
    agg.onTrade(trade(1, day0 + minute, 500, 1, 4));
    expect(finals).toEqual([]);
    // Symbol 0's first trade of the next minute closes its 1m candle only.
    agg.onTrade(trade(0, day0 + minute + 5, 101, 1, 5));
    expect(finals).toEqual([`0/${m1}/${day0}`]);
    expect(agg.records(0, m1).map((c) => [c.final, c.close])).toEqual([
      [true, 98],
      [false, 101],
    ]);
  });

  test("advanceTo closes a bucket exactly at its end, once, and not a microsecond earlier", () => {
    const agg = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 1000 });
    const finals: string[] = [];
    agg.onFinal = (_s, i, slot) => finals.push(`${i}/${agg.openTimeUs[slot]}`);
    agg.onTrade(trade(0, day0 + 30 * 1_000_000, 100, 1, 1));
    agg.advanceTo(day0 + minute - 1);
    expect(finals).toEqual([]);
    agg.advanceTo(day0 + minute);
    expect(finals).toEqual([`0/${day0}`]);
    agg.advanceTo(day0 + minute + 1);
    agg.advanceTo(day0 + minute);
    expect(finals).toEqual([`0/${day0}`]);
    agg.advanceTo(day0 + 4 * 60 * minute);
    expect(finals).toEqual([`0/${day0}`, `1/${day0}`, `2/${day0}`, `3/${day0}`, `4/${day0}`]);
    expect(agg.liveSlot(0, intervalIndex("1d"))).not.toBe(NIL);
    // A closed candle is no longer live, so it is not collected as live either.
    agg.collectLive((_s, i) => expect(i).toBe(intervalIndex("1d")));
  });

  test("an interval with no trades produces no candle, neither live nor final", () => {
    const agg = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 1000 });
    const finals: number[] = [];
    const m1 = intervalIndex("1m");
    agg.onFinal = (_s, i, slot) => {
      if (i === m1) finals.push((agg.openTimeUs[slot]! - day0) / minute);
    };
    agg.onTrade(trade(0, day0 + 10, 100, 1, 1));
    agg.advanceTo(day0 + 3 * minute + 5);
    agg.onTrade(trade(0, day0 + 3 * minute + 10, 100, 1, 2));
    agg.advanceTo(day0 + 10 * minute);
    expect(finals).toEqual([0, 3]);
    expect(agg.records(0, m1).map((c) => (c.openTimeUs - day0) / minute)).toEqual([0, 3]);
    expect(agg.records(0, intervalIndex("5m")).map((c) => c.trades)).toEqual([2]);
  });

  test("UTC alignment: 4h buckets start at 00, 04, 08 ... UTC and 1d at midnight UTC", () => {
    const agg = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 1000 });
    const ts = Date.UTC(2026, 2, 14, 7, 59, 59, 999) * 1000 + 999;
    agg.onTrade(trade(0, ts, 100, 1, 1));
    const open = (name: string) => new Date(agg.records(0, intervalIndex(name))[0]!.openTimeUs / 1000).toISOString();
    expect(open("1m")).toBe("2026-03-14T07:59:00.000Z");
    expect(open("15m")).toBe("2026-03-14T07:45:00.000Z");
    expect(open("4h")).toBe("2026-03-14T04:00:00.000Z");
    expect(open("1d")).toBe("2026-03-14T00:00:00.000Z");
  });

  test("the ring keeps the newest candles and evicts the oldest", () => {
    const agg = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 4 });
    for (let m = 0; m < 10; m++) agg.onTrade(trade(0, day0 + m * minute, 100 + m, 1, m + 1));
    expect(agg.records(0, intervalIndex("1m")).map((c) => c.open)).toEqual([106, 107, 108, 109]);
    expect(agg.records(0, intervalIndex("5m")).map((c) => c.trades)).toEqual([5, 5]);
  });
});

describe("exact numbers", () => {
  test("volumes, quote volumes and notionals past 2^53 stay exact; VWAP rounds half up", () => {
    const agg = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 1000 });
    const qty = Number.MAX_SAFE_INTEGER;
    const price = 2 ** 31 - 1;
    const t = trade(0, day0, price, qty, 1);
    t.quoteQty = Number.MAX_SAFE_INTEGER;
    agg.onTrade(t);
    const t2 = trade(0, day0 + 1, price - 1, qty, 2);
    t2.quoteQty = Number.MAX_SAFE_INTEGER;
    agg.onTrade(t2);
    const c = agg.record(0, 0, agg.liveSlot(0, 0));
    expect(c.volume).toBe(2n * BigInt(qty));
    expect(c.quoteVolume).toBe(2n * BigInt(Number.MAX_SAFE_INTEGER));
    expect(c.notional).toBe(BigInt(qty) * BigInt(price) + BigInt(qty) * BigInt(price - 1));
    // (p + p - 1) / 2 is exactly p - 0.5: half rounds up to p.
    expect(c.vwapTicks).toBe(price);
    expect(agg.volumeText(agg.liveSlot(0, 0))).toBe((2n * BigInt(qty)).toString());
    const small = new CandleAggregator({ symbolsMax: 1, candlesPerSeries: 1000 });
    small.onTrade(trade(0, day0, 1, 3, 1));
    small.onTrade(trade(0, day0 + 1, 2, 1, 2));
    // (3 + 2) / 4 = 1.25 rounds to 1.
    expect(small.vwapTicks(small.liveSlot(0, 0))).toBe(1);
  });

  test("bad trades are refused with the field named", () => {
    const agg = new CandleAggregator({ symbolsMax: 2, candlesPerSeries: 1000 });
    const bad = (patch: Partial<TradeRow>) => () => agg.onTrade({ ...trade(0, day0, 100, 1, 1), ...patch });
    expect(bad({ symbolId: 2 })).toThrow(/symbolId 2/);
    expect(bad({ symbolId: -1 })).toThrow(/symbolId/);
    expect(bad({ priceTicks: Number.NaN })).toThrow(/priceTicks/);
    expect(bad({ priceTicks: 2 ** 31 })).toThrow(/priceTicks/);
    expect(bad({ qtyLots: 0 })).toThrow(/qtyLots/);
    expect(bad({ qtyLots: 2 ** 53 })).toThrow(/qtyLots/);
    expect(bad({ quoteQty: -1 })).toThrow(/quoteQty/);
    expect(bad({ tsUs: 1.5 })).toThrow(/tsUs/);
    expect(bad({ tsUs: -60 })).toThrow(/tsUs/);
    expect(() => agg.advanceTo(Number.POSITIVE_INFINITY)).toThrow(/advanceTo/);
    expect(agg.stats.trades).toBe(0);
    expect(agg.records(0, 0)).toEqual([]);
  });
});

describe("allocation", () => {
  test("a trade allocates nothing once the aggregator exists", () => {
    const agg = new CandleAggregator({ symbolsMax: 4, candlesPerSeries: 1000 });
    agg.onFinal = () => {};
    const t = newTradeRow();
    const run = (from: number, n: number) => {
      for (let i = from; i < from + n; i++) {
        t.symbolId = i & 3;
        t.tsUs = day0 + i * 5_000_000;
        t.priceTicks = 1000 + (i % 17);
        t.qtyLots = 1 + (i % 5);
        t.quoteQty = t.priceTicks * t.qtyLots;
        t.tradeId = i + 1;
        agg.onTrade(t);
        if ((i & 1023) === 0) agg.advanceTo(t.tsUs);
      }
    };
    run(0, 20_000);
    Bun.gc(true);
    const before = heapStats().objectCount;
    run(20_000, 100_000);
    const after = heapStats().objectCount;
    // One object per trade would be 100,000; a collection during the run can only lower the count.
    expect(after - before).toBeLessThan(1_000);
  });
});
