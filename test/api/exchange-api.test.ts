// Proves `bun run engine` (src/server/main.ts, embedded mode) serves the query API from its market-data worker: the
// configured symbols, orders placed over TCP show up in the owner's open orders and history with the same API key (401
// with another key, 403 for another user's order), trades as ticks and candles; and a restart rebuilds the same answers
// from the journal, then a SIGTERM stops it cleanly.

import { afterAll, expect, test } from "bun:test";
import { ExchangeClient } from "../../src/client/index.ts";
import { EventKind, Side } from "../../src/engine/constants.ts";
import { ExchangeProcess, killAll } from "../support/exchange-process.ts";
import { tempDir } from "../support/temp-dir.ts";

const { dir, cleanup } = tempDir("exchange-api");
afterAll(async () => {
  await killAll();
  cleanup();
});

async function apiOf(x: ExchangeProcess): Promise<string> {
  const line = await x.waitForLine(/market data: query API on http:\/\/127\.0\.0\.1:\d+\/api\/v1/, 60_000);
  return /http:\/\/127\.0\.0\.1:\d+/.exec(line)![0];
}

async function getJson(url: string, key?: string): Promise<{ status: number; body: any }> {
  const r = await fetch(url, { headers: key === undefined ? {} : { "x-api-key": key } });
  return { status: r.status, body: await r.json() };
}

/** Polls `url` until `ok` holds for its answer (market data follows the journal at its own pace). */
async function until(
  url: string,
  key: string | undefined,
  ok: (r: { status: number; body: any }) => boolean,
): Promise<{ status: number; body: any }> {
  const deadline = performance.now() + 60_000;
  for (;;) {
    const r = await getJson(url, key);
    if (ok(r)) return r;
    if (performance.now() > deadline) throw new Error(`${url}: last answer ${JSON.stringify(r).slice(0, 500)}`);
    await Bun.sleep(20);
  }
}

test("the exchange serves the query API with the TCP keys, and rebuilds it after a restart", async () => {
  const env = { EXCHANGE_HTTP_ENABLED: "true" };
  let x = await ExchangeProcess.start({ dataDir: dir, env });
  let api = await apiOf(x);
  const symbols = (await getJson(`${api}/api/v1/symbols`)).body.symbols.map((s: any) => s.symbol);
  expect(symbols).toEqual(["BTC-USD", "ETH-USD", "SOL-USD"]);

  // Two users trade over TCP: a resting sell of user 1, a buy of user 2 that takes part of it.
  const reports: { user: number; kind: number }[] = [];
  const clients = await Promise.all(
    [1, 2].map(async (user) => {
      const c = new ExchangeClient({
        host: "127.0.0.1",
        port: x.port,
        onReport: (r) => reports.push({ user, kind: r.kind }),
      });
      await c.connect();
      await c.login(`dev-key-${user}`);
      return c;
    }),
  );
  clients[0]!.newOrder({ clientOrderId: 11, symbolId: 0, side: Side.Sell, priceTicks: 5_000_000, qtyLots: 5000 });
  await until(`${api}/api/v1/openOrders`, "dev-key-1", (r) => r.body.orders?.length === 1);
  clients[1]!.newOrder({ clientOrderId: 21, symbolId: 0, side: Side.Buy, priceTicks: 5_000_000, qtyLots: 2000 });
  const open = await until(
    `${api}/api/v1/openOrders?symbol=BTC-USD`,
    "dev-key-1",
    (r) => r.body.orders?.[0]?.filled === "2000",
  );
  expect(reports.some((r) => r.kind === EventKind.Trade)).toBe(true);
  const mine = open.body.orders[0];
  expect(mine).toMatchObject({
    clientOrderId: 11,
    symbol: "BTC-USD",
    side: "sell",
    status: "partially_filled",
    qty: "5000",
    filled: "2000",
    leaves: "3000",
  });
  const tick = (await until(`${api}/api/v1/ticks/latest?symbol=BTC-USD`, undefined, (r) => r.body.tick !== null)).body
    .tick;
  expect(tick).toMatchObject({ price: "5000000", qty: "2000", takerSide: "buy" });
  expect((await getJson(`${api}/api/v1/klines/live?symbol=BTC-USD&interval=1m`)).body.candle[5]).toBe("2000");
  expect((await getJson(`${api}/api/v1/openOrders`, "dev-key-9")).status).toBe(401);
  expect((await getJson(`${api}/api/v1/orders/${mine.orderId}`, "dev-key-2")).status).toBe(403);
  const history = (await getJson(`${api}/api/v1/orders/${mine.orderId}/events`, "dev-key-1")).body.events.map(
    (e: any) => e.event,
  );
  expect(history).toEqual(["placed", "filled"]);
  await Promise.all(clients.map((c) => c.close()));
  expect(await x.stop()).toBe(0);

  // A restart: memory is rebuilt from the journal, the answers are the same.
  x = await ExchangeProcess.start({ dataDir: dir, env });
  api = await apiOf(x);
  const again = await until(`${api}/api/v1/openOrders?symbol=BTC-USD`, "dev-key-1", (r) => r.status === 200);
  expect(again.body.orders).toEqual(open.body.orders);
  expect((await getJson(`${api}/api/v1/ticks/latest?symbol=BTC-USD`)).body.tick).toEqual(tick);
  expect(await x.stop()).toBe(0);
}, 300_000);
