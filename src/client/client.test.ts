// Proves the client against an in-process fake exchange: login (with cancel-on-disconnect options, re-sent on
// reconnect), pipelined orders matched to reports by client order id, mass cancel and its summary, the dead-man's
// switch, open-orders paging, frames split and batched across chunks, garbage from the server (clean close, no uncaught
// error), reconnect with backoff and re-login, heartbeats and idle timeout on a manual clock, backpressure.

import { afterEach, describe, expect, test } from "bun:test";
import { MassCancelSide, OrderType, Reject, Side, Tif } from "../engine/constants.ts";
import { Body, type ExecReport, LogoutReason } from "../protocol/index.ts";
import { ClientError, type ClientOptions, ClientState, ExchangeClient, type ReportData, SendStatus } from "./index.ts";
import { waitFor } from "../../test/support/wait.ts";
import { FakeExchange, type FakeExchangeOptions } from "./fake-exchange.ts";
import { ManualClock } from "./manual-clock.ts";

const users = { "key-a": 7, "key-b": 8 };
const ExecKind = { Accepted: 1, Rejected: 2, Cancelled: 4, Modified: 5 } as const;

let servers: FakeExchange[] = [];
let clients: ExchangeClient[] = [];

afterEach(async () => {
  for (const c of clients) await c.close();
  for (const s of servers) s.stop();
  clients = [];
  servers = [];
});

function serve(options: Partial<FakeExchangeOptions> = {}): FakeExchange {
  const s = FakeExchange.start({ users, ...options });
  servers.push(s);
  return s;
}

function client(server: FakeExchange, options: Partial<ClientOptions> = {}): ExchangeClient {
  const c = new ExchangeClient({ host: "127.0.0.1", port: server.port, ...options });
  clients.push(c);
  return c;
}

async function loggedIn(
  server: FakeExchange,
  options: Partial<ClientOptions> = {},
  key = "key-a",
): Promise<ExchangeClient> {
  const c = client(server, options);
  await c.connect();
  await c.login(key);
  return c;
}

/** Collects copies of every report (the callback's object is reused). */
function collector(): { reports: ReportData[]; onReport: (r: ExecReport) => void } {
  const reports: ReportData[] = [];
  return { reports, onReport: (r) => reports.push({ ...r }) };
}

function order(cid: number, price = 50000) {
  return { clientOrderId: cid, symbolId: 1, side: Side.Buy, priceTicks: price, qtyLots: 3 };
}

describe("login", () => {
  test("accepted: info carries user, session, symbols and limits", async () => {
    const server = serve({ heartbeatIntervalMs: 1000 });
    const c = client(server);
    expect(c.newOrder(order(1))).toBe(SendStatus.NotReady);
    await c.connect();
    expect(c.state).toBe(ClientState.Connected);
    const info = await c.login("key-a");
    expect(c.state).toBe(ClientState.Ready);
    expect(info.userId).toBe(7);
    expect(info.sessionId).toBe(1);
    expect(info.symbols.map((s) => s.name)).toEqual(["BTC-USD", "ETH-USD"]);
    expect(info.symbols[1]!.tickSize).toBe(5);
    expect(info.limits.heartbeatIntervalMs).toBe(1000);
    expect(c.info).toBe(info);
  });

  test("rejected: login rejects with the reason and the client closes", async () => {
    const server = serve();
    let closedWith: ClientError | null | undefined;
    const c = client(server, { onClose: (e) => (closedWith = e), reconnect: { delayMsMin: 10 } });
    await c.connect();
    const error = await c.login("nope").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClientError);
    expect((error as ClientError).code).toBe("login_rejected");
    expect((error as ClientError).reason).toBe(1);
    expect((error as ClientError).message).toContain("bad_api_key");
    expect(c.state).toBe(ClientState.Closed);
    expect(closedWith?.code).toBe("login_rejected");
  });

  test("connect to a closed port rejects and leaves the client reusable", async () => {
    const server = serve();
    const port = server.port;
    server.stop();
    const c = new ExchangeClient({ host: "127.0.0.1", port });
    clients.push(c);
    const error = await c.connect().catch((e: unknown) => e);
    expect((error as ClientError).code).toBe("connect_failed");
    expect(c.state).toBe(ClientState.Idle);
  });
});

