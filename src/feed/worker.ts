// The feed's worker thread: the market-data stream (book mirror, records),
// the recent trades and candles, and the WebSocket server, all off the
// matching thread. It reads the engine's events from the shared ring the
// matching thread fills (src/marketdata/shared-events.ts) and acts on each
// durable seq the writer publishes. Messages from the starting thread:
// init, symbols (new ones), stats, stop.

import { RecentMarketData } from "../marketdata/recent-sink.ts";
import type { BookImage } from "../marketdata/book-image.ts";
import type { BookLimits } from "../marketdata/book.ts";
import { SharedEventRing } from "../marketdata/shared-events.ts";
import { MarketDataStream } from "../marketdata/stream.ts";
import type { FeedLimits } from "./constants.ts";
import type { SymbolEntry } from "./encode.ts";
import { FeedServer, type StaticFile } from "./server.ts";

export interface WorkerInit {
  type: "init";
  ring: SharedArrayBuffer;
  image: BookImage;
  mirror: BookLimits;
  symbols: SymbolEntry[];
  limits: FeedLimits;
  hostname: string;
  port: number;
  files: [string, StaticFile][];
}

export type ToWorker =
  WorkerInit | { type: "symbols"; symbols: SymbolEntry[] } | { type: "stats"; id: number } | { type: "stop" };
export type FromWorker =
  | { type: "ready"; port: number }
  | { type: "failed"; message: string }
  | { type: "stats"; id: number; stats: FeedWorkerStats }
  | { type: "stopped" };

export interface FeedWorkerStats {
  releasedSeq: number;
  orderChanges: number;
  levelChanges: number;
  trades: number;
  connections: number;
  framesPublished: number;
  closedSlow: number;
  /** Longest engine-time-to-publish wait of a trade since the last stats call, ms. */
  tradeLagMsMax: number;
}

declare const self: { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: FromWorker): void };

let server: FeedServer | null = null;
let stream: MarketDataStream | null = null;
let ring: SharedEventRing | null = null;
let symbols: SymbolEntry[] = [];

async function follow(r: SharedEventRing, s: MarketDataStream): Promise<void> {
  let seen = r.wakeCounter();
  while (!r.closed) {
    s.release(r.durableSeq());
    r.publishHead();
    seen = await r.waitForWake(seen);
  }
}

function start(m: WorkerInit): void {
  ring = new SharedEventRing(m.ring);
  const s = new MarketDataStream(m.mirror, ring);
  s.seed(m.image);
  stream = s;
  symbols = m.symbols;
  const recent = new RecentMarketData(s.symbolsMax);
  s.addSink(recent);
  server = new FeedServer(
    s,
    recent,
    {
      list: () => symbols,
      idOf: (name) => symbols.find((x) => x.name === name)?.id ?? -1,
    },
    { hostname: m.hostname, port: m.port, limits: m.limits, path: "/feed", files: new Map(m.files) },
  );
  s.addSink(server.publisher);
  void follow(ring, s);
  self.postMessage({ type: "ready", port: server.port });
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    if (m.type === "init") start(m);
    else if (m.type === "symbols") symbols = m.symbols;
    else if (m.type === "stats") {
      const st = stream!.stats;
      self.postMessage({
        type: "stats",
        id: m.id,
        stats: {
          releasedSeq: stream!.releasedSeq,
          orderChanges: st.orderChanges,
          levelChanges: st.levelChanges,
          trades: st.trades,
          connections: server!.connections,
          framesPublished: server!.publisher.framesPublished,
          closedSlow: server!.stats.closedSlow,
          tradeLagMsMax: server!.publisher.tradeLagMsMax,
        },
      });
      server!.publisher.tradeLagMsMax = 0;
    } else if (m.type === "stop") {
      void (async () => {
        await server?.stop();
        self.postMessage({ type: "stopped" });
      })();
    }
  } catch (error) {
    self.postMessage({ type: "failed", message: (error as Error).stack ?? String(error) });
  }
};
