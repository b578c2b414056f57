// Reads a journal front to back through one reused chunk buffer: a cursor, no
// allocation per record. Each record's length bound and CRC are checked; its
// seq is the header's first seq plus its index, which the writer guaranteed by
// refusing any append out of order. At the first damaged record the reader
// looks for any valid record after it: none means a torn tail (reported in
// `end.tail`, never thrown); one means damage in the middle of the log, which
// may hold acknowledged commands, so it throws.

import { closeSync, fstatSync, openSync, readSync } from "node:fs";
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

/** Reads the engine seq a payload carries (for InputRecords: `inputRecordSeq`); -1 when it cannot. */
export type PayloadSeq = (bytes: Uint8Array, offset: number, length: number) => number;

export interface JournalReaderOptions {
  /** Bytes read at once (default 1 MiB); at least two largest records. */
  chunkBytes?: number;
  /** When given, every record's own seq must equal the seq its position gives, or the read throws `seq_mismatch`. */
  payloadSeq?: PayloadSeq;
}

/** The damaged end of a file: a record cut short by a crash, or never fully written. */
export interface JournalTail {
  /** File offset of the first damaged record; the file's good part ends here. */
  atByte: number;
  /** Bytes from `atByte` to the end of the file. */
  bytes: number;
  /** What was wrong with the record at `atByte`. */
  reason: string;
}

/** How a read ended. */
export interface JournalEnd {
  records: number;
  /** Seq of the last good record; the header's first seq less 1 when there is none. */
  lastSeq: number;
  /** File offset just past the last good record: where appending resumes. */
  goodBytes: number;
  /** File size when the reader opened it. */
  fileBytes: number;
  tail: JournalTail | null;
}

export class JournalReader {
  readonly header: JournalHeader;
  /**
   * The current record, valid until the next call of `next()`: its seq, and its payload
   * `bytes[offset, offset + length)`.
   */
  seq = 0;
  bytes: Uint8Array;
  offset = 0;
  length = 0;
  /** File offset of the current record's length field. */
  atByte = 0;
  /** Set once `next()` has returned false. */
  end: JournalEnd | null = null;

  private readonly view: DataView;
  /** File offset of `bytes[0]`, bytes valid in the buffer, buffer index of the next record. */
  private bufferAt = 0;
  private bufferEnd = 0;
  private position = 0;
  private nextSeq: number;
  private records = 0;
  private fd: number;
  private readonly fileBytes: number;
  private readonly payloadSeq: PayloadSeq | null;

  private constructor(
    readonly path: string,
    fd: number,
    options: JournalReaderOptions,
  ) {
    this.fd = fd;
    const chunkBytes = options.chunkBytes ?? readChunkBytes;
    if (!(Number.isInteger(chunkBytes) && chunkBytes >= 2 * recordBytesMax && chunkBytes >= headerBytes)) {
      throw new Error(
        `journal reader: chunk of ${chunkBytes} bytes is below two largest records (${2 * recordBytesMax})`,
      );
    }
    this.payloadSeq = options.payloadSeq ?? null;
    this.fileBytes = fstatSync(fd).size;
    this.bytes = new Uint8Array(chunkBytes);
    this.view = new DataView(this.bytes.buffer);
    this.bufferEnd = this.readAt(0, 0, Math.min(chunkBytes, this.fileBytes));
    this.header = decodeHeader(this.bytes.subarray(0, Math.min(this.bufferEnd, headerBytes)), path);
    this.position = headerBytes;
    this.nextSeq = this.header.firstSeq;
  }

  /** Opens a journal and checks its header; throws JournalError when the header is bad. */
  static open(path: string, options: JournalReaderOptions = {}): JournalReader {
    const fd = openSync(path, "r");
    try {
      return new JournalReader(path, fd, options);
    } catch (e) {
      closeSync(fd);
      throw e;
    }
  }

