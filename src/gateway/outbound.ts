// Bytes queued for one client, in a chain of fixed-size chunks taken from a
// pool the whole gateway shares. Memory follows what is queued: an idle
// session holds no chunk, and one that drained a burst gives its chunks back,
// where one growing buffer per session would keep its peak for good.
//
// Positions are absolute byte counts since the session began, so a mark taken
// now stays valid while chunks come and go:
//   sent <= released <= appended
// Two bounds: bytes the client could read and has not (released - sent) stay
// within `bytesMax`; everything queued, held reports included, within twice
// that. Past either the client is too slow (held reports are bounded by the
// input log's capacity, so a client that reads is never cut for them).
// Execution reports are "gated": they may leave only once the commands that
// caused them are durable (`releaseTo`). Other messages (login answers,
// heartbeats, gateway rejects) are released at once unless gated bytes are
// queued ahead of them: a session's messages always leave in order.
// A frame never spans two chunks, so a chunk's bytes are whole frames.

import { framePrefixBytes } from "../protocol/index.ts";

export class ChunkPool {
  readonly chunkBytes: number;
  /** Free chunks kept for reuse; more are left to the garbage collector. */
  readonly keepMax: number;
  private readonly free: Chunk[] = [];

  constructor(chunkBytes: number, keepMax: number) {
    this.chunkBytes = chunkBytes;
    this.keepMax = keepMax;
  }

  take(): Chunk {
    return this.free.pop() ?? new Chunk(this.chunkBytes);
  }

  give(chunk: Chunk): void {
    if (this.free.length < this.keepMax) this.free.push(chunk);
  }

  get freeCount(): number {
    return this.free.length;
  }
}

export class Chunk {
  readonly bytes: Uint8Array;
  /** Absolute position of bytes[0]. */
  startPos = 0;
  /** Bytes written. */
  fill = 0;
  /** Index (since the session began) of the first frame here. */
  firstFrame = 0;
  frames = 0;

  constructor(bytes: number) {
    this.bytes = new Uint8Array(bytes);
  }
}

export interface Reserved {
  bytes: Uint8Array;
  at: number;
}

export class Outbound {
  readonly bytesMax: number;
  appended = 0;
  released = 0;
  sent = 0;
  /** End of the last gated frame. */
  gatedEnd = 0;
  /** Frames committed since the session began. */
  framesAppended = 0;
  private readonly pool: ChunkPool;
  /** Oldest first; the head holds unsent bytes unless it is the only chunk. */
  private readonly chunks: Chunk[] = [];
  private readonly reserved: Reserved = { bytes: new Uint8Array(0), at: 0 };

  constructor(pool: ChunkPool, bytesMax: number) {
    if (!(bytesMax >= pool.chunkBytes))
      throw new Error(`outbound bound ${bytesMax} below one chunk (${pool.chunkBytes} bytes)`);
    this.pool = pool;
    this.bytesMax = bytesMax;
  }

  /** Bytes queued and not yet sent (held or sendable). */
  get queued(): number {
    return this.appended - this.sent;
  }

  /** Chunks held now (each `pool.chunkBytes`). */
  get chunksCount(): number {
    return this.chunks.length;
  }

  /**
   * Room for one frame of `n` bytes: the buffer and the index to write at, or
   * null when the client is too slow (see the bounds above).
   */
  reserve(n: number): Reserved | null {
    if (!(n > 0 && n <= this.pool.chunkBytes))
      throw new Error(`frame of ${n} bytes does not fit a ${this.pool.chunkBytes}-byte chunk`);
    if (this.released - this.sent + n > this.bytesMax || this.queued + n > 2 * this.bytesMax) return null;
    let tail = this.chunks.at(-1);
    if (tail === undefined || tail.fill + n > tail.bytes.length) {
      tail = this.pool.take();
      tail.startPos = this.appended;
      tail.fill = 0;
      tail.firstFrame = this.framesAppended;
      tail.frames = 0;
      this.chunks.push(tail);
    }
    this.reserved.bytes = tail.bytes;
    this.reserved.at = tail.fill;
    return this.reserved;
  }

