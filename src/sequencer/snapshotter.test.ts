// Proves the snapshotter: snapshots through the worker restore to the live state, one runs at a time, and a failing or
// slow store never blocks matching and is retried with backoff (time is a manual clock).
import { expect, test } from "bun:test";
import { ClientMessage } from "../protocol/index.ts";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { waitFor } from "../../test/support/wait.ts";
import { Sequencer } from "./sequencer.ts";
import { Snapshotter } from "./snapshotter.ts";
import type { SnapshotMeta, SnapshotStore } from "../snapshot/store.ts";

/** An in-memory double of a store (the real ones have their own tests). */
class MemoryStore implements SnapshotStore {
  readonly description = "memory";
  readonly saved = new Map<number, Uint8Array>();
  failNext = 0;
  saves = 0;
  /** While set, a save waits for `release()`: a slow store. */
  private held: Promise<void> | null = null;
  private releaseHeld: () => void = () => {};
  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }
  release(): void {
    this.held = null;
    this.releaseHeld();
  }
  async save(seq: number, bytes: Uint8Array): Promise<void> {
    this.saves++;
    if (this.held !== null) await this.held;
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("store unavailable");
    }
    this.saved.set(seq, bytes.slice());
  }
  async list(): Promise<SnapshotMeta[]> {
    return [...this.saved].map(([seq, b]) => ({ seq, bytes: b.length })).sort((a, b) => b.seq - a.seq);
  }
  async load(seq: number): Promise<Uint8Array | null> {
    return this.saved.get(seq) ?? null;
  }
  async close(): Promise<void> {}
}

const journal = { createdAtNs: 1n, shardId: 0 };
const config = { ordersMax: 1 << 16, levelsMax: 1 << 12, levelsPerSideMax: 1 << 11, symbolsMax: 2 };

function market(clock = new ManualClock()): Sequencer {
  const e = new Sequencer(config, null, clock);
  e.defineSymbol(
    { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 },
    1e18,
  );
  return e;
}

function trade(e: Sequencer, n: number, from = 0): void {
  const m = new ClientMessage();
  for (let i = from; i < from + n; i++) {
    m.clientOrderId = i;
    m.symbolId = 0;
    m.side = i % 2;
    m.priceTicks = 10_000 + (i % 2 === 0 ? -(i % 97) : i % 89);
    m.qtyLots = 1 + (i % 13);
    m.tif = i % 17 === 0 ? 1 : 0;
    e.submitNew(1 + (i % 8), 1, i, m, 1e18 + i);
  }
}

test("a snapshot taken through the worker restores to the state at its seq", async () => {
  const e = market();
  trade(e, 20_000);
  const store = new MemoryStore();
  const s = new Snapshotter(
    e,
    store,
    journal,
    { everyCommands: 0, everyMs: 0, retryMsMin: 10, retryMsMax: 100 },
    () => {},
  );
  const hash = e.engine.stateHash();
  const seq = e.nextSeq - 1;
  const pending = s.take();
  // Matching goes on while the worker encodes; the snapshot still holds the moment it was taken.
  trade(e, 1000, 50_000);
  await pending;
  const restored = new Sequencer(config, null);
  const header = restored.restoreSnapshot(store.saved.get(seq)!, journal);
  expect(typeof header).toBe("object");
  expect(restored.engine.stateHash()).toBe(hash);
  expect(s.stats).toMatchObject({ taken: 1, failures: 0, lastSavedSeq: seq });
  expect(s.stats.lastPauseMs).toBeGreaterThan(0);
  await s.stop();
  // stop() takes a final snapshot because commands arrived after the last one.
  expect(s.stats.lastSavedSeq).toBe(e.nextSeq - 1);
});

test("by command count, one at a time; a failing store retried with backoff while matching goes on", async () => {
  const clock = new ManualClock();
  const e = market(clock);
  const store = new MemoryStore();
  const lines: string[] = [];
  const s = new Snapshotter(
    e,
    store,
    journal,
    { everyCommands: 1000, everyMs: 0, retryMsMin: 30, retryMsMax: 60 },
    (l) => lines.push(l),
  );
  trade(e, 999);
  s.maybeTake();
  expect(store.saves).toBe(0);
  trade(e, 10, 999);
  // A slow store: one snapshot at a time, and matching goes on meanwhile.
  store.hold();
  s.maybeTake();
  await waitFor(() => store.saves === 1, { timeoutMs: 30_000, what: "one save" });
  s.maybeTake();
  trade(e, 5000, 2000);
  s.maybeTake();
  store.release();
  await s.whenIdle();
  expect(store.saves).toBe(1);
  // A failing store: retried after 30 ms, then 60 ms (the cap), and logged each time.
  store.failNext = 2;
  s.maybeTake();
  await s.whenIdle();
  expect(s.stats.failures).toBe(1);
  clock.advanceMs(29);
  s.maybeTake();
  expect(store.saves).toBe(2);
  clock.advanceMs(1);
  s.maybeTake();
  await s.whenIdle();
  expect(store.saves).toBe(3);
  expect(s.stats.failures).toBe(2);
  clock.advanceMs(59);
  s.maybeTake();
  expect(store.saves).toBe(3);
  clock.advanceMs(1);
  s.maybeTake();
  await s.whenIdle();
  expect(s.stats.failures).toBe(2);
  expect(s.stats.lastSavedSeq).toBe(e.nextSeq - 1);
  expect(lines.filter((l) => l.includes("failed")).length).toBe(2);
  expect(lines.at(-1)).toMatch(/works again/);
  await s.stop();
});

test("time-based snapshots follow the clock, not the wall", async () => {
  const clock = new ManualClock();
  const e = market(clock);
  const store = new MemoryStore();
  const s = new Snapshotter(
    e,
    store,
    journal,
    { everyCommands: 0, everyMs: 60_000, retryMsMin: 10, retryMsMax: 100 },
    () => {},
  );
  s.start(100);
  trade(e, 100);
  clock.advanceMs(59_900);
  await s.whenIdle();
  expect(store.saves).toBe(0);
  clock.advanceMs(100);
  await waitFor(() => store.saves === 1, { timeoutMs: 30_000, what: "one save" });
  await s.whenIdle();
  expect(s.stats.lastSavedSeq).toBe(e.nextSeq - 1);
  // Nothing changed since: no snapshot however long the clock runs.
  clock.advanceMs(600_000);
  await s.whenIdle();
  expect(store.saves).toBe(1);
  await s.stop();
});
