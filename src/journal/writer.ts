// Appends records to a journal with group commit. `append` copies a payload
// into the current batch buffer (allocated at open, no allocation per record);
// a flush writes the whole batch with one write() and, by policy, syncs it:
//
//   fsync  write + fdatasync per batch, both off the event loop, at most one
//          batch in flight; appends meanwhile fill the other buffer, which
//          becomes the next batch as soon as the sync returns. Survives power loss.
//   write  one synchronous write() per batch into the page cache. Survives a
//          crash of the process, not of the OS.
//   none   nothing is written after the header: measures the journal's own
//          cost, for tests and benchmarks.
//
// `onDurable(seq)` tells the owner every record up to `seq` is as durable as
// the policy makes it, so the gateway can release acknowledgements up to it.
// It is never called from inside `append`.

import { closeSync, fdatasync, write, writeSync } from "node:fs";
import { copyBytes, crc32Words } from "./bytes.ts";
import {
  batchBytesDefault,
  batchBytesLimit,
  batchRecordsDefault,
  batchRecordsLimit,
  recordBytesMax,
  recordHeaderBytes,
  recordPayloadBytesMax,
  recordPayloadBytesMin,
  seqMax,
} from "./constants.ts";
import { framePrefixBytes } from "../protocol/constants.ts";
import type { JournalHeader } from "./format.ts";

export const SyncPolicy = { Fsync: "fsync", Write: "write", None: "none" } as const;
export type SyncPolicy = (typeof SyncPolicy)[keyof typeof SyncPolicy];

/** What `append` did. Only Ok means the record is in the journal's hands. */
export const AppendResult = {
  Ok: 0,
  /** Payload length 0 or above `recordPayloadBytesMax`: refused, nothing changed. */
  BadLength: 1,
  /**
   * The batch is full and (fsync) the previous one is still being synced:
   * stop taking input and append again after the next `onDurable`.
   */
  Full: 2,
  /** The writer is closed, or failed on an I/O error (see `failure`). */
  Stopped: 3,
} as const;
export type AppendResult = (typeof AppendResult)[keyof typeof AppendResult];

export interface JournalWriterOptions {
  policy: SyncPolicy;
  /** Bytes of each batch buffer (there are two). Default 1 MiB. */
  batchBytes?: number;
  /** Most records in one batch. Default 8192. */
  batchRecordsMax?: number;
  /**
   * Flush at the end of the event-loop turn in which a batch got its first record (setImmediate). Default true; with
   * false the owner calls `flush()`.
   */
  autoFlush?: boolean;
  /** Everything up to `seq` is durable. Called from a flush or an I/O completion, never from inside `append`. */
  onDurable?: (seq: number) => void;
  /**
   * A write or sync failed. The file's state is then unknown (after a failed
   * fdatasync the kernel may have dropped the dirty pages), so the writer
   * stops: every later append returns Stopped. Without this hook the error is
   * thrown from the I/O callback, which ends the process; recovery then reads
   * the file back.
   */
  onError?: (error: Error) => void;
}

/** Counters since open. Times in nanoseconds; for `fsync`, write and sync are timed separately. */
export class JournalStats {
  batches = 0;
  records = 0;
  /** Bytes handed to write(), record headers included. */
  bytes = 0;
  /** Records in the largest batch. */
  batchRecordsMax = 0;
  /** Appends refused with Full. */
  fullCount = 0;
  writeNsLast = 0;
  writeNsMax = 0;
  writeNsTotal = 0;
  syncNsLast = 0;
  syncNsMax = 0;
  syncNsTotal = 0;
  /** Syncs counted by floor(log2(ns)): bucket 20 holds syncs of 1.05 to 2.1 ms. */
  readonly syncNsLog2 = new Uint32Array(48);
  /**
   * Batches counted by ceil(log2(records)): bucket i holds batches of 2^(i-1)+1 to 2^i records (bucket 0: one record).
   */
  readonly batchRecordsLog2 = new Uint32Array(32);

