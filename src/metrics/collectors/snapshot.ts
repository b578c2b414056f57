// The snapshotter's stats (src/sequencer/snapshotter.ts SnapshotStats), read at
// scrape time. The age is measured from the time of the last save; a source
// that does not record it gets the age from the scrape that first saw the new
// seq (off by at most one scrape interval).

import type { MetricsRegistry } from "../registry.ts";

export interface SnapshotStatsView {
  readonly taken: number;
  readonly failures: number;
  readonly lastSavedSeq: number;
  readonly lastPauseMs: number;
  readonly maxPauseMs: number;
  readonly lastEncodeMs: number;
  readonly lastSaveMs: number;
  readonly lastBytes: number;
  /** Wall-clock ms of the last save, when the snapshotter records it. */
  readonly lastSavedAtMs?: number;
}

export function registerSnapshotMetrics(
  registry: MetricsRegistry,
  stats: () => SnapshotStatsView | null,
  nowMs: () => number = Date.now,
): void {
  const taken = registry.counter({ name: "exchange_snapshots_total", help: "Snapshots the store accepted." }).labels();
  const failures = registry
    .counter({
      name: "exchange_snapshot_failures_total",
      help: "Snapshot attempts that failed (retried with backoff).",
    })
    .labels();
  const seq = registry
    .gauge({ name: "exchange_snapshot_seq", help: "Seq of the newest snapshot the store accepted." })
    .labels();
  const age = registry
    .gauge({
      name: "exchange_snapshot_age_seconds",
      help: "Time since the newest snapshot was saved (-1: none since start).",
    })
    .labels();
  const bytes = registry.gauge({ name: "exchange_snapshot_bytes", help: "Size of the newest snapshot." }).labels();
  const phases = registry.gauge({
    name: "exchange_snapshot_phase_seconds",
    help:
      "Duration of each phase of the newest snapshot: pause (matching stopped for the copy), encode (worker), " +
      "save (store).",
    labels: { phase: ["pause", "encode", "save"] },
  });
  const pause = phases.labels({ phase: "pause" });
  const encode = phases.labels({ phase: "encode" });
  const save = phases.labels({ phase: "save" });
  const pauseMax = registry
    .gauge({ name: "exchange_snapshot_pause_seconds_max", help: "Longest matching pause for a snapshot since start." })
    .labels();
  let seenSeq = -1;
  let seenAtMs = -1;
  registry.onCollect("snapshot", () => {
    const s = stats();
    if (s === null) return;
    taken.setTotal(s.taken);
    failures.setTotal(s.failures);
    seq.set(s.lastSavedSeq);
    bytes.set(s.lastBytes);
    pause.set(s.lastPauseMs / 1000);
    encode.set(s.lastEncodeMs / 1000);
    save.set(s.lastSaveMs / 1000);
    pauseMax.set(s.maxPauseMs / 1000);
    const now = nowMs();
    if (s.taken > 0 && s.lastSavedSeq !== seenSeq) {
      seenSeq = s.lastSavedSeq;
      seenAtMs = now;
    }
    const savedAt = s.lastSavedAtMs !== undefined && s.lastSavedAtMs > 0 ? s.lastSavedAtMs : seenAtMs;
    age.set(s.taken === 0 || savedAt < 0 ? -1 : Math.max(0, now - savedAt) / 1000);
  });
}
