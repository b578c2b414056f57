// Snapshot and recovery benchmarks (mitata): for books of 100k and 1M resting
// orders, the matching pause to take a snapshot (the image copy), the encode
// time and size, and the restore time; then the journal replay rate next to
// the live rate of the same commands.
//
//   bun bench/snapshot.bench.ts [--quick] [--json <file>]

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { measure } from "mitata";
import { ClientMessage } from "../src/protocol/index.ts";
import { Sequencer } from "../src/sequencer/sequencer.ts";
import { JournalLog } from "../src/sequencer/journal-log.ts";
import { encodeSnapshot } from "../src/snapshot/format.ts";
import { captureImage } from "../src/snapshot/image.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const jsonAt = argv.indexOf("--json");
const jsonPath = jsonAt >= 0 ? argv[jsonAt + 1] : undefined;

const MID = 1_000_000;
const JOURNAL = { createdAtNs: 1n, shardId: 0 };
const SPEC = { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100_000_000, maxQty: 1_000_000_000 };

function engineConfig(orders: number) {
  return {
    ordersMax: Math.max(1 << 16, orders * 2),
    levelsMax: 1 << 16,
    levelsPerSideMax: 1 << 14,
    symbolsMax: 2,
    eventsMax: 1 << 16,
  };
}

/** A deep book: `orders` resting orders over 5000 levels a side, 2% of them stops, from 1000 users. */
function deepBook(orders: number): Sequencer {
  const e = new Sequencer(engineConfig(orders), null);
  e.defineSymbol(SPEC, 1.7e18);
  const m = new ClientMessage();
  for (let i = 0; i < orders; i++) {
    const buy = i % 2 === 0;
    const depth = 1 + ((i * 7919) % 5000);
    m.clientOrderId = i + 1;
    m.symbolId = 0;
    m.side = buy ? 0 : 1;
    m.qtyLots = 1 + (i % 50);
    if (i % 50 === 49) {
      m.type = 3;
      m.priceTicks = 0;
      m.stopPriceTicks = buy ? MID + 6000 + depth : MID - 6000 - depth;
    } else {
      m.type = 0;
      m.priceTicks = buy ? MID - depth : MID + depth;
      m.stopPriceTicks = 0;
    }
    e.submitNew(1 + (i % 1000), 1, i + 1, m, 1.7e18 + i);
  }
  if (e.engine.ordersLive !== orders) throw new Error(`book holds ${e.engine.ordersLive} orders, wanted ${orders}`);
  return e;
}

async function timeIt(fn: () => void, samples: number): Promise<{ p50: number; avg: number; max: number }> {
  const stats = await measure(fn, {
    min_samples: samples,
    max_samples: samples,
    min_cpu_time: 0,
    inner_gc: true,
    gc: () => Bun.gc(true),
    warmup_threshold: 0,
  });
  return { p50: stats.p50 / 1e6, avg: stats.avg / 1e6, max: stats.max / 1e6 };
}

interface SnapshotResult {
  restingOrders: number;
  snapshotBytes: number;
  bytesPerOrder: number;
  pauseMs: { p50: number; avg: number; max: number };
  encodeMs: { p50: number; avg: number; max: number };
  restoreMs: { p50: number; avg: number; max: number };
  hashesEqual: boolean;
}

async function snapshotCase(orders: number): Promise<SnapshotResult> {
  const e = deepBook(orders);
  const samples = quick ? 3 : 7;
  const pauseMs = await timeIt(() => void captureImage(e.engine, e.nextOrderId, Date.now(), JOURNAL), samples);
  const image = captureImage(e.engine, e.nextOrderId, Date.now(), JOURNAL);
  const encodeMs = await timeIt(() => void encodeSnapshot(image), samples);
  const bytes = encodeSnapshot(image);
  let restored: Sequencer | null = null;
  const restoreMs = await timeIt(() => {
    restored = new Sequencer(engineConfig(orders), null);
    const h = restored.restoreSnapshot(bytes, JOURNAL);
    if (typeof h === "string") throw new Error(h);
  }, samples);
  const hashesEqual = (restored as Sequencer | null)?.engine.stateHash() === e.engine.stateHash();
  return {
    restingOrders: orders,
    snapshotBytes: bytes.length,
    bytesPerOrder: bytes.length / orders,
    pauseMs,
    encodeMs,
    restoreMs,
    hashesEqual,
  };
}

