// How `bun run engine` starts the feed: the WebSocket feed and the live market
// page in a worker thread, on EXCHANGE_FEED_PORT (default 7002; 0 picks a free
// port), or nothing with EXCHANGE_FEED=off. The server entry calls this once,
// after recovery.

import type { Sequencer } from "../sequencer/sequencer.ts";
import { buildPage } from "./page/build.ts";
import { type FeedWorker, startFeedWorker } from "./start.ts";

export const feedPortDefault = 7002;

export async function startFeedFromEnv(sequencer: Sequencer, env: Record<string, string | undefined>): Promise<FeedWorker | null> {
  if (env.EXCHANGE_FEED === "off") return null;
  const port = env.EXCHANGE_FEED_PORT === undefined ? feedPortDefault : Number(env.EXCHANGE_FEED_PORT);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw new Error(`EXCHANGE_FEED_PORT=${env.EXCHANGE_FEED_PORT} must be a port number`);
  const files = await buildPage();
  // In a worker thread: the matching thread only hands it the events.
  const feed = await startFeedWorker(sequencer, { port, files });
  console.log(`market-data feed: ws://127.0.0.1:${feed.port}/feed, live page http://127.0.0.1:${feed.port}/`);
  return feed;
}
