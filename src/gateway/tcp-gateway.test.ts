// Proves the TCP gateway end to end over real loopback sockets: login rules, fills between sessions, own-order cancel
// and modify, limits, and bad input that never touches the engine or other sessions.
import { afterEach, describe, expect, test } from "bun:test";
import { CancelReason, EventKind, OrderType, Reject, Side, Tif } from "../engine/constants.ts";
import { Body, LogoutReason } from "../protocol/index.ts";
import { GatewayReject } from "./tcp-gateway.ts";
import { type RunningExchange, startExchange, TestClient } from "../../test/support/gateway-harness.ts";
import { RawSession } from "../../test/support/raw-session.ts";
import { useTempDir } from "../../test/support/temp-dir.ts";

const BTC = 0;
const running: RunningExchange[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const r of running.splice(0)) await r.stop();
});

function exchange(input: Parameters<typeof startExchange>[0] = {}): RunningExchange {
  const r = startExchange(input);
  running.push(r);
  return r;
}

async function login(r: RunningExchange, key: string): Promise<TestClient> {
  const c = await TestClient.login(r.port, key);
  clients.push(c);
  return c;
}

function loginFrame(raw: RawSession, key = "dev-key-3"): Uint8Array {
  return raw.frame((m) => {
    m.body = Body.Login;
    m.apiKey = key;
  });
}

function orderFrame(raw: RawSession, clientOrderId: number, side = Side.Buy, price = 100_00): Uint8Array {
  return raw.frame((m) => {
    m.body = Body.NewOrder;
    m.clientOrderId = clientOrderId;
    m.symbolId = BTC;
    m.side = side;
    m.priceTicks = price;
    m.qtyLots = 1000;
  });
}

const kinds = (rs: { kind: number }[]) => rs.map((r) => r.kind);

describe("login", () => {
  test("a known key logs in and learns the symbols and limits; an unknown key is refused and closed", async () => {
    const r = exchange();
    const c = new TestClient(r.port);
    clients.push(c);
    await c.client.connect();
    const info = await c.client.login("dev-key-1");
    expect(info.userId).toBe(1);
    expect(info.symbols.map((s) => s.name)).toEqual(["BTC-USD", "ETH-USD", "SOL-USD"]);
    expect(info.limits.openOrdersMax).toBe(1000);
    const bad = new TestClient(r.port);
    await bad.client.connect();
    expect(bad.client.login("not-a-key")).rejects.toThrow(/login_rejected/);
  });

  test("a second session of a user is refused; a second Login on one session is refused and it goes on", async () => {
    const r = exchange();
    await login(r, "dev-key-1");
    const again = new TestClient(r.port);
    await again.client.connect();
    expect(again.client.login("dev-key-1")).rejects.toThrow(/login_rejected/);

    const raw = await RawSession.open(r.port);
    raw.write(loginFrame(raw));
    raw.write(loginFrame(raw));
    raw.write(orderFrame(raw, 1));
    await raw.waitFor(() => raw.received.length >= 3, "login, login reject, order ack");
    expect(raw.received.map((x) => x.body)).toEqual([Body.LoginAccepted, Body.LoginRejected, Body.ExecutionReport]);
    expect(raw.received[2]!.kind).toBe(EventKind.Accepted);
    raw.end();
  });

  test("commands before login end the session with not_logged_in; the engine is untouched", async () => {
    const r = exchange();
    const hash = r.exchange.engine.stateHash();
    const raw = await RawSession.open(r.port);
    raw.write(orderFrame(raw, 1));
    await raw.waitFor(() => raw.closed, "close");
    expect(raw.received.length).toBe(1);
    expect(raw.received[0]).toMatchObject({
      body: Body.Logout,
      reason: LogoutReason.NotLoggedIn,
      kind: 0,
      rejectReason: 0,
      clientOrderId: 0,
    });
    expect(r.exchange.engine.stateHash()).toBe(hash);
  });
});

