// Checks shared by the API tests (embedded and with QuestDB): every route
// answers what the truth (the live engine's events through the plain
// references) says, paging included; and every route refuses missing,
// wrong-type, out-of-range and hostile parameters with a 400 naming the
// parameter, unknown routes with 404, other methods with 405, and enforces
// the key and ownership rules (401, 403).

import { expect } from "bun:test";
import type { MarketDataService } from "../../src/api/service.ts";
import { klineRow, orderEventJson, orderJson, tickJson } from "../../src/api/format.ts";
import { intervalCount, intervalNames, intervalUs } from "../../src/marketdata/intervals.ts";
import { orderStatusNames, type OrderRow } from "../../src/marketdata/order-rows.ts";
import { flowSymbols } from "../marketdata/order-flow.ts";
import { type Exchange, flowStartMs, get, keyOf, usersCount } from "../support/market-data.ts";

const symbolNames = flowSymbols.map((s) => s.name);

function orderOf(o: OrderRow, symbol: string) {
  return orderJson({ ...o, postOnly: false }, symbol);
}

/** Follows `nextFromId` until the end; every page at most `limit` rows. */
async function allPages(
  service: MarketDataService,
  path: string,
  rowsKey: string,
  limit: number,
  key: string | null = null,
): Promise<any[]> {
  const rows: any[] = [];
  let fromId = 0;
  for (let page = 0; page < 10_000; page++) {
    const r = await get(service, `${path}&fromId=${fromId}&limit=${limit}`, key);
    expect(r.status).toBe(200);
    const got = r.body[rowsKey] as any[];
    expect(got.length).toBeLessThanOrEqual(limit);
    rows.push(...got);
    if (r.body.nextFromId === null) return rows;
    expect(r.body.nextFromId).toBeGreaterThan(fromId);
    fromId = r.body.nextFromId;
  }
  throw new Error(`${path}: more than 10,000 pages`);
}

type Truth = Exchange["truth"];

/** One symbol's ticks (the latest, every page of the run, an earlier window) and its volume over two windows. */
async function checkTicksAndVolume(service: MarketDataService, truth: Truth, id: number, name: string): Promise<void> {
  const firstMs = Math.floor(truth.trades[0]!.tsUs / 1000);
  const lastMs = Math.floor(truth.trades.at(-1)!.tsUs / 1000);
  const trades = truth.trades.filter((t) => t.symbolId === id);
  const latest = await get(service, `/api/v1/ticks/latest?symbol=${name}`);
  expect(latest.body).toEqual({ symbol: name, tick: tickJson(trades.at(-1)!) });

  // Every trade of the whole run, page by page (a narrower window too).
  const window = `startTime=${firstMs}&endTime=${lastMs}`;
  const all = await allPages(service, `/api/v1/ticks?symbol=${name}&${window}`, "ticks", 97);
  expect(all).toEqual(trades.map(tickJson));
  const midMs = Math.floor((firstMs + lastMs) / 2);
  const early = await allPages(
    service,
    `/api/v1/ticks?symbol=${name}&startTime=${firstMs}&endTime=${midMs}`,
    "ticks",
    1000,
  );
  expect(early).toEqual(trades.filter((t) => t.tsUs <= midMs * 1000 + 999).map(tickJson));

  // Volume: a window of whole minutes from the start, and a recent window with odd edges.
  for (const [a, b] of [
    [Math.floor(firstMs / 60_000) * 60_000, Math.ceil(lastMs / 60_000) * 60_000],
    [lastMs - 600_123, lastMs + 1],
  ] as const) {
    const inWindow = trades.filter((t) => t.tsUs >= a * 1000 && t.tsUs < b * 1000);
    const v = await get(service, `/api/v1/volume?symbol=${name}&startTime=${a}&endTime=${b}`);
    expect(v.body).toEqual({
      symbol: name,
      startTime: a,
      endTime: b,
      trades: inWindow.length,
      volume: inWindow.reduce((s, t) => s + BigInt(t.qtyLots), 0n).toString(),
      quoteVolume: inWindow.reduce((s, t) => s + BigInt(t.quoteQty), 0n).toString(),
    });
  }
}