describe("orders", () => {
  test("pipelined: all orders leave before any acknowledgement; reports match by client order id", async () => {
    const server = serve();
    const { reports, onReport } = collector();
    const c = await loggedIn(server, { onReport });
    const session = server.last;
    session.hold = true;
    const count = 500;
    for (let cid = 1; cid <= count; cid++) expect(c.newOrder(order(cid, 40000 + cid))).toBe(SendStatus.Ok);
    expect(c.newOrder(order(count + 1, 999999))).toBe(SendStatus.Ok); // outside the band
    for (let cid = 1; cid <= 100; cid++) c.cancel({ clientOrderId: cid, symbolId: 1 });
    for (let cid = 101; cid <= 150; cid++) c.modify({ clientOrderId: cid, symbolId: 1, priceTicks: 45000, qtyLots: 9 });
    c.cancel({ clientOrderId: 99999, symbolId: 1 });
    c.newOrder({ ...order(count + 2), tif: Tif.Ioc });
    const total = count + 1 + 100 + 50 + 1 + 1;
    await waitFor(() => session.received.length === 1 + total, { timeoutMs: 2000, what: "all orders at the server" });
    expect(reports.length).toBe(0);
    session.release();
    await waitFor(() => reports.length >= count + 1 + 100 + 50 + 1 + 2, { timeoutMs: 2000, what: "reports" });
    const byCid = new Map<number, ReportData[]>();
    for (const r of reports) byCid.set(r.clientOrderId, [...(byCid.get(r.clientOrderId) ?? []), r]);
    for (let cid = 1; cid <= 100; cid++)
      expect(byCid.get(cid)!.map((r) => r.kind)).toEqual([ExecKind.Accepted, ExecKind.Cancelled]);
    for (let cid = 101; cid <= 150; cid++) {
      expect(byCid.get(cid)!.map((r) => r.kind)).toEqual([ExecKind.Accepted, ExecKind.Modified]);
      expect(byCid.get(cid)![1]!.priceTicks).toBe(45000);
    }
    expect(byCid.get(200)![0]!.priceTicks).toBe(40200);
    expect(byCid.get(count + 1)![0]!.rejectReason).toBe(Reject.PriceOutOfBand);
    expect(byCid.get(99999)![0]!.rejectReason).toBe(Reject.UnknownOrder);
    expect(byCid.get(count + 2)!.map((r) => r.kind)).toEqual([ExecKind.Accepted, ExecKind.Cancelled]);
    // Sequence numbers ran 1, 2, 3, ... (the fake exchange logs out on a gap).
    expect(session.received.map((r) => r.seq)).toEqual(Array.from({ length: 1 + total }, (_, i) => i + 1));
  });

  test("the report callback object is reused; reports() yields plain copies", async () => {
    const server = serve();
    const seen = new Set<ExecReport>();
    const c = await loggedIn(server, { onReport: (r) => seen.add(r) });
    const iterator = c.reports();
    for (let cid = 1; cid <= 5; cid++) c.newOrder(order(cid));
    const got: ReportData[] = [];
    for await (const r of iterator) {
      got.push(r);
      if (got.length === 5) break;
    }
    expect(seen.size).toBe(1);
    expect(got.map((r) => r.clientOrderId)).toEqual([1, 2, 3, 4, 5]);
    expect(new Set(got).size).toBe(5);
  });

  test("reports() ends when the client closes", async () => {
    const server = serve();
    const c = await loggedIn(server);
    const iterator = c.reports();
    c.newOrder(order(1));
    const consumed = (async () => {
      let n = 0;
      for await (const _ of iterator) n++;
      return n;
    })();
    // LoginAccepted, then the order's report.
    await waitFor(() => c.stats.framesReceived === 2, { timeoutMs: 2000, what: "the report" });
    await c.close();
    expect(await consumed).toBe(1);
  });

  test("a full outgoing buffer answers BufferFull instead of growing", async () => {
    const server = serve();
    const c = await loggedIn(server, { outBytesMax: 2048, flushBytes: 1 << 20 });
    const statuses: number[] = [];
    for (let cid = 1; cid <= 100; cid++) statuses.push(c.newOrder(order(cid)));
    const ok = statuses.filter((s) => s === SendStatus.Ok).length;
    expect(ok).toBeGreaterThan(5);
    expect(ok).toBeLessThan(100);
    expect(statuses.slice(ok).every((s) => s === SendStatus.BufferFull)).toBe(true);
    await waitFor(() => server.last.count(Body.NewOrder) === ok, { timeoutMs: 2000, what: "queued orders" });
    // The sequence did not advance for refused sends: the next one is accepted in order.
    await waitFor(() => c.pendingBytes === 0, { timeoutMs: 10_000, what: "c.pendingBytes === 0" });
    expect(c.newOrder(order(1000))).toBe(SendStatus.Ok);
    await waitFor(() => server.last.count(Body.NewOrder) === ok + 1, { timeoutMs: 2000, what: "one more" });
  });

  test("a value the wire cannot carry throws, with room or without, and the sequence does not advance", async () => {
    const server = serve();
    const c = await loggedIn(server, { outBytesMax: 2048, flushBytes: 1 << 20 });
    expect(() => c.newOrder({ ...order(1), priceTicks: 2 ** 31 })).toThrow(/price/);
    expect(() => c.cancel({ clientOrderId: -1, symbolId: 1 })).toThrow(/client_order_id/);
    expect(() => c.modify({ clientOrderId: 1, symbolId: 1, priceTicks: 1, qtyLots: 0.5 })).toThrow(/qty/);
    let cid = 1;
    while (c.newOrder(order(cid)) === SendStatus.Ok) cid++;
    expect(() => c.newOrder({ ...order(cid), qtyLots: -1 })).toThrow(/qty/);
    await waitFor(() => c.pendingBytes === 0, { timeoutMs: 10_000, what: "c.pendingBytes === 0" });
    expect(c.newOrder(order(cid))).toBe(SendStatus.Ok);
    await waitFor(() => server.last.count(Body.NewOrder) === cid, { timeoutMs: 2000, what: "every valid order" });
    const seqs = server.last.received.map((r) => r.seq);
    expect(seqs).toEqual(Array.from({ length: cid + 1 }, (_, i) => i + 1));
  });

  test("a burst larger than the socket buffer is written across drains, in order", async () => {
    const server = serve();
    const c = await loggedIn(server, { outBytesMax: 64 << 20 });
    server.last.hold = true;
    const count = 100_000;
    for (let cid = 1; cid <= count; cid++) expect(c.newOrder(order(cid, 40000 + (cid % 1000)))).toBe(SendStatus.Ok);
    await waitFor(() => server.last.count(Body.NewOrder) === count, { timeoutMs: 20000, what: "burst at the server" });
    const seqs = server.last.received.map((r) => r.seq);
    expect(seqs[seqs.length - 1]).toBe(count + 1);
    expect(c.stats.shortWrites).toBeGreaterThan(0);
    expect(c.pendingBytes).toBe(0);
  }, 30000);
});

