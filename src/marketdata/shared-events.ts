// Engine events handed from the matching thread to the feed's worker thread
// through shared memory: a single-producer single-consumer ring of event rows
// in the engine's own 128-byte layout (event-rows.ts) over one
// SharedArrayBuffer, plus the durable seq.
//
// The matching thread's only work per event is `SharedEventWriter.onEvents`:
// a kind check and, for a row the stream needs, one short copy into the ring
// of the fields the stream reads for that kind (copyRowViews: one cache line
// for books and cancels, two for trades, reductions and modifications; the
// earlier ring of 17 columns wrote 7 to 13 columns per event). The ring's
// pages are touched at start-up, so no copy takes a page fault. If the worker falls
// behind and the ring is full, rows wait in a local growable queue (in order,
// same layout) and move over at the next durable seq (or a timer) as the
// worker frees room; the durable seq the worker sees never passes a row still
// waiting there, so it never releases half a command.
//
// Ordering: the writer fills rows, then publishes the tail with Atomics.store
// (once per durable seq, not per row: the reader acts only on durable seqs);
// the reader loads the tail with Atomics.load before reading rows (and the
// head likewise the other way), so every row is complete when it is read. The
// two sides' counters sit on separate cache lines, and the writer reads the
// head only when the head it last saw leaves no room. The reader publishes its
// head after each release and also every `headPublishRows` rows within one:
// a release of a long backlog would otherwise hold the whole ring until it
// ends, and every row the writer produced meanwhile would be copied twice
// (into the local queue, then into the ring).
//
// Waking: Atomics.notify with a waiter costs the matching thread microseconds
// (it posts to the worker's event loop); once per flush it was a fifth of the
// matching thread's time at ~1M commands/s. So while events flow the reader
// polls (a wait of at most `readerPollMs`) and the writer notifies nobody; only
// after `readerIdlePollsMax` polls found nothing does the reader sleep until
// notified, saying so in SLEEPING, and the writer notifies only then. No wake
// is lost: the reader sets SLEEPING before its wait compares WAKE, the writer
// bumps WAKE before it reads SLEEPING (all sequentially consistent), so either
// the wait sees the bump or the writer sees the flag. The feed's frames go out
// every 5 ms or more, so a millisecond of polling adds nothing a client sees.

import { EVENT_ROW_BYTES, type EventBuffer } from "../engine/events.ts";
import type { EventConsumer } from "../sequencer/sequencer.ts";
import { copyRow, type EventRows, moveRow, RowViews, rowFloat64s, rowInt32s, rowNeeded } from "./event-rows.ts";
import { PendingEvents } from "./pending-events.ts";

// Header slots (Int32), each writer's on a cache line of its own: the
// matching thread writes TAIL and the durable seq, the worker writes HEAD.
const TAIL = 0;
const DURABLE_LO = 1;
const DURABLE_HI = 2;
/** Bumped (and notified) whenever the durable seq moves. */
const WAKE = 3;
const CLOSED = 4;
const HEAD = 32;
/** The reader's: 1 while it sleeps (or is about to) until WAKE moves and the writer notifies. */
const SLEEPING = 33;
/** While events flow, the reader looks for more this often, ms. */
export const readerPollMs = 1;
/** Polls that found nothing before the reader sleeps until notified (about 100 ms of quiet). */
export const readerIdlePollsMax = 100;
const headerBytes = 256;
/** The reader publishes its head at least this often, rows (a power of two). */
const headPublishRows = 512;
const two32 = 4294967296;

/** Bytes per row: the engine's row layout (events.ts), two whole cache lines (the buffer is page-aligned). */
const rowBytes = EVENT_ROW_BYTES;

/** Bytes of a ring of `capacity` rows. */
export function sharedRingBytes(capacity: number): number {
  return headerBytes + capacity * rowBytes;
}

