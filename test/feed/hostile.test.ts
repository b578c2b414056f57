// Proves hostile and broken client messages get an error frame with a reason (text, garbage, truncated, wrong union,
// missing or overlong symbol, unknown channel, symbol or interval, double subscribe, unknown unsubscribe, too many
// subscriptions), that floods and oversized frames close only the offender with the documented codes, that the
// connection limit answers 503, and that a well-behaved client on the same server notices none of it.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Builder } from "flatbuffers";
import { FeedClient } from "../../src/feed/client/client.ts";
import { Channel, CloseCode, closeCodeBase, ErrorCode } from "../../src/feed/constants.ts";
import { ClientFrame } from "../../src/feed/generated/feed/client-frame.ts";
import { Message } from "../../src/feed/generated/feed/message.ts";
import { Request } from "../../src/feed/generated/feed/request.ts";
import { Subscribe } from "../../src/feed/generated/feed/subscribe.ts";
import { type RunningFeed, startFeed } from "../../src/feed/start.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { flowSymbols, OrderFlow } from "../marketdata/order-flow.ts";
import { pingFrame, RawClient, subscribeFrame } from "./raw-client.ts";
import { waitFor } from "../support/wait.ts";

let feed: RunningFeed;
let url = "";
let good: FeedClient;
let goodHeartbeats = 0;
const limits = {
  subscriptionsMax: 3,
  requestsPerSecond: 50,
  requestBurst: 20,
  rateLimitedMax: 30,
  malformedMax: 8,
  heartbeatMs: 100,
  connectionsMax: 12,
};

beforeAll(async () => {
  const seq = new Sequencer(
    { ordersMax: 1 << 12, levelsMax: 1 << 10, levelsPerSideMax: 256, symbolsMax: 4, eventsMax: 64 },
    null,
  );
  new OrderFlow(1, seq).defineSymbols();
  seq.flush();
  feed = startFeed(seq, { limits });
  url = `ws://127.0.0.1:${feed.server.port}/feed`;
  good = new FeedClient({ url, handlers: { onHeartbeat: () => goodHeartbeats++ } });
  good.subscribe(Channel.Bbo, flowSymbols[0]!.name);
  good.subscribe(Channel.Book, flowSymbols[1]!.name);
  await waitFor(() => good.synced, { timeoutMs: 10_000, what: "the good client in sync" });
});

afterAll(async () => {
  good.close();
  await feed.stop();
});

async function lastError(c: RawClient, n: number) {
  await waitFor(() => c.errors().length >= n, { timeoutMs: 10_000, what: `error #${n}` });
  return c.errors()[n - 1]!;
}