  /** Upper bound (ns) of the bucket holding the q-quantile of sync times, or 0 when none. */
  syncNsQuantile(q: number): number {
    const total = this.syncNsLog2.reduce((a, b) => a + b, 0);
    if (total === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let i = 0; i < this.syncNsLog2.length; i++) {
      seen += this.syncNsLog2[i]!;
      if (seen >= rank) return 2 ** (i + 1);
    }
    return 2 ** this.syncNsLog2.length;
  }
}

interface Waiter {
  seq: number;
  resolve: (seq: number) => void;
  reject: (error: Error) => void;
}

/** Made by `createJournal`, `openForAppend` or `openOrCreateJournal` (open.ts). */
export class JournalWriter {
  readonly policy: SyncPolicy;
  readonly stats = new JournalStats();
  /** The seq the next append must carry. */
  nextSeq: number;
  /** Every record up to this seq is durable (by the policy's measure). */
  durableSeq: number;
  /** The I/O error that stopped the writer, if one did. */
  failure: Error | null = null;

  private readonly batchRecordsMax: number;
  private readonly autoFlush: boolean;
  private readonly onDurable: ((seq: number) => void) | null;
  private readonly onError: ((error: Error) => void) | null;
  /** The batch being filled. */
  private active: Uint8Array;
  private activeView: DataView;
  /** 32-bit words of `active`: records start 4-aligned, so their CRC reads words. */
  private activeWords: Int32Array;
  private activeBytes = 0;
  private activeRecords = 0;
  private activeLastSeq = 0;
  /** fsync only: the other buffer, free or in flight. */
  private spare: Uint8Array;
  private spareView: DataView;
  private spareWords: Int32Array;
  /** What the last refused `room` call returned (Full, Stopped, BadLength). */
  private refusal: AppendResult = AppendResult.Ok;
  /** The record `reserveFrame` made room for: its start and seq (-1: none), and its largest frame. */
  private reservedAt = -1;
  private reservedSeq = -1;
  private reservedFrameBytesMax = 0;
  private inFlight = false;
  private inFlightBytes = 0;
  private inFlightWritten = 0;
  private inFlightRecords = 0;
  private inFlightLastSeq = 0;
  private inFlightAt = 0;
  private inFlightStartNs = 0;
  private syncStartNs = 0;
  /** File offset where the next batch goes. */
  private fileBytes: number;
  private flushRequested = false;
  private scheduled = false;
  private notifiedSeq: number;
  private notifying = false;
  private closed = false;
  private closing: Promise<void> | null = null;
  private fd: number;
  private readonly waiters: Waiter[] = [];
  private readonly flushTask = (): void => {
    this.scheduled = false;
    this.flush();
  };
  private readonly onWritten = (error: NodeJS.ErrnoException | null, written: number): void =>
    this.written(error, written);
  private readonly onSynced = (error: NodeJS.ErrnoException | null): void => this.synced(error);

  /**
   * @internal Opens are in open.ts: `fd` is open read-write, the file holds exactly
   * `fileBytes` good bytes, all durable.
   */
  constructor(
    readonly path: string,
    readonly header: JournalHeader,
    fd: number,
    fileBytes: number,
    nextSeq: number,
    options: JournalWriterOptions,
  ) {
    const batchBytes = options.batchBytes ?? batchBytesDefault;
    const batchRecordsMax = options.batchRecordsMax ?? batchRecordsDefault;
    if (!(Number.isInteger(batchBytes) && batchBytes >= recordBytesMax && batchBytes <= batchBytesLimit)) {
      throw new Error(`journal writer: batch of ${batchBytes} bytes outside [${recordBytesMax}, ${batchBytesLimit}]`);
    }
    if (!(Number.isInteger(batchRecordsMax) && batchRecordsMax >= 1 && batchRecordsMax <= batchRecordsLimit)) {
      throw new Error(`journal writer: ${batchRecordsMax} records per batch outside [1, ${batchRecordsLimit}]`);
    }
    if (!(options.policy === "fsync" || options.policy === "write" || options.policy === "none")) {
      throw new Error(`journal writer: policy ${String(options.policy)} is not fsync, write or none`);
    }
    this.policy = options.policy;
    this.batchRecordsMax = batchRecordsMax;
    this.autoFlush = options.autoFlush ?? true;
    this.onDurable = options.onDurable ?? null;
    this.onError = options.onError ?? null;
    this.fd = fd;
    this.fileBytes = fileBytes;
    this.nextSeq = nextSeq;
    this.durableSeq = nextSeq - 1;
    this.notifiedSeq = nextSeq - 1;
    this.active = new Uint8Array(batchBytes);
    this.activeView = new DataView(this.active.buffer);
    this.activeWords = new Int32Array(this.active.buffer);
    // Only the fsync policy has a batch in flight while the next one fills.
    this.spare = new Uint8Array(this.policy === "fsync" ? batchBytes : 0);
    this.spareView = new DataView(this.spare.buffer);
    this.spareWords = new Int32Array(this.spare.buffer);
  }

