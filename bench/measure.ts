// How each figure is measured: throughput (mitata's timing loop over chunks of
// the stream), per-command latency (one timer read per command), and heap
// allocation per command (JSC heap statistics across a GC-free window).

import { fullGC, gcAndSweep, heapStats } from "bun:jsc";
import { measure } from "mitata";
import { type ImplName, type PeerStrings, type Session, openSession, timerOverheadLoop } from "./drivers.ts";
import { clsNames, type Workload } from "./workloads.ts";

// ---------------------------------------------------------------------------
// Throughput

export interface ThroughputOptions {
  /** The measured range is cut into this many equal chunks; one mitata sample runs one chunk. */
  chunksPerPass: number;
  /** Stop sampling after this much time (timed samples plus GC between them), ns... */
  minCpuTimeNs: number;
  /** ...but take at least this many samples, and at most this many. */
  samplesMin: number;
  samplesMax: number;
}

export interface ThroughputResult {
  /**
   * Commands per second over the samples: chunk commands / mean sample time (mitata trims 2 +
   * 2 outliers past 12 samples).
   */
  commandsPerSec: number;
  /** The same from the median sample. */
  commandsPerSecP50: number;
  commandsPerChunk: number;
  samples: number;
  /** Full passes over the measured range (each on a fresh, prefilled book). */
  passes: number;
  chunkNs: { min: number; p50: number; avg: number; p99: number; max: number };
}

/**
 * Runs the measured range chunk by chunk under mitata's `measure`: each sample
 * first takes the next chunk from a cursor (a mitata computed parameter, not
 * timed), then mitata times that one chunk. At the end of the range the cursor
 * opens a fresh book and applies the prefill again, with a full GC before and
 * after, still inside the untimed parameter step, so a sample never includes
 * setup and the stream can be replayed as often as the budget allows. mitata
 * runs no GC of its own between samples, so garbage a book makes while
 * matching is collected, and paid for, inside the timed chunks.
 */
export async function measureThroughput(
  impl: ImplName,
  w: Workload,
  strings: PeerStrings | null,
  o: ThroughputOptions,
): Promise<ThroughputResult> {
  const measured = w.count - w.prefillCount;
  const chunk = Math.max(1, Math.floor(measured / o.chunksPerPass));
  const cursor = {
    session: null as Session | null,
    next: w.count,
    passes: 0,
    take(): number {
      if (this.next + chunk > w.count) {
        this.session = null;
        fullGC();
        this.session = openSession(impl, w, strings);
        // The prefill's garbage is setup's, not the measured chunks'; sweep now so no sweeping overlaps a sample.
        gcAndSweep();
        this.next = w.prefillCount;
        this.passes++;
      }
      const start = this.next;
      this.next += chunk;
      return start;
    },
  };
  const stats = await measure(
    function* () {
      yield {
        [0](): number {
          return cursor.take();
        },
        bench(start: number): void {
          cursor.session!.run(start, start + chunk);
        },
      };
    },
    {
      min_samples: o.samplesMin,
      max_samples: o.samplesMax,
      min_cpu_time: o.minCpuTimeNs,
      // No collection between samples: an implementation that allocates pays for its own GC inside the
      // timed chunks, as it would in production. (Setup garbage is collected in the cursor, untimed.)
      gc: false,
      // One warm-up call only: mitata batches fast functions, which would take thousands of chunks at once.
      warmup_threshold: 0,
    },
  );
  return {
    commandsPerSec: (chunk / stats.avg) * 1e9,
    commandsPerSecP50: (chunk / stats.p50) * 1e9,
    commandsPerChunk: chunk,
    samples: stats.samples.length,
    passes: cursor.passes,
    chunkNs: { min: stats.min, p50: stats.p50, avg: stats.avg, p99: stats.p99, max: stats.max },
  };
}

// ---------------------------------------------------------------------------
// Latency

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LatencyResult {
  /** Per-command ns with the timer overhead (p50 of an empty timed loop) subtracted, floored at 0. */
  all: Percentiles;
  /** The same per command class (place, take, cancel, modify, stop). */
  byClass: Record<string, Percentiles>;
  /** As measured, before subtracting the timer overhead. */
  raw: Percentiles;
  timerOverheadNs: number;
  warmupCommands: number;
}

export function percentiles(values: Float64Array): Percentiles {
  const n = values.length;
  if (n === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0 };
  const s = values.slice().sort();
  let sum = 0;
  for (let i = 0; i < n; i++) sum += s[i]!;
  const at = (q: number) => s[Math.floor(q * (n - 1))]!;
  return { count: n, mean: sum / n, p50: at(0.5), p90: at(0.9), p99: at(0.99), p999: at(0.999), max: s[n - 1]! };
}