/** One symbol's candles of every interval, all pages from the first open time; the newest is live. */
async function checkCandles(service: MarketDataService, truth: Truth, id: number, name: string): Promise<void> {
  const lastMs = Math.floor(truth.trades.at(-1)!.tsUs / 1000);
  for (let interval = 0; interval < intervalCount; interval++) {
    const expected = truth.candles
      .candles(id, interval)
      .map((c, k, list) => klineRow({ ...c, final: k < list.length - 1 }));
    const got: any[] = [];
    let start = 0;
    for (let page = 0; page < 1000; page++) {
      const r = await get(
        service,
        `/api/v1/klines?symbol=${name}&interval=${intervalNames[interval]}&startTime=${start}&endTime=` +
          `${lastMs}&limit=7`,
      );
      expect(r.status).toBe(200);
      got.push(...r.body);
      if (r.body.length < 7) break;
      start = r.body.at(-1)[0] + 1;
    }
    expect({ interval, got }).toEqual({ interval, got: expected });
    const newest = await get(
      service,
      `/api/v1/klines?symbol=${name}&interval=${intervalNames[interval]}&endTime=${lastMs}&limit=5`,
    );
    expect(newest.body).toEqual(expected.slice(-5));
    const live = await get(service, `/api/v1/klines/live?symbol=${name}&interval=${intervalNames[interval]}`);
    expect(live.body).toEqual({ symbol: name, interval: intervalNames[interval], candle: expected.at(-1) });
    expect(intervalUs[interval]).toBeGreaterThan(0);
  }
}

/** One user's open orders, history, filled orders, a few orders one by one with their events, and 403 to others. */
async function checkUserOrders(service: MarketDataService, truth: Truth, user: number): Promise<void> {
  const orders = [...truth.orders.orders.values()];
  const key = keyOf(user);
  const mine = orders.filter((o) => o.userId === user).sort((a, b) => a.orderId - b.orderId);
  const live = mine.filter((o) => o.status === 0 || o.status === 1 || o.status === 6);
  const open = await allPages(service, "/api/v1/openOrders?", "orders", 50, key);
  expect(open).toEqual(live.map((o) => orderOf(o, symbolNames[o.symbolId]!)));
  const openBtc = await get(service, "/api/v1/openOrders?symbol=BTC-USD&limit=1000", key);
  expect(openBtc.body.orders).toEqual(live.filter((o) => o.symbolId === 0).map((o) => orderOf(o, "BTC-USD")));

  const window = `startTime=${flowStartMs}&endTime=${Math.floor(truth.lastTsUs / 1000)}`;
  const history = await allPages(service, `/api/v1/orders?${window}`, "orders", 83, key);
  expect(history).toEqual(mine.map((o) => orderOf(o, symbolNames[o.symbolId]!)));
  const filled = await allPages(service, `/api/v1/orders?symbol=ETH-USD&status=filled&${window}`, "orders", 40, key);
  expect(filled).toEqual(
    mine
      .filter((o) => o.symbolId === 1 && o.status === orderStatusNames.indexOf("filled"))
      .map((o) => orderOf(o, "ETH-USD")),
  );

  // A few orders one by one, with their histories: the oldest, the newest, one in between.
  for (const o of [mine[0]!, mine[Math.floor(mine.length / 2)]!, mine.at(-1)!]) {
    const one = await get(service, `/api/v1/orders/${o.orderId}`, key);
    expect(one.body).toEqual({ order: orderOf(o, symbolNames[o.symbolId]!) });
    const events = await get(service, `/api/v1/orders/${o.orderId}/events`, key);
    const expected = truth.orders.history
      .get(o.orderId)!
      .map((e) => orderEventJson(e, symbolNames[e.symbolId] ?? null));
    expect(events.body).toEqual({ orderId: o.orderId, events: expected, complete: true });
    // Someone else's order: 403, never its data.
    const other = await get(service, `/api/v1/orders/${o.orderId}`, keyOf((user % usersCount) + 1));
    expect(other.status).toBe(403);
    expect(JSON.stringify(other.body)).not.toContain(`"order"`);
    expect((await get(service, `/api/v1/orders/${o.orderId}/events`, keyOf((user % usersCount) + 1))).status).toBe(403);
  }
}