export class SharedEventRing extends RowViews implements EventRows {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly mask: number;
  readonly header: Int32Array;
  /** The rows, as the engine's int32 and float64 views (row r at `r << 5` and `r << 4`). */
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  /** Reader: rows consumed since the head was last published. */
  private head = 0;
  /** Writer: the tail it has filled up to. */
  private tail = 0;
  /** Writer: the reader's head as last loaded (room is computed from it until it runs out). */
  private headSeen = 0;
  /** Reader: polls in a row that found nothing new. */
  private idlePolls = 0;

  /** A ring over `buffer` (made by `allocate`, or received from the other thread). */
  constructor(buffer: SharedArrayBuffer) {
    super();
    const capacity = (buffer.byteLength - headerBytes) / rowBytes;
    if (!(Number.isInteger(capacity) && capacity >= 16 && (capacity & (capacity - 1)) === 0))
      throw new Error(`shared event ring: ${buffer.byteLength} bytes is not a ring`);
    this.buffer = buffer;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.header = new Int32Array(buffer, 0, headerBytes / 4);
    this.i32 = new Int32Array(buffer, headerBytes, capacity * rowInt32s);
    this.f64 = new Float64Array(buffer, headerBytes, capacity * rowFloat64s);
    this.head = Atomics.load(this.header, HEAD);
    this.headSeen = this.head;
    this.tail = Atomics.load(this.header, TAIL);
  }

  static allocate(capacity: number): SharedEventRing {
    if (!(Number.isInteger(capacity) && capacity >= 16 && capacity <= 1 << 24 && (capacity & (capacity - 1)) === 0)) {
      throw new Error(`shared event ring: capacity ${capacity} must be a power of two in [16, 2^24]`);
    }
    const ring = new SharedEventRing(new SharedArrayBuffer(sharedRingBytes(capacity)));
    // Touch every page now, at start-up, so the matching thread never takes a page fault on its first lap.
    ring.f64.fill(0);
    return ring;
  }

  // ---- writer (matching thread) ----

  /** Rows the writer may add now; reads the reader's head only when the last one it saw leaves no room. */
  room(): number {
    const room = this.capacity - ((this.tail - this.headSeen) | 0);
    if (room > 0) return room;
    this.headSeen = Atomics.load(this.header, HEAD);
    return this.capacity - ((this.tail - this.headSeen) | 0);
  }

  /**
   * Copies event row `i` into the next free row (call only with room): one
   * sequential copy of the row's fields the stream reads (event-rows.ts).
   */
  writeEvent(events: EventBuffer, i: number): void {
    copyRow(events, i, this, this.tail & this.mask);
    this.tail = (this.tail + 1) | 0;
  }

  /** Moves the oldest row of a local queue into the next free row (call only with room). */
  writeFrom(from: EventRows, r: number): void {
    moveRow(from, r, this, this.tail & this.mask);
    this.tail = (this.tail + 1) | 0;
  }

  /** Makes the rows written so far visible to the reader. */
  publishTail(): void {
    Atomics.store(this.header, TAIL, this.tail);
  }

  /** Tells the reader that every command up to `seq` is durable, and wakes it. */
  publishDurable(seq: number): void {
    const hi = Math.floor(seq / two32);
    Atomics.store(this.header, DURABLE_LO, (seq - hi * two32) | 0);
    Atomics.store(this.header, DURABLE_HI, hi);
    this.wake();
  }

  wake(): void {
    Atomics.add(this.header, WAKE, 1);
    if (Atomics.load(this.header, SLEEPING) === 1) Atomics.notify(this.header, WAKE);
  }

  close(): void {
    Atomics.store(this.header, CLOSED, 1);
    this.wake();
  }

  // ---- reader (feed worker) ----

  get count(): number {
    return (Atomics.load(this.header, TAIL) - this.head) | 0;
  }

  get first(): number {
    return this.head & this.mask;
  }

  /** Drops the oldest row; every `headPublishRows` rows it frees them for the writer (see the file comment). */
  shift(): void {
    this.head = (this.head + 1) | 0;
    if ((this.head & (headPublishRows - 1)) === 0) Atomics.store(this.header, HEAD, this.head);
  }

