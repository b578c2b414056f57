// Batches that do not fit the writer's memory bound wait here, on disk, in
// order, until QuestDB takes them. One file per table, appended by one writer.
//
// Format (little-endian):
//   header, 32 bytes
//      0  magic "EXQDBSPL"                      8
//      8  format version (1)                    u32
//     12  state                                 u32  0 open, 1 complete
//     16  table name, ASCII, zero-padded        16
//   records, from byte 32
//      [u32 payload bytes][u32 rows][u32 CRC-32 of the payload][payload: ILP lines]
//
// State `open` means a live writer appends: if its process dies, QuestDB may
// lack rows older than the file's (they were in memory), so the file alone is
// not a consistent continuation. On open such a file is renamed aside (kept
// for inspection) and the caller resumes from QuestDB and the journal instead.
// State `complete` is written by a graceful close, which puts the unsent
// in-memory batches first: the file then continues exactly where QuestDB left
// off and the next writer replays it before anything new.
//
// Appends are synchronous positional writes (one per batch, only while
// spilling): a page-cache write, the same cost the journal's `write` policy
// pays per batch. No fsync: the spill outlives a QuestDB outage, not a power
// loss; the journal covers that.

import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  openSync,
  read as readCallback,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import { batchBytesLimit, lineBytesMax } from "./constants.ts";
import { IlpBuffer } from "./ilp-buffer.ts";

const magic = "EXQDBSPL";
const formatVersion = 1;
export const spillHeaderBytes = 32;
const recordHeaderBytes = 12;
const tableNameBytesMax = 16;
const StateOpen = 0;
const StateComplete = 1;

export interface SpillOpenResult {
  spill: SpillFile;
  /** Rows found in a complete file, to be replayed first. */
  replayRows: number;
  /** Path a crashed writer's file was moved to, or null. */
  staleMovedTo: string | null;
}

export class SpillFile {
  private fd: number;
  private readOffset = spillHeaderBytes;
  private writeOffset = spillHeaderBytes;
  /** End of the record loaded by `readNext`, consumed by `consume`. */
  private loadedEnd = -1;
  private loadedRows = 0;
  pendingRows = 0;
  pendingRecords = 0;
  private readonly header = new Uint8Array(recordHeaderBytes);
  private readonly headerView = new DataView(this.header.buffer);

  private constructor(
    readonly path: string,
    private readonly table: string,
  ) {
    this.fd = -1;
  }

  /** Opens the table's spill file: replays a complete one, moves a crashed writer's aside, starts empty otherwise. */
  static open(path: string, table: string, nowMs: number): SpillOpenResult {
    if (table.length > tableNameBytesMax || !/^[a-z_]+$/.test(table))
      throw new Error(`spill: table name ${table} must be 1..16 of [a-z_]`);
    const spill = new SpillFile(path, table);
    let staleMovedTo: string | null = null;
    if (existsSync(path)) {
      const fd = openSync(path, "r+");
      const state = readHeaderState(fd, table);
      if (state === StateComplete) {
        spill.fd = fd;
        spill.scanRecords();
        spill.writeHeader(StateOpen);
        return { spill, replayRows: spill.pendingRows, staleMovedTo: null };
      }
      closeSync(fd);
      staleMovedTo = `${path}.stale-${nowMs}`;
      renameSync(path, staleMovedTo);
    }
    spill.fd = openSync(path, "w+");
    spill.writeHeader(StateOpen);
    return { spill, replayRows: 0, staleMovedTo };
  }

  get pendingBytes(): number {
    return this.writeOffset - this.readOffset;
  }

  /** Appends one batch as a record (synchronously, at the end). */
  append(batch: IlpBuffer): void {
    this.headerView.setUint32(0, batch.position, true);
    this.headerView.setUint32(4, batch.rows, true);
    this.headerView.setUint32(8, Bun.hash.crc32(batch.bytes.subarray(0, batch.position)), true);
    writeAll(this.fd, this.header, recordHeaderBytes, this.writeOffset);
    writeAll(this.fd, batch.bytes, batch.position, this.writeOffset + recordHeaderBytes);
    this.writeOffset += recordHeaderBytes + batch.position;
    this.pendingRows += batch.rows;
    this.pendingRecords++;
  }

  /**
   * Loads the oldest pending record into `buffer`, or into a new, larger one
   * when it does not fit (a file from a writer with bigger batches); returns
   * the buffer used. Throws if the file is damaged.
   */
  async readNext(buffer: IlpBuffer): Promise<IlpBuffer> {
    if (this.pendingRecords === 0) throw new Error("spill: nothing to read");
    const head = await read(this.fd, this.header, 0, recordHeaderBytes, this.readOffset);
    if (head.bytesRead !== recordHeaderBytes)
      throw new Error(`spill ${this.path}: short record header at ${this.readOffset}`);
    const bytes = this.headerView.getUint32(0, true);
    const rows = this.headerView.getUint32(4, true);
    const crc = this.headerView.getUint32(8, true);
    if (bytes > batchBytesLimit + lineBytesMax)
      throw new Error(`spill ${this.path}: record of ${bytes} bytes at ${this.readOffset} exceeds any batch`);
    const into = bytes <= buffer.bytes.length ? buffer : new IlpBuffer(bytes);
    into.reset();
    const body = await read(this.fd, into.bytes, 0, bytes, this.readOffset + recordHeaderBytes);
    if (body.bytesRead !== bytes || Bun.hash.crc32(into.bytes.subarray(0, bytes)) !== crc) {
      throw new Error(`spill ${this.path}: damaged record at ${this.readOffset}`);
    }
    into.position = bytes;
    into.rows = rows;
    this.loadedEnd = this.readOffset + recordHeaderBytes + bytes;
    this.loadedRows = rows;
    return into;
  }