/** Every data route against the truth of `x` (its flow ran; the service caught up). */
export async function checkRoutesAgainstTruth(service: MarketDataService, x: Exchange): Promise<void> {
  const truth = x.truth;
  const time = await get(service, "/api/v1/time");
  expect(time.status).toBe(200);
  expect(time.body.engineSeq).toBe(x.sequencer.nextSeq - 1);
  expect(time.body.live).toBe(true);

  const symbols = await get(service, "/api/v1/symbols");
  expect(symbols.body.symbols.map((s: any) => [s.symbol, s.tickSize, s.lotSize])).toEqual(
    flowSymbols.map((s) => [s.name, String(s.tickSize), String(s.lotSize)]),
  );

  for (const [id, name] of symbolNames.entries()) {
    await checkTicksAndVolume(service, truth, id, name);
    await checkCandles(service, truth, id, name);
  }

  for (let user = 1; user <= usersCount; user++) await checkUserOrders(service, truth, user);
}

function expectError(r: { status: number; body: any }, status: number, parameter: string | null): void {
  expect({ status: r.status, parameter: r.body?.error?.parameter }).toEqual({ status, parameter });
  expect(Object.keys(r.body)).toEqual(["error"]);
  expect(Object.keys(r.body.error)).toEqual(["status", "code", "parameter", "message"]);
  expect(r.body.error.status).toBe(status);
  expect(typeof r.body.error.message).toBe("string");
}

