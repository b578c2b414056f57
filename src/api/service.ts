// The market-data service: the replica that replays the journal (stream,
// orders, recent trades and candles), QuestDB ingestion (full mode) and the
// query API, run together on one thread, the worker's (worker.ts) or a test's.
//
// Start-up is crash-safe resume: open the writers (a spill file left by a
// clean stop is replayed first), read how far each table got (resume points),
// then replay the journal from its first record; rows QuestDB already holds
// are skipped and the rest re-sent (dedup keys absorb any overlap). Once the
// replay reaches the seq that was durable at start, the service goes live:
// it follows the journal as the exchange reports new durable seqs, closes
// quiet candles when told the stamp horizon, and upserts live candles on a
// timer. The API answers 503 for data until then.
//
// If a writer ever had to drop rows (its spill file full), a marker file makes
// the next start re-send everything instead of resuming from the largest id
// (which would leave the hole behind).

import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { EngineConfig } from "../engine/config.ts";
import type { CandleLimits, TickRingLimits } from "../marketdata/constants.ts";
import type { OrderMemoryLimits } from "../marketdata/order-store.ts";
import { MarketDataReplica } from "../marketdata/replica.ts";
import { QuestdbIngest, resumeFilter } from "../questdb/ingest.ts";
import {
  type MarketDataWriters,
  type MarketDataWritersOptions,
  openMarketDataWriters,
} from "../questdb/market-data-writers.ts";
import { readCandleResume, readResumePoints, type ResumePoints, waitForWalApplied } from "../questdb/resume.ts";
import { withDeadline } from "../questdb/writer.ts";
import { marketDataTables } from "../questdb/schema.ts";
import { SymbolNames } from "../questdb/symbols.ts";
import { type ApiContext, type ApiLimits, apiLimitsDefault, type ApiState } from "./context.ts";
import { QuestdbReader } from "./questdb-reader.ts";
import { ApiServer, type ApiServerOptions, apiServerDefaults } from "./server.ts";

export interface QuestdbOptions {
  httpUrl: string;
  spillDir: string;
  limits?: MarketDataWritersOptions["limits"];
  /**
   * How long start-up waits for QuestDB to apply its WAL before reading resume points
   * (reading early only re-sends more).
   */
  walWaitMs?: number;
  /** False: ticks and candles only, no order rows or events (a benchmark variant). Default true. */
  orders?: boolean;
}

export interface MarketDataServiceOptions {
  engine: EngineConfig;
  journalPath: string;
  /** Full mode: QuestDB ingestion and history; null: embedded (memory only). */
  questdb: QuestdbOptions | null;
  /** The query API; null: none. */
  api: Partial<Omit<ApiServerOptions, "log">> | null;
  apiKeys: readonly { sha256: string; user: number }[];
  memory?: { orders?: Partial<OrderMemoryLimits>; candles?: Partial<CandleLimits>; ticks?: Partial<TickRingLimits> };
  apiLimits?: Partial<ApiLimits>;
  /** Live candles are upserted to QuestDB at most this often. */
  liveCandleIntervalMs?: number;
  /** Records applied before yielding to the event loop (API requests, writer I/O). */
  sliceRecordsMax?: number;
  nowMs?: () => number;
  /** Informational lines (start-up, resume, replay). */
  log?: (line: string) => void;
  /** Problems (QuestDB away, rows refused or dropped, a stop). */
  warn?: (line: string) => void;
}

export interface MarketDataServiceStats {
  live: boolean;
  appliedSeq: number;
  durableSeq: number;
  replayRecords: number;
  replayMs: number;
  resumePoints: ResumePoints | null;
  /** Stamp horizons applied to the candles (advanceTo), and the newest, µs. */
  horizonsApplied: number;
  horizonTsUs: number;
  stream: MarketDataReplica["stream"]["stats"];
  orders: MarketDataReplica["orders"]["stats"];
  candles: MarketDataReplica["recent"]["candles"]["stats"];
  ingest: QuestdbIngest["stats"] | null;
  writers: ReturnType<MarketDataWriters["stats"]> | null;
  api: ApiServer["stats"] | null;
  memory: { ordersLive: number; ordersFinishedKept: number; orderBytes: number; heapBytes: number; rssBytes: number };
}

const resendMarker = "resend-all";
const writersRetryMsMax = 10_000;

export class MarketDataService {
  readonly replica: MarketDataReplica;
  readonly api: ApiServer | null = null;
  writers: MarketDataWriters | null = null;
  ingest: QuestdbIngest | null = null;
  private live = false;
  private stopped = false;
  private durable = 0;
  private target = 0;
  private pumping = false;
  private horizon: { seq: number; tsUs: number } | null = null;
  private horizonsApplied = 0;
  private horizonTsUs = 0;
  private liveTimer: Timer | null = null;
  private replayRecords = 0;
  private replayMs = 0;
  private resumePoints: ResumePoints | null = null;
  private readonly sliceRecordsMax: number;
  private readonly nowMs: () => number;
  private readonly log: (line: string) => void;
  private readonly warn: (line: string) => void;
  private readonly keys = new Map<string, number>();
  private resendMarked = false;
  readonly ready: Promise<void>;

