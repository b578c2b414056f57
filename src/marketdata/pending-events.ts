// Engine events held until their command is durable. The market-data stream
// copies each event row here as the engine emits it and reads the rows back in
// order when the input log reports them durable: nothing that leaves the
// process (feed, Kafka, QuestDB) may show an event a crash could undo.
//
// Rows keep the engine's layout (event-rows.ts), one 128-byte row per event.
// The ring starts at `rowsInitial` and doubles when full, up to `rowsMax`.
// Why it may grow: how many events wait is bounded by the log (commands it
// holds before a flush) times events per command, and a sweep of the book
// makes one event per maker; a fixed ring big enough for the worst case would
// pin hundreds of MB for a rare burst. Growth allocates once per doubling,
// never per event, and past `rowsMax` the stream is broken (it stops the
// process loudly rather than release undurable events or drop some).

import { EVENT_ROW_BYTES, type EventBuffer } from "../engine/events.ts";
import { copyRow, type EventRows, RowViews, rowNeeded } from "./event-rows.ts";

export interface PendingLimits {
  rowsInitial: number;
  rowsMax: number;
}

export const pendingLimitsDefault: Readonly<PendingLimits> = { rowsInitial: 1 << 14, rowsMax: 1 << 23 };

export class PendingEvents extends RowViews implements EventRows {
  readonly rowsMax: number;
  capacity: number;
  /** Rows waiting, from `head` (oldest) on, wrapping. */
  count = 0;
  head = 0;
  /** How often the ring doubled. */
  grown = 0;
  i32: Int32Array;
  f64: Float64Array;

  constructor(limits: PendingLimits = pendingLimitsDefault) {
    super();
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
    this.capacity = rowsInitial;
    const rows = new ArrayBuffer(rowsInitial * EVENT_ROW_BYTES);
    this.i32 = new Int32Array(rows);
    this.f64 = new Float64Array(rows);
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
    let r = this.head + this.count;
    if (r >= this.capacity) r -= this.capacity;
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
    const old = this.f64;
    const fresh = new ArrayBuffer(size * EVENT_ROW_BYTES);
    const f64 = new Float64Array(fresh);
    // Unwrap the old ring so the rows start at 0 (whole rows copied as bytes: no float64 reinterpretation).
    const bytes = new Uint8Array(fresh);
    const oldBytes = new Uint8Array(old.buffer);
    const tail = Math.min(this.count, this.capacity - this.head);
    bytes.set(oldBytes.subarray(this.head * EVENT_ROW_BYTES, (this.head + tail) * EVENT_ROW_BYTES), 0);
    if (tail < this.count)
      bytes.set(oldBytes.subarray(0, (this.count - tail) * EVENT_ROW_BYTES), tail * EVENT_ROW_BYTES);
    this.capacity = size;
    this.i32 = new Int32Array(fresh);
    this.f64 = f64;
    this.head = 0;
    this.grown++;
  }
}
