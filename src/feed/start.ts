// The one call the server entry makes to run the feed beside the sequencer:
// a market-data stream seeded from the engine's book (or one the caller
// already runs), the recent trades and candles, and the WebSocket server with
// the live market page on the same port.
//
// Call it after recovery, when everything the engine holds is durable, and
// before new input: the stream starts from the engine's book as it is then.

import type { Engine } from "../engine/engine.ts";
import { RecentMarketData } from "../marketdata/recent-sink.ts";
import { MarketDataStream } from "../marketdata/stream.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import { checkFeedLimits, type FeedLimits, feedLimitsDefault } from "./constants.ts";
import type { SymbolEntry } from "./encode.ts";
import { FeedServer, type StaticFile, type SymbolDirectory } from "./server.ts";

export interface FeedOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  limits: Partial<FeedLimits>;
  /** Files served beside the feed (the market page: src/feed/page/build.ts). */
  files: Map<string, StaticFile>;
  /** A stream the caller already feeds other outputs from (QuestDB, Kafka); made and attached here when absent. */
  stream: MarketDataStream | null;
  /** Recent trades and candles the caller already keeps from `stream`; made and attached here when absent. */
  recent: RecentMarketData | null;
}

export interface RunningFeed {
  stream: MarketDataStream;
  recent: RecentMarketData;
  server: FeedServer;
  stop(): Promise<void>;
}

/** The engine's symbols, as the feed lists them and resolves names. */
export function engineSymbols(engine: Engine): SymbolDirectory {
  return {
    list(): SymbolEntry[] {
      const out: SymbolEntry[] = [];
      for (let id = 0; id < engine.booksCount; id++) {
        const s = engine.symbolSpec(id);
        out.push({ id, name: s.name, tickSize: s.tickSize, lotSize: s.lotSize });
      }
      return out;
    },
    idOf: (name) => engine.bookOf(name),
  };
}

export function startFeed(sequencer: Sequencer, options: Partial<FeedOptions> = {}): RunningFeed {
  const o: FeedOptions = { hostname: "127.0.0.1", port: 0, limits: {}, files: new Map(), stream: null, recent: null, ...options };
  const limits = checkFeedLimits({ ...feedLimitsDefault, ...o.limits });
  const engine = sequencer.engine;
  const ownStream = o.stream === null;
  if (ownStream && sequencer.durableSeq !== sequencer.nextSeq - 1) throw new Error("feed: start the stream when everything applied is durable");
  const stream = o.stream ?? MarketDataStream.forEngine(engine);
  const recent = o.recent ?? new RecentMarketData(stream.symbolsMax);
  if (o.recent === null) stream.addSink(recent);
  const server = new FeedServer(stream, recent, engineSymbols(engine), { hostname: o.hostname, port: o.port, limits, path: "/feed", files: o.files });
  stream.addSink(server.publisher);
  if (ownStream) sequencer.addConsumer(stream);
  return {
    stream,
    recent,
    server,
    async stop() {
      stream.removeSink(server.publisher);
      if (ownStream) sequencer.removeConsumer(stream);
      await server.stop();
    },
  };
}