  /** The record loaded by `readNext` reached QuestDB; the file is emptied once nothing is pending. */
  consume(): void {
    if (this.loadedEnd < 0) throw new Error("spill: consume without readNext");
    this.readOffset = this.loadedEnd;
    this.pendingRows -= this.loadedRows;
    this.pendingRecords--;
    this.loadedEnd = -1;
    if (this.pendingRecords === 0) {
      ftruncateSync(this.fd, spillHeaderBytes);
      this.readOffset = spillHeaderBytes;
      this.writeOffset = spillHeaderBytes;
      this.pendingRows = 0;
    }
  }

  /**
   * Graceful close: writes `older` (unsent in-memory batches, oldest first)
   * followed by the pending records into a new file marked complete, synced,
   * and renamed over this one. With nothing pending the file is removed.
   */
  closeComplete(older: readonly IlpBuffer[]): number {
    const rows = this.pendingRows + older.reduce((n, b) => n + b.rows, 0);
    if (rows === 0) {
      this.closeAndRemove();
      return 0;
    }
    const temp = `${this.path}.closing`;
    const next = new SpillFile(temp, this.table);
    next.fd = openSync(temp, "w+");
    next.writeHeader(StateOpen);
    for (const b of older) next.append(b);
    const chunk = new Uint8Array(1 << 20);
    for (let at = this.readOffset; at < this.writeOffset;) {
      const n = readSync(this.fd, chunk, 0, Math.min(chunk.length, this.writeOffset - at), at);
      if (n <= 0) throw new Error(`spill ${this.path}: short read at ${at} while closing`);
      writeAll(next.fd, chunk, n, next.writeOffset);
      next.writeOffset += n;
      at += n;
    }
    next.writeHeader(StateComplete);
    fsyncSync(next.fd);
    closeSync(next.fd);
    closeSync(this.fd);
    this.fd = -1;
    renameSync(temp, this.path);
    return rows;
  }

  /** Closes without marking complete (a crash, for tests), or removes an empty file. */
  closeAndRemove(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
    unlinkSync(this.path);
  }

  abandon(): void {
    if (this.fd < 0) return;
    closeSync(this.fd);
    this.fd = -1;
  }

  private writeHeader(state: number): void {
    const h = new Uint8Array(spillHeaderBytes);
    const view = new DataView(h.buffer);
    h.set(new TextEncoder().encode(magic), 0);
    view.setUint32(8, formatVersion, true);
    view.setUint32(12, state, true);
    h.set(new TextEncoder().encode(this.table), 16);
    writeAll(this.fd, h, spillHeaderBytes, 0);
  }

  /** Counts the valid records of a complete file; a torn or damaged tail is cut off. */
  private scanRecords(): void {
    let at = spillHeaderBytes;
    const chunk = new Uint8Array(recordHeaderBytes);
    const view = new DataView(chunk.buffer);
    for (;;) {
      if (readSync(this.fd, chunk, 0, recordHeaderBytes, at) !== recordHeaderBytes) break;
      const bytes = view.getUint32(0, true);
      const rows = view.getUint32(4, true);
      const crc = view.getUint32(8, true);
      if (bytes > batchBytesLimit + lineBytesMax) break;
      const body = new Uint8Array(bytes);
      if (readSync(this.fd, body, 0, bytes, at + recordHeaderBytes) !== bytes || Bun.hash.crc32(body) !== crc) break;
      at += recordHeaderBytes + bytes;
      this.pendingRows += rows;
      this.pendingRecords++;
    }
    ftruncateSync(this.fd, at);
    this.writeOffset = at;
  }
}

function readHeaderState(fd: number, table: string): number {
  const h = new Uint8Array(spillHeaderBytes);
  if (readSync(fd, h, 0, spillHeaderBytes, 0) !== spillHeaderBytes) return StateOpen;
  const view = new DataView(h.buffer);
  const name = new TextDecoder().decode(h.subarray(16)).replace(/\0+$/, "");
  if (
    new TextDecoder().decode(h.subarray(0, 8)) !== magic ||
    view.getUint32(8, true) !== formatVersion ||
    name !== table
  )
    return StateOpen;
  return view.getUint32(12, true);
}

/** Positional read off the event loop (the thread pool), into the caller's buffer. */
function read(
  fd: number,
  into: Uint8Array,
  offset: number,
  length: number,
  position: number,
): Promise<{ bytesRead: number }> {
  return new Promise((resolve, reject) => {
    readCallback(fd, into, offset, length, position, (error, bytesRead) =>
      error === null ? resolve({ bytesRead }) : reject(error),
    );
  });
}

function writeAll(fd: number, bytes: Uint8Array, length: number, position: number): void {
  let done = 0;
  while (done < length) done += writeSync(fd, bytes, done, length - done, position + done);
}
