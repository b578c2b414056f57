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
// Ordering: the writer fills rows, then publishes the tail with Atomics.store
// (once per durable seq, not per row: the reader acts only on durable seqs);
// the reader loads the tail with Atomics.load before reading rows (and the
// head likewise the other way), so every row is complete when it is read. The
// two sides' counters sit on separate cache lines, and the writer reads the
// head only when the head it last saw leaves no room.
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

import { EventKind } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import type { EventConsumer } from "../sequencer/sequencer.ts";
import { type EventRows, moveRow, rowNeeded } from "./event-rows.ts";
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
const two32 = 4294967296;

/** Bytes per row: 11 float64 columns, 3 int32, 3 uint8. */
const rowBytes = 11 * 8 + 3 * 4 + 3;

/** Bytes of a ring of `capacity` rows. */
export function sharedRingBytes(capacity: number): number {
  return headerBytes + capacity * rowBytes;
}

export class SharedEventRing implements EventRows {
  readonly buffer: SharedArrayBuffer;
  readonly capacity: number;
  private readonly mask: number;
  readonly header: Int32Array;
  readonly kind: Uint8Array;
  readonly code: Uint8Array;
  readonly side: Uint8Array;
  readonly book: Int32Array;
  readonly price: Int32Array;
  readonly oldPrice: Int32Array;
  readonly seq: Float64Array;
  readonly tsUs: Float64Array;
  readonly id: Float64Array;
  readonly user: Float64Array;
  readonly qty: Float64Array;
  readonly oldQty: Float64Array;
  readonly leaves: Float64Array;
  readonly otherId: Float64Array;
  readonly otherUser: Float64Array;
  readonly otherLeaves: Float64Array;
  readonly tradeId: Float64Array;
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
    const capacity = (buffer.byteLength - headerBytes) / rowBytes;
    if (!(Number.isInteger(capacity) && capacity >= 16 && (capacity & (capacity - 1)) === 0))
      throw new Error(`shared event ring: ${buffer.byteLength} bytes is not a ring`);
    this.buffer = buffer;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.header = new Int32Array(buffer, 0, headerBytes / 4);
    // Columns assigned one by one (not through computed keys): every field keeps one known type for the JIT.
    let at = headerBytes;
    const f64 = () => {
      const a = new Float64Array(buffer, at, capacity);
      at += 8 * capacity;
      return a;
    };
    const i32 = () => {
      const a = new Int32Array(buffer, at, capacity);
      at += 4 * capacity;
      return a;
    };
    const u8 = () => {
      const a = new Uint8Array(buffer, at, capacity);
      at += capacity;
      return a;
    };
    this.seq = f64();
    this.tsUs = f64();
    this.id = f64();
    this.user = f64();
    this.qty = f64();
    this.oldQty = f64();
    this.leaves = f64();
    this.otherId = f64();
    this.otherUser = f64();
    this.otherLeaves = f64();
    this.tradeId = f64();
    this.book = i32();
    this.price = i32();
    this.oldPrice = i32();
    this.kind = u8();
    this.code = u8();
    this.side = u8();
    this.head = Atomics.load(this.header, HEAD);
    this.headSeen = this.head;
    this.tail = Atomics.load(this.header, TAIL);
  }

  static allocate(capacity: number): SharedEventRing {
    if (!(Number.isInteger(capacity) && capacity >= 16 && capacity <= 1 << 24 && (capacity & (capacity - 1)) === 0)) {
      throw new Error(`shared event ring: capacity ${capacity} must be a power of two in [16, 2^24]`);
    }
    return new SharedEventRing(new SharedArrayBuffer(sharedRingBytes(capacity)));
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
   * Copies event row `i` into the next free row (call only with room): the
   * columns every row has, then only those its kind uses (stream.ts reads no
   * other). Each column written is a cache line the worker's core may hold, so
   * fewer columns per row is most of the matching thread's cost of the feed.
   */
  writeEvent(events: EventBuffer, i: number): void {
    const r = this.tail & this.mask;
    const kind = events.kind(i);
    this.kind[r] = kind;
    this.side[r] = events.side(i);
    this.book[r] = events.book(i);
    this.price[r] = events.priceTicks(i);
    this.seq[r] = events.seq(i);
    this.tsUs[r] = events.tsUs(i);
    this.id[r] = events.id(i);
    if (kind === EventKind.Trade) {
      this.qty[r] = events.qtyLots(i);
      this.user[r] = events.user(i);
      this.otherId[r] = events.otherId(i);
      this.otherUser[r] = events.otherUser(i);
      this.otherLeaves[r] = events.otherLeavesQtyLots(i);
      this.tradeId[r] = events.tradeId(i);
    } else if (kind === EventKind.Booked) {
      this.qty[r] = events.qtyLots(i);
    } else if (kind === EventKind.Reduced) {
      this.leaves[r] = events.leavesQtyLots(i);
    } else if (kind === EventKind.Modified) {
      this.qty[r] = events.qtyLots(i);
      this.oldPrice[r] = events.oldPriceTicks(i);
      this.oldQty[r] = events.oldQtyLots(i);
    }
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
    const ring = this.ring;
    const o = this.overflow;
    if (o.count > 0) this.drain();
    let room = o.count > 0 ? 0 : ring.room();
    for (let i = 0; i < events.count; i++) {
      if (!rowNeeded(events.kind(i), events.priceTicks(i))) continue;
      if (room > 0) {
        ring.writeEvent(events, i);
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
    const limit = o.count > 0 ? Math.min(this.durable, o.seq[o.first]! - 1) : this.durable;
    this.ring.publishDurable(limit);
  }

  close(): void {
    if (this.drainTimer !== null) clearTimeout(this.drainTimer);
    this.ring.close();
  }
}
