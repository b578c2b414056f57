// The exchange's garbage-collector pauses, read from JavaScriptCore's own log
// (BUN_JSC_logGC=1 makes every heap of the process write a line per
// collection and per increment to stderr, each stop-the-world pause as
// `p=<ms>ms`). Each line is stamped with its arrival time, so a phase of the
// benchmark can ask for the pauses inside its window. A process has one heap
// per JS thread (the matching thread, the feed worker, the snapshot worker),
// told apart by the heap's address in `GC<0x...>`; a line that a thread's
// output cut in two keeps its pause but may lose its heap ("?").

export interface GcPause {
  atMs: number;
  heap: string;
  pauseMs: number;
}

export interface HeapPauses {
  count: number;
  pauseMsTotal: number;
  pauseMsMax: number;
  /**
   * Largest heap size the log showed for it (`=> <kb>kb`): the matching thread's is the one with the engine's columns.
   */
  heapKbMax: number;
}

export interface GcSummary extends HeapPauses {
  windowMs: number;
  /** Per heap address. */
  heaps: Record<string, HeapPauses>;
}

const heapOf = /GC<(0x[0-9a-f]+)>/;
const pauses = /p=([0-9.]+)ms/g;
const sizes = /=> ([0-9]+)kb/g;

export class GcLog {
  readonly pauses: GcPause[] = [];
  private readonly heapKb = new Map<string, number>();

  /** Whether a stderr line is the collector's (those are parsed, not echoed). */
  static isGcLine(line: string): boolean {
    return (
      line.includes("[GC<") ||
      /\bp=[0-9.]+ms\b/.test(line) ||
      line.startsWith("Requesting GC") ||
      line.includes("GC END")
    );
  }

  onLine(line: string, atMs: number): void {
    const heap = heapOf.exec(line)?.[1] ?? "?";
    for (const m of line.matchAll(sizes)) this.heapKb.set(heap, Math.max(this.heapKb.get(heap) ?? 0, Number(m[1])));
    for (const m of line.matchAll(pauses)) this.pauses.push({ atMs, heap, pauseMs: Number(m[1]) });
  }

  /** Pauses that ended in [fromMs, toMs). */
  summary(fromMs: number, toMs: number): GcSummary {
    const heaps: Record<string, HeapPauses> = {};
    const all: HeapPauses = { count: 0, pauseMsTotal: 0, pauseMsMax: 0, heapKbMax: 0 };
    for (const p of this.pauses) {
      if (p.atMs < fromMs || p.atMs >= toMs) continue;
      const h = (heaps[p.heap] ??= {
        count: 0,
        pauseMsTotal: 0,
        pauseMsMax: 0,
        heapKbMax: this.heapKb.get(p.heap) ?? 0,
      });
      for (const s of [h, all]) {
        s.count++;
        s.pauseMsTotal += p.pauseMs;
        s.pauseMsMax = Math.max(s.pauseMsMax, p.pauseMs);
      }
    }
    all.heapKbMax = Math.max(0, ...Object.values(heaps).map((h) => h.heapKbMax));
    return { ...all, windowMs: toMs - fromMs, heaps };
  }
}

/** `n pauses, total t ms, max m ms` of a summary, for the tables. */
export function gcCell(s: GcSummary | null | undefined): string {
  if (s === null || s === undefined) return "-";
  return `${s.count} / ${s.pauseMsTotal.toFixed(1)} / ${s.pauseMsMax.toFixed(1)}`;
}
