// Proves the query API in embedded mode (no QuestDB, answers from memory): every route answers what the live engine's
// events say (ticks page by page, volume, candles of every interval, open orders, order history with filters, single
// orders and their events), parameters and keys are refused as documented, data routes answer 503 until the journal
// replay ends, and memory-only limits are reported (complete: false, 404 for evicted orders).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { MarketDataService } from "../../src/api/service.ts";
import { type Exchange, followExchange, get, keyOf, startExchange } from "../support/market-data.ts";
import { checkRefusals, checkRoutesAgainstTruth } from "./route-checks.ts";

const commands = process.env.SOAK === "1" ? 60_000 : 6_000;
let x: Exchange;
let service: MarketDataService;

beforeAll(async () => {
  x = startExchange(21);
  x.run(commands);
  service = followExchange(x, { nowMs: () => Math.floor(x.truth.lastTsUs / 1000) + 1 });
  await service.ready;
  await service.caughtUp();
});

afterAll(async () => {
  await service?.stop();
  await x?.close();
});

describe("embedded mode (memory only)", () => {
  test("every route answers what the engine did", async () => {
    expect(x.truth.trades.length).toBeGreaterThan(1000);
    await checkRoutesAgainstTruth(service, x);
  });

  test("follows new commands as they become durable", async () => {
    const before = (await get(service, "/api/v1/time")).body.engineSeq;
    x.run(500);
    await service.caughtUp();
    const after = (await get(service, "/api/v1/time")).body.engineSeq;
    expect(after).toBe(x.sequencer.nextSeq - 1);
    expect(after).toBeGreaterThan(before);
    await checkRoutesAgainstTruth(service, x);
  });

  test("refuses bad parameters, unknown routes, other methods, missing keys and other users' orders", async () => {
    await checkRefusals(service);
  });
});

describe("memory limits without a database", () => {
  test("data routes answer 503 during the replay; evicted history is reported, not invented", async () => {
    const small = followExchange(x, {
      memory: { orders: { finishedOrdersMax: 16, orderEventsMax: 64 }, ticks: { ticksPerSymbol: 16 } },
      sliceRecordsMax: 16,
    });
    // The replay yields every 16 records: the API is up but not live yet.
    const early = await get(small, "/api/v1/ticks/latest?symbol=BTC-USD");
    expect(early.status).toBe(503);
    expect(early.body.error.code).toBe("not_available");
    expect((await get(small, "/api/v1/time")).status).toBe(200);
    await small.caughtUp();
    const orders = [...x.truth.orders.orders.values()]
      .filter((o) => o.userId === 1)
      .sort((a, b) => a.orderId - b.orderId);
    const evicted = orders.find((o) => o.status === 2 || o.status === 3)!;
    const r = await get(small, `/api/v1/orders/${evicted.orderId}`, keyOf(1));
    expect(r.status).toBe(404);
    expect(r.body.error.message).toContain("embedded mode");
    const history = await get(
      small,
      `/api/v1/orders?startTime=${Math.floor(orders[0]!.createdUs / 1000)}&endTime=` +
        `${Math.floor(x.truth.lastTsUs / 1000)}&limit=1000`,
      keyOf(1),
    );
    expect(history.body.complete).toBe(false);
    const first = x.truth.trades[0]!;
    const ticks = await get(
      small,
      `/api/v1/ticks?symbol=BTC-USD&startTime=${Math.floor(first.tsUs / 1000)}&endTime=` +
        `${Math.floor(x.truth.lastTsUs / 1000)}`,
    );
    expect(ticks.body.complete).toBe(false);
    expect(ticks.body.ticks.length).toBe(16);
    await small.stop();
  });
});
