// Takes snapshots while the exchange runs: every N commands and/or T ms, and
// at shutdown. Matching stops only for the image copy; a worker encodes and
// the store saves asynchronously. A failing store (Redis down or slow) never
// blocks the engine: the attempt is logged and retried with backoff.

import { type Clock, nowMs } from "./clock.ts";
import type { Sequencer } from "./sequencer.ts";
import type { JournalIdentity } from "../snapshot/format.ts";
import { captureImage, imageBuffers, type SnapshotImage } from "../snapshot/image.ts";
import type { SnapshotStore } from "../snapshot/store.ts";

export interface SnapshotPolicy {
  /** Take one once this many commands have been applied since the last (0 = never by count). */
  everyCommands: number;
  /** Take one once this long has passed since the last, if any command was applied (0 = never by time). */
  everyMs: number;
  /** First retry delay after a failure; doubles up to `retryMsMax`. */
  retryMsMin: number;
  retryMsMax: number;
}

export interface SnapshotStats {
  taken: number;
  failures: number;
  /** Seq of the newest snapshot the store accepted. */
  lastSavedSeq: number;
  lastPauseMs: number;
  maxPauseMs: number;
  lastEncodeMs: number;
  lastSaveMs: number;
  lastBytes: number;
  /** Clock time (ms since the epoch) the store accepted the newest snapshot; 0 before the first. */
  lastSavedAtMs: number;
  lastError: string | null;
}

type Log = (line: string) => void;

/** What an input log other than the journal adds to a snapshot (Kafka mode). */
export interface SnapshotHooks {
  /** The input position the state corresponds to, read with the image (e.g. the partition offset to resume at). */
  inputOffset?: () => number;
  /**
   * Resolves once it is safe to store a snapshot of the state up to `seq`,
   * besides that state being durable: e.g. every output of the commands up
   * to `seq` acknowledged, so a restart from it loses none.
   */
  beforeSave?: (seq: number) => Promise<void>;
}

/** How long a snapshot waits for the input log to make its state durable before giving up (and retrying later). */
const DURABLE_WAIT_MS = 30_000;

export class Snapshotter {
  readonly stats: SnapshotStats = {
    taken: 0,
    failures: 0,
    lastSavedSeq: 0,
    lastPauseMs: 0,
    maxPauseMs: 0,
    lastEncodeMs: 0,
    lastSaveMs: 0,
    lastBytes: 0,
    lastSavedAtMs: 0,
    lastError: null,
  };
  private readonly exchange: Sequencer;
  private readonly store: SnapshotStore;
  private readonly policy: SnapshotPolicy;
  private readonly log: Log;
  private readonly warn: Log;
  private worker: Worker | null = null;
  private nextJobId = 1;
  private readonly jobs = new Map<number, { resolve: (b: Uint8Array) => void; reject: (e: Error) => void }>();
  private inFlight: Promise<void> | null = null;
  private lastSeq: number;
  private lastAtMs: number;
  private retryMs: number;
  private notBeforeMs = 0;
  private stopTimer: (() => void) | null = null;
  private readonly clock: Clock;

  private readonly journal: JournalIdentity;
  private readonly hooks: SnapshotHooks;

  constructor(
    exchange: Sequencer,
    store: SnapshotStore,
    journal: JournalIdentity,
    policy: SnapshotPolicy,
    log: Log = console.log,
    /** Where a failed attempt is told (default: `log`). */
    warn: Log = log,
    hooks: SnapshotHooks = {},
  ) {
    this.exchange = exchange;
    this.hooks = hooks;
    this.journal = journal;
    this.store = store;
    this.policy = policy;
    this.log = log;
    this.warn = warn;
    this.clock = exchange.clock;
    this.lastSeq = exchange.nextSeq - 1;
    this.lastAtMs = nowMs(this.clock);
    this.retryMs = policy.retryMsMin;
  }

  /** Checks the policy now and then (time-based snapshots need no traffic to be noticed). */
  start(checkEveryMs = 100): void {
    this.stopTimer = this.clock.every(checkEveryMs, () => this.maybeTake());
  }

  /** Starts a snapshot if the policy says one is due and none is running. Cheap: call it after every batch. */
  maybeTake(): void {
    if (this.inFlight !== null) return;
    const seq = this.exchange.nextSeq - 1;
    if (seq === this.lastSeq) return;
    const now = nowMs(this.clock);
    if (now < this.notBeforeMs) return;
    const p = this.policy;
    const byCount = p.everyCommands > 0 && seq - this.lastSeq >= p.everyCommands;
    const byTime = p.everyMs > 0 && now - this.lastAtMs >= p.everyMs;
    // A failure is logged and scheduled for retry inside run(); nothing more to do with it here.
    if (byCount || byTime) this.take().catch(() => {});
  }