/** Cost of one sample of the timed loop with no command in it: two timer reads' worth of work, loop and store. */
export function timerOverheadNs(n: number): number {
  const op = new Uint8Array(n);
  const out = new Float64Array(n);
  timerOverheadLoop(op, n, out);
  timerOverheadLoop(op, n, out);
  return percentiles(out).p50;
}

/**
 * Times every command of the measured range on a fresh prefilled book, one
 * timer read per command (`Bun.nanoseconds()`, the end of one command is the
 * start of the next). The first `warmup` commands are run the same way and
 * discarded. The timer overhead is subtracted from every sample.
 */
export function measureLatency(
  impl: ImplName,
  w: Workload,
  strings: PeerStrings | null,
  commandsMax: number,
  overheadNs: number,
): LatencyResult {
  const measured = w.count - w.prefillCount;
  const warmup = Math.min(50_000, Math.floor(measured / 10));
  const start = w.prefillCount + warmup;
  const end = Math.min(w.count, start + commandsMax);
  fullGC();
  const session = openSession(impl, w, strings);
  const scratch = new Float64Array(end - start);
  session.runTimed(w.prefillCount, start, scratch);
  gcAndSweep();
  session.runTimed(start, end, scratch);
  const raw = percentiles(scratch);
  const net = new Float64Array(scratch.length);
  for (let i = 0; i < net.length; i++) net[i] = Math.max(0, scratch[i]! - overheadNs);
  const byClass: Record<string, Percentiles> = {};
  for (let c = 0; c < clsNames.length; c++) {
    let n = 0;
    for (let i = start; i < end; i++) if (w.cls[i] === c) n++;
    if (n === 0) continue;
    const part = new Float64Array(n);
    let k = 0;
    for (let i = start; i < end; i++) if (w.cls[i] === c) part[k++] = net[i - start]!;
    byClass[clsNames[c]!] = percentiles(part);
  }
  return { all: percentiles(net), byClass, raw, timerOverheadNs: overheadNs, warmupCommands: warmup };
}

// ---------------------------------------------------------------------------
// Heap

export interface HeapWindow {
  commands: number;
  /** JS heap bytes allocated per command (heapCapacity growth, heapStats' own cost subtracted). */
  bytesPerCommand: number;
  /** Heap cells (objects, strings, arrays, code blocks, ...) allocated per command. */
  cellsPerCommand: number;
  /** Cell types allocated in the window, most first (at most 8). */
  cellTypes: Record<string, number>;
  /** Cells in the window other than object-shape metadata (see SHAPE_TYPES). */
  cellsNotShape: number;
}

/**
 * Object-shape metadata. Each heapStats() reading builds a dictionary of cell
 * type names; when a name appears or disappears between readings JSC creates
 * a Structure and PropertyTables for the new shape. Up to SHAPE_CELLS_READING
 * such cells per window are the readings', not the workload's.
 */
const SHAPE_TYPES = new Set(["Structure", "PropertyTable", "StructureChain", "StructureRareData"]);
const SHAPE_CELLS_READING = 4;

export interface HeapResult extends HeapWindow {
  /** Cells and bytes the method itself shows for an empty window (the worst of several): its resolution. */
  noise: { cells: number; bytes: number };
  /** The last window allocated no cell but at most a few shape-metadata cells of the readings themselves. */
  zeroAllocation: boolean;
  /** All GC-free windows taken, in stream order; the figures above are the last (steady state). */
  windows: HeapWindow[];
  /** Windows thrown away because a GC ran inside them (the method needs a GC-free window). */
  windowsDiscarded: number;
}

interface HeapReading {
  /** Bytes of cells that survived the last collection: changes only when a collection runs. */
  cellBytesAtLastGc: number;
  capacity: number;
  cells: number;
  types: Record<string, number>;
}

function readHeap(): HeapReading {
  const s = heapStats();
  let cells = 0;
  for (const k in s.objectTypeCounts) cells += s.objectTypeCounts[k]!;
  // heapSize also moves when memory outside the heap is reported (strings, large butterflies), without a collection.
  return {
    cellBytesAtLastGc: s.heapSize - s.extraMemorySize,
    capacity: s.heapCapacity,
    cells,
    types: s.objectTypeCounts,
  };
}

/**
 * Allocation per command. JSC's heap size only changes at a collection, but
 * heapCapacity grows with every allocation since the last one (memory reported
 * from outside the heap included) and objectTypeCounts counts every cell
 * still in the heap, garbage included. So: full GC and sweep, read, run N
 * commands, read again. If the size of surviving cells changed, a collection
 * ran inside the window and the reading is void: the window is halved and
 * taken again further along the stream. What one reading itself allocates (its
 * result object) is measured on the same heap just before the window and
 * subtracted. Two windows are taken and the second reported, so a late JIT
 * compilation in the first (a code block is a heap cell) does not count as
 * steady state. Granularity is the heap's block size (16 KiB per size class),
 * so a window of 10^5..10^6 commands resolves well under 1 byte per command.
 */
