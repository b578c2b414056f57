// Proves the collectors: event-loop delay from an injected clock, the journal's log2 sync buckets folded into a
// histogram, snapshot stats and age, process metrics, and that a garbage collection is observed.

import { describe, expect, test } from "bun:test";
import { JournalStats } from "../../journal/writer.ts";
import { MetricsRegistry } from "../registry.ts";
import { parseExposition, sampleValue } from "../test-support.ts";
import { EventLoopDelayMonitor, type LoopClock } from "./event-loop.ts";
import { GcObserver } from "./gc.ts";
import { foldLog2, registerJournalMetrics, syncSecondsBounds } from "./journal.ts";
import { registerProcessMetrics } from "./process.ts";
import { registerSnapshotMetrics, type SnapshotStatsView } from "./snapshot.ts";

class ManualClock implements LoopClock {
  t = 0;
  pending: { at: number; fn: () => void } | null = null;
  now = () => this.t;
  after = (ms: number, fn: () => void) => {
    this.pending = { at: this.t + ms, fn };
    return () => {
      this.pending = null;
    };
  };
  /** The loop was busy until `t`; then the due timer runs. */
  runAt(t: number): void {
    this.t = t;
    const p = this.pending!;
    expect(t).toBeGreaterThanOrEqual(p.at);
    this.pending = null;
    p.fn();
  }
}

describe("event-loop delay", () => {
  test("lateness beyond the period is observed; the max gauge resets at each scrape", () => {
    const r = new MetricsRegistry();
    const clock = new ManualClock();
    const m = new EventLoopDelayMonitor(r, 20, clock);
    m.start();
    clock.runAt(20); // on time: 0
    clock.runAt(20 + 20 + 3); // 3 ms late
    clock.runAt(43 + 20 + 300); // 300 ms late (a long GC or a blocking call)
    let families = parseExposition(r.expose());
    const h = families.find((f) => f.name === "event_loop_delay_seconds")!.metrics[0]!;
    expect(h.count).toBe("3");
    expect(h.buckets!["0.001"]).toBe("1");
    expect(h.buckets!["0.005"]).toBe("2");
    expect(h.buckets!["0.25"]).toBe("2");
    expect(h.buckets!["0.5"]).toBe("3");
    expect(sampleValue(families, "event_loop_delay_max_seconds")).toBeCloseTo(0.3, 9);
    families = parseExposition(r.expose());
    expect(sampleValue(families, "event_loop_delay_max_seconds")).toBe(0);
    m.stop();
    expect(clock.pending).toBeNull();
  });
});

describe("journal collector", () => {
  test("mirrors JournalStats at scrape time; sync and batch-size buckets fold into power-of-two bounds", () => {
    const r = new MetricsRegistry();
    const stats = new JournalStats();
    stats.batches = 10;
    stats.records = 1000;
    stats.bytes = 100_000;
    stats.syncNsLog2[5] = 2; // 32-64 ns: below the first bound, folded into it
    stats.syncNsLog2[20] = 3; // 1.05-2.1 ms
    stats.syncNsLog2[40] = 1; // 18 min: +Inf
    stats.syncNsTotal = 3 * 1.5e6;
    stats.batchRecordsLog2[0] = 4; // one record
    stats.batchRecordsLog2[3] = 5; // 5 to 8 records
    stats.batchRecordsLog2[20] = 1; // past the largest bound
    registerJournalMetrics(r, () => ({ stats, nextSeq: 1001, durableSeq: 990 }));
    const families = parseExposition(r.expose());
    expect(sampleValue(families, "exchange_journal_batches_total")).toBe(10);
    expect(sampleValue(families, "exchange_journal_records_total")).toBe(1000);
    expect(sampleValue(families, "exchange_journal_pending_records")).toBe(10);
    const sync = families.find((f) => f.name === "exchange_journal_sync_seconds")!.metrics[0]!;
    expect(sync.count).toBe("6");
    expect(Number(sync.buckets![String(2 ** 11 / 1e9)])).toBe(2);
    expect(Number(sync.buckets![String(2 ** 21 / 1e9)])).toBe(5);
    expect(Number(sync.buckets![String(2 ** 34 / 1e9)])).toBe(5);
    expect(Number(sync.buckets!["+Inf"])).toBe(6);
    const batch = families.find((f) => f.name === "exchange_journal_batch_records")!.metrics[0]!;
    expect([
      batch.buckets!["1"],
      batch.buckets!["4"],
      batch.buckets!["8"],
      batch.buckets!["65536"],
      batch.buckets!["+Inf"],
    ]).toEqual(["4", "4", "9", "9", "10"]);
  });

  test("foldLog2 keeps every count", () => {
    const log2 = Array.from({ length: 48 }, (_, i) => i + 1);
    const out = new Float64Array(syncSecondsBounds().length + 1);
    foldLog2(log2, out);
    expect(out.reduce((a, b) => a + b, 0)).toBe(log2.reduce((a, b) => a + b, 0));
  });
});

