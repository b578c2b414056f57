// ILP over HTTP into one QuestDB table: lines are built straight into a batch
// buffer (ilp-buffer.ts), sealed batches are POSTed to `/write` with `fetch`,
// one request in flight at a time, strictly in order.
//
// Why one in flight, in order: QuestDB then always holds a prefix of what was
// appended (each request is one transaction, applied in sequence), so the
// largest trade id or seq in a table says exactly where to resume (resume.ts).
// Two requests in flight could commit out of order and leave a hole below it.
//
// The caller (the market-data path on the matching thread) never waits:
// `beginLine`/`endLine` only write bytes. When QuestDB is down or slow, sealed
// batches wait in memory up to `memoryBytesMax`, are retried with a doubling
// backoff, and the backlog is logged and kept in `stats`. Past the memory bound
// batches go to a spill file (spill-file.ts) and are replayed after the memory
// ones, so the order holds. A line QuestDB refuses (HTTP 400 naming the line)
// goes to a dead-letter file with QuestDB's message and the rest of its batch
// is sent again; nothing is dropped silently. Only past `spillBytesMax` are
// rows dropped: counted, logged, and `stats.needsResume` tells the owner to
// re-send from the journal.

import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkWriterLimits, lineBytesMax, type WriterLimits, writerLimitsDefault } from "./constants.ts";
import { IlpBuffer } from "./ilp-buffer.ts";
import { SpillFile } from "./spill-file.ts";

export interface IlpWriterOptions extends Partial<WriterLimits> {
  /** `http://127.0.0.1:<port>` of QuestDB. */
  httpUrl: string;
  /** Table name: names the spill and dead-letter files and the log lines. */
  table: string;
  /** Directory for `<table>.spill` and `<table>.rejected.ndjson`; created if missing. */
  spillDir: string;
  log?: (line: string) => void;
}

export interface IlpWriterStats {
  rowsAppended: number;
  rowsAcked: number;
  /** Rows QuestDB refused (HTTP 400 naming the line): in the dead-letter file. */
  rowsDeadLettered: number;
  /** Rows lost past the spill bound: see `needsResume`. */
  rowsDropped: number;
  /** Rows replayed from a complete spill file left by the previous writer. */
  rowsReplayedAtOpen: number;
  requestsOk: number;
  requestsFailed: number;
  consecutiveFailures: number;
  lastError: string | null;
  /** Sealed batches waiting in memory (the in-flight one included) and their bytes. */
  memoryBatches: number;
  memoryBytes: number;
  /** Bytes of batch buffers allocated (the bound is `memoryBytesMax`). */
  memoryBytesAllocated: number;
  spillRows: number;
  spillBytes: number;
  /** Batches ever written to the spill file, and how many of those writes were made. */
  spillBatchesWritten: number;
  /** True once rows were dropped: the owner must re-send from the journal after QuestDB's resume point. */
  needsResume: boolean;
}

type SendResult =
  { kind: "ok" } | { kind: "retry"; reason: string } | { kind: "badLine"; line: number; reason: string };

export class IlpHttpWriter {
  readonly table: string;
  readonly limits: WriterLimits;
  readonly stats: IlpWriterStats = {
    rowsAppended: 0,
    rowsAcked: 0,
    rowsDeadLettered: 0,
    rowsDropped: 0,
    rowsReplayedAtOpen: 0,
    requestsOk: 0,
    requestsFailed: 0,
    consecutiveFailures: 0,
    lastError: null,
    memoryBatches: 0,
    memoryBytes: 0,
    memoryBytesAllocated: 0,
    spillRows: 0,
    spillBytes: 0,
    spillBatchesWritten: 0,
    needsResume: false,
  };
  private readonly writeUrl: string;
  private readonly deadLetterPath: string;
  private readonly log: (line: string) => void;
  private readonly bufferBytes: number;
  private readonly buffersMax: number;
  private current: IlpBuffer | null = null;
  private readonly free: IlpBuffer[] = [];
  private readonly queue: IlpBuffer[] = [];
  private readonly spill: SpillFile;
  /**
   * Holds a spill record while it is being sent (grown once if a record from a writer with bigger batches needs it).
   */
  private replay: IlpBuffer;
  private replayLoaded = false;
  private pumping = false;
  private sealScheduled = false;
  private stopped = false;
  private inFlight: AbortController | null = null;
  private retryTimer: Timer | null = null;
  private wakeRetry: (() => void) | null = null;
  private failingSinceMs = 0;
  private lastBacklogLogMs = 0;
  private readonly waiters: { rows: number; resolve: () => void }[] = [];