  /** Frees the rows read so far for the writer. */
  publishHead(): void {
    Atomics.store(this.header, HEAD, this.head);
  }

  durableSeq(): number {
    return Atomics.load(this.header, DURABLE_HI) * two32 + (Atomics.load(this.header, DURABLE_LO) >>> 0);
  }

  get closed(): boolean {
    return Atomics.load(this.header, CLOSED) === 1;
  }

  /**
   * Resolves when the writer has published something after `seen` (the WAKE
   * counter), at once if it already has, or after a poll interval while events
   * flow (the caller loops; see the file comment).
   */
  async waitForWake(seen: number): Promise<number> {
    const h = this.header;
    if (this.idlePolls < readerIdlePollsMax) {
      const r = Atomics.waitAsync(h, WAKE, seen, readerPollMs);
      if (r.async) await r.value;
      const now = Atomics.load(h, WAKE);
      this.idlePolls = now === seen ? this.idlePolls + 1 : 0;
      return now;
    }
    Atomics.store(h, SLEEPING, 1);
    const r = Atomics.waitAsync(h, WAKE, seen);
    if (r.async) await r.value;
    Atomics.store(h, SLEEPING, 0);
    this.idlePolls = 0;
    return Atomics.load(h, WAKE);
  }

  wakeCounter(): number {
    return Atomics.load(this.header, WAKE);
  }
}

/**
 * The matching thread's end: an EventConsumer that copies the rows the
 * stream needs into the ring and passes durability on. Rows that find the
 * ring full wait in order in a local queue; `drain` moves them over.
 */
export class SharedEventWriter implements EventConsumer {
  readonly ring: SharedEventRing;
  private readonly overflow = new PendingEvents({ rowsInitial: 1 << 10, rowsMax: 1 << 24 });
  private durable = 0;
  private drainTimer: ReturnType<typeof setTimeout> | null = null;
  /** Rows that had to wait in the local queue. */
  overflowed = 0;
  /** Called on every durable seq with the engine (the feed posts new symbols from here). */
  onDurableHook: ((seq: number) => void) | null = null;

  constructor(ring: SharedEventRing) {
    this.ring = ring;
  }

  onEvents(events: EventBuffer): void {
    const o = this.overflow;
    // Rows already waiting keep their place: the new ones queue behind them until `drain` (per durable seq).
    let room = o.count > 0 ? 0 : this.ring.room();
    for (let i = 0; i < events.count; i++) {
      if (!rowNeeded(events.kind(i), events.priceTicks(i))) continue;
      if (room > 0) {
        this.ring.writeEvent(events, i);
        room--;
      } else {
        o.pushRow(events, i);
        this.overflowed++;
      }
    }
    // The tail is published with the durable seq (the reader reads no row past it before that).
  }

  onDurable(seq: number): void {
    this.durable = seq;
    if (this.overflow.count > 0) this.drain();
    this.publish();
    this.onDurableHook?.(seq);
  }

  /** Moves waiting rows into the ring while it has room. */
  private drain(): void {
    const o = this.overflow;
    let room = this.ring.room();
    while (o.count > 0 && room > 0) {
      this.ring.writeFrom(o, o.first);
      o.shift();
      room--;
    }
    this.ring.publishTail();
    if (o.count > 0 && this.drainTimer === null) {
      // The worker frees room as it reads: try again shortly, and pass durability on then.
      this.drainTimer = setTimeout(() => {
        this.drainTimer = null;
        this.drain();
        this.publish();
      }, 1);
    }
  }

  /** The durable seq the reader may act on: never past a command whose rows still wait here. */
  private publish(): void {
    this.ring.publishTail();
    const o = this.overflow;
    const limit = o.count > 0 ? Math.min(this.durable, o.seq(o.first) - 1) : this.durable;
    this.ring.publishDurable(limit);
  }

  close(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.ring.close();
  }
}