describe("open orders", () => {
  test(
    "pages are collected into one array; none gives an empty array; " + "concurrent calls answered in order",
    async () => {
      const server = serve({ pageCount: 3 });
      const c = await loggedIn(server);
      expect(await c.openOrders()).toEqual([]);
      for (let cid = 1; cid <= 10; cid++) c.newOrder(order(cid, 41000 + cid));
      c.newOrder(order(11, 999999)); // rejected: not live
      const [first, second] = await Promise.all([c.openOrders(), c.openOrders()]);
      expect(first!.map((o) => o.clientOrderId)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      expect(first![9]!.priceTicks).toBe(41010);
      expect(first![9]!.leavesQtyLots).toBe(3);
      expect(second!.length).toBe(10);
      expect(server.last.count(Body.OpenOrdersRequest)).toBe(3);
    },
  );

  test("a lost connection rejects outstanding requests", async () => {
    const server = serve();
    const c = await loggedIn(server);
    server.silent = true;
    const pending = c.openOrders().catch((e: unknown) => e);
    await waitFor(() => server.last.count(Body.OpenOrdersRequest) === 1, {
      timeoutMs: 10_000,
      what: "server.last.count(Body.OpenOrdersRequest) === 1",
    });
    server.dropAll();
    expect(((await pending) as ClientError).code).toBe("disconnected");
  });
});

describe("framing", () => {
  test("frames split at arbitrary points across chunks are reassembled", async () => {
    const server = serve({ writeMode: "split", splitBytes: 29 });
    const { reports, onReport } = collector();
    const c = await loggedIn(server, { onReport });
    for (let cid = 1; cid <= 20; cid++) c.newOrder(order(cid));
    await waitFor(() => reports.length === 20, { timeoutMs: 5000, what: "20 reports" });
    expect(reports.map((r) => r.clientOrderId)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(c.stats.chunksReceived).toBeGreaterThan(c.stats.framesReceived);
  });

  test("many frames in one chunk are all handled", async () => {
    const server = serve();
    const { reports, onReport } = collector();
    const c = await loggedIn(server, { onReport });
    server.last.hold = true;
    for (let cid = 1; cid <= 300; cid++) c.newOrder(order(cid));
    await waitFor(() => server.last.count(Body.NewOrder) === 300, {
      timeoutMs: 10_000,
      what: "server.last.count(Body.NewOrder) === 300",
    });
    const chunksBefore = c.stats.chunksReceived;
    server.last.release();
    await waitFor(() => reports.length === 300, { timeoutMs: 10_000, what: "reports.length === 300" });
    expect(c.stats.chunksReceived - chunksBefore).toBeLessThan(30);
  });
});

describe("a misbehaving server", () => {
  /** Logs in, lets the server write `bytes`, and returns how the client ended. */
  async function afterGarbage(
    bytes: Uint8Array | ((server: FakeExchange) => void),
  ): Promise<{ error: ClientError | null; server: FakeExchange; c: ExchangeClient }> {
    const server = serve();
    let error: ClientError | null | undefined;
    const c = await loggedIn(server, { onClose: (e) => (error = e), reconnect: false });
    if (typeof bytes === "function") bytes(server);
    else server.last.sendRaw(bytes);
    await waitFor(() => error !== undefined, { timeoutMs: 2000, what: "client close" });
    expect(c.state).toBe(ClientState.Closed);
    expect(c.newOrder(order(1))).toBe(SendStatus.NotReady);
    return { error: error!, server, c };
  }

  test("a length prefix above the limit: protocol_error, Logout(BadFrameLength) sent", async () => {
    const { error, server } = await afterGarbage(new Uint8Array([0xff, 0xff, 0xff, 0x7f, 1, 2, 3]));
    expect(error!.code).toBe("protocol_error");
    expect(error!.message).toContain("frame_too_long");
    await waitFor(() => server.last.count(Body.Logout) === 1, { timeoutMs: 2000, what: "client Logout" });
  });

  test("a zero length prefix", async () => {
    const { error } = await afterGarbage(new Uint8Array([0, 0, 0, 0]));
    expect(error!.message).toContain("frame_zero_length");
  });

  test("a frame that fails verification", async () => {
    const junk = new Uint8Array(64).fill(0xab);
    junk.set([60, 0, 0, 0]);
    const { error, server } = await afterGarbage(junk);
    expect(error!.code).toBe("protocol_error");
    await waitFor(() => server.last.count(Body.Logout) === 1, { timeoutMs: 2000, what: "client Logout" });
  });

  test("a sequence gap", async () => {
    const { error } = await afterGarbage((server) => {
      server.last.seqOut += 5;
      server.last.report({ kind: ExecKind.Accepted, clientOrderId: 1 });
    });
    expect(error!.code).toBe("sequence_gap");
  });

  test("a second LoginAccepted", async () => {
    const { error } = await afterGarbage((server) =>
      server.last.send((m) => {
        m.body = Body.LoginAccepted;
        m.userId = 1;
        m.sessionId = 1;
      }),
    );
    expect(error!.code).toBe("protocol_error");
    expect(error!.message).toContain("LoginAccepted");
  });

  test("OpenOrders nobody asked for", async () => {
    const { error } = await afterGarbage((server) => server.last.send((m) => (m.body = Body.OpenOrders)));
    expect(error!.message).toContain("OpenOrders");
  });

  test("a DeadMansSwitchStatus nobody asked for", async () => {
    const { error } = await afterGarbage((server) =>
      server.last.send((m) => {
        m.body = Body.DeadMansSwitchStatus;
        m.timeoutMs = 5;
      }),
    );
    expect(error!.code).toBe("protocol_error");
    expect(error!.message).toContain("DeadMansSwitchStatus");
  });

  test("Logout from the server ends the session with its reason", async () => {
    const { error } = await afterGarbage((server) => server.last.logout(LogoutReason.RateLimited, "slow down"));
    expect(error!.code).toBe("logout");
    expect(error!.reason).toBe(LogoutReason.RateLimited);
    expect(error!.message).toContain("rate_limited: slow down");
  });

  test("an onReport that throws closes the client with callback_threw, nothing uncaught", async () => {
    const server = serve();
    let error: ClientError | null | undefined;
    const c = await loggedIn(server, {
      onReport: () => {
        throw new Error("app bug");
      },
      onClose: (e) => (error = e),
      reconnect: { delayMsMin: 5 },
    });
    c.newOrder(order(1));
    await waitFor(() => error !== undefined, { timeoutMs: 10_000, what: "error !== undefined" });
    expect(error!.code).toBe("callback_threw");
    expect((error!.cause as Error).message).toBe("app bug");
  });
});

describe("reconnect", () => {
  /** Resolves once the client waits for its next reconnect attempt, with that attempt's delay. */
  async function backoff(c: ExchangeClient, clock: ManualClock): Promise<number> {
    await waitFor(() => c.state === ClientState.Reconnecting && clock.pendingCount === 1, {
      timeoutMs: 2000,
      what: "a scheduled attempt",
    });
    return clock.nextDueMs() - clock.nowMs();
  }

  test(
    "a dropped session reconnects with growing backoff, logs in again with its options, " +
      "and the hook re-queries open orders",
    async () => {
      const server = serve();
      const clock = new ManualClock();
      const reconnected: number[][] = [];
      const disconnects: string[] = [];
      const c: ExchangeClient = client(server, {
        clock,
        reconnect: { delayMsMin: 20, delayMsMax: 1000, factor: 2, jitter: 0 },
        onDisconnect: (e) => disconnects.push(e.code),
        onReconnect: () => {
          void c.openOrders().then((orders) => reconnected.push(orders.map((o) => o.clientOrderId)));
        },
      });
      await c.connect();
      await c.login("key-a", { cancelOnDisconnect: true, graceMs: 1500 });
      for (let cid = 1; cid <= 3; cid++) c.newOrder(order(cid));
      await waitFor(() => server.books.get(7)?.size === 3, {
        timeoutMs: 10_000,
        what: "server.books.get(7)?.size === 3",
      });
      // Refuse the first attempts (accept, then close at once): each waits twice as long as the one before.
      server.accepting = false;
      server.dropAll();
      for (const delayMs of [20, 40, 80]) {
        expect(await backoff(c, clock)).toBe(delayMs);
        const refused = server.refusedAtMs.length;
        clock.advance(delayMs);
        await waitFor(() => server.refusedAtMs.length === refused + 1, {
          timeoutMs: 2000,
          what: `the attempt after ${delayMs} ms`,
        });
      }
      server.accepting = true;
      expect(await backoff(c, clock)).toBe(160);
      clock.advance(160);
      await waitFor(() => reconnected.length === 1, { timeoutMs: 3000, what: "re-login and open orders" });
      expect(reconnected[0]).toEqual([1, 2, 3]);
      expect(c.state).toBe(ClientState.Ready);
      expect(c.stats.reconnects).toBe(1);
      expect(disconnects[0]).toBe("disconnected");
      // The new session starts its sequence at 1 again, with the same login options, and works.
      const session = server.last;
      const login = session.received[0]!;
      expect([
        login.body,
        login.seq,
        login.msg.apiKey,
        login.msg.cancelOnDisconnect,
        login.msg.cancelOnDisconnectGraceMs,
      ]).toEqual([Body.Login, 1, "key-a", true, 1500]);
      expect(c.newOrder(order(4))).toBe(SendStatus.Ok);
      await waitFor(() => server.books.get(7)?.size === 4, {
        timeoutMs: 10_000,
        what: "server.books.get(7)?.size === 4",
      });
    },
  );

  test("a refused port (server restarted) is retried until it listens again", async () => {
    const first = serve();
    const port = first.port;
    const clock = new ManualClock();
    let reconnects = 0;
    const c = await loggedIn(first, {
      clock,
      reconnect: { delayMsMin: 10, delayMsMax: 40, jitter: 0 },
      onReconnect: () => reconnects++,
    });
    first.stop();
    // Connections are refused: the backoff grows to its maximum and stays there.
    for (const delayMs of [10, 20, 40, 40]) {
      expect(await backoff(c, clock)).toBe(delayMs);
      clock.advance(delayMs);
    }
    expect(await backoff(c, clock)).toBe(40);
    servers.push(FakeExchange.start({ users, port }));
    clock.advance(40);
    await waitFor(() => reconnects === 1, { timeoutMs: 3000, what: "reconnect" });
    expect(c.state).toBe(ClientState.Ready);
  });

  test("without reconnect a drop is final", async () => {
    const server = serve();
    let error: ClientError | null | undefined;
    const c = await loggedIn(server, { onClose: (e) => (error = e) });
    server.dropAll();
    await waitFor(() => error !== undefined, { timeoutMs: 10_000, what: "error !== undefined" });
    expect(error!.code).toBe("disconnected");
    expect(c.state).toBe(ClientState.Closed);
  });

  test("close() during backoff ends it", async () => {
    const server = serve();
    const c = await loggedIn(server, { reconnect: { delayMsMin: 10_000, delayMsMax: 10_000 } });
    server.dropAll();
    await waitFor(() => c.state === ClientState.Reconnecting, {
      timeoutMs: 10_000,
      what: "c.state === ClientState.Reconnecting",
    });
    await c.close();
    expect(c.state).toBe(ClientState.Closed);
  });
});

describe("heartbeats, on a manual clock", () => {
  /** Advances the clock 1 ms at a time for `ms`; returns the clock readings at which the client sent a frame. */
  function sendTimes(c: ExchangeClient, clock: ManualClock, ms: number): number[] {
    const times: number[] = [];
    for (let i = 0; i < ms; i++) {
      const before = c.stats.framesSent;
      clock.advance(1);
      if (c.stats.framesSent !== before) times.push(clock.nowMs());
    }
    return times;
  }

  test("an idle client sends a Heartbeat every interval, never early; a busy one sends none", async () => {
    const server = serve({ heartbeatIntervalMs: 40 });
    const clock = new ManualClock();
    const c = await loggedIn(server, { clock, idleTimeoutMs: 0 });
    const loginAt = clock.nowMs();
    const beats = sendTimes(c, clock, 200);
    expect(beats).toEqual([40, 80, 120, 160, 200].map((ms) => loginAt + ms));
    await waitFor(() => server.last.count(Body.Heartbeat) === 5, {
      timeoutMs: 2000,
      what: "five heartbeats at the server",
    });
    // Busy: an order every 10 ms leaves no idle interval.
    const sentBefore = c.stats.framesSent;
    for (let cid = 1; cid <= 20; cid++) {
      c.newOrder(order(cid));
      clock.advance(10);
    }
    expect(c.stats.framesSent - sentBefore).toBe(20);
    // Idle again: the next one comes an interval after the last order.
    const lastOrderAt = clock.nowMs() - 10;
    expect(sendTimes(c, clock, 40)).toEqual([lastOrderAt + 40]);
    await waitFor(() => server.last.count(Body.NewOrder) === 20 && server.last.count(Body.Heartbeat) === 6, {
      timeoutMs: 2000,
      what: "orders and heartbeats",
    });
    expect(c.state).toBe(ClientState.Ready);
  });

  test(
    "the interval can be overridden (never early, at most a quarter interval late); " + "explicit heartbeat() works",
    async () => {
      const server = serve({ heartbeatIntervalMs: 10_000 });
      const clock = new ManualClock();
      const c = await loggedIn(server, { clock, heartbeatIntervalMs: 30 });
      expect(c.heartbeat()).toBe(SendStatus.Ok);
      const times = [clock.nowMs(), ...sendTimes(c, clock, 300)];
      // At the server's 10 s interval none would come.
      expect(times.length).toBeGreaterThanOrEqual(1 + 300 / 37.5);
      for (let i = 1; i < times.length; i++) {
        expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(30);
        expect(times[i]! - times[i - 1]!).toBeLessThanOrEqual(30 + 30 / 4);
      }
      await waitFor(() => server.last.count(Body.Heartbeat) === times.length, {
        timeoutMs: 2000,
        what: "every heartbeat at the server",
      });
    },
  );

  test(
    "a silent server trips the idle timeout after 3 intervals: Logout(HeartbeatTimeout), " + "then reconnect",
    async () => {
      const server = serve({ heartbeatIntervalMs: 30 });
      const clock = new ManualClock();
      const disconnects: ClientError[] = [];
      const c = await loggedIn(server, {
        clock,
        reconnect: { delayMsMin: 10, jitter: 0 },
        onDisconnect: (e) => disconnects.push(e),
      });
      const session = server.last;
      // A server heartbeat after every 80 ms of silence keeps the session (limit 90 ms).
      for (let k = 0; k < 5; k++) {
        clock.advance(80);
        const received = c.stats.framesReceived;
        session.send((m) => (m.body = Body.Heartbeat));
        await waitFor(() => c.stats.framesReceived === received + 1, { timeoutMs: 2000, what: "a server heartbeat" });
      }
      expect(disconnects.length).toBe(0);
      // Silence: still there after 89 ms; cut within a quarter interval after 90.
      clock.advance(89);
      expect(disconnects.length).toBe(0);
      clock.advance(1 + 30 / 4);
      expect(disconnects.length).toBe(1);
      expect(disconnects[0]!.code).toBe("idle_timeout");
      await waitFor(() => session.closed, { timeoutMs: 2000, what: "the session closed" });
      const logout = session.received.find((r) => r.body === Body.Logout);
      expect(logout?.msg.logoutReason).toBe(LogoutReason.HeartbeatTimeout);
      await waitFor(() => c.state === ClientState.Reconnecting && clock.pendingCount === 1, {
        timeoutMs: 2000,
        what: "backoff",
      });
      clock.advance(10);
      await waitFor(() => c.state === ClientState.Ready, { timeoutMs: 2000, what: "reconnected" });
    },
  );
});

describe("mass cancel", () => {
  const ExecKindMass = 8;
  const CancelReasonMass = 8;

  /** Logs in and places orders on two symbols, both sides; returns the client and its reports. */
  async function withOrders(server: FakeExchange): Promise<{ c: ExchangeClient; reports: ReportData[] }> {
    const { reports, onReport } = collector();
    const c = await loggedIn(server, { onReport });
    const place = (cid: number, symbolId: number, side: number) =>
      c.newOrder({ clientOrderId: cid, symbolId, side, priceTicks: symbolId === 1 ? 50000 : 1000, qtyLots: 10 });
    place(1, 1, Side.Buy);
    place(2, 1, Side.Sell);
    place(3, 2, Side.Buy);
    place(4, 2, Side.Sell);
    place(5, 1, Side.Sell);
    await waitFor(() => reports.length === 5, { timeoutMs: 2000, what: "five accepted" });
    return { c, reports };
  }

  const summaryOf = (reports: ReportData[], requestId: number) =>
    reports.find((r) => r.kind === ExecKindMass && r.clientOrderId === requestId);

  test(
    "one symbol, one side: a Cancelled report per order, " + "then the summary with the request id and the count",
    async () => {
      const server = serve();
      const { c, reports } = await withOrders(server);
      expect(c.massCancel({ requestId: 900, symbolId: 1, side: MassCancelSide.Sell })).toBe(SendStatus.Ok);
      await waitFor(() => summaryOf(reports, 900) !== undefined, { timeoutMs: 2000, what: "the summary" });
      const after = reports.slice(5);
      expect(after.map((r) => [r.kind, r.clientOrderId, r.cancelReason])).toEqual([
        [ExecKind.Cancelled, 2, CancelReasonMass],
        [ExecKind.Cancelled, 5, CancelReasonMass],
        [ExecKindMass, 900, CancelReasonMass],
      ]);
      expect(after[2]!.qtyLots).toBe(2);
      const sent = server.last.received.at(-1)!.msg;
      expect([sent.body, sent.clientOrderId, sent.oneSymbol, sent.symbolId, sent.massSide, sent.cancelReason]).toEqual([
        Body.MassCancel,
        900,
        true,
        1,
        MassCancelSide.Sell,
        0,
      ]);
      // The defaults: every symbol, both sides.
      c.massCancel({ requestId: 901 });
      await waitFor(() => summaryOf(reports, 901) !== undefined, { timeoutMs: 2000, what: "the second summary" });
      expect(summaryOf(reports, 901)!.qtyLots).toBe(3);
      const all = server.last.received.at(-1)!.msg;
      expect([all.oneSymbol, all.symbolId, all.massSide]).toEqual([false, 0, MassCancelSide.Both]);
      expect(await c.openOrders()).toEqual([]);
    },
  );

  test(
    "a side outside MassCancelSide reaches the exchange and is rejected BadField; wire-impossible values throw; " +
      "not ready is NotReady",
    async () => {
      const server = serve();
      const { reports, onReport } = collector();
      const c = client(server, { onReport });
      expect(c.massCancel({ requestId: 1 })).toBe(SendStatus.NotReady);
      await c.connect();
      await c.login("key-a");
      expect(c.massCancel({ requestId: 7, side: 3 })).toBe(SendStatus.Ok);
      await waitFor(() => reports.length === 1, { timeoutMs: 2000, what: "the reject" });
      expect([reports[0]!.kind, reports[0]!.clientOrderId, reports[0]!.rejectReason]).toEqual([
        ExecKind.Rejected,
        7,
        Reject.BadField,
      ]);
      expect(() => c.massCancel({ requestId: 2 ** 53 })).toThrow(/request_id/);
      expect(() => c.massCancel({ requestId: 1, symbolId: -1 })).toThrow(/symbol_id/);
      expect(() => c.massCancel({ requestId: 1, side: 256 })).toThrow(/side/);
      // Nothing was sent for the refused calls: the sequence runs on without a gap.
      expect(c.massCancel({ requestId: 8, symbolId: 99 })).toBe(SendStatus.Ok);
      await waitFor(() => reports.length === 2, { timeoutMs: 2000, what: "unknown symbol" });
      expect(reports[1]!.rejectReason).toBe(Reject.UnknownSymbol);
      expect(server.last.received.map((r) => r.seq)).toEqual([1, 2, 3]);
    },
  );
});

describe("dead-man's switch", () => {
  test(
    "arming, renewing and disarming resolve with the confirmed timeout; " + "concurrent calls are answered in order",
    async () => {
      const server = serve();
      const c = await loggedIn(server);
      expect(c.deadMansSwitchMs).toBe(0);
      expect(await c.deadMansSwitch(5000)).toBe(5000);
      expect(c.deadMansSwitchMs).toBe(5000);
      expect(await Promise.all([c.deadMansSwitch(100), c.deadMansSwitch(0xffffffff), c.deadMansSwitch(0)])).toEqual([
        100, 0xffffffff, 0,
      ]);
      expect(c.deadMansSwitchMs).toBe(0);
      const sent = server.last.received.filter((r) => r.body === Body.DeadMansSwitch).map((r) => r.msg.timeoutMs);
      expect(sent).toEqual([5000, 100, 0xffffffff, 0]);
    },
  );

  test("a timeout that is not a uint32 throws; not ready rejects; a lost connection rejects what waits", async () => {
    const server = serve();
    const c = client(server);
    expect(((await c.deadMansSwitch(10).catch((e: unknown) => e)) as ClientError).code).toBe("not_ready");
    await c.connect();
    await c.login("key-a");
    for (const bad of [-1, 0.5, 2 ** 32, Number.NaN]) expect(() => c.deadMansSwitch(bad)).toThrow(/uint32/);
    server.silent = true;
    const pending = c.deadMansSwitch(1000).catch((e: unknown) => e);
    await waitFor(() => server.last.count(Body.DeadMansSwitch) === 1, {
      timeoutMs: 10_000,
      what: "server.last.count(Body.DeadMansSwitch) === 1",
    });
    server.dropAll();
    expect(((await pending) as ClientError).code).toBe("disconnected");
  });
});

describe("login options", () => {
  test(
    "cancel on disconnect and its grace period travel in Login; the defaults are off and 0; " +
      "a grace the wire cannot carry throws",
    async () => {
      const server = serve();
      const a = client(server);
      await a.connect();
      expect(() => a.login("key-a", { graceMs: 2 ** 32 })).toThrow(/graceMs/);
      expect(() => a.login("key-a", { graceMs: -1 })).toThrow(/graceMs/);
      await a.login("key-a", { cancelOnDisconnect: true, graceMs: 0xffffffff });
      const first = server.last.received[0]!.msg;
      expect([first.cancelOnDisconnect, first.cancelOnDisconnectGraceMs]).toEqual([true, 0xffffffff]);
      await loggedIn(server, {}, "key-b");
      const second = server.last.received[0]!.msg;
      expect([second.apiKey, second.cancelOnDisconnect, second.cancelOnDisconnectGraceMs]).toEqual(["key-b", false, 0]);
    },
  );
});

describe("close", () => {
  test("close() sends Logout(ClientRequest), rejects what waits, and is final", async () => {
    const server = serve();
    let closedWith: ClientError | null | undefined;
    const c = await loggedIn(server, { onClose: (e) => (closedWith = e) });
    server.silent = true;
    c.newOrder({ clientOrderId: 1, symbolId: 1, side: Side.Sell, priceTicks: 0, qtyLots: 1, type: OrderType.Market });
    const pending = c.openOrders().catch((e: unknown) => e);
    await c.close();
    expect(((await pending) as ClientError).code).toBe("closed");
    expect(closedWith).toBeNull();
    expect(c.state).toBe(ClientState.Closed);
    // close() resolves once our socket is closed; the bytes are with the kernel and arrive after.
    await waitFor(() => server.last.received.length === 4, {
      timeoutMs: 10_000,
      what: "server.last.received.length === 4",
    });
    const bodies = server.last.received.map((r) => r.body);
    expect(bodies).toEqual([Body.Login, Body.NewOrder, Body.OpenOrdersRequest, Body.Logout]);
    await c.close();
  });
});