  /**
   * Moves to the next record; false at the end (see `end`). Throws JournalError on damage in the middle of the file.
   */
  next(): boolean {
    if (this.end !== null) return false;
    const at = this.bufferAt + this.position;
    const left = this.fileBytes - at;
    if (left === 0) return this.finish(at, null);
    if (left < recordHeaderBytes) return this.damaged(at, `${left} bytes left, fewer than a record header`);
    this.ensure(recordHeaderBytes);
    const length = this.view.getUint32(this.position, true);
    if (length < recordPayloadBytesMin || length > recordPayloadBytesMax) {
      return this.damaged(at, `length field ${length} outside [${recordPayloadBytesMin}, ${recordPayloadBytesMax}]`);
    }
    if (recordHeaderBytes + length > left) {
      return this.damaged(at, `record of ${recordHeaderBytes + length} bytes, only ${left} left in the file`);
    }
    this.ensure(recordHeaderBytes + length);
    const stored = this.view.getUint32(this.position + 4, true);
    const actual = crc32(this.bytes, this.position + recordHeaderBytes, length);
    if (stored !== actual) return this.damaged(at, `CRC ${hex(stored)} does not match the payload (${hex(actual)})`);
    const seq = this.nextSeq;
    const offset = this.position + recordHeaderBytes;
    if (this.payloadSeq !== null) {
      const own = this.payloadSeq(this.bytes, offset, length);
      if (own !== seq)
        throw new JournalError(
          JournalErrorCode.SeqMismatch,
          this.path,
          at,
          `record at byte ${at} carries seq ${own}, its position gives ${seq}`,
        );
    }
    this.seq = seq;
    this.offset = offset;
    this.length = length;
    this.atByte = at;
    this.position = offset + length;
    this.nextSeq = seq + 1;
    this.records++;
    return true;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /**
   * Makes `bytes[position, position + count)` valid, moving the unread rest to the front first. The caller
   * checked the file holds them.
   */
  private ensure(count: number): void {
    if (this.bufferEnd - this.position >= count) return;
    this.bytes.copyWithin(0, this.position, this.bufferEnd);
    this.bufferAt += this.position;
    this.bufferEnd -= this.position;
    this.position = 0;
    const want = Math.min(this.bytes.length, this.fileBytes - this.bufferAt);
    this.bufferEnd += this.readAt(this.bufferEnd, this.bufferAt + this.bufferEnd, want - this.bufferEnd);
    if (this.bufferEnd < count)
      throw new Error(`journal ${this.path}: file shrank while being read (wanted ${count} bytes at ${this.bufferAt})`);
  }

  /**
   * Reads `count` bytes at file offset `fileAt` into `bytes[index, ...)`; returns how many it got
   * (fewer only at end of file).
   */
  private readAt(index: number, fileAt: number, count: number): number {
    let done = 0;
    while (done < count) {
      const n = readSync(this.fd, this.bytes, index + done, count - done, fileAt + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  }

  private finish(goodBytes: number, tail: JournalTail | null): false {
    this.end = { records: this.records, lastSeq: this.nextSeq - 1, goodBytes, fileBytes: this.fileBytes, tail };
    this.seq = 0;
    this.length = 0;
    return false;
  }

  private damaged(at: number, reason: string): false {
    const follower = this.findValidRecord(at + 1);
    if (follower >= 0) {
      throw new JournalError(
        JournalErrorCode.Corrupt,
        this.path,
        at,
        `record at byte ${at} (seq ${this.nextSeq}) is damaged: ${reason}; ` +
          `a valid record follows at byte ${follower}, ` +
          `so this is not a torn tail: refusing to skip records that may have been acknowledged`,
      );
    }
    return this.finish(at, { atByte: at, bytes: this.fileBytes - at, reason });
  }

  /**
   * File offset of the first position at or after `from` where a whole valid
   * record starts (length in bounds, inside the file, CRC matching), or -1.
   * Tests every byte offset, since a damaged length field hides where the next
   * record starts. Reads in windows that overlap by a largest record.
   */
  private findValidRecord(from: number): number {
    const smallest = recordHeaderBytes + recordPayloadBytesMin;
    let windowAt = from;
    while (windowAt + smallest <= this.fileBytes) {
      const count = this.readAt(0, windowAt, Math.min(this.bytes.length, this.fileBytes - windowAt));
      const windowEnd = windowAt + count;
      const last = windowEnd === this.fileBytes ? windowEnd - smallest : windowEnd - recordBytesMax;
      const found = this.scanWindow(windowAt, last);
      if (found >= 0) return found;
      windowAt = last + 1;
    }
    return -1;
  }

  /** Candidates `windowAt..last` (file offsets) of the window now in `bytes[0, ...)`. */
  private scanWindow(windowAt: number, last: number): number {
    for (let p = windowAt; p <= last; p++) {
      const i = p - windowAt;
      const length = this.view.getUint32(i, true);
      if (length < recordPayloadBytesMin || length > recordPayloadBytesMax) continue;
      if (p + recordHeaderBytes + length > this.fileBytes) continue;
      if (crc32(this.bytes, i + recordHeaderBytes, length) === this.view.getUint32(i + 4, true)) return p;
    }
    return -1;
  }
}

/** Reads a whole journal, handing each record to `onRecord` (its bytes valid only during the call). */
export function readJournal(
  path: string,
  onRecord: (seq: number, bytes: Uint8Array, offset: number, length: number) => void,
  options: JournalReaderOptions = {},
): JournalEnd & { header: JournalHeader } {
  const reader = JournalReader.open(path, options);
  try {
    while (reader.next()) onRecord(reader.seq, reader.bytes, reader.offset, reader.length);
    return { header: reader.header, ...reader.end! };
  } finally {
    reader.close();
  }
}
