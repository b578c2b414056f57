// The engine's output: a preallocated struct-of-arrays buffer of events. The
// engine appends; the owner drains (reads `count` rows, then calls `clear`).
// When a single command produces more events than fit, the engine calls
// `onFull` so the owner can drain mid-command; with no handler that is a
// programmer error (the capacity was declared too small for the workload).
// Which columns each kind writes is listed at EventRecord (command.ts); the
// others hold whatever an earlier row left there.

import { ColumnGroup } from "./columns.ts";
import { type EventRecord, emptyEvent } from "./command.ts";
import { EventKind } from "./constants.ts";

export class EventBuffer {
  readonly capacity: number;
  count = 0;
  readonly kind: Uint8Array;
  readonly code: Uint8Array;
  /** Side of the order the event is about (the taker's for a trade). */
  readonly side: Uint8Array;
  readonly book: Int32Array;
  readonly priceTicks: Int32Array;
  /** Modified: the price before. */
  readonly oldPriceTicks: Int32Array;
  readonly seq: Float64Array;
  readonly tsUs: Float64Array;
  readonly id: Float64Array;
  readonly user: Float64Array;
  readonly qtyLots: Float64Array;
  readonly leavesQtyLots: Float64Array;
  /** Modified: the remaining quantity before. */
  readonly oldQtyLots: Float64Array;
  readonly otherId: Float64Array;
  readonly otherUser: Float64Array;
  readonly otherLeavesQtyLots: Float64Array;
  readonly tradeId: Float64Array;
  /** The submitter's id of the order (`id`) and, for trades, of the maker. */
  readonly clientId: Float64Array;
  readonly otherClientId: Float64Array;
  /** Called when the buffer is full; it must drain (call `clear`) before returning. */
  onFull: ((events: EventBuffer) => void) | null = null;

  constructor(capacity: number) {
    if (!(Number.isInteger(capacity) && capacity >= 16))
      throw new Error(`event capacity ${capacity} must be an integer >= 16`);
    this.capacity = capacity;
    // An event writes up to 12 float64 columns of one row: staggered, so they do not share one cache set (columns.ts).
    const g = new ColumnGroup(capacity);
    this.kind = g.of(Uint8Array);
    this.code = g.of(Uint8Array);
    this.side = g.of(Uint8Array);
    this.book = g.of(Int32Array);
    this.priceTicks = g.of(Int32Array);
    this.oldPriceTicks = g.of(Int32Array);
    this.seq = g.of(Float64Array);
    this.tsUs = g.of(Float64Array);
    this.id = g.of(Float64Array);
    this.user = g.of(Float64Array);
    this.qtyLots = g.of(Float64Array);
    this.leavesQtyLots = g.of(Float64Array);
    this.oldQtyLots = g.of(Float64Array);
    this.otherId = g.of(Float64Array);
    this.otherUser = g.of(Float64Array);
    this.otherLeavesQtyLots = g.of(Float64Array);
    this.tradeId = g.of(Float64Array);
    this.clientId = g.of(Float64Array);
    this.otherClientId = g.of(Float64Array);
  }

  clear(): void {
    this.count = 0;
  }

  /** Reserves the next row, draining through `onFull` first when the buffer is full. */
  next(): number {
    if (this.count === this.capacity) this.full();
    return this.count++;
  }

  private full(): void {
    const handler = this.onFull;
    if (handler === null) throw new Error(`event buffer full (${this.capacity} rows) and no onFull handler`);
    handler(this);
    if (this.count !== 0) throw new Error("onFull handler did not drain the event buffer");
  }

  /** Row `i` as a plain object, with the fields its kind does not use left 0 (edges and tests only: allocates). */
  record(i: number): EventRecord {
    if (!(i >= 0 && i < this.count)) throw new Error(`event row ${i} outside [0, ${this.count})`);
    const e = emptyEvent();
    const kind = this.kind[i]!;
    e.kind = kind;
    e.seq = this.seq[i]!;
    e.tsUs = this.tsUs[i]!;
    e.book = this.book[i]!;
    e.id = this.id[i]!;
    e.user = this.user[i]!;
    e.side = this.side[i]!;
    e.clientId = this.clientId[i]!;
    e.code = this.code[i]!;
    if (kind !== EventKind.Rejected) e.qtyLots = this.qtyLots[i]!;
    if (kind !== EventKind.Rejected && kind !== EventKind.MassCancelled) e.priceTicks = this.priceTicks[i]!;
    if (kind === EventKind.Trade || kind === EventKind.Reduced) e.leavesQtyLots = this.leavesQtyLots[i]!;
    if (kind === EventKind.Modified) {
      e.oldPriceTicks = this.oldPriceTicks[i]!;
      e.oldQtyLots = this.oldQtyLots[i]!;
    }
    if (kind === EventKind.Trade) {
      e.otherId = this.otherId[i]!;
      e.otherUser = this.otherUser[i]!;
      e.otherClientId = this.otherClientId[i]!;
      e.otherLeavesQtyLots = this.otherLeavesQtyLots[i]!;
      e.tradeId = this.tradeId[i]!;
    }
    return e;
  }

  /** All rows as plain objects, then clear (edges and tests only). */
  drain(): EventRecord[] {
    const out: EventRecord[] = [];
    for (let i = 0; i < this.count; i++) out.push(this.record(i));
    this.count = 0;
    return out;
  }
}
