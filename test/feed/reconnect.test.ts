// Proves the feed's promise: many clients that disconnect, reconnect, unsubscribe and resubscribe at random while
// orders flow through the real sequencer and engine end with level-2 and level-3 books equal to the engine's, and every
// checksum they checked on the way matched.

import { afterAll, describe, expect, test } from "bun:test";
import { Side } from "../../src/engine/constants.ts";
import { FeedClient } from "../../src/feed/client/client.ts";
import { Channel } from "../../src/feed/constants.ts";
import { Slot } from "../../src/feed/publisher.ts";
import { type RunningFeed, startFeed } from "../../src/feed/start.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { engineLevels, engineOrders } from "../marketdata/engine-book.ts";
import { flowSymbols, OrderFlow } from "../marketdata/order-flow.ts";
import { waitFor } from "../support/wait.ts";

const soak = process.env.SOAK === "1";
const engineConfig = {
  ordersMax: 1 << 15,
  levelsMax: 1 << 12,
  levelsPerSideMax: 1 << 10,
  symbolsMax: 4,
  eventsMax: 256,
};
const clientsCount = soak ? 40 : 12;
const rounds = soak ? 3_000 : 400;
const seed = Number(process.env.FEED_SEED ?? 20261204);

let feed: RunningFeed | null = null;
const clients: FeedClient[] = [];
afterAll(async () => {
  for (const c of clients) c.close();
  await feed?.stop();
});

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Rounds of order flow while clients drop their connections and unsubscribe and resubscribe at random. */
async function churn(
  flow: OrderFlow,
  seq: Sequencer,
  channels: Channel[],
): Promise<{ drops: number; resubscribes: number }> {
  const rng = flow.rng;
  let drops = 0;
  let resubscribes = 0;
  for (let round = 0; round < rounds; round++) {
    flow.run(1 + rng.int(30));
    seq.flush();
    if (rng.chance(0.05)) {
      rng.pick(clients).drop();
      drops++;
    }
    if (rng.chance(0.05)) {
      const c = rng.pick(clients);
      const symbol = rng.pick(flowSymbols).name;
      const channel = rng.pick(channels);
      c.unsubscribe(channel, symbol);
      // Sometimes at once, sometimes a few rounds later.
      if (rng.chance(0.5)) c.subscribe(channel, symbol);
      else setTimeout(() => c.subscribe(channel, symbol), rng.int(20));
      resubscribes++;
    }
    await turn();
  }
  return { drops, resubscribes };
}

/** Every client's level-2 and level-3 books equal the engine's; returns how many checksums the clients checked. */
function expectBooksAsEngine(seq: Sequencer): number {
  const e = seq.engine;
  let checked = 0;
  for (const c of clients) {
    expect(c.mismatches).toEqual([]);
    expect(c.stats.checksumMismatches).toBe(0);
    checked += c.stats.checksumsChecked;
    for (let id = 0; id < flowSymbols.length; id++) {
      for (const side of [Side.Buy, Side.Sell]) {
        const levels = engineLevels(e, id, side);
        expect({ client: clients.indexOf(c), id, side, l2: c.books.get(id)!.top(side) }).toEqual({
          client: clients.indexOf(c),
          id,
          side,
          l2: levels,
        });
        const l3 = c.orderBooks.get(id)!;
        expect(l3.top(side)).toEqual(levels);
        const queues = levels.flatMap((l) =>
          l3.queue(side, l.price).map((o) => ({ id: o.id, price: o.price, qty: o.qty })),
        );
        expect(queues).toEqual(engineOrders(e, id, side));
      }
    }
  }
  return checked;
}

describe(`feed reconnect proof (seed ${seed})`, () => {
  test(
    `${clientsCount} clients churning over ${rounds} rounds end with the engine's books, ` + `every checksum matched`,
    async () => {
      const seq = new Sequencer(engineConfig, null);
      const flow = new OrderFlow(seed, seq);
      flow.defineSymbols();
      flow.run(400);
      seq.flush();
      feed = startFeed(seq, { limits: { frameMs: 2, depthPeriodMs: 20 } });
      const url = `ws://127.0.0.1:${feed.server.port}/feed`;
      const rng = flow.rng;
      const channels = [Channel.Book, Channel.Orders];
      for (let i = 0; i < clientsCount; i++) {
        const c = new FeedClient({ url, reconnect: true, reconnectDelayMs: 1 + rng.int(30) });
        for (const s of flowSymbols) for (const ch of channels) c.subscribe(ch, s.name);
        // Some clients also take the other channels, so their frames interleave with the books'.
        if (i % 3 === 0)
          for (const ch of [Channel.Trades, Channel.Bbo, Channel.Depth]) c.subscribe(ch, flowSymbols[0]!.name);
        clients.push(c);
      }
      await waitFor(() => clients.every((c) => c.synced), {
        timeoutMs: 30_000,
        what: "every client connected and in sync",
      });

      const { drops, resubscribes } = await churn(flow, seq, channels);

      // Quiet: every client must come back, take any snapshot it still needs, and reach the
      // last frame of every channel.
      const p = feed.server.publisher;
      await waitFor(
        () => {
          p.flush();
          return clients.every(
            (c) =>
              c.synced &&
              flowSymbols.every(
                (s, id) =>
                  c.seqOf(Channel.Book, s.name) === p.seqOf(id, Slot.Book) &&
                  c.seqOf(Channel.Orders, s.name) === p.seqOf(id, Slot.Orders),
              ),
          );
        },
        { timeoutMs: 60_000, what: "every client caught up with the last frame of every book channel" },
      );

      const checked = expectBooksAsEngine(seq);
      expect(drops).toBeGreaterThan(0);
      expect(resubscribes).toBeGreaterThan(0);
      expect(checked).toBeGreaterThan(clientsCount * 10);
      expect(flow.commands).toBeGreaterThan(rounds);
      console.log(
        `feed reconnect proof: ${clientsCount} clients, ${flow.commands} commands, ${drops} ` +
          `drops, ${resubscribes} resubscribes, ${checked} checksums checked, ` +
          `0 mismatches, ${clients.reduce((a, c) => a + c.stats.snapshots, 0)} snapshots`,
      );
    },
    180_000,
  );
});