  /**
   * Whether `append` of a record of the largest size would be taken now.
   * False only under fsync, while a batch is in flight and the next one is
   * full: the owner should stop reading input until the next `onDurable`.
   */
  hasRoom(): boolean {
    if (this.closed || this.failure !== null) return false;
    if (this.activeBytes + recordBytesMax <= this.active.length && this.activeRecords < this.batchRecordsMax)
      return true;
    return !(this.policy === "fsync" && this.inFlight);
  }

  /**
   * Adds the record `seq` whose payload is `bytes[offset, offset + length)`
   * (one InputRecord FlatBuffer without its size prefix). The bytes are copied;
   * the caller may reuse its buffer at once. A seq other than `nextSeq` is a
   * caller bug and throws.
   */
  append(seq: number, bytes: Uint8Array, offset: number, length: number): AppendResult {
    if (!(offset >= 0 && offset + length <= bytes.length))
      throw new Error(`journal append: range [${offset}, ${offset + length}) outside a buffer of ${bytes.length}`);
    const at = this.room(seq, length);
    if (at < 0) return this.refusal;
    copyBytes(bytes, offset, this.active, this.activeView, at + recordHeaderBytes, length);
    this.finish(at, seq, length);
    return AppendResult.Ok;
  }

  /**
   * Room for record `seq` written in place, as a size-prefixed frame of at
   * most `frameBytesMax` bytes (an InputRecord as the fixed-layout writers
   * write it): returns the index of `batchBuffer` to write the frame at, or -1
   * when the record cannot be taken now (`refused` says why: Full, Stopped,
   * BadLength). Then `commitFrame` with the frame's length. The frame's size
   * prefix lands on the record's CRC, which the commit writes over: the caller
   * writes the record once, where the journal would otherwise copy it.
   */
  reserveFrame(seq: number, frameBytesMax: number): number {
    const at = this.room(seq, frameBytesMax - framePrefixBytes);
    if (at < 0) return -1;
    this.reservedAt = at;
    this.reservedSeq = seq;
    this.reservedFrameBytesMax = frameBytesMax;
    return at + recordHeaderBytes - framePrefixBytes;
  }

  /** The buffer `reserveFrame`'s index is in (the batch being filled). */
  get batchBuffer(): Uint8Array {
    return this.active;
  }

  /** Why the last `reserveFrame` returned -1. */
  get refused(): AppendResult {
    return this.refusal;
  }

  /** Completes the record `reserveFrame` made room for: its frame of `frameBytes` (size prefix included) is written. */
  commitFrame(seq: number, frameBytes: number): void {
    if (seq !== this.reservedSeq) throw new Error(`journal commit: seq ${seq}, reserved ${this.reservedSeq}`);
    const length = frameBytes - framePrefixBytes;
    if (!(length >= recordPayloadBytesMin && frameBytes <= this.reservedFrameBytesMax)) {
      throw new Error(
        `journal commit: a frame of ${frameBytes} bytes where at most ${this.reservedFrameBytesMax} were reserved`,
      );
    }
    this.reservedSeq = -1;
    this.finish(this.reservedAt, seq, length);
  }

