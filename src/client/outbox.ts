// The client's outgoing byte queue: frames are appended as they are encoded
// and written to the socket in one `write` per flush. Bun's `socket.write` is
// unbuffered: it returns the bytes the kernel took, and the rest stays here
// until the socket's `drain` callback asks for another flush. The queue is
// one buffer allocated at construction; when it is full, `append` says so and
// the caller reports BufferFull instead of growing memory without bound.

/** What the outbox needs of a socket: Bun's `write(data, byteOffset, byteLength)`. */
export interface ByteSink {
  write(data: Uint8Array, byteOffset: number, byteLength: number): number;
}

export class Outbox {
  readonly bytes: Uint8Array;
  /** Pending bytes are `bytes[start, end)`. */
  private start = 0;
  private end = 0;

  constructor(capacityBytes: number) {
    if (!(Number.isInteger(capacityBytes) && capacityBytes > 0))
      throw new Error(`outbox capacity ${capacityBytes} must be a positive integer`);
    this.bytes = new Uint8Array(capacityBytes);
  }

  get pendingBytes(): number {
    return this.end - this.start;
  }

  /** Appends `src[from, to)`; false (and nothing appended) when it does not fit. */
  append(src: Uint8Array, from: number, to: number): boolean {
    const at = this.reserve(to - from);
    if (at < 0) return false;
    this.bytes.set(src.subarray(from, to), at);
    this.commit(to - from);
    return true;
  }

  /**
   * Room for `count` more bytes: the index in `bytes` to write them at, or -1
   * when they do not fit. Nothing is pending until `commit`; a writer fills
   * the room in place (no copy) and commits what it wrote.
   */
  reserve(count: number): number {
    if (!(count >= 0)) throw new Error(`outbox reserve of ${count} bytes`);
    if (this.end + count > this.bytes.length) {
      if (this.pendingBytes + count > this.bytes.length) return -1;
      this.compact();
    }
    return this.end;
  }

  /** Makes the `count` bytes written at the index `reserve` gave pending. */
  commit(count: number): void {
    if (!(count >= 0 && this.end + count <= this.bytes.length))
      throw new Error(`outbox commit of ${count} bytes at ${this.end} of ${this.bytes.length}`);
    this.end += count;
  }

  /**
   * Writes what is pending (at most `bytesMax`) in one call. Returns the bytes
   * still pending (wait for `drain`), or -1 when the socket is closed.
   */
  flushTo(sink: ByteSink, bytesMax = Infinity): number {
    const pending = Math.min(this.pendingBytes, bytesMax);
    if (pending === 0) return this.pendingBytes;
    const written = sink.write(this.bytes, this.start, pending);
    if (written < 0) return -1;
    if (!(written <= pending)) throw new Error(`socket wrote ${written} of ${pending} bytes`);
    this.start += written;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
    }
    return this.end - this.start;
  }

  /** Drops everything pending (a lost connection: its bytes belong to the old session). */
  reset(): void {
    this.start = 0;
    this.end = 0;
  }

  private compact(): void {
    this.bytes.copyWithin(0, this.start, this.end);
    this.end -= this.start;
    this.start = 0;
  }
}