describe("snapshot collector", () => {
  test("counts, phases, and the age from the save time (or from the scrape that first saw it)", () => {
    const r = new MetricsRegistry();
    let now = 1_000_000;
    const stats: { -readonly [K in keyof SnapshotStatsView]: SnapshotStatsView[K] } = {
      taken: 0,
      failures: 1,
      lastSavedSeq: 0,
      lastPauseMs: 0,
      maxPauseMs: 0,
      lastEncodeMs: 0,
      lastSaveMs: 0,
      lastBytes: 0,
    };
    registerSnapshotMetrics(
      r,
      () => stats,
      () => now,
    );
    expect(sampleValue(parseExposition(r.expose()), "exchange_snapshot_age_seconds")).toBe(-1);
    Object.assign(stats, {
      taken: 1,
      lastSavedSeq: 500,
      lastPauseMs: 4,
      maxPauseMs: 4,
      lastEncodeMs: 5,
      lastSaveMs: 7,
      lastBytes: 3400,
    });
    r.expose();
    now += 2500;
    let families = parseExposition(r.expose());
    expect(sampleValue(families, "exchange_snapshot_age_seconds")).toBe(2.5);
    expect(sampleValue(families, "exchange_snapshot_phase_seconds", { phase: "save" })).toBe(0.007);
    expect(sampleValue(families, "exchange_snapshot_failures_total")).toBe(1);
    stats.lastSavedAtMs = now - 100;
    families = parseExposition(r.expose());
    expect(sampleValue(families, "exchange_snapshot_age_seconds")).toBe(0.1);
  });
});

describe("process and GC", () => {
  test("process metrics have plausible values", () => {
    const r = new MetricsRegistry();
    registerProcessMetrics(r);
    const families = parseExposition(r.expose());
    expect(sampleValue(families, "process_resident_memory_bytes")).toBeGreaterThan(1 << 20);
    expect(sampleValue(families, "process_cpu_seconds_total")).toBeGreaterThan(0);
    expect(sampleValue(families, "process_start_time_seconds")).toBeGreaterThan(1.5e9);
  });

  test("a collection is observed and the heap size is reported", async () => {
    const r = new MetricsRegistry();
    const gc = new GcObserver(r);
    gc.start();
    const seen = () => sampleValue(parseExposition(r.expose()), "bun_gc_collections_observed_total");
    // Wait for the event itself: collect, give finalizers a turn, look again (generous deadline for a busy box).
    const deadline = Date.now() + 30_000;
    while (seen() === 0 && Date.now() < deadline) {
      Bun.gc(true);
      await Bun.sleep(10);
    }
    expect(seen()).toBeGreaterThan(0);
    expect(sampleValue(parseExposition(r.expose()), "bun_heap_size_bytes")).toBeGreaterThan(0);
    gc.stop();
  });
});
