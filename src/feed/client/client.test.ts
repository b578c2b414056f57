// Proves the feed client against a scripted server: it applies a snapshot and the numbered changes after it, checks a
// split batch's checksum only on its last part, takes a fresh snapshot (unsubscribe + subscribe) on a gap and on a
// checksum mismatch, and subscribes again after a reconnect.

import { afterAll, describe, expect, test } from "bun:test";
import type { Server } from "bun";
import { ByteBuffer } from "flatbuffers";
import { checksumOf } from "../../marketdata/checksum.ts";
import { LevelBatch } from "../batches.ts";
import { Channel, feedLimitsDefault } from "../constants.ts";
import { FrameEncoder } from "../encode.ts";
import { ClientFrame } from "../generated/feed/client-frame.ts";
import { Request } from "../generated/feed/request.ts";
import { Subscribe } from "../generated/feed/subscribe.ts";
import { waitFor } from "../../../test/support/wait.ts";
import { FeedClient } from "./client.ts";

interface Script {
  /** Frames to send after the n-th Subscribe (0-based), built when it arrives. */
  onSubscribe: (n: number, requestId: number) => Uint8Array[];
}

const enc = new FrameEncoder();
const symbols = [{ id: 0, name: "BTC-USD", tickSize: 1, lotSize: 1 }];

function levels(list: [number, number, number, number][]): LevelBatch {
  const b = new LevelBatch();
  for (const [side, price, qty, count] of list) b.push(side, price, qty, count);
  return b;
}

function snapshot(seq: number, bids: [number, number][], asks: [number, number][], checksum?: number): Uint8Array {
  const b = levels(bids.map(([p, q]) => [0, p, q, 1]));
  const a = levels(asks.map(([p, q]) => [1, p, q, 1]));
  const sum =
    checksum ??
    checksumOf(
      asks.map(([price, qty]) => ({ price, qty })),
      bids.map(([price, qty]) => ({ price, qty })),
    );
  return enc.bookSnapshot(0, seq, 100, 0, 1, b, 0, b.count, a, 0, a.count, sum).slice();
}

function update(seq: number, changes: [number, number, number, number][], checksum: number, more = false): Uint8Array {
  const c = levels(changes);
  return enc.bookUpdate(0, { seq, engineSeq: 100 + seq, engineTimeUs: 1 }, c, 0, c.count, checksum, more).slice();
}

const servers: Server<unknown>[] = [];
afterAll(() => {
  for (const s of servers) s.stop(true);
});

/** A server that answers Subscribes with scripted frames and counts requests by type. */
function scripted(script: Script): { url: string; requests: number[]; close: () => void } {
  const requests: number[] = [];
  let subscribes = 0;
  const sockets = new Set<{ close(): void }>();
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: (req, srv) => (srv.upgrade(req, { data: undefined }) ? undefined : new Response("no", { status: 400 })),
    websocket: {
      open(ws) {
        sockets.add(ws);
        ws.send(enc.welcome(symbols, feedLimitsDefault));
      },
      message(ws, m) {
        const f = ClientFrame.getRootAsClientFrame(new ByteBuffer(new Uint8Array(m as Buffer)));
        requests.push(f.requestType());
        if (f.requestType() !== Request.Subscribe) return;
        const s = f.request(new Subscribe()) as Subscribe;
        ws.send(enc.subscribed(s.requestId(), s.channel(), 0, 0));
        for (const frame of script.onSubscribe(subscribes++, s.requestId())) ws.send(frame);
      },
      close(ws) {
        sockets.delete(ws);
      },
    },
  });
  servers.push(server as Server<unknown>);
  return { url: `ws://127.0.0.1:${server.port}/feed`, requests, close: () => sockets.forEach((s) => s.close()) };
}

describe("feed client", () => {
  test("snapshot, then changes in order; a split batch is checked on its last part", async () => {
    const after = checksumOf([{ price: 102, qty: 4 }], [{ price: 100, qty: 9 }]);
    const srv = scripted({
      onSubscribe: () => [
        snapshot(5, [[100, 7]], [[101, 3]]),
        update(6, [[1, 101, 0, 0]], 0, true),
        update(
          7,
          [
            [1, 102, 4, 2],
            [0, 100, 9, 2],
          ],
          after,
        ),
      ],
    });
    const c = new FeedClient({ url: srv.url });
    c.subscribe(Channel.Book, "BTC-USD");
    await waitFor(() => c.seqOf(Channel.Book, "BTC-USD") === 7, { timeoutMs: 10_000, what: "frame 7 applied" });
    expect(c.books.get(0)!.top(0)).toEqual([{ price: 100, qty: 9, count: 2 }]);
    expect(c.books.get(0)!.top(1)).toEqual([{ price: 102, qty: 4, count: 2 }]);
    expect(c.stats.checksumsChecked).toBe(2);
    expect(c.stats.checksumMismatches).toBe(0);
    c.close();
  });

  test("a gap and then a bad checksum each make it take a fresh snapshot", async () => {
    const srv = scripted({
      onSubscribe: (n) =>
        n === 0
          ? [snapshot(5, [[100, 7]], []), update(7, [[0, 100, 1, 1]], 0)] // frame 6 is missing
          : n === 1
            ? [snapshot(9, [[100, 7]], [], 12345)] // a wrong checksum
            : [snapshot(11, [[100, 8]], [[105, 1]])],
    });
    const resyncs: string[] = [];
    const c = new FeedClient({ url: srv.url, handlers: { onResync: (_ch, _s, why) => resyncs.push(why) } });
    c.subscribe(Channel.Book, "BTC-USD");
    await waitFor(() => c.seqOf(Channel.Book, "BTC-USD") === 11 && c.synced, {
      timeoutMs: 10_000,
      what: "third snapshot applied",
    });
    expect(resyncs.length).toBe(2);
    expect(resyncs[0]).toMatch(/gap: frame 7 after 5/);
    expect(resyncs[1]).toMatch(/checksum/);
    expect([c.stats.gaps, c.stats.checksumMismatches]).toEqual([1, 1]);
    // Each resync is an Unsubscribe then a Subscribe.
    expect(srv.requests).toEqual([
      Request.Subscribe,
      Request.Unsubscribe,
      Request.Subscribe,
      Request.Unsubscribe,
      Request.Subscribe,
    ]);
    expect(c.books.get(0)!.top(0)).toEqual([{ price: 100, qty: 8, count: 1 }]);
    c.close();
  });

  test("after the connection drops it reconnects and subscribes again", async () => {
    const srv = scripted({ onSubscribe: (n) => [snapshot(3 + n, [[100 + n, 1]], [])] });
    const c = new FeedClient({ url: srv.url, reconnect: true, reconnectDelayMs: 5 });
    c.subscribe(Channel.Book, "BTC-USD");
    await waitFor(() => c.seqOf(Channel.Book, "BTC-USD") === 3, { timeoutMs: 10_000, what: "first snapshot" });
    srv.close();
    await waitFor(() => c.seqOf(Channel.Book, "BTC-USD") === 4 && c.synced, {
      timeoutMs: 10_000,
      what: "snapshot on the new connection",
    });
    expect(c.stats.connects).toBe(2);
    expect(c.books.get(0)!.top(0)).toEqual([{ price: 101, qty: 1, count: 1 }]);
    c.close();
  });
});