  /** Records the frame of `n` bytes written at the reserved index. */
  commit(n: number, gated: boolean): void {
    const tail = this.chunks.at(-1)!;
    if (!(tail.fill + n <= tail.bytes.length)) throw new Error("commit past the reserved chunk");
    tail.fill += n;
    tail.frames++;
    this.framesAppended++;
    const wasAllReleased = this.released === this.appended;
    this.appended += n;
    if (gated) this.gatedEnd = this.appended;
    else if (wasAllReleased) this.released = this.appended;
  }

  /** Releases gated bytes up to `mark` (an earlier `appended`); later ungated ones go too if nothing gated is left. */
  releaseTo(mark: number): void {
    if (mark >= this.gatedEnd) this.released = this.appended;
    else if (mark > this.released) this.released = mark;
  }

  /** Bytes that may be sent now (possibly over several chunks). */
  get sendableBytes(): number {
    return this.released - this.sent;
  }

  /** The head chunk's bytes; with `headStart` and `headBytes` the run to send next (within one chunk). */
  get headBuffer(): Uint8Array {
    return this.chunks[0]!.bytes;
  }

  get headStart(): number {
    return this.sent - this.chunks[0]!.startPos;
  }

  get headBytes(): number {
    const head = this.chunks[0];
    if (head === undefined) return 0;
    return Math.min(this.released, head.startPos + head.fill) - this.sent;
  }

  /** Records `n` bytes taken by the socket; chunks fully sent go back to the pool. */
  consume(n: number): void {
    if (!(n >= 0 && this.sent + n <= this.released)) throw new Error(`consume ${n} past the released bytes`);
    this.sent += n;
    const chunks = this.chunks;
    while (chunks.length > 0) {
      const head = chunks[0]!;
      // A head with a chunk after it is complete; the last chunk goes back only once all of it is sent.
      const done = chunks.length > 1 ? this.sent >= head.startPos + head.fill : this.sent === this.appended;
      if (!done) break;
      chunks.shift();
      this.pool.give(head);
    }
  }

  /**
   * Drops every frame not yet begun on the wire, keeping the rest of the frame
   * the socket took in part (a client must never see half a frame). Returns
   * the frames kept since the session began: the next frame's seq is that + 1.
   */
  dropUnsent(): number {
    return this.truncate(this.sent);
  }

  /** Drops every frame not yet released (held for durability); returns the frames kept, as `dropUnsent`. */
  dropUnreleased(): number {
    return this.truncate(this.released);
  }

  /** Keeps the frames that begin before `pos`, drops the rest; returns the frames kept since the session began. */
  private truncate(pos: number): number {
    const chunks = this.chunks;
    if (chunks.length === 0) return this.framesAppended;
    let at = 0;
    while (at + 1 < chunks.length && chunks[at + 1]!.startPos < pos) at++;
    const c = chunks[at]!;
    let local = 0;
    let frame = c.firstFrame;
    while (c.startPos + local < pos) {
      local += framePrefixBytes + readU32(c.bytes, local);
      frame++;
    }
    for (let k = chunks.length - 1; k > at; k--) this.pool.give(chunks[k]!);
    chunks.length = at + 1;
    c.fill = local;
    c.frames = frame - c.firstFrame;
    this.appended = c.startPos + local;
    this.released = this.appended;
    this.gatedEnd = Math.min(this.gatedEnd, this.appended);
    this.framesAppended = frame;
    this.consume(0);
    return frame;
  }

  /** Gives every chunk back (the session is gone). */
  discard(): void {
    for (const c of this.chunks) this.pool.give(c);
    this.chunks.length = 0;
    this.sent = this.released = this.appended;
  }

  /** The bytes that may be sent now, copied (tests only). */
  sendable(): Uint8Array {
    const out = new Uint8Array(this.sendableBytes);
    let at = 0;
    for (const c of this.chunks) {
      const from = Math.max(this.sent, c.startPos);
      const to = Math.min(this.released, c.startPos + c.fill);
      if (to > from) out.set(c.bytes.subarray(from - c.startPos, to - c.startPos), at);
      at += Math.max(0, to - from);
    }
    return out;
  }
}

function readU32(b: Uint8Array, p: number): number {
  return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
}