  /** Where record `seq` with a payload of `length` bytes starts in the batch, or -1 with `refusal` set. */
  private room(seq: number, length: number): number {
    this.reservedSeq = -1;
    if (this.closed || this.failure !== null) return this.refuse(AppendResult.Stopped);
    if (seq !== this.nextSeq) throw new Error(`journal append: seq ${seq}, expected ${this.nextSeq}`);
    if (!(length >= recordPayloadBytesMin && length <= recordPayloadBytesMax))
      return this.refuse(AppendResult.BadLength);
    if (!(seq < seqMax)) throw new Error(`journal append: seq ${seq} leaves no room below 2^53`);
    const recordBytes = recordHeaderBytes + length;
    if (this.activeBytes + recordBytes > this.active.length || this.activeRecords === this.batchRecordsMax) {
      this.flushRequested = true;
      this.handOff();
      if (this.failure !== null) return this.refuse(AppendResult.Stopped);
      if (this.activeRecords !== 0) {
        this.stats.fullCount++;
        return this.refuse(AppendResult.Full);
      }
    }
    return this.activeBytes;
  }

  private refuse(result: AppendResult): number {
    this.refusal = result;
    return -1;
  }

  /** Writes the header of the record at `at` whose payload is in place, and counts it. */
  private finish(at: number, seq: number, length: number): void {
    const payloadAt = at + recordHeaderBytes;
    this.activeView.setUint32(at, length, true);
    // The CRC is of the bytes in the batch, so it covers exactly what will be written.
    this.activeView.setUint32(at + 4, crc32Words(this.activeWords, this.active, payloadAt, length), true);
    // Records stay 4-aligned (every InputRecord frame is a multiple of 4 bytes; any other
    // length only costs the word reads).
    this.activeBytes = payloadAt + length;
    this.activeRecords++;
    this.activeLastSeq = seq;
    this.nextSeq = seq + 1;
    if (this.autoFlush && !this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flushTask);
    }
  }

  /** Starts writing the current batch now (fsync: as soon as the batch in flight is synced). */
  flush(): void {
    if (this.closed || this.failure !== null) return;
    this.flushRequested = true;
    this.handOff();
    this.notify();
  }

  /** Flushes and resolves with `durableSeq` once every record appended so far is durable. For shutdown and tests. */
  sync(): Promise<number> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const target = this.nextSeq - 1;
    this.flush();
    // A "write" flush fails on this call stack.
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.durableSeq >= target) return Promise.resolve(this.durableSeq);
    return new Promise((resolve, reject) => this.waiters.push({ seq: target, resolve, reject }));
  }

  /** Syncs what was appended, then closes the file. Later calls return the same promise. */
  close(): Promise<void> {
    this.closing ??= this.syncAndClose();
    return this.closing;
  }

  private async syncAndClose(): Promise<void> {
    try {
      if (this.failure === null) await this.sync();
    } finally {
      this.closed = true;
      closeSync(this.fd);
      this.fd = -1;
    }
  }

  /** Records appended but not yet durable. */
  get pendingRecords(): number {
    return this.nextSeq - 1 - this.durableSeq;
  }

  /** Gives the current batch to the policy's I/O, without telling the owner anything. */
  private handOff(): void {
    if (this.activeRecords === 0) return;
    if (this.policy === "fsync") {
      if (!this.inFlight) this.startBatch();
      return;
    }
    const started = Bun.nanoseconds();
    if (this.policy === "write") {
      try {
        this.writeAll(this.active, this.activeBytes, this.fileBytes);
      } catch (e) {
        return this.fail(e as Error);
      }
    }
    const ns = this.policy === "write" ? Bun.nanoseconds() - started : 0;
    this.fileBytes += this.policy === "write" ? this.activeBytes : 0;
    this.countBatch(this.activeRecords, this.activeBytes, ns);
    this.durableSeq = this.activeLastSeq;
    this.activeBytes = 0;
    this.activeRecords = 0;
  }

  private writeAll(buffer: Uint8Array, count: number, fileAt: number): void {
    let done = 0;
    while (done < count) {
      const n = writeSync(this.fd, buffer, done, count - done, fileAt + done);
      if (!(n > 0)) throw new Error(`journal ${this.path}: write() wrote ${n} bytes at ${fileAt + done}`);
      done += n;
    }
  }

  /** fsync: swaps buffers and starts the write of what was the active one. */
  private startBatch(): void {
    const buffer = this.active;
    this.active = this.spare;
    this.spare = buffer;
    const view = this.activeView;
    this.activeView = this.spareView;
    this.spareView = view;
    const words = this.activeWords;
    this.activeWords = this.spareWords;
    this.spareWords = words;
    this.inFlight = true;
    this.inFlightBytes = this.activeBytes;
    this.inFlightWritten = 0;
    this.inFlightRecords = this.activeRecords;
    this.inFlightLastSeq = this.activeLastSeq;
    this.inFlightAt = this.fileBytes;
    this.fileBytes += this.activeBytes;
    this.activeBytes = 0;
    this.activeRecords = 0;
    this.flushRequested = false;
    this.inFlightStartNs = Bun.nanoseconds();
    write(this.fd, this.spare, 0, this.inFlightBytes, this.inFlightAt, this.onWritten);
  }

  private written(error: NodeJS.ErrnoException | null, count: number): void {
    if (error !== null) return this.fail(error);
    if (!(count > 0))
      return this.fail(
        new Error(`journal ${this.path}: write() wrote ${count} bytes at ${this.inFlightAt + this.inFlightWritten}`),
      );
    this.inFlightWritten += count;
    if (this.inFlightWritten < this.inFlightBytes) {
      const done = this.inFlightWritten;
      write(this.fd, this.spare, done, this.inFlightBytes - done, this.inFlightAt + done, this.onWritten);
      return;
    }
    this.syncStartNs = Bun.nanoseconds();
    fdatasync(this.fd, this.onSynced);
  }

  private synced(error: NodeJS.ErrnoException | null): void {
    if (error !== null) return this.fail(error);
    const now = Bun.nanoseconds();
    const syncNs = now - this.syncStartNs;
    const s = this.stats;
    s.syncNsLast = syncNs;
    s.syncNsMax = Math.max(s.syncNsMax, syncNs);
    s.syncNsTotal += syncNs;
    s.syncNsLog2[Math.min(s.syncNsLog2.length - 1, Math.floor(Math.log2(Math.max(1, syncNs))))]!++;
    this.countBatch(this.inFlightRecords, this.inFlightBytes, this.syncStartNs - this.inFlightStartNs);
    this.durableSeq = this.inFlightLastSeq;
    this.inFlight = false;
    // Whatever arrived during the sync is the next batch: group commit.
    if (this.flushRequested && this.activeRecords !== 0 && !this.closed) this.startBatch();
    this.notify();
  }

  private countBatch(records: number, bytes: number, writeNs: number): void {
    const s = this.stats;
    s.batches++;
    s.records += records;
    s.bytes += bytes;
    s.batchRecordsMax = Math.max(s.batchRecordsMax, records);
    s.batchRecordsLog2[records <= 1 ? 0 : 32 - Math.clz32(records - 1)]!++;
    s.writeNsLast = writeNs;
    s.writeNsMax = Math.max(s.writeNsMax, writeNs);
    s.writeNsTotal += writeNs;
  }

  /**
   * Tells the owner and the `sync()` waiters how far durability got. A call from inside onDurable only bumps the loop.
   */
  private notify(): void {
    if (this.notifying) return;
    this.notifying = true;
    try {
      while (this.durableSeq > this.notifiedSeq) {
        const seq = this.durableSeq;
        this.notifiedSeq = seq;
        if (this.onDurable !== null) this.onDurable(seq);
        this.resolveWaiters(seq);
      }
    } finally {
      this.notifying = false;
    }
  }

  private resolveWaiters(seq: number): void {
    let kept = 0;
    for (const w of this.waiters) {
      if (w.seq <= seq) w.resolve(seq);
      else this.waiters[kept++] = w;
    }
    this.waiters.length = kept;
  }

  private fail(error: Error): void {
    this.failure = error;
    this.inFlight = false;
    for (const w of this.waiters) w.reject(error);
    this.waiters.length = 0;
    if (this.onError !== null) this.onError(error);
    else throw error;
  }
}