describe("orders", () => {
  test("a fill between two sessions reaches both sides with the right ids, sides and liquidity", async () => {
    const r = exchange();
    const seller = await login(r, "dev-key-1");
    const buyer = await login(r, "dev-key-2");
    seller.client.newOrder({ clientOrderId: 11, symbolId: BTC, side: Side.Sell, priceTicks: 50_000_00, qtyLots: 5000 });
    await seller.waitFor((rs) => rs.length === 1);
    buyer.client.newOrder({ clientOrderId: 77, symbolId: BTC, side: Side.Buy, priceTicks: 50_001_00, qtyLots: 2000 });
    await buyer.waitFor((rs) => rs.length === 2);
    await seller.waitFor((rs) => rs.length === 2);
    const [bAck, bFill] = buyer.reports;
    const sFill = seller.reports[1]!;
    expect(bAck).toMatchObject({ kind: EventKind.Accepted, clientOrderId: 77, side: Side.Buy, qtyLots: 2000 });
    expect(bFill).toMatchObject({
      kind: EventKind.Trade,
      clientOrderId: 77,
      side: Side.Buy,
      priceTicks: 50_000_00,
      qtyLots: 2000,
      leavesQtyLots: 0,
      liquidity: 2,
    });
    expect(sFill).toMatchObject({
      kind: EventKind.Trade,
      clientOrderId: 11,
      side: Side.Sell,
      priceTicks: 50_000_00,
      qtyLots: 2000,
      leavesQtyLots: 3000,
      liquidity: 1,
    });
    expect(sFill.tradeId).toBe(bFill!.tradeId);
    expect(sFill.engineSeq).toBe(bFill!.engineSeq);
    expect(sFill.orderId).not.toBe(bFill!.orderId);
  });

  test("own orders can be modified and cancelled; another user's client id names nothing of theirs", async () => {
    const r = exchange();
    const a = await login(r, "dev-key-1");
    const b = await login(r, "dev-key-2");
    a.client.newOrder({ clientOrderId: 5, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 3000 });
    a.client.modify({ clientOrderId: 5, symbolId: BTC, priceTicks: 101_00, qtyLots: 4000 });
    await a.waitFor((rs) => rs.length === 2);
    b.client.cancel({ clientOrderId: 5, symbolId: BTC });
    await b.waitFor((rs) => rs.length === 1);
    expect(b.reports[0]).toMatchObject({
      kind: EventKind.Rejected,
      rejectReason: Reject.UnknownOrder,
      clientOrderId: 5,
    });
    a.client.cancel({ clientOrderId: 5, symbolId: BTC });
    a.client.cancel({ clientOrderId: 5, symbolId: BTC });
    await a.waitFor((rs) => rs.length === 4);
    expect(kinds(a.reports)).toEqual([EventKind.Accepted, EventKind.Modified, EventKind.Cancelled, EventKind.Rejected]);
    expect(a.reports[1]).toMatchObject({ priceTicks: 101_00, leavesQtyLots: 4000 });
    expect(a.reports[2]).toMatchObject({ cancelReason: CancelReason.User, qtyLots: 4000 });
    expect(a.reports[3]).toMatchObject({ rejectReason: Reject.UnknownOrder });
    expect(r.exchange.engine.openOrders(1).length).toBe(0);
  });

  test("duplicate live client ids, values out of range: rejected at the gateway; the session goes on", async () => {
    const r = exchange();
    const a = await login(r, "dev-key-1");
    a.client.newOrder({ clientOrderId: 1, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 1000 });
    a.client.newOrder({ clientOrderId: 1, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 1000 });
    a.client.newOrder({ clientOrderId: 2, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 1000, tif: 9 });
    a.client.newOrder({ clientOrderId: 3, symbolId: 42, side: Side.Buy, priceTicks: 100_00, qtyLots: 1000 });
    a.client.newOrder({ clientOrderId: 4, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 1001 });
    a.client.newOrder({
      clientOrderId: 5,
      symbolId: BTC,
      side: Side.Sell,
      priceTicks: 99_00,
      qtyLots: 1000,
      type: OrderType.Limit,
      tif: Tif.Ioc,
    });
    await a.waitFor((rs) => rs.length === 8);
    expect(a.reports.map((x) => [x.clientOrderId, x.kind, x.rejectReason])).toEqual([
      [1, EventKind.Accepted, 0],
      [1, EventKind.Rejected, Reject.DuplicateOrderId],
      [2, EventKind.Rejected, Reject.BadField],
      [3, EventKind.Rejected, Reject.UnknownSymbol],
      [4, EventKind.Rejected, Reject.BadQuantity],
      [5, EventKind.Accepted, 0],
      [5, EventKind.Trade, 0],
      [1, EventKind.Trade, 0],
    ]);
  });

  test("open-orders limit per user, and a rate limit per session, reject with their own reasons", async () => {
    const r = exchange({ limits: { openOrdersPerUserMax: 3, messagesPerSecondMax: 20 } });
    const a = await login(r, "dev-key-1");
    for (let i = 1; i <= 4; i++)
      a.client.newOrder({ clientOrderId: i, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 1000 });
    await a.waitFor((rs) => rs.length === 4);
    expect(a.reports.map((x) => x.rejectReason)).toEqual([0, 0, 0, GatewayReject.OpenOrdersLimit]);
    for (let i = 10; i < 40; i++) a.client.cancel({ clientOrderId: i, symbolId: BTC });
    await a.waitFor((rs) => rs.length === 34);
    const reasons = a.reports.slice(4).map((x) => x.rejectReason);
    expect(reasons.filter((x) => x === GatewayReject.RateLimited).length).toBeGreaterThan(5);
    expect(reasons.filter((x) => x === Reject.UnknownOrder).length).toBeGreaterThan(5);
  });

  test("reconnect and list open orders: they survive the session, with their client ids", async () => {
    const r = exchange();
    const a = await login(r, "dev-key-1");
    for (let i = 1; i <= 300; i++)
      a.client.newOrder({
        clientOrderId: 1000 + i,
        symbolId: BTC,
        side: Side.Buy,
        priceTicks: 100_00 + i,
        qtyLots: 1000,
      });
    await a.waitFor((rs) => rs.length === 300);
    await a.close();
    clients.splice(clients.indexOf(a), 1);
    const again = await login(r, "dev-key-1");
    const open = await again.client.openOrders();
    expect(open.length).toBe(300);
    expect(open.map((o) => o.clientOrderId).sort((x, y) => x - y)).toEqual(
      Array.from({ length: 300 }, (_, i) => 1001 + i),
    );
    again.client.cancel({ clientOrderId: 1150, symbolId: BTC });
    await again.waitFor((rs) => rs.length === 1);
    expect(again.reports[0]).toMatchObject({ kind: EventKind.Cancelled, clientOrderId: 1150 });
  });
});

