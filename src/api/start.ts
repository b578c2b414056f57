// Starting market data beside the exchange: `startMarketData` is what the
// server entry calls after recovery. The replica, QuestDB ingestion and the
// query API run in a worker thread (worker.ts); the matching thread only
// publishes its durable seq (two stores and a notify per journal flush) and,
// on a timer, the stamp horizon that lets quiet candles close:
// when nothing is pending in the input log, every later command will be
// stamped after now.
//
// Full mode (config.mode = "full") writes to QuestDB at questdb.http and
// answers older history from it; embedded mode answers from memory only.

import { join } from "node:path";
import type { Sequencer } from "../sequencer/sequencer.ts";
import { nowNs as clockNowNs } from "../sequencer/clock.ts";
import { DurableSignal } from "./durable-signal.ts";
import type { MarketDataServiceStats } from "./service.ts";
import type { FromWorker, ToWorker, WorkerServiceOptions } from "./worker.ts";

/** The configuration keys market data reads (src/config: mode, dataDir, questdb, http, apiKeys). */
export interface MarketDataConfig {
  mode: "embedded" | "full";
  dataDir: string;
  questdb: {
    http: { host: string; port: number };
    backlogRowsMax: number;
    spillBytesMax: number;
    requestTimeoutMs: number;
    batchRowsMax: number;
  };
  http: { host: "127.0.0.1" | "localhost" | "::1"; port: number; requestBytesMax: number; queryRowsMax: number };
  apiKeys: readonly { sha256: string; user: number }[];
}

export interface StartMarketDataOptions {
  sequencer: Sequencer;
  journalPath: string;
  config: MarketDataConfig;
  /** The exchange's clock (sequencer/clock.ts); tests pass their own. */
  nowNs?: () => number;
  /** How often the stamp horizon is published, ms. */
  horizonIntervalMs?: number;
  /** Serve the query API (default true); false runs market data for QuestDB ingestion alone (full mode). */
  api?: boolean;
  /** Where the worker's lines go (the server's structured logger); default stdout and stderr. */
  log?: { info(line: string): void; warn(line: string): void };
  /** Benchmarks and tests: memory limits, and whether order rows and events go to QuestDB (default true). */
  memory?: WorkerServiceOptions["memory"];
  ordersToQuestdb?: boolean;
}

export interface RunningMarketData {
  /** Port of the query API. */
  port: number | null;
  /** Resolves when the journal replay at start has finished and the API answers data. */
  live: Promise<void>;
  stats(): Promise<MarketDataServiceStats>;
  stop(deadlineMs?: number): Promise<void>;
}

/** Bytes of an ILP row for sizing the writers from row counts (a tick line is about 170). */
const ilpRowBytes = 192;

/** The service's options from the configuration. */
export function serviceOptions(o: StartMarketDataOptions): WorkerServiceOptions {
  const c = o.config;
  const q = c.questdb;
  // The backlog and spill bounds are shared by the four tables' writers.
  const memoryBytesMax = Math.max(16 << 20, Math.floor((q.backlogRowsMax * ilpRowBytes) / 4));
  const batchBytes = Math.min(256 << 20, Math.max(64 << 10, q.batchRowsMax * ilpRowBytes));
  const tableLimits = {
    memoryBytesMax: Math.max(memoryBytesMax, 4 * (batchBytes + 4096)),
    batchBytes,
    spillBytesMax: Math.floor(q.spillBytesMax / 4),
    requestTimeoutMs: q.requestTimeoutMs,
  };
  return {
    engine: o.sequencer.engine.config,
    journalPath: o.journalPath,
    questdb:
      c.mode === "full"
        ? {
            httpUrl: `http://${q.http.host}:${q.http.port}`,
            spillDir: join(c.dataDir, "questdb-spill"),
            limits: { ticks: tableLimits, candles: tableLimits, orders: tableLimits, order_events: tableLimits },
            orders: o.ordersToQuestdb ?? true,
          }
        : null,
    api: o.api === false ? null : { hostname: c.http.host, port: c.http.port, requestBytesMax: c.http.requestBytesMax },
    apiKeys: c.apiKeys.map((k) => ({ sha256: k.sha256, user: k.user })),
    apiLimits: { rowsMax: Math.min(1000, c.http.queryRowsMax), rowsDefault: Math.min(500, c.http.queryRowsMax) },
    ...(o.memory === undefined ? {} : { memory: o.memory }),
  };
}

