// The outputs `bun run engine` starts beside the gateway once recovery is
// done, each as a Part: what the start-up summary lists, and how a graceful
// stop flushes it. The feed is here; the HTTP query API has its slot in
// http-api.ts (src/api arrives with the market-data branch); Kafka goes the
// same way. A part registers its metrics and readiness with `hooks`.

import type { ExchangeConfig } from "../config/index.ts";
import { buildPage } from "../feed/page/build.ts";
import { startFeedWorker } from "../feed/start.ts";
import type { Logger } from "../log/index.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { Observability } from "./observability.ts";
import { urlHost } from "./summary.ts";

export interface Part {
  name: string;
  /** Start-up summary rows: what, where (a URL), or why it is off. */
  endpoints: [string, string][];
  /** Releases what it holds up to the durable seq and stops (a graceful stop, after the final snapshot). */
  stop(): Promise<void>;
}

/** A part that is off: only its summary rows. */
export function offPart(name: string, endpoints: [string, string][]): Part {
  return { name, endpoints, stop: async () => {} };
}

/**
 * The WebSocket feed and the live market page, in a worker thread (src/feed). Call after recovery, before new input.
 */
export async function startFeedPart(
  config: ExchangeConfig,
  sequencer: Sequencer,
  obs: Observability,
  log: Logger,
): Promise<Part> {
  const f = config.feed;
  if (!f.enabled) return offPart("feed", [["market-data feed", "off (feed.enabled = false)"]]);
  const files = await buildPage();
  const limits = { connectionsMax: f.connectionsMax, backpressureBytesMax: f.backpressureBytesMax, frameMs: f.frameMs };
  const feed = await startFeedWorker(sequencer, { hostname: f.host, port: f.port, limits, files });
  const host = urlHost(f.host);
  const feedUrl = `ws://${host}:${feed.port}/feed`;
  const pageUrl = `http://${host}:${feed.port}/`;
  log.infoRestated(`market-data feed: ${feedUrl}, live page ${pageUrl}`, { port: feed.port });
  obs.sources.feedClients = async () => (await feed.stats()).connections;
  return {
    name: "feed",
    endpoints: [
      ["market-data feed", feedUrl],
      ["live market page", pageUrl],
    ],
    async stop() {
      obs.sources.feedClients = null;
      await feed.stop();
    },
  };
}