  /**
   * Starts the API at once and the replay up to `durableSeq` (the exchange's durable seq
   * now); `ready` resolves when live.
   */
  constructor(
    private readonly o: MarketDataServiceOptions,
    durableSeq: number,
  ) {
    this.sliceRecordsMax = o.sliceRecordsMax ?? 4096;
    this.nowMs = o.nowMs ?? Date.now;
    this.log = o.log ?? ((line) => console.log(line));
    this.warn = o.warn ?? ((line) => console.error(line));
    for (const k of o.apiKeys) this.keys.set(k.sha256, k.user);
    this.replica = new MarketDataReplica({ engine: o.engine, journalPath: o.journalPath, ...o.memory });
    this.durable = durableSeq;
    this.target = durableSeq;
    if (o.api !== null) this.api = new ApiServer(this.context(), { ...apiServerDefaults, ...o.api, log: this.warn });
    this.ready = this.start();
  }

  /** The exchange made everything up to `seq` durable. */
  onDurable(seq: number): void {
    if (seq <= this.durable) return;
    this.durable = seq;
    if (this.live) this.kick();
  }

  /**
   * Every command after `seq` is stamped at or after `tsUs` (the exchange had
   * nothing pending at that moment): once applied up to `seq`, candles whose
   * bucket ends by `tsUs` are closed even if no trade comes.
   */
  onHorizon(seq: number, tsUs: number): void {
    // The newest horizon replaces any older one still waiting (an older time never reopens a candle).
    this.horizon = { seq, tsUs };
    this.advance();
  }

  /** Resolves once everything durable so far is applied and handed to the writers. */
  async caughtUp(): Promise<void> {
    await this.ready;
    while (this.replica.appliedSeq < this.durable || this.pumping)
      await new Promise((resolve) => setImmediate(resolve));
  }

  stats(): MarketDataServiceStats {
    const r = this.replica;
    const mem = process.memoryUsage();
    return {
      live: this.live,
      appliedSeq: r.appliedSeq,
      durableSeq: this.durable,
      replayRecords: this.replayRecords,
      replayMs: this.replayMs,
      resumePoints: this.resumePoints,
      horizonsApplied: this.horizonsApplied,
      horizonTsUs: this.horizonTsUs,
      stream: { ...r.stream.stats },
      orders: { ...r.orders.stats },
      candles: { ...r.recent.candles.stats },
      ingest: this.ingest === null ? null : { ...this.ingest.stats },
      writers: this.writers?.stats() ?? null,
      api: this.api === null ? null : { ...this.api.stats },
      memory: {
        ordersLive: r.orders.store.liveCount,
        ordersFinishedKept: r.orders.store.finishedKept,
        orderBytes: r.orders.store.bytesAllocated(),
        heapBytes: mem.heapUsed,
        rssBytes: mem.rss,
      },
    };
  }

  /** Stops following; the writers send what they can until the deadline and spill the rest for the next start. */
  async stop(deadlineMs = 10_000): Promise<void> {
    // Apply what is durable first (bounded: the writers need the rest of the deadline).
    await withDeadline(this.caughtUp(), deadlineMs / 2).catch(() => {});
    this.stopped = true;
    if (this.liveTimer !== null) clearInterval(this.liveTimer);
    await this.ready.catch(() => {});
    while (this.pumping) await new Promise((resolve) => setImmediate(resolve));
    this.ingest?.upsertLiveCandles();
    await this.api?.stop();
    if (this.writers !== null) await this.writers.close(deadlineMs);
    this.replica.close();
  }

  /** A crash, for tests: nothing is flushed, spill files stay marked open. */
  abandon(): void {
    this.stopped = true;
    if (this.liveTimer !== null) clearInterval(this.liveTimer);
    void this.api?.stop();
    for (const t of ["ticks", "candles", "orders", "orderEvents"] as const) this.writers?.[t].writer.abandon();
    this.replica.close();
  }

  // ---- start-up ----

  private async start(): Promise<void> {
    if (this.o.questdb !== null) await this.openQuestdb(this.o.questdb);
    if (this.stopped) return;
    const started = performance.now();
    await this.pumpTo(() => this.target);
    this.replayRecords = this.replica.appliedSeq;
    this.replayMs = performance.now() - started;
    this.ingest?.upsertLiveCandles();
    this.live = true;
    this.log(`market data: replayed ${this.replayRecords} journal records in ${this.replayMs.toFixed(0)} ms; live`);
    if (this.ingest !== null) {
      const interval = this.o.liveCandleIntervalMs ?? 1000;
      this.liveTimer = setInterval(() => this.onLiveTimer(), interval);
    }
    this.kick();
  }