  /** Takes a snapshot now (or joins the one running); resolves when the store has it, rejects on failure. */
  take(): Promise<void> {
    this.inFlight ??= this.run().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  /** Resolves when no snapshot is running (a failure is only logged). */
  whenIdle(): Promise<void> {
    return this.inFlight?.catch(() => {}) ?? Promise.resolve();
  }

  /** Waits for a running snapshot, takes a final one if anything changed, and stops the worker. */
  async stop(): Promise<void> {
    this.stopTimer?.();
    this.stopTimer = null;
    await this.inFlight?.catch(() => {});
    if (this.exchange.nextSeq - 1 !== this.stats.lastSavedSeq) await this.take().catch(() => {});
    this.worker?.terminate();
    this.worker = null;
  }

  private async run(): Promise<void> {
    const started = performance.now();
    const inputOffset = this.hooks.inputOffset?.() ?? 0;
    const image = captureImage(
      this.exchange.engine,
      this.exchange.nextOrderId,
      nowMs(this.clock),
      this.journal,
      inputOffset,
    );
    const pauseMs = performance.now() - started;
    const s = this.stats;
    s.lastPauseMs = pauseMs;
    s.maxPauseMs = Math.max(s.maxPauseMs, pauseMs);
    this.lastSeq = image.seq;
    this.lastAtMs = nowMs(this.clock);
    try {
      const encodeStarted = performance.now();
      const bytes = await this.encode(image);
      s.lastEncodeMs = performance.now() - encodeStarted;
      // Never store a state the log could not rebuild: wait until every command in it is durable.
      await this.waitDurable(image.seq);
      if (this.hooks.beforeSave !== undefined) await this.hooks.beforeSave(image.seq);
      const saveStarted = performance.now();
      await this.store.save(image.seq, bytes);
      s.lastSaveMs = performance.now() - saveStarted;
      s.lastBytes = bytes.length;
      s.lastSavedSeq = image.seq;
      s.lastSavedAtMs = nowMs(this.clock);
      s.taken++;
      if (s.lastError !== null) this.log(`snapshot: ${this.store.description} works again (seq ${image.seq})`);
      s.lastError = null;
      this.retryMs = this.policy.retryMsMin;
    } catch (error) {
      s.failures++;
      s.lastError = (error as Error).message;
      this.notBeforeMs = nowMs(this.clock) + this.retryMs;
      this.warn(
        `snapshot: seq ${image.seq} to ${this.store.description} failed: ${s.lastError}; ` +
          `retrying in ${this.retryMs} ms`,
      );
      this.retryMs = Math.min(this.retryMs * 2, this.policy.retryMsMax);
      // The next attempt snapshots the state of its own moment, not this stale image.
      this.lastSeq = -1;
      throw error;
    }
  }

  /** Resolves when the log says `seq` is durable; rejects after DURABLE_WAIT_MS of the clock. */
  private waitDurable(seq: number): Promise<void> {
    if (this.exchange.durableSeq >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const stop = this.clock.every(DURABLE_WAIT_MS, () => {
        stop();
        reject(new Error(`the input log did not make seq ${seq} durable within ${DURABLE_WAIT_MS} ms`));
      });
      this.exchange.untilDurable(seq).then(() => {
        stop();
        resolve();
      });
    });
  }

  private encode(image: SnapshotImage): Promise<Uint8Array> {
    if (this.worker === null) {
      this.worker = new Worker(new URL("../snapshot/encode-worker.ts", import.meta.url).href);
      this.worker.onmessage = (e: MessageEvent<{ id: number; bytes?: Uint8Array; error?: string }>) => {
        const job = this.jobs.get(e.data.id);
        if (job === undefined) return;
        this.jobs.delete(e.data.id);
        if (e.data.bytes !== undefined) job.resolve(e.data.bytes);
        else job.reject(new Error(`snapshot encoder: ${e.data.error}`));
      };
      this.worker.onerror = (e) => {
        for (const job of this.jobs.values()) job.reject(new Error(`snapshot worker failed: ${e.message}`));
        this.jobs.clear();
        this.worker = null;
      };
    }
    const id = this.nextJobId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { resolve, reject });
      this.worker!.postMessage({ id, image }, imageBuffers(image));
    });
  }
}
