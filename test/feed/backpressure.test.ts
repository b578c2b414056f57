// Proves a client that stops reading is closed with 4008 (slow consumer) while the engine and a reading client go on
// unharmed and end with the engine's books, and that a snapshot bigger than the pump threshold is sent as the client
// reads (drain) with the frames published meanwhile replayed, so the client still ends with the engine's books.

import { afterAll, describe, expect, test } from "bun:test";
import { Side } from "../../src/engine/constants.ts";
import { FeedClient } from "../../src/feed/client/client.ts";
import { Channel, CloseCode, closeCodeBase } from "../../src/feed/constants.ts";
import { Slot } from "../../src/feed/publisher.ts";
import { type RunningFeed, startFeed } from "../../src/feed/start.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { engineLevels, engineOrders } from "../marketdata/engine-book.ts";
import { flowSymbols, OrderFlow } from "../marketdata/order-flow.ts";
import { subscribeFrame } from "./raw-client.ts";
import { TcpWsClient } from "./tcp-ws-client.ts";
import { waitFor } from "../support/wait.ts";

const engineConfig = {
  ordersMax: 1 << 17,
  levelsMax: 1 << 13,
  levelsPerSideMax: 1 << 11,
  symbolsMax: 4,
  eventsMax: 1024,
};
const feeds: RunningFeed[] = [];
const clients: FeedClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const f of feeds) await f.stop();
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function expectEngineBooks(seq: Sequencer, c: FeedClient, symbols: number[]): void {
  for (const id of symbols) {
    for (const side of [Side.Buy, Side.Sell]) {
      const levels = engineLevels(seq.engine, id, side);
      expect(c.books.get(id)!.top(side)).toEqual(levels);
      const l3 = c.orderBooks.get(id)!;
      expect(
        levels.flatMap((l) => l3.queue(side, l.price).map((o) => ({ id: o.id, price: o.price, qty: o.qty }))),
      ).toEqual(engineOrders(seq.engine, id, side));
    }
  }
  expect(c.stats.checksumMismatches).toBe(0);
}

async function caughtUp(feed: RunningFeed, c: FeedClient, symbols: number[]): Promise<void> {
  const p = feed.server.publisher;
  await waitFor(
    () => {
      p.flush();
      return (
        c.synced &&
        symbols.every(
          (id) =>
            c.seqOf(Channel.Book, flowSymbols[id]!.name) === p.seqOf(id, Slot.Book) &&
            c.seqOf(Channel.Orders, flowSymbols[id]!.name) === p.seqOf(id, Slot.Orders),
        )
      );
    },
    { timeoutMs: 60_000, what: "the reading client caught up" },
  );
}

describe("backpressure", () => {
  test(
    "a client that stops reading is closed with 4008; " + "the reader next to it ends with the engine's books",
    async () => {
      const seq = new Sequencer(engineConfig, null);
      const flow = new OrderFlow(31, seq);
      flow.defineSymbols();
      flow.run(2_000);
      seq.flush();
      const feed = startFeed(seq, { limits: { backpressureBytesMax: 256 << 10, sweepMs: 20, frameMs: 2 } });
      feeds.push(feed);
      const reader = new FeedClient({ url: `ws://127.0.0.1:${feed.server.port}/feed` });
      clients.push(reader);
      reader.subscribe(Channel.Book, "BTC-USD");
      reader.subscribe(Channel.Orders, "BTC-USD");
      const stalled = await new TcpWsClient(feed.server.port, "/feed").open();
      for (const [i, ch] of [Channel.Orders, Channel.Book, Channel.Trades].entries())
        stalled.send(subscribeFrame(i + 1, ch, "BTC-USD"));
      await waitFor(() => stalled.messages.length >= 7, {
        timeoutMs: 10_000,
        what: "the stalled client's subscriptions",
      });
      await waitFor(() => reader.synced, { timeoutMs: 10_000, what: "the reader in sync" });
      stalled.pause();
      let commands = 0;
      while (feed.server.stats.closedSlow === 0) {
        if (commands > 3_000_000) throw new Error("3M commands and the stalled client is still open");
        flow.run(3_000);
        commands += 3_000;
        seq.flush();
        await turn();
      }
      expect(feed.server.stats.closedSlow).toBe(1);
      stalled.resume();
      await waitFor(() => stalled.closeCode !== 0 || stalled.ended, {
        timeoutMs: 30_000,
        what: "the close frame of the stalled connection",
      });
      expect(stalled.closeCode).toBe(closeCodeBase + CloseCode.SlowConsumer);
      expect(stalled.closeReason).toMatch(/bytes unread/);
      console.log(
        `stalled client: ${commands} commands until closed; it read close code ${stalled.closeCode} ` +
          `(${stalled.closeReason}), ended ${stalled.ended}`,
      );
      expect(reader.connected).toBe(true);
      await caughtUp(feed, reader, [0]);
      expectEngineBooks(seq, reader, [0]);
      stalled.destroy();
    },
    180_000,
  );

  test(
    "a snapshot larger than the pump threshold goes out as the client reads, " +
      "and the client ends with the engine's books",
    async () => {
      const seq = new Sequencer(engineConfig, null);
      const flow = new OrderFlow(47, seq);
      flow.defineSymbols();
      flow.run(120_000);
      seq.flush();
      expect(seq.engine.bookOrders(0, Side.Buy).length + seq.engine.bookOrders(0, Side.Sell).length).toBeGreaterThan(
        2048,
      );
      const feed = startFeed(seq, { limits: { snapshotPumpBytes: 16 << 10, frameMs: 1 } });
      feeds.push(feed);
      const c = new FeedClient({ url: `ws://127.0.0.1:${feed.server.port}/feed` });
      clients.push(c);
      for (const s of flowSymbols) {
        c.subscribe(Channel.Orders, s.name);
        c.subscribe(Channel.Book, s.name);
      }
      // Orders keep flowing while the snapshots are on their way.
      for (let i = 0; i < 200 && !c.synced; i++) {
        flow.run(50);
        seq.flush();
        await turn();
      }
      await caughtUp(feed, c, [0, 1, 2]);
      expect(feed.server.stats.snapshotWaits).toBeGreaterThan(0);
      expectEngineBooks(seq, c, [0, 1, 2]);
    },
    180_000,
  );
});
