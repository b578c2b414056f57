// Starting the feed beside the sequencer: a market-data stream seeded from
// the engine's book, the recent trades and candles, and the WebSocket server
// with the live market page on the same port. `startFeedWorker` runs all of
// it in a worker thread (what `bun run engine` does); `startFeed` runs it on
// the calling thread (tests, and a caller that shares the stream with other
// outputs).
//
// Call it after recovery, when everything the engine holds is durable, and
// before new input: the stream starts from the engine's book as it is then.

import type { Engine } from "../engine/engine.ts";
import { bookImage } from "../marketdata/book-image.ts";
import { RecentMarketData } from "../marketdata/recent-sink.ts";
import { SharedEventRing, SharedEventWriter } from "../marketdata/shared-events.ts";
import { MarketDataStream, mirrorLimits } from "../marketdata/stream.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import { checkFeedLimits, type FeedLimits, feedLimitsDefault } from "./constants.ts";
import type { SymbolEntry } from "./encode.ts";
import { FeedServer, type StaticFile, type SymbolDirectory } from "./server.ts";
import type { FeedWorkerStats, FromWorker, ToWorker, WorkerInit } from "./worker.ts";

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
  const o: FeedOptions = {
    hostname: "127.0.0.1",
    port: 0,
    limits: {},
    files: new Map(),
    stream: null,
    recent: null,
    ...options,
  };
  const limits = checkFeedLimits({ ...feedLimitsDefault, ...o.limits });
  const engine = sequencer.engine;
  const ownStream = o.stream === null;
  if (ownStream && sequencer.durableSeq !== sequencer.nextSeq - 1)
    throw new Error("feed: start the stream when everything applied is durable");
  const stream = o.stream ?? MarketDataStream.forEngine(engine);
  const recent = o.recent ?? new RecentMarketData(stream.symbolsMax);
  if (o.recent === null) stream.addSink(recent);
  const server = new FeedServer(stream, recent, engineSymbols(engine), {
    hostname: o.hostname,
    port: o.port,
    limits,
    path: "/feed",
    files: o.files,
  });
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

/** A feed running in a worker thread. */
export interface FeedWorker {
  port: number;
  /** Counters from the worker (stream and server). */
  stats(): Promise<FeedWorkerStats>;
  stop(): Promise<void>;
}

export interface FeedWorkerOptions {
  hostname: string;
  port: number;
  limits: Partial<FeedLimits>;
  files: Map<string, StaticFile>;
  /**
   * Rows of the shared event ring (a power of two, 128 bytes each, touched
   * once at start-up); rows beyond wait on the matching thread and cost it a
   * second copy. 262,144 rows (32 MB) hold a backlog of a quarter of a
   * million events: with the matching thread flat out and the worker behind,
   * this measured ~25 % less matching-thread CPU per command than 8,192 rows
   * (whose overflow queue took most rows). With the old 17-column ring the
   * large ring cost twice as much per event; whole rows do not.
   */
  ringRows: number;
}

/** The worker's start: the ring, the books as they stand, the symbols, limits, listen address and static files. */
function workerInit(
  engine: Engine,
  ring: SharedEventRing,
  directory: SymbolDirectory,
  limits: FeedLimits,
  o: FeedWorkerOptions,
): WorkerInit {
  return {
    type: "init",
    ring: ring.buffer,
    image: bookImage(engine),
    mirror: mirrorLimits(engine.config),
    symbols: directory.list(),
    limits,
    hostname: o.hostname,
    port: o.port,
    files: [...o.files],
  };
}

/**
 * The feed in a worker thread: the matching thread only copies the events the
 * stream needs into a shared ring (SharedEventWriter) and passes durability
 * on; the stream, frames and sockets cost it nothing more. Call it, like
 * startFeed, when everything applied is durable.
 */
export async function startFeedWorker(
  sequencer: Sequencer,
  options: Partial<FeedWorkerOptions> = {},
): Promise<FeedWorker> {
  const o: FeedWorkerOptions = {
    hostname: "127.0.0.1",
    port: 0,
    limits: {},
    files: new Map(),
    ringRows: 1 << 18,
    ...options,
  };
  const limits = checkFeedLimits({ ...feedLimitsDefault, ...o.limits });
  const engine = sequencer.engine;
  if (sequencer.durableSeq !== sequencer.nextSeq - 1)
    throw new Error("feed: start the stream when everything applied is durable");
  const ring = SharedEventRing.allocate(o.ringRows);
  const writer = new SharedEventWriter(ring);
  const directory = engineSymbols(engine);
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
  let statsId = 0;
  const waiting = new Map<number, (s: FeedWorkerStats) => void>();
  let onStopped: (() => void) | null = null;
  const ready = new Promise<number>((resolve, reject) => {
    worker.onmessage = (e: MessageEvent<FromWorker>) => {
      const m = e.data;
      if (m.type === "ready") resolve(m.port);
      else if (m.type === "failed") {
        reject(new Error(`feed worker: ${m.message}`));
        console.error(`feed worker: ${m.message}`);
      } else if (m.type === "stats") {
        waiting.get(m.id)?.(m.stats);
        waiting.delete(m.id);
      } else if (m.type === "stopped") onStopped?.();
    };
    worker.onerror = (e) => reject(new Error(`feed worker: ${e.message}`));
  });
  worker.postMessage(workerInit(engine, ring, directory, limits, o));
  const port = await ready;
  // New symbols reach the worker's directory when their definition is durable.
  let symbolsKnown = engine.booksCount;
  writer.onDurableHook = () => {
    if (engine.booksCount === symbolsKnown) return;
    symbolsKnown = engine.booksCount;
    worker.postMessage({ type: "symbols", symbols: directory.list() } satisfies ToWorker);
  };
  sequencer.addConsumer(writer);
  return {
    port,
    stats: () =>
      new Promise<FeedWorkerStats>((resolve) => {
        const id = ++statsId;
        waiting.set(id, resolve);
        worker.postMessage({ type: "stats", id } satisfies ToWorker);
      }),
    async stop() {
      sequencer.removeConsumer(writer);
      writer.close();
      await new Promise<void>((resolve) => {
        onStopped = resolve;
        worker.postMessage({ type: "stop" } satisfies ToWorker);
      });
      worker.terminate();
    },
  };
}