export function measureHeap(impl: ImplName, w: Workload, strings: PeerStrings | null, windowMax: number): HeapResult {
  fullGC();
  const session = openSession(impl, w, strings);
  const measured = w.count - w.prefillCount;
  const warmup = Math.min(50_000, Math.floor(measured / 10));
  session.run(w.prefillCount, w.prefillCount + warmup);
  return heapWindows((start, end) => session.run(start, end), w.prefillCount + warmup, w.count, windowMax);
}

/**
 * The windows of measureHeap over commands [from, to) of a stream that `run`
 * applies to a book already warmed up to `from` (any book: the tape benchmark
 * uses it too).
 */
export function heapWindows(
  run: (start: number, end: number) => void,
  from: number,
  to: number,
  windowMax: number,
): HeapResult {
  let next = from;
  // Two windows, with stream left over for a few halvings if a collection voids one.
  let window = Math.min(windowMax, Math.floor((to - next) / 4));
  let discarded = 0;
  const windows: HeapWindow[] = [];
  while (windows.length < 2 && window >= 100 && next + window <= to) {
    gcAndSweep();
    readHeap();
    const r1 = readHeap();
    const r2 = readHeap();
    run(next, next + window);
    const r3 = readHeap();
    next += window;
    if (r3.cellBytesAtLastGc !== r1.cellBytesAtLastGc) {
      discarded++;
      window = Math.floor(window / 2);
      continue;
    }
    windows.push(windowFigures(window, r1, r2, r3));
  }
  const last = windows[windows.length - 1] ?? {
    commands: 0,
    bytesPerCommand: NaN,
    cellsPerCommand: NaN,
    cellTypes: {},
    cellsNotShape: NaN,
  };
  const noise = emptyWindowNoise();
  const cells = Math.round(last.cellsPerCommand * last.commands);
  const zeroAllocation =
    last.commands > 0 && last.cellsNotShape === 0 && cells <= Math.max(noise.cells, SHAPE_CELLS_READING);
  return { ...last, noise, zeroAllocation, windows, windowsDiscarded: discarded };
}

/** The same readings around an empty window, five times: the most cells and bytes they show with nothing run. */
function emptyWindowNoise(): { cells: number; bytes: number } {
  let cells = 0;
  let bytes = 0;
  for (let i = 0; i < 5; i++) {
    gcAndSweep();
    readHeap();
    const r1 = readHeap();
    const r2 = readHeap();
    const r3 = readHeap();
    const f = windowFigures(1, r1, r2, r3);
    cells = Math.max(cells, f.cellsPerCommand);
    bytes = Math.max(bytes, f.bytesPerCommand);
  }
  return { cells, bytes };
}

/** Allocation between r2 and r3, less what one reading costs (r1 to r2). */
function windowFigures(commands: number, r1: HeapReading, r2: HeapReading, r3: HeapReading): HeapWindow {
  const list: [string, number][] = [];
  let cellsNotShape = 0;
  for (const k in r3.types) {
    const readCost = (r2.types[k] ?? 0) - (r1.types[k] ?? 0);
    const d = r3.types[k]! - (r2.types[k] ?? 0) - readCost;
    if (d > 0) list.push([k, d]);
    if (d > 0 && !SHAPE_TYPES.has(k)) cellsNotShape += d;
  }
  list.sort((x, y) => y[1] - x[1]);
  const bytes = Math.max(0, r3.capacity - r2.capacity - (r2.capacity - r1.capacity));
  const cells = Math.max(0, r3.cells - r2.cells - (r2.cells - r1.cells));
  return {
    commands,
    bytesPerCommand: bytes / commands,
    cellsPerCommand: cells / commands,
    cellTypes: Object.fromEntries(list.slice(0, 8)),
    cellsNotShape,
  };
}

/** Checks the heap method on a known allocation: `count` two-field object literals (32 bytes each in JSC). */
export function heapCalibration(count: number): { bytesPerObject: number; cellsPerObject: number } {
  const keep: { a: number; b: number }[] = new Array(count);
  gcAndSweep();
  readHeap();
  const r1 = readHeap();
  const r2 = readHeap();
  for (let i = 0; i < count; i++) keep[i] = { a: i, b: i };
  const r3 = readHeap();
  if (r3.cellBytesAtLastGc !== r1.cellBytesAtLastGc) return { bytesPerObject: NaN, cellsPerObject: NaN };
  const f = windowFigures(count, r1, r2, r3);
  return { bytesPerObject: f.bytesPerCommand, cellsPerObject: f.cellsPerCommand };
}
