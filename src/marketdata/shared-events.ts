// Engine events handed from the matching thread to the feed's worker thread
// through shared memory: a single-producer single-consumer ring of event rows
// (the EventRows columns over one SharedArrayBuffer) plus the durable seq.
//
// The matching thread's only work per event is `SharedEventWriter.onEvents`:
// a kind check and, for a row the stream needs, one copy into the ring. If the
// worker falls behind and the ring is full, rows wait in a local growable
// queue (in order) and move over as the worker frees room; the durable seq the
// worker sees never passes a row still waiting there, so it never releases
// half a command.
//
// Ordering: the writer fills rows, then publishes the tail with Atomics.store;
// the reader loads the tail with Atomics.load before reading rows (and the
// head likewise the other way), so every row is complete when it is read.

import type { EventBuffer } from "../engine/events.ts";
import type { EventConsumer } from "../sequencer/sequencer.ts";
import { copyRow, type EventRows, moveRow, rowNeeded } from "./event-rows.ts";
import { PendingEvents } from "./pending-events.ts";

// Header slots (Int32).
const TAIL = 0;
const HEAD = 1;
const DURABLE_LO = 2;
const DURABLE_HI = 3;
/** Bumped (and notified) whenever the durable seq or the tail moves. */
const WAKE = 4;
const CLOSED = 5;
const headerBytes = 64;
const two32 = 4294967296;

const f64Names = ["seq", "tsUs", "id", "user", "qty", "oldQty", "leaves", "otherId", "otherUser", "otherLeaves", "tradeId"] as const;
const i32Names = ["book", "price", "oldPrice"] as const;
const u8Names = ["kind", "code", "side"] as const;

/** Bytes of a ring of `capacity` rows. */
export function sharedRingBytes(capacity: number): number {
  return headerBytes + capacity * (8 * f64Names.length + 4 * i32Names.length + u8Names.length);
}

export class SharedEventRing implements EventRows {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly mask: number;
  readonly header: Int32Array;
  readonly kind!: Uint8Array;
  readonly code!: Uint8Array;
  readonly side!: Uint8Array;
  readonly book!: Int32Array;
  readonly price!: Int32Array;
  readonly oldPrice!: Int32Array;
  readonly seq!: Float64Array;
  readonly tsUs!: Float64Array;
  readonly id!: Float64Array;
  readonly user!: Float64Array;
  readonly qty!: Float64Array;
  readonly oldQty!: Float64Array;
  readonly leaves!: Float64Array;
  readonly otherId!: Float64Array;
  readonly otherUser!: Float64Array;
  readonly otherLeaves!: Float64Array;
  readonly tradeId!: Float64Array;
  /** Reader: rows consumed since the head was last published. */
  private head = 0;
  /** Writer: the tail it has filled up to. */
  private tail = 0;

  /** A ring over `buffer` (made by `allocate`, or received from the other thread). */
  constructor(buffer: SharedArrayBuffer) {
    const perRow = sharedRingBytes(1) - headerBytes;
    const capacity = (buffer.byteLength - headerBytes) / perRow;
    if (!(Number.isInteger(capacity) && capacity >= 16 && (capacity & (capacity - 1)) === 0)) throw new Error(`shared event ring: ${buffer.byteLength} bytes is not a ring`);
    this.buffer = buffer;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.header = new Int32Array(buffer, 0, headerBytes / 4);
    let at = headerBytes;
    const self = this as unknown as Record<string, unknown>;
    for (const name of f64Names) {
      self[name] = new Float64Array(buffer, at, capacity);
      at += 8 * capacity;
    }
    for (const name of i32Names) {
      self[name] = new Int32Array(buffer, at, capacity);
      at += 4 * capacity;
    }
    for (const name of u8Names) {
      self[name] = new Uint8Array(buffer, at, capacity);
      at += capacity;
    }
    this.head = Atomics.load(this.header, HEAD);
    this.tail = Atomics.load(this.header, TAIL);
  }

  static allocate(capacity: number): SharedEventRing {
    if (!(Number.isInteger(capacity) && capacity >= 16 && capacity <= 1 << 24 && (capacity & (capacity - 1)) === 0)) {
      throw new Error(`shared event ring: capacity ${capacity} must be a power of two in [16, 2^24]`);
    }
    return new SharedEventRing(new SharedArrayBuffer(sharedRingBytes(capacity)));
  }

  // ---- writer (matching thread) ----

  /** Rows the writer may still add before the reader frees some. */
  room(): number {
    return this.capacity - ((this.tail - Atomics.load(this.header, HEAD)) | 0);
  }

  /** Copies event row `i` into the next free row (call only with room). */
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
    Atomics.notify(this.header, WAKE);
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

  shift(): void {
    this.head = (this.head + 1) | 0;
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

  /** Resolves when the writer has published something after `seen` (the WAKE counter), or at once if it already has. */
  async waitForWake(seen: number): Promise<number> {
    const r = Atomics.waitAsync(this.header, WAKE, seen);
    if (r.async) await r.value;
    return Atomics.load(this.header, WAKE);
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
    const ring = this.ring;
    const o = this.overflow;
    if (o.count > 0) this.drain();
    let room = o.count > 0 ? 0 : ring.room();
    for (let i = 0; i < events.count; i++) {
      if (!rowNeeded(events.kind[i]!, events.priceTicks[i]!)) continue;
      if (room > 0) {
        ring.writeEvent(events, i);
        room--;
      } else {
        o.pushRow(events, i);
        this.overflowed++;
      }
    }
    ring.publishTail();
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
    const o = this.overflow;
    const limit = o.count > 0 ? Math.min(this.durable, o.seq[o.first]! - 1) : this.durable;
    this.ring.publishDurable(limit);
  }

  close(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.ring.close();
  }
}