const k1 = keyOf(1);
/** [path, status, parameter at fault, key] */
const refusalCases: [string, number, string | null, string | null][] = [
  ["/api/v1/ticks/latest", 400, "symbol", null],
  ["/api/v1/ticks/latest?symbol=NOPE", 400, "symbol", null],
  ["/api/v1/ticks/latest?symbol=btc-usd", 400, "symbol", null],
  [`/api/v1/ticks/latest?symbol=${encodeURIComponent("BTC-USD' OR '1'='1")}`, 400, "symbol", null],
  [`/api/v1/ticks/latest?symbol=${encodeURIComponent("BTC-USD'; DROP TABLE ticks; --")}`, 400, "symbol", null],
  ["/api/v1/ticks/latest?symbol=BTC-USD%00", 400, "symbol", null],
  [`/api/v1/ticks/latest?symbol=${"A".repeat(65)}`, 400, "symbol", null],
  ["/api/v1/ticks/latest?symbol=", 400, "symbol", null],
  ["/api/v1/ticks/latest?symbol=BTC-USD&symbol=ETH-USD", 400, "symbol", null],
  ["/api/v1/ticks/latest?symbol=BTC-USD&foo=1", 400, "foo", null],
  ["/api/v1/ticks?symbol=BTC-USD&limit=abc", 400, "limit", null],
  ["/api/v1/ticks?symbol=BTC-USD&limit=0", 400, "limit", null],
  ["/api/v1/ticks?symbol=BTC-USD&limit=1001", 400, "limit", null],
  ["/api/v1/ticks?symbol=BTC-USD&limit=1e3", 400, "limit", null],
  ["/api/v1/ticks?symbol=BTC-USD&limit=%2010", 400, "limit", null],
  ["/api/v1/ticks?symbol=BTC-USD&fromId=-1", 400, "fromId", null],
  ["/api/v1/ticks?symbol=BTC-USD&fromId=99999999999999999999", 400, "fromId", null],
  ["/api/v1/ticks?symbol=BTC-USD&startTime=1.5", 400, "startTime", null],
  ["/api/v1/ticks?symbol=BTC-USD&startTime=0x10", 400, "startTime", null],
  ["/api/v1/ticks?symbol=BTC-USD&startTime=2000&endTime=1000", 400, "startTime", null],
  ["/api/v1/ticks?symbol=BTC-USD&startTime=0&endTime=2678400001", 400, "endTime", null],
  ["/api/v1/ticks?symbol=BTC-USD&endTime=253402300800000", 400, "endTime", null],
  [`/api/v1/ticks?symbol=BTC-USD&startTime=${encodeURIComponent("1 OR 1=1")}`, 400, "startTime", null],
  ["/api/v1/volume?symbol=BTC-USD&startTime=1000&endTime=1000", 400, "endTime", null],
  ["/api/v1/volume", 400, "symbol", null],
  ["/api/v1/klines?symbol=BTC-USD", 400, "interval", null],
  ["/api/v1/klines?symbol=BTC-USD&interval=2m", 400, "interval", null],
  ["/api/v1/klines?symbol=BTC-USD&interval=1M", 400, "interval", null],
  ["/api/v1/klines?interval=1m", 400, "symbol", null],
  ["/api/v1/klines?symbol=BTC-USD&interval=1m&limit=-5", 400, "limit", null],
  ["/api/v1/klines?symbol=BTC-USD&interval=1m&startTime=5&endTime=4", 400, "startTime", null],
  ["/api/v1/klines/live?symbol=BTC-USD", 400, "interval", null],
  ["/api/v1/time?x=1", 400, "x", null],
  ["/api/v1/orders?status=bogus", 400, "status", k1],
  [`/api/v1/orders?status=${encodeURIComponent("filled' OR 1=1 --")}`, 400, "status", k1],
  ["/api/v1/orders?symbol=NOPE", 400, "symbol", k1],
  ["/api/v1/orders?limit=100000", 400, "limit", k1],
  ["/api/v1/orders/abc", 400, "orderId", k1],
  ["/api/v1/orders/0", 400, "orderId", k1],
  ["/api/v1/orders/1.5", 400, "orderId", k1],
  [`/api/v1/orders/${encodeURIComponent("1 OR 1=1")}`, 400, "orderId", k1],
  ["/api/v1/orders/99999999999999999999", 400, "orderId", k1],
  ["/api/v1/orders/1/events?limit=x", 400, "limit", k1],
  ["/api/v1/openOrders?fromId=abc", 400, "fromId", k1],
  // Keys: none, unknown, empty.
  ["/api/v1/openOrders", 401, null, null],
  ["/api/v1/orders", 401, null, "not-a-key"],
  ["/api/v1/orders/1", 401, null, ""],
  ["/api/v1/orders/1/events", 401, null, "x".repeat(300)],
  // Routes that do not exist.
  ["/", 404, null, null],
  ["/api/v1/nope", 404, null, null],
  ["/api/v1/ticks/", 404, null, null],
  ["/api/v2/time", 404, null, null],
  ["/api/v1/orders/1/events/2", 404, null, k1],
  ["/api/v1/orders/999999999", 404, null, k1],
  [`/${"a".repeat(3000)}`, 414, null, null],
];

/** Missing, wrong-type, out-of-range and hostile parameters, unknown routes and methods, keys and ownership. */
export async function checkRefusals(service: MarketDataService): Promise<void> {
  for (const [path, status, parameter, key] of refusalCases) {
    const r = await get(service, path, key);
    try {
      expectError(r, status, parameter);
    } catch (error) {
      throw new Error(`${path}: ${JSON.stringify(r)}: ${(error as Error).message}`);
    }
  }
  for (const method of ["POST", "PUT", "DELETE", "PATCH"])
    expectError(await get(service, "/api/v1/time", null, method), 405, null);
  // A refusal never disturbed the service.
  expect((await get(service, "/api/v1/time")).status).toBe(200);
}
