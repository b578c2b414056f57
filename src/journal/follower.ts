// Follows a journal that another writer is still appending to: reads records
// front to back through one reused chunk buffer and, at the end of what is
// written so far, simply waits to be called again. Used by readers that
// rebuild state from the log while the exchange runs (the market-data
// replica): they read only up to a seq they were told is durable, so a record
// cut short at the end is a write still in progress, never damage.
//
// Damage below the limit (a bad length or CRC in a record the writer reported
// durable) throws: skipping it would silently drop acknowledged commands.

import { closeSync, openSync, readSync } from "node:fs";
import { crc32 } from "./bytes.ts";
import {
  headerBytes,
  readChunkBytes,
  recordBytesMax,
  recordHeaderBytes,
  recordPayloadBytesMax,
  recordPayloadBytesMin,
} from "./constants.ts";
import { decodeHeader, hex, JournalError, JournalErrorCode, type JournalHeader } from "./format.ts";

const incomplete = "incomplete";

export type OnFollowedRecord = (seq: number, bytes: Uint8Array, offset: number, length: number) => void;

export class JournalFollower {
  readonly header: JournalHeader;
  /** Seq the next record will have. */
  nextSeq: number;
  /** File offset just past the last record handed out. */
  goodBytes = headerBytes;
  private fd: number;
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Buffer holds file bytes [bufferAt, bufferAt + bufferEnd); the next record starts at buffer index `position`. */
  private bufferAt = headerBytes;
  private bufferEnd = 0;
  private position = 0;

  private constructor(
    readonly path: string,
    fd: number,
    chunkBytes: number,
  ) {
    this.fd = fd;
    this.bytes = new Uint8Array(chunkBytes);
    this.view = new DataView(this.bytes.buffer);
    const head = new Uint8Array(headerBytes);
    const n = readSync(fd, head, 0, headerBytes, 0);
    this.header = decodeHeader(head.subarray(0, n), path);
    this.nextSeq = this.header.firstSeq;
  }

  /** Opens a journal for following; throws JournalError when its header is bad. */
  static open(path: string, chunkBytes = readChunkBytes): JournalFollower {
    if (!(Number.isInteger(chunkBytes) && chunkBytes >= 2 * recordBytesMax)) {
      throw new Error(
        `journal follower: chunk of ${chunkBytes} bytes is below two largest records (${2 * recordBytesMax})`,
      );
    }
    const fd = openSync(path, "r");
    try {
      return new JournalFollower(path, fd, chunkBytes);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Hands every record with seq <= `seqLimit` that is written, in order, up to
   * `recordsMax` of them; returns how many. Stops early at the end of what the
   * file holds (call again later). The bytes are valid only during the call.
   */
  read(seqLimit: number, recordsMax: number, onRecord: OnFollowedRecord): number {
    if (this.fd < 0) throw new Error(`journal follower ${this.path}: read after close`);
    let handed = 0;
    while (handed < recordsMax && this.nextSeq <= seqLimit) {
      let problem = this.check();
      if (problem !== null && problem !== incomplete) {
        // Bytes read past the limit earlier may be a write that was still in progress: read them again.
        this.bufferEnd = this.position;
        problem = this.check();
      }
      if (problem === incomplete) break;
      if (problem !== null) this.damaged(problem);
      const length = this.view.getUint32(this.position, true);
      const offset = this.position + recordHeaderBytes;
      const seq = this.nextSeq;
      this.position = offset + length;
      this.goodBytes = this.bufferAt + this.position;
      this.nextSeq = seq + 1;
      handed++;
      onRecord(seq, this.bytes, offset, length);
    }
    return handed;
  }

  /** Why the record at `position` is unusable, `incomplete` when the file does not hold all of it yet, or null. */
  private check(): string | null {
    if (!this.have(recordHeaderBytes)) return incomplete;
    const length = this.view.getUint32(this.position, true);
    if (length < recordPayloadBytesMin || length > recordPayloadBytesMax)
      return `length field ${length} outside [${recordPayloadBytesMin}, ${recordPayloadBytesMax}]`;
    if (!this.have(recordHeaderBytes + length)) return incomplete;
    const stored = this.view.getUint32(this.position + 4, true);
    const actual = crc32(this.bytes, this.position + recordHeaderBytes, length);
    return stored === actual ? null : `CRC ${hex(stored)} does not match the payload (${hex(actual)})`;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Whether `count` bytes from `position` are in the buffer, reading more of the file if needed. */
  private have(count: number): boolean {
    if (this.bufferEnd - this.position >= count) return true;
    // Move the unread rest to the front, then fill the buffer from the file.
    this.bytes.copyWithin(0, this.position, this.bufferEnd);
    this.bufferAt += this.position;
    this.bufferEnd -= this.position;
    this.position = 0;
    while (this.bufferEnd < this.bytes.length) {
      const n = readSync(
        this.fd,
        this.bytes,
        this.bufferEnd,
        this.bytes.length - this.bufferEnd,
        this.bufferAt + this.bufferEnd,
      );
      if (n === 0) break;
      this.bufferEnd += n;
    }
    return this.bufferEnd >= count;
  }

  private damaged(reason: string): never {
    const at = this.bufferAt + this.position;
    throw new JournalError(
      JournalErrorCode.Corrupt,
      this.path,
      at,
      `record at byte ${at} (seq ${this.nextSeq}) is damaged: ${reason}; it was reported durable`,
    );
  }
}
