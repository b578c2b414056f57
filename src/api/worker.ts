// The market-data worker thread: the replica, QuestDB ingestion and the query
// API (service.ts), off the matching thread. It follows the durable seq the
// matching thread publishes (durable-signal.ts) and reads the journal itself.
// Messages from the starting thread: init, horizon, stats, stop.

import { DurableSignal } from "./durable-signal.ts";
import { MarketDataService, type MarketDataServiceOptions, type MarketDataServiceStats } from "./service.ts";

export type WorkerServiceOptions = Omit<MarketDataServiceOptions, "nowMs" | "log" | "warn">;

export interface WorkerInit {
  type: "init";
  options: WorkerServiceOptions;
  durableSeq: number;
  signal: SharedArrayBuffer;
}

export type ToWorker =
  | WorkerInit
  | { type: "horizon"; seq: number; tsUs: number }
  | { type: "stats"; id: number }
  | { type: "stop"; deadlineMs: number };

export type FromWorker =
  | { type: "started"; port: number | null }
  | { type: "live" }
  | { type: "failed"; message: string }
  | { type: "stats"; id: number; stats: MarketDataServiceStats }
  | { type: "stopped" }
  | { type: "log"; level: "info" | "warn"; line: string };

declare const self: { onmessage: ((e: MessageEvent<ToWorker>) => void) | null; postMessage(m: FromWorker): void };

let service: MarketDataService | null = null;
let signal: DurableSignal | null = null;

/** Passes each published durable seq on; a timeout keeps the loop honest if a wake is ever missed. */
async function follow(s: DurableSignal, svc: MarketDataService): Promise<void> {
  let seen = s.wakeCounter();
  while (!s.closed) {
    svc.onDurable(s.seq());
    seen = await s.waitForWake(seen, 1000);
  }
}

function fail(error: unknown): void {
  self.postMessage({ type: "failed", message: (error as Error).stack ?? String(error) });
}

function start(m: WorkerInit): void {
  signal = new DurableSignal(m.signal);
  // Lines go to the starting thread, which writes them through the exchange's logger.
  const svc = new MarketDataService(
    {
      ...m.options,
      log: (line) => self.postMessage({ type: "log", level: "info", line }),
      warn: (line) => self.postMessage({ type: "log", level: "warn", line }),
    },
    m.durableSeq,
  );
  service = svc;
  self.postMessage({ type: "started", port: svc.api?.port ?? null });
  svc.ready.then(() => self.postMessage({ type: "live" }), fail);
  void follow(signal, svc).catch(fail);
}

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    if (m.type === "init") start(m);
    else if (m.type === "horizon") service?.onHorizon(m.seq, m.tsUs);
    else if (m.type === "stats") self.postMessage({ type: "stats", id: m.id, stats: service!.stats() });
    else if (m.type === "stop") {
      void (async () => {
        await service?.stop(m.deadlineMs);
        self.postMessage({ type: "stopped" });
      })().catch(fail);
    }
  } catch (error) {
    fail(error);
  }
};
