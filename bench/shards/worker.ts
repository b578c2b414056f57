// One shard of bench/shards.bench.ts: a worker thread that owns a few symbols.
// It loads their tapes, merges them into one stream (shard-tape.ts), checks
// every book's digest against its tape (untimed), then runs timed rounds when
// told: build a fresh engine, say it is armed, wait for the shared start flag,
// run the whole stream, report wall and thread-CPU time.

import { parentPort, workerData } from "node:worker_threads";
import { fullGC } from "bun:jsc";
import { threadCpuNs } from "../cpu-time.ts";
import { loadTape } from "../tapes/cache.ts";
import { OurShardBook } from "../tapes/our-engine.ts";
import type { ScenarioName } from "../tapes/scenarios.ts";
import { checkShard, mergeShard, shardSizing } from "../tapes/shard-tape.ts";

export interface ShardSymbol {
  scenario: ScenarioName;
  seed: number;
}

export interface ShardWorkerData {
  index: number;
  symbols: ShardSymbol[];
  orders: number;
  warmup: number;
  /** Int32 flags shared with the main thread: [0] = the round allowed to start. */
  start: SharedArrayBuffer;
}

export type ToWorker = { kind: "arm"; round: number } | { kind: "stop" };

export type FromWorker =
  | { kind: "ready"; index: number; messages: number; agreed: boolean; problems: string[]; loadSeconds: number }
  | { kind: "armed"; index: number; round: number }
  | { kind: "done"; index: number; round: number; startNs: number; endNs: number; wallNs: number; cpuNs: number }
  | { kind: "error"; index: number; message: string };

const data = workerData as ShardWorkerData;
const port = parentPort!;
const startFlag = new Int32Array(data.start);

function nowNs(): number {
  return Number(process.hrtime.bigint());
}

function main(): void {
  const t0 = performance.now();
  const tapes = data.symbols.map((s) => loadTape({ scenario: s.scenario, orders: data.orders, seed: s.seed }).tape);
  const merged = mergeShard(tapes);
  const sizing = shardSizing(tapes);
  const check = checkShard(new OurShardBook(tapes.length, sizing), merged, tapes);
  const problems: string[] = [];
  check.diffs.forEach((d, b) => {
    if (d.length > 0)
      problems.push(
        `book ${b} (${data.symbols[b]!.scenario} seed ${data.symbols[b]!.seed}): ${d.slice(0, 4).join("; ")}`,
      );
  });
  if (check.rejects > 0) problems.push(`${check.rejects} rejects`);
  for (let w = 0; w < data.warmup; w++) new OurShardBook(tapes.length, sizing).run(merged, 0, merged.count);
  const ready: FromWorker = {
    kind: "ready",
    index: data.index,
    messages: merged.count,
    agreed: problems.length === 0,
    problems,
    loadSeconds: (performance.now() - t0) / 1e3,
  };
  port.postMessage(ready);

  port.on("message", (m: ToWorker) => {
    if (m.kind === "stop") {
      port.close();
      return;
    }
    const book = new OurShardBook(tapes.length, sizing);
    fullGC();
    port.postMessage({ kind: "armed", index: data.index, round: m.round } satisfies FromWorker);
    // Every shard starts together: the main thread raises the flag once all are armed.
    while (Atomics.load(startFlag, 0) < m.round) Atomics.wait(startFlag, 0, Atomics.load(startFlag, 0), 1000);
    const c0 = threadCpuNs === null ? 0 : threadCpuNs();
    const startNs = nowNs();
    book.run(merged, 0, merged.count);
    const endNs = nowNs();
    const cpuNs = threadCpuNs === null ? endNs - startNs : threadCpuNs() - c0;
    port.postMessage({
      kind: "done",
      index: data.index,
      round: m.round,
      startNs,
      endNs,
      wallNs: endNs - startNs,
      cpuNs,
    } satisfies FromWorker);
  });
}

try {
  main();
} catch (e) {
  port.postMessage({ kind: "error", index: data.index, message: (e as Error).stack ?? String(e) } satisfies FromWorker);
}