type WorkerLog = { info(line: string): void; warn(line: string): void };

/** The worker's side of the conversation: its start, going live, its log lines, failures, stats answers and stop. */
class WorkerLink {
  /** Resolves with the API's port (null when the API is off) once the worker has started. */
  readonly started: Promise<number | null>;
  readonly live: Promise<void>;
  private statsId = 0;
  private readonly waiting = new Map<number, (s: MarketDataServiceStats) => void>();
  private onStopped: (() => void) | null = null;

  constructor(
    private readonly worker: Worker,
    log: WorkerLog,
  ) {
    let resolveLive: () => void = () => {};
    let rejectLive: (e: Error) => void = () => {};
    this.live = new Promise<void>((resolve, reject) => {
      resolveLive = resolve;
      rejectLive = reject;
    });
    this.live.catch(() => {});
    this.started = new Promise<number | null>((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (m.type === "started") resolve(m.port);
        else if (m.type === "live") resolveLive();
        else if (m.type === "log") {
          if (m.level === "warn") log.warn(m.line);
          else log.info(m.line);
        } else if (m.type === "failed") {
          log.warn(`market data worker: ${m.message}`);
          reject(new Error(m.message));
          rejectLive(new Error(m.message));
        } else if (m.type === "stats") {
          this.waiting.get(m.id)?.(m.stats);
          this.waiting.delete(m.id);
        } else if (m.type === "stopped") this.onStopped?.();
      };
      worker.onerror = (e) => reject(new Error(`market data worker: ${e.message}`));
    });
  }

  stats(): Promise<MarketDataServiceStats> {
    return new Promise((resolve) => {
      const id = ++this.statsId;
      this.waiting.set(id, resolve);
      this.worker.postMessage({ type: "stats", id } satisfies ToWorker);
    });
  }

  /** Asks the worker to stop; resolves when it says it has. */
  stop(deadlineMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.onStopped = resolve;
      this.worker.postMessage({ type: "stop", deadlineMs } satisfies ToWorker);
    });
  }
}

/**
 * Starts market data in a worker thread. Call it after recovery, when
 * everything applied is durable, before new input; it resolves when the API
 * listens (data routes answer 503 until `live`).
 */
export async function startMarketData(o: StartMarketDataOptions): Promise<RunningMarketData> {
  const sequencer = o.sequencer;
  const now = o.nowNs ?? clockNowNs;
  const signal = new DurableSignal();
  const log = o.log ?? { info: (line: string) => console.log(line), warn: (line: string) => console.error(line) };
  const worker = new Worker(new URL("./worker.ts", import.meta.url).href);
  const link = new WorkerLink(worker, log);
  const durableSeq = sequencer.durableSeq;
  worker.postMessage({
    type: "init",
    options: serviceOptions(o),
    durableSeq,
    signal: signal.buffer,
  } satisfies ToWorker);
  const port = await link.started;
  sequencer.addConsumer(signal);
  signal.publish(sequencer.durableSeq);
  // Nothing pending in the log: every later command is stamped after now, so candles ending by now may close.
  const horizonTimer = setInterval(() => {
    const seq = sequencer.durableSeq;
    if (seq !== sequencer.nextSeq - 1) return;
    worker.postMessage({ type: "horizon", seq, tsUs: Math.floor(now() / 1000) } satisfies ToWorker);
  }, o.horizonIntervalMs ?? 250);
  return {
    port,
    live: link.live,
    stats: () => link.stats(),
    async stop(deadlineMs = 10_000) {
      clearInterval(horizonTimer);
      sequencer.removeConsumer(signal);
      // The last durable seq is already published: the worker applies it, then the writers flush or spill.
      await link.stop(deadlineMs);
      signal.close();
      worker.terminate();
    },
  };
}
