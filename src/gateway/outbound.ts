// Bytes queued for one client. Positions are absolute byte counts since the
// session began, so a mark taken now stays valid after the buffer compacts.
//   sent <= released <= appended
// Execution reports are "gated": they may leave only once the commands that
// caused them are durable (`releaseTo`). Other messages (login answers,
// heartbeats, gateway rejects) are released at once unless gated bytes are
// queued ahead of them: a session's messages always leave in order.

const INITIAL_BYTES = 64 * 1024;

export class Outbound {
  private buf = new Uint8Array(INITIAL_BYTES);
  /** Absolute position of buf[0]. */
  private base = 0;
  appended = 0;
  released = 0;
  sent = 0;
  /** End of the last gated frame. */
  gatedEnd = 0;
  readonly bytesMax: number;

  constructor(bytesMax: number) {
    this.bytesMax = bytesMax;
  }

  /** Bytes queued and not yet sent (held or sendable). */
  get queued(): number {
    return this.appended - this.sent;
  }

  /**
   * Room for `n` more bytes: returns the buffer and the index to write at, or
   * null when the queue would pass `bytesMax` (the client is too slow).
   */
  reserve(n: number): { bytes: Uint8Array; at: number } | null {
    const used = this.appended - this.sent;
    if (used + n > this.bytesMax) return null;
    let at = this.appended - this.base;
    if (at + n > this.buf.length) {
      const start = this.sent - this.base;
      if (used + n <= this.buf.length / 2) {
        this.buf.copyWithin(0, start, at);
      } else {
        let size = this.buf.length;
        while (size < (used + n) * 2) size *= 2;
        const next = new Uint8Array(Math.min(size, Math.max(this.bytesMax, INITIAL_BYTES)));
        next.set(this.buf.subarray(start, at));
        this.buf = next;
      }
      this.base = this.sent;
      at = used;
    }
    this.reserved.bytes = this.buf;
    this.reserved.at = at;
    return this.reserved;
  }
  private readonly reserved = { bytes: this.buf, at: 0 };

  /** Records `n` bytes written at the reserved index. */
  commit(n: number, gated: boolean): void {
    const wasAllReleased = this.released === this.appended;
    this.appended += n;
    if (gated) this.gatedEnd = this.appended;
    else if (wasAllReleased) this.released = this.appended;
  }

  /** Releases gated bytes up to `mark` (an earlier `appended`); trailing ungated bytes follow if nothing gated is left. */
  releaseTo(mark: number): void {
    if (mark >= this.gatedEnd) this.released = this.appended;
    else if (mark > this.released) this.released = mark;
  }

  /** The bytes that may be sent now are `buffer[sendableStart, sendableStart + sendableBytes)`. */
  get buffer(): Uint8Array {
    return this.buf;
  }

  get sendableStart(): number {
    return this.sent - this.base;
  }

  get sendableBytes(): number {
    return this.released - this.sent;
  }

  /** The bytes that may be sent now, as a view (tests; the gateway uses the offsets, which allocate nothing). */
  sendable(): Uint8Array {
    return this.buf.subarray(this.sent - this.base, this.released - this.base);
  }

  consume(n: number): void {
    this.sent += n;
    if (this.sent === this.appended) {
      // Empty: start again at the front so the buffer never needs compacting.
      this.base = this.sent;
    }
  }
}
