// Engine events held until their command is durable. The market-data stream
// copies each event row here as the engine emits it and reads the rows back in
// order when the input log reports them durable: nothing that leaves the
// process (feed, Kafka, QuestDB) may show an event a crash could undo.
//
// The ring starts at `rowsInitial` and doubles when full, up to `rowsMax`.
// Why it may grow: how many events wait is bounded by the log (commands it
// holds before a flush) times events per command, and a sweep of the book
// makes one event per maker; a fixed ring big enough for the worst case would
// pin hundreds of MB for a rare burst. Growth allocates once per doubling,
// never per event, and past `rowsMax` the stream is broken (it stops the
// process loudly rather than release undurable events or drop some).

import type { EventBuffer } from "../engine/events.ts";
import { copyRow, type EventRows, rowNeeded } from "./event-rows.ts";

export interface PendingLimits {
  rowsInitial: number;
  rowsMax: number;
}

export const pendingLimitsDefault: Readonly<PendingLimits> = { rowsInitial: 1 << 14, rowsMax: 1 << 23 };

export class PendingEvents implements EventRows {
  readonly rowsMax: number;
  capacity: number;
  /** Rows waiting, from `head` (oldest) on, wrapping. */
  count = 0;
  head = 0;
  /** How often the ring doubled. */
  grown = 0;

  kind!: Uint8Array;
  code!: Uint8Array;
  side!: Uint8Array;
  book!: Int32Array;
  price!: Int32Array;
  oldPrice!: Int32Array;
  seq!: Float64Array;
  tsUs!: Float64Array;
  id!: Float64Array;
  user!: Float64Array;
  qty!: Float64Array;
  oldQty!: Float64Array;
  leaves!: Float64Array;
  otherId!: Float64Array;
  otherUser!: Float64Array;
  otherLeaves!: Float64Array;
  tradeId!: Float64Array;

  constructor(limits: PendingLimits = pendingLimitsDefault) {
    const { rowsInitial, rowsMax } = limits;
    if (!(
      Number.isInteger(rowsInitial) &&
      rowsInitial >= 16 &&
      Number.isInteger(rowsMax) &&
      rowsMax >= rowsInitial &&
      rowsMax <= 1 << 26
    )) {
      throw new Error(
        `pending events: rowsInitial ${rowsInitial} and rowsMax ${rowsMax} must be integers with 16 <= ` +
          `initial <= max <= 2^26`,
      );
    }
    this.rowsMax = rowsMax;
    this.capacity = 0;
    this.allocate(rowsInitial);
  }

  /** Copies the rows of `events` the stream needs (rowNeeded) to the tail. */
  push(events: EventBuffer): void {
    const n = events.count;
    if (this.count + n > this.capacity) this.grow(this.count + n);
    for (let i = 0; i < n; i++) this.pushRow(events, i);
  }

  /** Copies row `i` when the stream needs it. */
  pushRow(events: EventBuffer, i: number): void {
    if (!rowNeeded(events.kind(i), events.priceTicks(i))) return;
    if (this.count === this.capacity) this.grow(this.count + 1);
    const r = (this.head + this.count) % this.capacity;
    this.count++;
    copyRow(events, i, this, r);
  }

  /** Row index of the oldest waiting event (valid while count > 0). */
  get first(): number {
    return this.head;
  }

  /** Drops the oldest waiting event. */
  shift(): void {
    this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    this.count--;
  }

  private grow(need: number): void {
    let size = this.capacity;
    while (size < need) size *= 2;
    if (size > this.rowsMax) {
      throw new Error(
        `market data: ${need} events wait for durability, above rowsMax ${this.rowsMax}: ` +
          `the input log is not reporting durability`,
      );
    }
    const old = this.snapshotColumns();
    const oldCapacity = this.capacity;
    this.allocate(size);
    // Unwrap the old ring so the rows start at 0.
    for (const [name, column] of old) {
      const fresh = this[name] as unknown as { set(a: ArrayLike<number>, at: number): void };
      const tail = Math.min(this.count, oldCapacity - this.head);
      fresh.set(column.subarray(this.head, this.head + tail), 0);
      if (tail < this.count) fresh.set(column.subarray(0, this.count - tail), tail);
    }
    this.head = 0;
    this.grown++;
  }

  private snapshotColumns(): [ColumnName, Column][] {
    return columnNames.map((name) => [name, this[name] as Column]);
  }

  private allocate(size: number): void {
    this.capacity = size;
    this.kind = new Uint8Array(size);
    this.code = new Uint8Array(size);
    this.side = new Uint8Array(size);
    this.book = new Int32Array(size);
    this.price = new Int32Array(size);
    this.oldPrice = new Int32Array(size);
    this.seq = new Float64Array(size);
    this.tsUs = new Float64Array(size);
    this.id = new Float64Array(size);
    this.user = new Float64Array(size);
    this.qty = new Float64Array(size);
    this.oldQty = new Float64Array(size);
    this.leaves = new Float64Array(size);
    this.otherId = new Float64Array(size);
    this.otherUser = new Float64Array(size);
    this.otherLeaves = new Float64Array(size);
    this.tradeId = new Float64Array(size);
  }
}

type Column = Uint8Array | Int32Array | Float64Array;
const columnNames = [
  "kind",
  "code",
  "side",
  "book",
  "price",
  "oldPrice",
  "seq",
  "tsUs",
  "id",
  "user",
  "qty",
  "oldQty",
  "leaves",
  "otherId",
  "otherUser",
  "otherLeaves",
  "tradeId",
] as const;
type ColumnName = (typeof columnNames)[number];