describe("bad input", () => {
  test("a frame cut off by a disconnect leaves the engine and the other sessions untouched", async () => {
    const r = exchange();
    const other = await login(r, "dev-key-1");
    const raw = await RawSession.open(r.port);
    raw.write(loginFrame(raw));
    await raw.waitFor(() => raw.received.length === 1, "login");
    const hash = r.exchange.engine.stateHash();
    const frame = orderFrame(raw, 9);
    raw.write(frame.subarray(0, frame.length - 7));
    await Bun.sleep(50);
    raw.end();
    await raw.waitFor(() => raw.closed, "close");
    expect(r.exchange.engine.stateHash()).toBe(hash);
    other.client.newOrder({ clientOrderId: 1, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 1000 });
    await other.waitFor((rs) => rs.length === 1);
  });

  test("an oversized length prefix ends the session with bad_frame_length", async () => {
    const r = exchange();
    const raw = await RawSession.open(r.port);
    raw.write(loginFrame(raw));
    raw.write(new Uint8Array([0xff, 0xff, 0x00, 0x00, 1, 2, 3]));
    await raw.waitFor(() => raw.closed, "close");
    expect(raw.received.map((x) => [x.body, x.reason])).toEqual([
      [Body.LoginAccepted, 0],
      [Body.Logout, LogoutReason.BadFrameLength],
    ]);
  });

  test("a garbled FlatBuffer gets a reject and the session goes on; a wrong sequence number ends it", async () => {
    const r = exchange();
    const raw = await RawSession.open(r.port);
    raw.write(loginFrame(raw));
    const good = orderFrame(raw, 1);
    const garbled = good.slice();
    garbled.fill(0xee, 8, 40);
    raw.write(garbled);
    raw.write(orderFrame(raw, 2));
    await raw.waitFor(() => raw.received.length === 3, "reject and ack");
    expect(raw.received[1]).toMatchObject({
      body: Body.ExecutionReport,
      kind: EventKind.Rejected,
      rejectReason: GatewayReject.MalformedMessage,
    });
    expect(raw.received[2]).toMatchObject({ kind: EventKind.Accepted, clientOrderId: 2 });
    raw.seq += 5;
    raw.write(orderFrame(raw, 3));
    await raw.waitFor(() => raw.closed, "close");
    expect(raw.received.at(-1)).toMatchObject({ body: Body.Logout, reason: LogoutReason.SequenceGap });
    expect(r.exchange.engine.openOrders(3).length).toBe(1);
  });
});

describe("durability", () => {
  const journalDir = useTempDir("gw-fsync");

  test("fsync and a small journal batch: a pipelined burst waits for the log instead of being refused", async () => {
    const { join } = await import("node:path");
    const { JournalLog } = await import("../sequencer/journal-log.ts");
    // 8 KiB batches hold ~50 records: the burst keeps the log full while syncs run.
    const log = JournalLog.open(join(journalDir, "journal.bin"), "fsync", 8192, 0, () => {});
    const r = startExchange({ limits: { openOrdersPerUserMax: 10_000 } }, { log });
    running.push(r);
    const a = await login(r, "dev-key-1");
    const n = 3000;
    for (let i = 1; i <= n; i++)
      a.client.newOrder({
        clientOrderId: i,
        symbolId: BTC,
        side: i % 2,
        priceTicks: i % 2 === 0 ? 100_00 : 200_00,
        qtyLots: 1000,
      });
    await a.waitFor((rs) => rs.length >= n, 20_000, `${n} answers`);
    expect(a.reports.filter((x) => x.kind === EventKind.Rejected)).toEqual([]);
    expect(a.reports.every((x) => x.engineSeq > 0 && x.engineSeq <= r.exchange.durableSeq)).toBe(true);
    expect(log.writer.stats.batches).toBeGreaterThan(10);
    await r.stop();
    running.splice(running.indexOf(r), 1);
    await log.close();
  }, 30_000);
});
