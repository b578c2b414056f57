// Proves the admin API against a running gateway: a halt makes the engine reject a client's new orders and modifies
// (SymbolHalted) while cancels go on, resume reopens; a user's and a symbol's orders are cancelled with reason Admin
// and the clients get their reports; snapshot, book, sessions and symbols answer; a missing or unknown key is 401, a
// read key on a change 403, hostile requests 4xx; every request is one audit line and counted.
import { afterEach, describe, expect, test } from "bun:test";
import { sha256Hex } from "../config/index.ts";
import { CancelReason, EventKind, Reject, Side } from "../engine/constants.ts";
import { Logger } from "../log/index.ts";
import { MetricsRegistry } from "../metrics/index.ts";
import { parseExposition, sampleValue } from "../metrics/test-support.ts";
import { Body } from "../protocol/index.ts";
import { Snapshotter } from "../sequencer/snapshotter.ts";
import { FileSnapshotStore } from "../snapshot/file-store.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { RawSession } from "../../test/support/raw-session.ts";
import { AdminApi } from "./api.ts";
import { tempDir } from "../../test/support/temp-dir.ts";

const BTC = 0;
const ETH = 1;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Setup {
  r: RunningExchange;
  api: AdminApi;
  registry: MetricsRegistry;
  audit: Record<string, unknown>[];
  call(
    method: string,
    path: string,
    body?: unknown,
    key?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

function setup(): Setup {
  const readKey = "read-only-key";
  const r = startExchange({}, { logLines: [] });
  cleanups.push(() => r.stop());
  const { dir, cleanup } = tempDir("exch-admin");
  cleanups.push(cleanup);
  const store = new FileSnapshotStore({ dir, keep: 2 });
  const snapshotter = new Snapshotter(
    r.exchange,
    store,
    { createdAtNs: 1n, shardId: 0 },
    { everyCommands: 0, everyMs: 0, retryMsMin: 10, retryMsMax: 100 },
    () => {},
  );
  cleanups.push(() => snapshotter.stop());
  const audit: Record<string, unknown>[] = [];
  const log = Logger.create({
    level: "debug",
    format: "json",
    write: (line) => audit.push(JSON.parse(line) as Record<string, unknown>),
  }).child("admin");
  const registry = new MetricsRegistry();
  const config = {
    ...r.config,
    adminKeys: [...r.config.adminKeys, { sha256: sha256Hex(readKey), operator: "viewer", role: "read" as const }],
  };
  const api = new AdminApi({ config, sequencer: r.exchange, gateway: r.gateway, snapshotter, log, metrics: registry });
  const handle = api.routes().handle;
  const call = async (method: string, path: string, body?: unknown, key = "dev-admin") => {
    const headers: Record<string, string> =
      key === "" ? {} : { authorization: `Bearer ${key === "read" ? readKey : key}` };
    const init: RequestInit = {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    };
    const res = await handle(new Request(`http://127.0.0.1/admin/v1${path}`, init), "127.0.0.1");
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  return { r, api, registry, audit, call };
}

async function session(r: RunningExchange, key: string): Promise<RawSession> {
  const s = await RawSession.open(r.port);
  cleanups.push(() => s.destroy());
  expect((await s.login(key)).body).toBe(Body.LoginAccepted);
  return s;
}

describe("admin API", () => {
  test("halt: new orders and modifies rejected SymbolHalted, cancels taken; resume trades again", async () => {
    const { r, call, audit } = setup();
    const a = await session(r, "dev-key-1");
    await a.placeResting([
      [1, BTC, Side.Buy],
      [2, BTC, Side.Buy],
      [3, ETH, Side.Buy],
    ]);
    const halted = await call("POST", "/symbols/BTC-USD/halt", { reason: "maintenance", requestId: 17 });
    expect(halted).toEqual({
      status: 200,
      body: { engineSeq: r.exchange.lastSeq, requestId: 17, symbol: "BTC-USD", status: "halted" },
    });
    expect(r.exchange.engine.tradingStatus(BTC)).toBe(1);
    const at = a.received.length;
    a.write(a.orderFrame(4, { symbolId: BTC }));
    a.write(a.modifyFrame(1, BTC, 101_00, 1000));
    a.write(a.orderFrame(5, { symbolId: ETH, qtyLots: 10_000 }));
    a.write(a.cancelFrame(2, BTC));
    await a.waitFor(() => a.received.length >= at + 4, "four answers");
    const answers = a.received.slice(at).map((m) => [m.clientOrderId, m.kind, m.rejectReason]);
    expect(answers).toEqual([
      [4, EventKind.Rejected, Reject.SymbolHalted],
      [1, EventKind.Rejected, Reject.SymbolHalted],
      [5, EventKind.Accepted, 0],
      [2, EventKind.Cancelled, 0],
    ]);
    expect((await call("POST", "/symbols/BTC-USD/resume", {})).body).toMatchObject({
      symbol: "BTC-USD",
      status: "open",
    });
    const again = a.received.length;
    a.write(a.orderFrame(6, { symbolId: BTC }));
    await a.waitFor(() => a.received.length > again, "an answer");
    expect(a.received[again]!.kind).toBe(EventKind.Accepted);
    const line = audit.find((l) => l.msg === "admin halt")!;
    expect(line).toMatchObject({
      component: "admin",
      operator: "dev-admin",
      action: "halt",
      symbol: "BTC-USD",
      reason: "maintenance",
      requestId: 17,
      status: 200,
      result: "ok",
      engineSeq: halted.body.engineSeq,
    });
  });

  test("cancel a user's orders, and every user's orders of a symbol: reason Admin, reports to the owners", async () => {
    const { r, call } = setup();
    const a = await session(r, "dev-key-1");
    const b = await session(r, "dev-key-2");
    await a.placeResting([
      [1, BTC, Side.Buy],
      [2, ETH, Side.Buy],
      [3, BTC, Side.Sell],
    ]);
    await b.placeResting([
      [1, BTC, Side.Buy],
      [2, ETH, Side.Sell],
    ]);
    const user = await call("POST", "/cancel", { user: 1, symbol: "BTC-USD", side: "buy" });
    expect(user.body).toMatchObject({ cancelled: 1, user: 1, symbol: "BTC-USD", side: "buy" });
    await a.waitFor(
      () => a.received.some((m) => m.kind === EventKind.Cancelled && m.clientOrderId === 1),
      "the admin cancel",
    );
    const cancelledA = a.received.filter((m) => m.kind === EventKind.Cancelled);
    expect(cancelledA.map((m) => [m.clientOrderId, m.cancelReason])).toEqual([[1, CancelReason.Admin]]);
    const all = await call("POST", "/cancel", { symbol: "ETH-USD" });
    expect(all.body).toMatchObject({ cancelled: 2, user: "all", symbol: "ETH-USD", side: "both" });
    await b.waitFor(
      () => b.received.some((m) => m.kind === EventKind.Cancelled && m.clientOrderId === 2),
      "b's ETH cancel",
    );
    await a.waitFor(
      () => a.received.some((m) => m.kind === EventKind.Cancelled && m.clientOrderId === 2),
      "a's ETH cancel",
    );
    expect(r.exchange.engine.openOrders(1).map((o) => o.clientId)).toEqual([3]);
    expect(r.exchange.engine.openOrders(2).map((o) => o.clientId)).toEqual([1]);
    expect((await call("POST", "/cancel", { symbol: "NOPE" })).status).toBe(404);
    expect((await call("POST", "/cancel", {})).status).toBe(400);
  });

  test("snapshot, book, sessions and symbols answer what the exchange holds", async () => {
    const { r, call } = setup();
    const a = await session(r, "dev-key-3");
    await a.placeResting([
      [1, BTC, Side.Buy],
      [2, BTC, Side.Buy],
      [3, BTC, Side.Sell],
    ]);
    const snap = await call("POST", "/snapshot", {});
    expect(snap.status).toBe(200);
    expect(snap.body.seq).toBe(r.exchange.lastSeq);
    expect(snap.body.bytes as number).toBeGreaterThan(0);
    const book = await call("GET", "/book/BTC-USD?levels=5");
    expect(book.body).toMatchObject({
      symbol: "BTC-USD",
      status: "open",
      bids: [[100_00, 2000, 2]],
      asks: [[900_00, 1000, 1]],
      lotSize: 1000,
    });
    const sessions = await call("GET", "/sessions");
    expect(sessions.body.count).toBe(1);
    expect((sessions.body.sessions as Record<string, unknown>[])[0]).toMatchObject({
      user: 3,
      state: "active",
      remote: "127.0.0.1",
      inFlight: 0,
    });
    const symbols = await call("GET", "/symbols");
    expect((symbols.body.symbols as { name: string }[]).map((s) => s.name)).toEqual(["BTC-USD", "ETH-USD", "SOL-USD"]);
    expect((await call("GET", "/book/BTC-USD?levels=0")).status).toBe(400);
    expect((await call("GET", "/book/NOPE")).status).toBe(404);
  });

  test("keys: none or unknown is 401, a read key may read but not change; every outcome is counted", async () => {
    const { call, registry, audit } = setup();
    expect((await call("GET", "/symbols", undefined, "")).status).toBe(401);
    expect((await call("POST", "/symbols/BTC-USD/halt", {}, "dev-key-1")).status).toBe(401);
    expect((await call("GET", "/symbols", undefined, "read")).status).toBe(200);
    expect((await call("POST", "/symbols/BTC-USD/halt", {}, "read")).status).toBe(403);
    const f = parseExposition(registry.expose());
    expect(sampleValue(f, "exchange_admin_requests_total", { action: "halt", result: "unauthorized" })).toBe(1);
    expect(sampleValue(f, "exchange_admin_requests_total", { action: "halt", result: "forbidden" })).toBe(1);
    expect(sampleValue(f, "exchange_admin_requests_total", { action: "symbols", result: "ok" })).toBe(1);
    expect(
      audit.some(
        (l) => l.level === "warn" && l.msg === "admin request without a valid key" && l.remote === "127.0.0.1",
      ),
    ).toBe(true);
    // Keys never reach the log, good or bad.
    expect(JSON.stringify(audit)).not.toContain("dev-key-1");
    expect(JSON.stringify(audit)).not.toContain("read-only-key");
  });

  test("hostile requests get 4xx with a reason and change nothing", async () => {
    const { r, call } = setup();
    const seq = r.exchange.lastSeq;
    const cases: [string, string, unknown, number][] = [
      ["POST", "/symbols/BTC-USD/halt", "{not json", 400],
      ["POST", "/symbols/BTC-USD/halt", "[1,2]", 400],
      ["POST", "/symbols/BTC-USD/halt", { reason: 7 }, 400],
      ["POST", "/symbols/BTC-USD/halt", { reason: "x".repeat(300) }, 400],
      ["POST", "/symbols/BTC-USD/halt", { requestId: -1 }, 400],
      ["POST", "/symbols/BTC-USD/halt", { requestId: 2 ** 53 }, 400],
      ["POST", "/symbols/BTC-USD/halt", { reason: "a", extra: 1 }, 400],
      ["POST", "/symbols/BTC-USD/halt", "x".repeat(5000), 400],
      ["POST", "/symbols/%E0%A4%A/halt", {}, 404],
      ["POST", "/symbols/NOPE/halt", {}, 404],
      ["GET", "/symbols/BTC-USD/halt", undefined, 405],
      ["POST", "/cancel", { user: "7" }, 400],
      ["POST", "/cancel", { user: 1.5 }, 400],
      ["POST", "/cancel", { user: 1, side: "up" }, 400],
      ["POST", "/snapshot", { now: true }, 400],
      ["DELETE", "/sessions", undefined, 405],
      ["GET", "/nothing", undefined, 404],
    ];
    for (const [method, path, body, status] of cases) {
      const answer = await call(method, path, body);
      expect({ path, body, status: answer.status }).toEqual({ path, body, status });
      expect(typeof answer.body.error).toBe("string");
    }
    expect(r.exchange.lastSeq).toBe(seq);
  });

  test("after close (a graceful stop began) changes are refused, reads still answer", async () => {
    const { api, call } = setup();
    api.close();
    expect((await call("POST", "/symbols/BTC-USD/halt", {})).status).toBe(503);
    expect((await call("GET", "/symbols")).status).toBe(200);
  });
});