describe("hostile client messages", () => {
  test("bad frames get an error with a reason and the connection stays up", async () => {
    const c = await new RawClient(url).open();
    const cases: [Uint8Array | string, number, RegExp][] = [
      ["subscribe BTC-USD", ErrorCode.TextFrame, /text frames/],
      [new Uint8Array([1, 2, 3]), ErrorCode.MalformedFrame, /buffer_too_short/],
      [new Uint8Array(64).fill(0xff), ErrorCode.MalformedFrame, /not a ClientFrame/],
      [subscribeFrame(1, Channel.Book, "BTC-USD").subarray(0, 20), ErrorCode.MalformedFrame, /not a ClientFrame/],
    ];
    let n = 0;
    for (const [bytes, code, reason] of cases) {
      c.send(bytes);
      const e = await lastError(c, ++n);
      expect({ code: e.errorCode, reasonOk: reason.test(e.reason), reason: e.reason }).toEqual({
        code,
        reasonOk: true,
        reason: e.reason,
      });
    }
    // A union type the server does not know.
    const b = new Builder(64);
    b.finish(
      ClientFrame.createClientFrame(
        b,
        9 as Request,
        Subscribe.createSubscribe(b, 5, Channel.Book, b.createString("X"), 0),
      ),
    );
    c.send(b.asUint8Array().slice());
    expect((await lastError(c, ++n)).errorCode).toBe(ErrorCode.UnknownRequest);
    // A Subscribe without its required symbol.
    const m = new Builder(64);
    Subscribe.startSubscribe(m);
    Subscribe.addRequestId(m, 6);
    // endObject, not endSubscribe: the generated end refuses to build what this test must send.
    m.finish(ClientFrame.createClientFrame(m, Request.Subscribe, m.endObject()));
    c.send(m.asUint8Array().slice());
    expect((await lastError(c, ++n)).reason).toMatch(/required_field_missing/);
    // A symbol longer than any symbol can be.
    c.send(subscribeFrame(7, Channel.Book, "X".repeat(200)));
    expect((await lastError(c, ++n)).reason).toMatch(/length_out_of_bounds/);
    expect(c.closeCode).toBe(0);
    c.send(pingFrame(77));
    await c.nth(Message.Pong, 1);
    c.close();
  });

  test("requests that read well but ask for the impossible get their own codes, with the request id", async () => {
    const c = await new RawClient(url).open();
    const asks: [Uint8Array, number][] = [
      [subscribeFrame(11, 99, "BTC-USD"), ErrorCode.UnknownChannel],
      [subscribeFrame(12, Channel.Book, "DOGE-USD"), ErrorCode.UnknownSymbol],
      [subscribeFrame(13, Channel.Candles, "BTC-USD", 17), ErrorCode.BadInterval],
      [subscribeFrame(14, Channel.Book, "BTC-USD", 2), ErrorCode.BadInterval],
      [subscribeFrame(15, Channel.Book, "BTC-USD", 0, true), ErrorCode.NotSubscribed],
    ];
    let n = 0;
    for (const [bytes, code] of asks) {
      c.send(bytes);
      const e = await lastError(c, ++n);
      expect([e.errorRequestId, e.errorCode]).toEqual([10 + n, code]);
    }
    c.send(subscribeFrame(20, Channel.Book, "BTC-USD"));
    await c.nth(Message.Subscribed, 1);
    c.send(subscribeFrame(21, Channel.Book, "BTC-USD"));
    expect((await lastError(c, ++n)).errorCode).toBe(ErrorCode.AlreadySubscribed);
    c.send(subscribeFrame(22, Channel.Orders, "BTC-USD"));
    c.send(subscribeFrame(23, Channel.Trades, "ETH-USD"));
    await c.nth(Message.Subscribed, 3);
    c.send(subscribeFrame(24, Channel.Depth, "SOL-USD"));
    const e = await lastError(c, ++n);
    expect([e.errorRequestId, e.errorCode]).toEqual([24, ErrorCode.TooManySubscriptions]);
    c.send(subscribeFrame(25, Channel.Trades, "ETH-USD", 0, true));
    await c.nth(Message.Unsubscribed, 1);
    c.send(subscribeFrame(26, Channel.Depth, "SOL-USD"));
    await c.nth(Message.Subscribed, 4);
    c.close();
  });

  test(
    "a request flood is rate-limited with errors, then closed with 4009; " + "the good client notices nothing",
    async () => {
      const before = goodHeartbeats;
      const c = await new RawClient(url).open();
      for (let i = 0; i < 200; i++) c.send(pingFrame(1000 + i));
      expect(await c.closed()).toBe(closeCodeBase + CloseCode.RateLimitAbuse);
      expect(c.errors().filter((e) => e.errorCode === ErrorCode.RateLimited).length).toBeGreaterThan(0);
      expect(c.errors().some((e) => e.errorRequestId >= 1000)).toBe(true);
      expect(c.count(Message.Pong)).toBeLessThanOrEqual(limits.requestBurst + 5);
      await waitFor(() => goodHeartbeats >= before + 2, { timeoutMs: 10_000, what: "heartbeats to the good client" });
      expect(good.connected && good.synced).toBe(true);
    },
  );

  test("malformed frames past the limit close with 4010", async () => {
    const c = await new RawClient(url).open();
    for (let i = 0; i <= limits.malformedMax; i++) c.send(new Uint8Array([9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]));
    expect(await c.closed()).toBe(closeCodeBase + CloseCode.ProtocolAbuse);
    expect(c.errors().length).toBe(limits.malformedMax);
  });

  test("a frame above clientFrameBytesMax closes the connection with 1009", async () => {
    const c = await new RawClient(url).open();
    c.send(new Uint8Array(4096));
    expect(await c.closed()).toBe(1009);
  });

  test("past connectionsMax the upgrade answers 503 and the others stay up", async () => {
    const extra: RawClient[] = [];
    await waitFor(() => feed.server.connections <= 1, {
      timeoutMs: 10_000,
      what: `earlier test connections gone (${feed.server.connections} open)`,
    });
    for (let i = feed.server.connections; i < limits.connectionsMax; i++) extra.push(await new RawClient(url).open());
    const res = await fetch(url.replace("ws:", "http:"), {
      headers: {
        upgrade: "websocket",
        connection: "upgrade",
        "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
        "sec-websocket-version": "13",
      },
    });
    expect(res.status).toBe(503);
    for (const c of extra) c.close();
    expect(good.connected).toBe(true);
  }, 30_000);

  test("plain HTTP paths: 404 for unknown ones, 426 for the feed path without an upgrade", async () => {
    const base = url.replace("ws:", "http:").replace("/feed", "");
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/feed`)).status).toBe(426);
  });
});