  constructor(options: IlpWriterOptions) {
    const { httpUrl, table, spillDir, log, ...limits } = options;
    this.limits = checkWriterLimits({ ...writerLimitsDefault, ...stripUndefined(limits) });
    this.table = table;
    this.writeUrl = `${httpUrl}/write?precision=u`;
    this.log = log ?? ((line) => console.error(line));
    this.bufferBytes = this.limits.batchBytes + lineBytesMax;
    this.buffersMax = Math.floor(this.limits.memoryBytesMax / this.bufferBytes);
    mkdirSync(spillDir, { recursive: true });
    this.deadLetterPath = join(spillDir, `${table}.rejected.ndjson`);
    const opened = SpillFile.open(join(spillDir, `${table}.spill`), table, Date.now());
    this.spill = opened.spill;
    this.replay = new IlpBuffer(this.bufferBytes);
    if (opened.staleMovedTo !== null) {
      this.log(
        `questdb ${table}: a spill file from a writer that did not close cleanly was moved ` +
          `to ${opened.staleMovedTo}; resume from QuestDB and the journal`,
      );
      this.stats.needsResume = true;
    }
    if (opened.replayRows > 0) {
      this.stats.rowsReplayedAtOpen = opened.replayRows;
      this.stats.rowsAppended = opened.replayRows;
      this.log(`questdb ${table}: replaying ${opened.replayRows} rows spilled at the last close`);
      this.refreshSpillStats();
      this.kick();
    }
  }

  /** The buffer to write one line into; it has at least `lineBytesMax` bytes free. Follow with `endLine`. */
  beginLine(): IlpBuffer {
    if (this.stopped) throw new Error(`ilp writer ${this.table}: append after close`);
    let b = this.current;
    if (b !== null && b.free >= lineBytesMax) return b;
    if (b !== null) this.seal();
    b = this.free.pop() ?? this.allocate();
    this.current = b;
    return b;
  }

  /** Completes the line started by `beginLine` (which must end with a newline). */
  endLine(): void {
    const b = this.current!;
    b.rows++;
    this.stats.rowsAppended++;
    if (b.position >= this.limits.batchBytes) this.seal();
    else if (!this.sealScheduled && !this.pumping) {
      // An idle sender takes what this event-loop turn appended; a busy one takes more at once when it returns.
      this.sealScheduled = true;
      setImmediate(() => {
        this.sealScheduled = false;
        if (!this.pumping) this.seal();
      });
    }
  }

  /** Rows appended but not yet acknowledged, dead-lettered or dropped. */
  backlogRows(): number {
    const s = this.stats;
    return s.rowsAppended - s.rowsAcked - s.rowsDeadLettered - s.rowsDropped;
  }

