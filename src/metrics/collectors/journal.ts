// The journal's own counters (src/journal/writer.ts JournalStats), read at
// scrape time: nothing is added to the append path. Its sync times are kept in
// log2 buckets (bucket i: 2^i to 2^(i+1) ns); they are exposed as a histogram
// with power-of-two bounds from 2^11 ns (2 µs) to 2^34 ns (17 s).

import type { MetricsRegistry } from "../registry.ts";

/** The fields of JournalStats this reads (structural, so metrics imports nothing from the journal). */
export interface JournalStatsView {
  readonly batches: number;
  readonly records: number;
  readonly bytes: number;
  readonly fullCount: number;
  readonly writeNsMax: number;
  readonly syncNsMax: number;
  readonly syncNsTotal: number;
  readonly syncNsLog2: ArrayLike<number>;
  /** Batches by ceil(log2(records)). */
  readonly batchRecordsLog2: ArrayLike<number>;
}

export interface JournalView {
  readonly stats: JournalStatsView;
  readonly nextSeq: number;
  readonly durableSeq: number;
}

/** Log2 buckets below this exponent fold into the first bound; fdatasync never takes under 2 µs. */
const syncBoundLog2Min = 11;
/** Above 2^34 ns (17 s) a sync is counted in +Inf. */
const syncBoundLog2Max = 34;

/** Batch sizes are exposed with bounds 1, 2, 4 … 2^16 records (the journal takes at most 2^16 per batch). */
const batchBoundLog2Max = 16;

export function batchRecordsBounds(): number[] {
  const bounds: number[] = [];
  for (let e = 0; e <= batchBoundLog2Max; e++) bounds.push(2 ** e);
  return bounds;
}

export function syncSecondsBounds(): number[] {
  const bounds: number[] = [];
  for (let e = syncBoundLog2Min; e <= syncBoundLog2Max; e++) bounds.push(2 ** e / 1e9);
  return bounds;
}

export function registerJournalMetrics(registry: MetricsRegistry, journal: () => JournalView | null): void {
  const batches = registry
    .counter({ name: "exchange_journal_batches_total", help: "Group-commit batches written." })
    .labels();
  const records = registry
    .counter({ name: "exchange_journal_records_total", help: "Records (commands) written." })
    .labels();
  const bytes = registry
    .counter({ name: "exchange_journal_bytes_total", help: "Bytes handed to write(), record headers included." })
    .labels();
  const full = registry
    .counter({
      name: "exchange_journal_full_total",
      help: "Appends refused because both batch buffers were busy (input paused).",
    })
    .labels();
  const writeMax = registry
    .gauge({ name: "exchange_journal_write_seconds_max", help: "Longest write() of a batch since start." })
    .labels();
  const durableSeq = registry
    .gauge({
      name: "exchange_journal_durable_seq",
      help: "Every command up to this seq is durable by the journal policy.",
    })
    .labels();
  const pending = registry
    .gauge({ name: "exchange_journal_pending_records", help: "Records appended but not yet durable." })
    .labels();
  const sync = registry
    .histogram({
      name: "exchange_journal_sync_seconds",
      help: "fdatasync time per batch (policy fsync).",
      buckets: syncSecondsBounds(),
    })
    .labels();
  const batchRecords = registry
    .histogram({
      name: "exchange_journal_batch_records",
      help: "Records per group-commit batch (bucket bounds are powers of two).",
      buckets: batchRecordsBounds(),
    })
    .labels();
  const folded = new Float64Array(syncBoundLog2Max - syncBoundLog2Min + 2);
  const batchCounts = new Float64Array(batchBoundLog2Max + 2);
  registry.onCollect("journal", () => {
    const j = journal();
    if (j === null) return;
    const s = j.stats;
    batches.setTotal(s.batches);
    records.setTotal(s.records);
    bytes.setTotal(s.bytes);
    full.setTotal(s.fullCount);
    writeMax.set(s.writeNsMax / 1e9);
    durableSeq.set(j.durableSeq);
    pending.set(j.nextSeq - 1 - j.durableSeq);
    foldLog2(s.syncNsLog2, folded);
    sync.setFrom(folded, s.syncNsTotal / 1e9);
    batchCounts.fill(0);
    for (let i = 0; i < s.batchRecordsLog2.length; i++)
      batchCounts[Math.min(i, batchBoundLog2Max + 1)]! += s.batchRecordsLog2[i]!;
    batchRecords.setFrom(batchCounts, s.records);
  });
}

/** Bucket i of the journal (upper bound 2^(i+1) ns) goes to the first exposed bound at or above it. */
export function foldLog2(log2Counts: ArrayLike<number>, out: Float64Array): void {
  out.fill(0);
  const boundsCount = syncBoundLog2Max - syncBoundLog2Min + 1;
  for (let i = 0; i < log2Counts.length; i++) {
    const upperLog2 = i + 1;
    const slot = upperLog2 <= syncBoundLog2Min ? 0 : upperLog2 - syncBoundLog2Min;
    out[Math.min(slot, boundsCount)]! += log2Counts[i]!;
  }
}
