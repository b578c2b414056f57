// Proves the feed in its worker thread (as `bun run engine` runs it) serves the same books: clients reconnecting at
// random while orders flow end with level-2 and level-3 books equal to the engine's and every checksum matched, also
// when the shared ring is so small that events wait on the matching thread.

import { afterAll, describe, expect, test } from "bun:test";
import { Side } from "../../src/engine/constants.ts";
import { FeedClient } from "../../src/feed/client/client.ts";
import { Channel } from "../../src/feed/constants.ts";
import { type FeedWorker, startFeedWorker } from "../../src/feed/start.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { engineLevels, engineOrders } from "../marketdata/engine-book.ts";
import { flowSymbols, OrderFlow } from "../marketdata/order-flow.ts";
import { waitFor } from "../support/wait.ts";

const engineConfig = {
  ordersMax: 1 << 15,
  levelsMax: 1 << 12,
  levelsPerSideMax: 1 << 10,
  symbolsMax: 4,
  eventsMax: 256,
};
const feeds: FeedWorker[] = [];
const clients: FeedClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  for (const f of feeds) await f.stop();
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

function booksMatch(seq: Sequencer, c: FeedClient): boolean {
  if (!c.synced) return false;
  for (let id = 0; id < flowSymbols.length; id++) {
    for (const side of [Side.Buy, Side.Sell]) {
      const levels = engineLevels(seq.engine, id, side);
      const l2 = c.books.get(id);
      const l3 = c.orderBooks.get(id);
      if (l2 === undefined || l3 === undefined) return false;
      if (JSON.stringify(l2.top(side)) !== JSON.stringify(levels)) return false;
      const queues = levels.flatMap((l) =>
        l3.queue(side, l.price).map((o) => ({ id: o.id, price: o.price, qty: o.qty })),
      );
      if (JSON.stringify(queues) !== JSON.stringify(engineOrders(seq.engine, id, side))) return false;
    }
  }
  return true;
}

describe("feed worker", () => {
  for (const ringRows of [1 << 16, 16]) {
    test(`clients end with the engine's books (ring of ${ringRows} rows)`, async () => {
      const seq = new Sequencer(engineConfig, null);
      const flow = new OrderFlow(ringRows, seq);
      flow.defineSymbols();
      flow.run(300);
      seq.flush();
      const feed = await startFeedWorker(seq, { ringRows, limits: { frameMs: 2 } });
      feeds.push(feed);
      const url = `ws://127.0.0.1:${feed.port}/feed`;
      const mine: FeedClient[] = [];
      for (let i = 0; i < 4; i++) {
        const c = new FeedClient({ url, reconnect: true, reconnectDelayMs: 5 });
        for (const s of flowSymbols) {
          c.subscribe(Channel.Book, s.name);
          c.subscribe(Channel.Orders, s.name);
        }
        mine.push(c);
        clients.push(c);
      }
      await waitFor(() => mine.every((c) => c.synced), { timeoutMs: 30_000, what: "clients in sync before the flow" });
      for (let round = 0; round < 300; round++) {
        flow.run(1 + flow.rng.int(25));
        seq.flush();
        if (flow.rng.chance(0.03)) flow.rng.pick(mine).drop();
        await turn();
      }
      await waitFor(() => mine.every((c) => booksMatch(seq, c)), {
        timeoutMs: 60_000,
        what: "every client's books equal to the engine's",
      });
      for (const c of mine) {
        expect(c.stats.checksumMismatches).toBe(0);
        expect(c.stats.checksumsChecked).toBeGreaterThan(10);
      }
      const stats = await feed.stats();
      expect(stats.releasedSeq).toBe(seq.nextSeq - 1);
      expect(stats.orderChanges).toBeGreaterThan(100);
    }, 120_000);
  }
});