  /**
   * Resolves once every row appended so far is acknowledged (or dead-lettered, or dropped).
   * Waits as long as QuestDB is down.
   */
  flush(): Promise<void> {
    this.seal();
    const target = this.stats.rowsAppended;
    if (this.settledRows() >= target) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ rows: target, resolve }));
  }

  /**
   * Graceful shutdown: sends what it can until `deadlineMs` passes, then
   * writes the unsent batches, oldest first, into a complete spill file that
   * the next writer replays. Returns the rows left in that file.
   */
  async close(deadlineMs = 10_000): Promise<number> {
    const flushed = await withDeadline(this.flush(), deadlineMs);
    this.halt();
    const pending = this.queue.slice();
    if (this.current !== null && this.current.rows > 0) pending.push(this.current);
    const rows = flushed ? this.spill.closeComplete([]) : this.spill.closeComplete(pending);
    if (rows > 0)
      this.log(
        `questdb ${this.table}: closed with ${rows} unsent rows in the spill file; the next writer replays them`,
      );
    return rows;
  }

  /** Stops without writing anything (a crash of the exchange, for tests): the spill file stays marked open. */
  abandon(): void {
    this.halt();
    this.spill.abandon();
  }

  // -------------------------------------------------------------------------

  private allocate(): IlpBuffer {
    // The queue never holds more than buffersMax - 1 batches (seal spills past that), so this stays within the bound.
    if (this.stats.memoryBytesAllocated + this.bufferBytes > this.buffersMax * this.bufferBytes) {
      throw new Error(`ilp writer ${this.table}: batch buffers exhausted (programmer error)`);
    }
    this.stats.memoryBytesAllocated += this.bufferBytes;
    return new IlpBuffer(this.bufferBytes);
  }

  /** Hands the current batch to the queue, or to the spill file while spilling or when memory is full. */
  private seal(): void {
    const b = this.current;
    if (b === null || b.rows === 0) return;
    this.current = null;
    if (this.spill.pendingRecords > 0 || this.queue.length >= this.buffersMax - 1) {
      this.toSpill(b);
      this.free.push(b);
    } else {
      this.queue.push(b);
      this.stats.memoryBatches = this.queue.length;
      this.stats.memoryBytes += b.position;
    }
    this.kick();
  }

  private toSpill(b: IlpBuffer): void {
    if (this.spill.pendingBytes + b.position > this.limits.spillBytesMax) {
      this.stats.rowsDropped += b.rows;
      this.stats.needsResume = true;
      this.log(
        `questdb ${this.table}: spill file full (${this.limits.spillBytesMax} bytes): dropped ${b.rows} rows; ` +
          `re-send from the journal after QuestDB's resume point`,
      );
      b.reset();
      this.settle();
      return;
    }
    if (this.spill.pendingRecords === 0)
      this.log(
        `questdb ${this.table}: memory bound reached (${this.queue.length} batches waiting); ` +
          `spilling to ${this.spill.path}`,
      );
    this.spill.append(b);
    this.stats.spillBatchesWritten++;
    this.refreshSpillStats();
    b.reset();
  }

  private kick(): void {
    if (this.pumping || this.stopped) return;
    this.pumping = true;
    void this.pump()
      .catch((error: unknown) => {
        // Only a damaged spill file gets here: stop loudly rather than skip rows.
        this.stats.lastError = (error as Error).message;
        this.stats.needsResume = true;
        this.stopped = true;
        this.log(
          `questdb ${this.table}: writer stopped: ${(error as Error).message}; resume from QuestDB and the journal`,
        );
      })
      .finally(() => {
        this.pumping = false;
        // A batch sealed while the last request finished would otherwise wait for the next append.
        if (!this.stopped && (this.queue.length > 0 || this.spill.pendingRecords > 0)) this.kick();
      });
  }

  /** Sends batches oldest first until none is left: memory queue, then spill records, then the current batch. */
  private async pump(): Promise<void> {
    while (!this.stopped) {
      let batch: IlpBuffer;
      let fromSpill = false;
      if (this.queue.length > 0) batch = this.queue[0]!;
      else if (this.spill.pendingRecords > 0) {
        if (!this.replayLoaded) {
          this.replay = await this.spill.readNext(this.replay);
          this.replayLoaded = true;
        }
        batch = this.replay;
        fromSpill = true;
      } else if (this.current !== null && this.current.rows > 0) {
        this.seal();
        continue;
      } else return;
      const result = await this.send(batch);
      if (this.stopped) return;
      if (result.kind === "ok") {
        this.onSent(batch, fromSpill);
      } else if (result.kind === "badLine") {
        this.deadLetter(batch, result.line, result.reason);
        if (batch.rows === 0) this.onSent(batch, fromSpill);
      } else {
        await this.backoff(result.reason);
      }
    }
  }

  private onSent(batch: IlpBuffer, fromSpill: boolean): void {
    this.stats.rowsAcked += batch.rows;
    this.stats.requestsOk++;
    if (this.stats.consecutiveFailures > 0) {
      this.log(
        `questdb ${this.table}: writes resumed after ${this.stats.consecutiveFailures} failed attempts ` +
          `(${((Date.now() - this.failingSinceMs) / 1000).toFixed(1)} s); backlog ${this.backlogRows()} rows`,
      );
      this.stats.consecutiveFailures = 0;
    }
    if (fromSpill) {
      this.spill.consume();
      this.replayLoaded = false;
      this.refreshSpillStats();
    } else {
      this.queue.shift();
      this.stats.memoryBatches = this.queue.length;
      this.stats.memoryBytes -= batch.position;
      batch.reset();
      this.free.push(batch);
    }
    this.settle();
  }

  private async send(batch: IlpBuffer): Promise<SendResult> {
    const abort = new AbortController();
    this.inFlight = abort;
    const timer = setTimeout(() => abort.abort(), this.limits.requestTimeoutMs);
    try {
      const response = await fetch(this.writeUrl, {
        method: "POST",
        body: batch.bytes.subarray(0, batch.position),
        headers: { "content-type": "text/plain; charset=utf-8" },
        signal: abort.signal,
      });
      const text = await response.text();
      if (response.status === 204 || response.status === 200) return { kind: "ok" };
      if (response.status === 400) {
        const line = badLineNumber(text);
        if (line !== null && line >= 1 && line <= batch.rows)
          return { kind: "badLine", line, reason: text.slice(0, 2000) };
      }
      return { kind: "retry", reason: `HTTP ${response.status}: ${text.slice(0, 300)}` };
    } catch (error) {
      return {
        kind: "retry",
        reason: abort.signal.aborted ? `no answer within ${this.limits.requestTimeoutMs} ms` : (error as Error).message,
      };
    } finally {
      clearTimeout(timer);
      this.inFlight = null;
    }
  }

  /** Moves line `line` (1-based) of the batch to the dead-letter file and closes the gap. */
  private deadLetter(batch: IlpBuffer, line: number, reason: string): void {
    const bytes = batch.bytes;
    let start = 0;
    for (let n = 1; n < line; n++) start = bytes.indexOf(10, start) + 1;
    const end = bytes.indexOf(10, start) + 1;
    const text = new TextDecoder().decode(bytes.subarray(start, end - 1));
    appendFileSync(
      this.deadLetterPath,
      `${JSON.stringify({ atMs: Date.now(), table: this.table, error: reason, line: text })}\n`,
    );
    bytes.copyWithin(start, end, batch.position);
    const removed = end - start;
    batch.position -= removed;
    batch.rows--;
    if (this.queue[0] === batch) this.stats.memoryBytes -= removed;
    this.stats.rowsDeadLettered++;
    this.log(`questdb ${this.table}: QuestDB refused a line, moved to ${this.deadLetterPath}: ${reason.slice(0, 300)}`);
    this.settle();
  }

  private async backoff(reason: string): Promise<void> {
    const s = this.stats;
    s.requestsFailed++;
    s.consecutiveFailures++;
    s.lastError = reason;
    const now = Date.now();
    if (s.consecutiveFailures === 1) this.failingSinceMs = now;
    const delayMs = Math.min(
      this.limits.retryDelayMsMax,
      this.limits.retryDelayMsMin * 2 ** Math.min(30, s.consecutiveFailures - 1),
    );
    if (s.consecutiveFailures === 1 || now - this.lastBacklogLogMs >= this.limits.backlogLogIntervalMs) {
      this.lastBacklogLogMs = now;
      this.log(
        `questdb ${this.table}: write failed (${reason}); backlog ${this.backlogRows()} ` +
          `rows: ${s.memoryBatches} batches (${mib(s.memoryBytes)} MiB) in memory, ${s.spillRows} rows ` +
          `(${mib(s.spillBytes)} MiB) spilled; retry ${s.consecutiveFailures} in ${delayMs} ms`,
      );
    }
    await new Promise<void>((resolve) => {
      this.wakeRetry = resolve;
      this.retryTimer = setTimeout(resolve, delayMs);
    });
    this.retryTimer = null;
    this.wakeRetry = null;
  }

  private settledRows(): number {
    const s = this.stats;
    return s.rowsAcked + s.rowsDeadLettered + s.rowsDropped;
  }

  private settle(): void {
    const done = this.settledRows();
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const w = this.waiters[i]!;
      if (done >= w.rows) {
        this.waiters.splice(i, 1);
        w.resolve();
      }
    }
  }

  private refreshSpillStats(): void {
    this.stats.spillRows = this.spill.pendingRows;
    this.stats.spillBytes = this.spill.pendingBytes;
  }

  private halt(): void {
    this.stopped = true;
    this.inFlight?.abort();
    if (this.retryTimer !== null) clearTimeout(this.retryTimer);
    this.wakeRetry?.();
  }
}

/**
 * True when `p` settles within `ms`, false otherwise. The timer is cleared
 * when `p` wins: a pending sleep would keep a stopping process alive.
 */
export async function withDeadline(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: Timer | null = null;
  const expired = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([p.then(() => true), expired]);
  } finally {
    if (timer !== null) clearTimeout(timer);
  }
}

/** QuestDB's 400 answer to ILP names the first bad line: `{"code":"invalid","message":"...","line":2,...}`. */
function badLineNumber(text: string): number | null {
  try {
    const body = JSON.parse(text) as { line?: unknown };
    return typeof body.line === "number" && Number.isInteger(body.line) ? body.line : null;
  } catch {
    return null;
  }
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