  private async openQuestdb(q: QuestdbOptions): Promise<void> {
    mkdirSync(q.spillDir, { recursive: true });
    const symbols = new SymbolNames(this.o.engine.symbolsMax);
    let delayMs = 500;
    let lastLogMs = 0;
    while (!this.stopped) {
      try {
        this.writers = await openMarketDataWriters({
          httpUrl: q.httpUrl,
          spillDir: q.spillDir,
          symbols,
          limits: q.limits,
          log: this.warn,
        });
        break;
      } catch (error) {
        if (Date.now() - lastLogMs >= writersRetryMsMax) {
          lastLogMs = Date.now();
          this.warn(
            `market data: QuestDB at ${q.httpUrl} not usable (${(error as Error).message.slice(0, 300)}); ` +
              `retrying, the API answers 503 until it is`,
          );
        }
        await Bun.sleep(delayMs);
        delayMs = Math.min(writersRetryMsMax, delayMs * 2);
      }
    }
    const writers = this.writers;
    if (writers === null) return;
    await writers.flush();
    try {
      await waitForWalApplied(
        q.httpUrl,
        marketDataTables.map((t) => t.name),
        q.walWaitMs ?? 30_000,
      );
    } catch (error) {
      this.warn(
        `market data: ${(error as Error).message.slice(0, 300)}; resuming from what is visible (re-sends ` +
          `more, loses nothing)`,
      );
    }
    const resendAll = existsSync(join(q.spillDir, resendMarker));
    this.resumePoints = resendAll ? null : await readResumePoints(q.httpUrl);
    const points = resendAll
      ? "ignored (a writer dropped rows last run): re-sending everything"
      : JSON.stringify(this.resumePoints);
    this.log(`market data: resume points ${points}`);
    const engine = this.replica.sequencer.engine;
    const name = (id: number) => (id >= 0 && id < engine.booksCount ? engine.symbolSpec(id).name : null);
    const candleResume = resendAll ? null : await readCandleResume(q.httpUrl);
    this.ingest = new QuestdbIngest(
      writers,
      this.replica.recent.candles,
      symbols,
      name,
      resumeFilter(this.resumePoints, candleResume),
      this.warn,
    );
    this.ingest.ordersEnabled = q.orders ?? true;
    this.replica.stream.addSink(this.ingest);
    this.replica.orders.addSink(this.ingest);
    if (resendAll) void this.clearResendMarkerWhenSent(q.spillDir);
  }

  /** After a full re-send is acknowledged, the next start may resume from the largest ids again. */
  private async clearResendMarkerWhenSent(spillDir: string): Promise<void> {
    await this.ready;
    await this.writers?.flush();
    if (!this.writersDropped()) rmSync(join(spillDir, resendMarker), { force: true });
  }

  private writersDropped(): boolean {
    const stats = this.writers?.stats() ?? {};
    return Object.values(stats).some((s) => s.rowsDropped > 0);
  }

  // ---- following ----

  private kick(): void {
    if (this.pumping || this.stopped || !this.live) return;
    this.pumpTo(() => this.durable).catch((error: unknown) => {
      // A damaged journal or a broken invariant: stop following, loudly; matching is not affected.
      this.stopped = true;
      this.live = false;
      this.warn(`market data stopped: ${(error as Error).stack ?? String(error)}`);
    });
  }

  /** Applies records until `limit()` is reached, yielding to the event loop after every slice. */
  private async pumpTo(limit: () => number): Promise<void> {
    this.pumping = true;
    try {
      while (!this.stopped && this.replica.appliedSeq < limit()) {
        if (this.replica.step(limit(), this.sliceRecordsMax) === 0) {
          // Durable but not yet readable: the file write is in progress; look again next turn.
          await Bun.sleep(1);
          continue;
        }
        await new Promise((resolve) => setImmediate(resolve));
      }
      this.advance();
    } finally {
      this.pumping = false;
    }
  }

  private advance(): void {
    const h = this.horizon;
    if (h === null || !this.live || this.replica.appliedSeq < h.seq) return;
    this.horizon = null;
    this.replica.recent.candles.advanceTo(h.tsUs);
    this.horizonsApplied++;
    this.horizonTsUs = Math.max(this.horizonTsUs, h.tsUs);
  }

  private onLiveTimer(): void {
    this.ingest?.upsertLiveCandles();
    const q = this.o.questdb;
    if (q !== null && !this.resendMarked && this.writersDropped()) {
      this.resendMarked = true;
      writeFileSync(
        join(q.spillDir, resendMarker),
        `rows dropped at ${new Date().toISOString()}; the next start re-sends everything\n`,
      );
      this.warn(
        "market data: a writer dropped rows (spill file full); the next start re-sends everything from the journal",
      );
    }
  }

  private context(): ApiContext {
    const r = this.replica;
    const engine = r.sequencer.engine;
    const q = this.o.questdb;
    return {
      engine,
      ticks: r.recent.ticks,
      candles: r.recent.candles,
      orders: r.orders.store,
      questdb: q === null ? null : new QuestdbReader(q.httpUrl, (name) => engine.bookOf(name)),
      limits: { ...apiLimitsDefault, ...this.o.apiLimits },
      nowMs: this.nowMs,
      state: (): ApiState => ({
        live: this.live,
        appliedSeq: r.appliedSeq,
        appliedTsUs: r.appliedTsUs,
        targetSeq: this.target,
      }),
      userOfKeyHash: (sha256) => this.keys.get(sha256) ?? null,
    };
  }
}