interface ReplayResult {
  commands: number;
  liveCommandsPerSec: number;
  replayCommandsPerSec: number;
  hashesEqual: boolean;
}

/** A cancel-heavy stream through the sequencer into a journal, then the same journal replayed. */
async function replayCase(commands: number): Promise<ReplayResult> {
  const dir = mkdtempSync(join(os.tmpdir(), "snapbench-"));
  try {
    const path = join(dir, "journal.bin");
    const live = new Sequencer(engineConfig(1 << 16), null);
    const log = JournalLog.open(path, "write", 1 << 22, 0, (r) => live.apply(r));
    live.setLog(log);
    live.defineSymbol(SPEC, 1.7e18);
    const m = new ClientMessage();
    const liveIds: number[] = [];
    let next = 1;
    const started = performance.now();
    for (let i = 0; i < commands; i++) {
      const r = (i * 2654435761) % 100;
      if (r < 35 && liveIds.length > 100) {
        const k = (i * 40503) % liveIds.length;
        const id = liveIds[k]!;
        liveIds[k] = liveIds[liveIds.length - 1]!;
        liveIds.pop();
        live.submitCancel(1 + (id % 1000), 1, i, id, m, 1.7e18 + i);
      } else {
        const buy = r % 2 === 0;
        m.clientOrderId = next;
        m.symbolId = 0;
        m.side = buy ? 0 : 1;
        m.type = 0;
        m.tif = r > 85 ? 1 : 0;
        m.qtyLots = 1 + (i % 20);
        m.priceTicks = r > 85 ? (buy ? MID + 3 : MID - 3) : buy ? MID - 1 - (i % 300) : MID + 1 + (i % 300);
        live.submitNew(1 + (next % 1000), 1, i, m, 1.7e18 + i);
        if (m.tif === 0) liveIds.push(next);
        next++;
      }
      if (i % 4096 === 0) live.flush();
    }
    live.flush();
    const liveMs = performance.now() - started;
    await log.close();
    const replayed = new Sequencer(engineConfig(1 << 16), null);
    const replayStarted = performance.now();
    const again = JournalLog.open(path, "none", 1 << 22, 0, (r) => replayed.apply(r));
    const replayMs = performance.now() - replayStarted;
    await again.close();
    return {
      commands: live.nextSeq - 1,
      liveCommandsPerSec: ((live.nextSeq - 1) / liveMs) * 1000,
      replayCommandsPerSec: ((replayed.nextSeq - 1) / replayMs) * 1000,
      hashesEqual: replayed.engine.stateHash() === live.engine.stateHash(),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sizes = quick ? [20_000, 100_000] : [100_000, 1_000_000];
const snapshots: SnapshotResult[] = [];
for (const n of sizes) {
  const r = await snapshotCase(n);
  snapshots.push(r);
  console.log(
    `${n} resting orders: snapshot ${(r.snapshotBytes / 1e6).toFixed(1)} MB (${r.bytesPerOrder.toFixed(1)} B/order); ` +
      `matching pause p50 ${r.pauseMs.p50.toFixed(1)} ms (max ${r.pauseMs.max.toFixed(1)}); ` +
      `encode ${r.encodeMs.p50.toFixed(0)} ms (worker, off the matching thread); ` +
      `restore ${r.restoreMs.p50.toFixed(0)} ms; hash after restore ${r.hashesEqual ? "equal" : "DIFFERENT"}`,
  );
}
const replay = await replayCase(quick ? 200_000 : 2_000_000);
console.log(
  `journal replay: ${replay.commands} commands at ${(replay.replayCommandsPerSec / 1e6).toFixed(2)} M/s; ` +
    `live through the sequencer with the journal: ${(replay.liveCommandsPerSec / 1e6).toFixed(2)} M/s; ` +
    `hash ${replay.hashesEqual ? "equal" : "DIFFERENT"}`,
);
if (jsonPath !== undefined) {
  const doc = {
    date: new Date().toISOString(),
    machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, bun: Bun.version, loadAverage1m: os.loadavg()[0] },
    snapshots,
    replay,
  };
  writeFileSync(jsonPath, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote ${jsonPath}`);
}
