// Test support: how many heap cells a piece of code allocates, counted in a
// window no garbage collection ran in (the tests of allocation-free paths).

import { gcAndSweep, heapStats } from "bun:jsc";

/**
 * JSC's own metadata: shapes and compiled code. After a full collection JSC
 * may drop old optimized code and recompile it inside the measured window,
 * re-creating shapes and code blocks (51 Structures and 10 FunctionCodeBlocks
 * were seen when other test files had run earlier in the same process); they
 * are the engine's cells, not allocations of the code under test.
 */
const engineCellType = /^(Structure|StructureChain|StructureRareData|PropertyTable)$|CodeBlock|Executable/;

/** Live heap cells (garbage included until a collection) and the bytes that survived the last collection. */
function reading(): { cells: number; survivors: number } {
  const s = heapStats();
  let cells = 0;
  for (const k in s.objectTypeCounts) if (!engineCellType.test(k)) cells += s.objectTypeCounts[k]!;
  return { cells, survivors: s.heapSize - s.extraMemorySize };
}

/**
 * Heap cells allocated by `run(n)`, in a window no collection ran in (taken
 * again, smaller, if one did). A reading allocates cells of its own (its
 * result object and its shapes): the difference of two back-to-back
 * readings is subtracted, as bench/measure.ts does. The least of three such
 * windows is returned: late in a long test process one window can also
 * catch a JIT compilation and the readings' new shapes (~100 cells, seen
 * under load), which happen once, while code that allocates per call shows
 * in every window.
 */
export function cellsAllocated(run: (count: number) => void, count: number): number {
  let least = Number.POSITIVE_INFINITY;
  let windows = 0;
  for (let n = count; n >= 1000 && windows < 3;) {
    gcAndSweep();
    reading();
    const r1 = reading();
    const r2 = reading();
    run(n);
    const r3 = reading();
    if (r3.survivors !== r1.survivors) {
      n >>= 1;
      continue;
    }
    windows++;
    least = Math.min(least, r3.cells - r2.cells - (r2.cells - r1.cells));
  }
  if (windows === 0) throw new Error("every window saw a collection");
  return least;
}
