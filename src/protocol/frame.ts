// Framing: every frame is a 4-byte little-endian payload length, then the
// payload (one FlatBuffer). `FrameSplitter` cuts a TCP byte stream into frames.
//
// A frame that lies whole inside the chunk just received is handed out in
// place (no copy); only a frame cut by a chunk boundary is copied, into one
// buffer of `frameBytesMax` bytes allocated at construction. Usage:
//
//   splitter.push(chunk);
//   for (let s = splitter.next(); s !== FrameStatus.NeedMore; s = splitter.next()) {
//     if (s === FrameStatus.Error) { close(logoutReasonOf(splitter.error)); break; }
//     decode(splitter.bytes, splitter.start, splitter.end);
//   }
//
// The caller consumes every frame of a chunk before pushing the next one, and
// a frame's bytes are valid only until the next call to `next` or `push`.

import { framePrefixBytes, ProtocolError } from "./constants.ts";

export const FrameStatus = {
  /** The chunk is used up; push the next one. */
  NeedMore: 0,
  /** `bytes[start, end)` holds one payload. */
  Frame: 1,
  /** A length prefix was 0 or too large; `error` says which. The stream cannot be resynchronised. */
  Error: 2,
} as const;
export type FrameStatus = (typeof FrameStatus)[keyof typeof FrameStatus];

const empty = new Uint8Array(0);

export class FrameSplitter {
  /** Largest frame accepted, prefix included. */
  readonly frameBytesMax: number;
  /** Holds a frame that spans chunks while its bytes arrive. */
  private readonly partial: Uint8Array;
  private partialBytes = 0;
  /** Payload length of the frame in `partial`, or -1 while its prefix is incomplete. */
  private partialPayloadBytes = -1;
  private chunk: Uint8Array = empty;
  private chunkIndex = 0;

  /** The current frame's payload is `bytes[start, end)`. */
  bytes: Uint8Array = empty;
  start = 0;
  end = 0;
  /** A ProtocolError code once `next` returned Error; it stays until `reset`. */
  error: number = ProtocolError.Ok;
  /** The offending length prefix when `error` is set. */
  errorLength = 0;

  constructor(frameBytesMax: number) {
    if (!(Number.isInteger(frameBytesMax) && frameBytesMax > framePrefixBytes && frameBytesMax <= 0x7fffffff)) {
      throw new Error(`frameBytesMax ${frameBytesMax} must be an integer in (${framePrefixBytes}, 2^31)`);
    }
    this.frameBytesMax = frameBytesMax;
    this.partial = new Uint8Array(frameBytesMax);
  }

  /** Hands the splitter the next chunk of the stream. The previous chunk must be used up. */
  push(chunk: Uint8Array): void {
    if (this.chunkIndex !== this.chunk.length && this.error === ProtocolError.Ok) {
      throw new Error("FrameSplitter.push before the previous chunk was used up");
    }
    this.chunk = chunk;
    this.chunkIndex = 0;
  }

  /** Bytes held for a frame that is not complete yet. */
  get pendingBytes(): number {
    return this.partialBytes;
  }

  /** Forgets all state (a new connection). */
  reset(): void {
    this.partialBytes = 0;
    this.partialPayloadBytes = -1;
    this.chunk = empty;
    this.chunkIndex = 0;
    this.bytes = empty;
    this.start = 0;
    this.end = 0;
    this.error = ProtocolError.Ok;
    this.errorLength = 0;
  }

  next(): FrameStatus {
    if (this.error !== ProtocolError.Ok) return FrameStatus.Error;
    if (this.partialBytes > 0) return this.nextPartial();
    const chunk = this.chunk;
    const index = this.chunkIndex;
    const available = chunk.length - index;
    if (available === 0) return FrameStatus.NeedMore;
    if (available < framePrefixBytes) return this.keep(available);
    const payloadBytes = readLength(chunk, index);
    if (!this.lengthValid(payloadBytes)) return FrameStatus.Error;
    const frameBytes = framePrefixBytes + payloadBytes;
    if (available < frameBytes) {
      this.partialPayloadBytes = payloadBytes;
      return this.keep(available);
    }
    this.chunkIndex = index + frameBytes;
    this.bytes = chunk;
    this.start = index + framePrefixBytes;
    this.end = index + frameBytes;
    return FrameStatus.Frame;
  }

  /** Copies the rest of the chunk (`count` bytes) into `partial`: a frame's head. */
  private keep(count: number): FrameStatus {
    this.copyToPartial(count);
    return FrameStatus.NeedMore;
  }

  /** Continues a frame that began in an earlier chunk. */
  private nextPartial(): FrameStatus {
    if (this.partialPayloadBytes < 0) {
      this.copyToPartial(Math.min(framePrefixBytes - this.partialBytes, this.chunk.length - this.chunkIndex));
      if (this.partialBytes < framePrefixBytes) return FrameStatus.NeedMore;
      const payloadBytes = readLength(this.partial, 0);
      if (!this.lengthValid(payloadBytes)) return FrameStatus.Error;
      this.partialPayloadBytes = payloadBytes;
    }
    const frameBytes = framePrefixBytes + this.partialPayloadBytes;
    this.copyToPartial(Math.min(frameBytes - this.partialBytes, this.chunk.length - this.chunkIndex));
    if (this.partialBytes < frameBytes) return FrameStatus.NeedMore;
    this.partialBytes = 0;
    this.partialPayloadBytes = -1;
    this.bytes = this.partial;
    this.start = framePrefixBytes;
    this.end = frameBytes;
    return FrameStatus.Frame;
  }

  private copyToPartial(count: number): void {
    if (count === 0) return;
    const from = this.chunkIndex;
    // A frame never exceeds frameBytesMax, so neither does its head.
    if (!(this.partialBytes + count <= this.frameBytesMax)) throw new Error("FrameSplitter partial overflow");
    this.partial.set(this.chunk.subarray(from, from + count), this.partialBytes);
    this.partialBytes += count;
    this.chunkIndex = from + count;
  }

  private lengthValid(payloadBytes: number): boolean {
    if (payloadBytes === 0) {
      this.error = ProtocolError.FrameZeroLength;
    } else if (payloadBytes > this.frameBytesMax - framePrefixBytes) {
      this.error = ProtocolError.FrameTooLong;
    } else {
      return true;
    }
    this.errorLength = payloadBytes;
    return false;
  }
}

function readLength(bytes: Uint8Array, index: number): number {
  return (bytes[index]! | (bytes[index + 1]! << 8) | (bytes[index + 2]! << 16) | (bytes[index + 3]! << 24)) >>> 0;
}

/** Writes a frame's length prefix for `payloadBytes` at `bytes[index]`. */
export function writeLength(bytes: Uint8Array, index: number, payloadBytes: number): void {
  bytes[index] = payloadBytes & 0xff;
  bytes[index + 1] = (payloadBytes >>> 8) & 0xff;
  bytes[index + 2] = (payloadBytes >>> 16) & 0xff;
  bytes[index + 3] = (payloadBytes >>> 24) & 0xff;
}
