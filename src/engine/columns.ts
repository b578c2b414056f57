// Typed-array columns that are indexed by the same row together (the event
// buffer's, the order slots'). Allocated plainly, every large column starts on
// a page boundary, so row i of all columns of one element size lands in the
// same L1 cache set; an event writing more columns than the set has ways (8)
// evicts its own lines, and each extra column cost ~10 ns in a micro-benchmark.
// Starting column k of a group k cache lines into its allocation spreads the
// rows over k different sets.

const CACHE_LINE_BYTES = 64;
/** Sets of a 32 KiB, 8-way L1: staggers beyond this wrap around. */
const STAGGER_LINES_MAX = 64;

type ColumnType<T> = { new (length: number): T; readonly BYTES_PER_ELEMENT: number };
type Column = Uint8Array | Int32Array | Uint32Array | Float64Array;

/** A column of `length` elements starting `stagger` cache lines into its allocation. */
export function column<T extends Column>(type: ColumnType<T>, length: number, stagger: number): T {
  const pad = ((stagger % STAGGER_LINES_MAX) * CACHE_LINE_BYTES) / type.BYTES_PER_ELEMENT;
  const all = new type(length + pad);
  return all.subarray(pad, pad + length) as T;
}

/** Hands out columns with increasing staggers: one per group of columns read together. */
export class ColumnGroup {
  private next: number;

  /** `firstStagger` lets two groups that are used together (orders, levels) take different lines. */
  constructor(
    private readonly length: number,
    firstStagger = 0,
  ) {
    this.next = firstStagger;
  }

  of<T extends Column>(type: ColumnType<T>): T {
    return column(type, this.length, this.next++);
  }
}
