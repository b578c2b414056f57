// Limits of the ILP writer, with their units and reasons; checked together
// when a writer is built (`checkWriterLimits`).

export interface WriterLimits {
  /** A batch is sealed and sent once it holds this many bytes (sooner when the sender is idle). */
  batchBytes: number;
  /** Memory for batches waiting to be sent, in-flight one included; past it batches spill to disk. */
  memoryBytesMax: number;
  /** Disk for spilled batches; past it rows are dropped, counted, logged, and `stats.needsResume` is set. */
  spillBytesMax: number;
  /** One POST may take this long before it is abandoned and retried (a paused or overloaded QuestDB). */
  requestTimeoutMs: number;
  /** Backoff after a failed POST doubles from the minimum up to the maximum. */
  retryDelayMsMin: number;
  retryDelayMsMax: number;
  /** While writes fail, the backlog is logged at most this often. */
  backlogLogIntervalMs: number;
}

/**
 * 4 MiB batches: about 25k tick rows, one WAL transaction each; bigger batches
 * cost latency without raising throughput measurably here. 64 MiB of memory is
 * 16 batches, about 1 s of ticks at 400k/s, which covers a QuestDB restart on a
 * quiet box; longer outages go to the spill file.
 */
export const writerLimitsDefault: Readonly<WriterLimits> = {
  batchBytes: 4 << 20,
  memoryBytesMax: 64 << 20,
  spillBytesMax: 8 * 2 ** 30,
  requestTimeoutMs: 30_000,
  retryDelayMsMin: 100,
  retryDelayMsMax: 5_000,
  backlogLogIntervalMs: 10_000,
};

/** Longest ILP line a table encoder writes: every encoder's worst case is checked against it at load. */
export const lineBytesMax = 2048;
/** Smallest batch: several full-size lines, or batching stops paying. */
export const batchBytesMin = 16 * lineBytesMax;
/** Largest batch: one spill record's length is a u32, and QuestDB's request handling stays comfortable. */
export const batchBytesLimit = 256 << 20;

export function checkWriterLimits(l: WriterLimits): WriterLimits {
  const int = (name: keyof WriterLimits, lo: number, hi: number) => {
    const v = l[name];
    if (!(Number.isSafeInteger(v) && v >= lo && v <= hi))
      throw new Error(`ilp writer: ${name} ${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("batchBytes", batchBytesMin, batchBytesLimit);
  // The current batch, the in-flight one and at least one waiting: three batches.
  int("memoryBytesMax", 3 * (l.batchBytes + lineBytesMax), 2 ** 40);
  int("spillBytesMax", 0, 2 ** 50);
  int("requestTimeoutMs", 1, 3_600_000);
  int("retryDelayMsMin", 1, 3_600_000);
  int("retryDelayMsMax", l.retryDelayMsMin, 3_600_000);
  int("backlogLogIntervalMs", 0, 86_400_000);
  return l;
}
