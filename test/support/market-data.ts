// A live exchange (sequencer, engine, journal file) driven by seeded random
// order flow, with the market-data service following its journal in this
// process, and the truth the service is checked against, computed from the
// live engine's own events by the plain references: every trade, the candle
// reference, the order reference.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventRecord } from "../../src/engine/command.ts";
import { resolveEngineConfig } from "../../src/engine/config.ts";
import { EventKind } from "../../src/engine/constants.ts";
import type { EventBuffer } from "../../src/engine/events.ts";
import { MarketDataService, type MarketDataServiceOptions } from "../../src/api/service.ts";
import { CandleReference } from "../../src/marketdata/candle-reference.ts";
import { OrderReference, type ReferenceCommand } from "../../src/marketdata/order-reference.ts";
import { newTradeRow, type TradeRow } from "../../src/marketdata/trade.ts";
import type { InputRecordView } from "../../src/protocol/index.ts";
import { JournalLog } from "../../src/sequencer/journal-log.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { OrderFlow } from "../marketdata/order-flow.ts";

export const engineConfig = resolveEngineConfig({
  ordersMax: 1 << 14,
  levelsMax: 1 << 12,
  levelsPerSideMax: 1 << 10,
  symbolsMax: 8,
  eventsMax: 256,
});
export const usersCount = 6;
export const keyOf = (user: number) => `md-key-${user}`;
export const apiKeys = Array.from({ length: usersCount }, (_, i) => ({
  sha256: new Bun.CryptoHasher("sha256").update(keyOf(i + 1)).digest("hex"),
  user: i + 1,
}));
/** 2026-01-01T00:00:00Z. */
export const flowStartMs = 1_767_225_600_000;

/** The truth: the live engine's events through the plain references. */
export class Truth {
  readonly trades: TradeRow[] = [];
  readonly candles = new CandleReference();
  readonly orders = new OrderReference();
  /** Engine time of the newest event. */
  lastTsUs = 0;
  private readonly pending: EventRecord[] = [];
  private cmd: ReferenceCommand | null = null;
  private seq = -1;

  onEvents(events: EventBuffer, cmd: InputRecordView): void {
    for (let i = 0; i < events.count; i++) {
      const e = events.record(i);
      if (e.seq !== this.seq) this.finish();
      this.seq = e.seq;
      this.lastTsUs = e.tsUs;
      this.cmd ??= {
        command: cmd.command,
        orderId: cmd.orderId,
        userId: cmd.userId,
        type: cmd.type,
        tif: cmd.tif,
        postOnly: cmd.postOnly,
        priceTicks: cmd.priceTicks,
        qtyLots: cmd.qtyLots,
        stopPriceTicks: cmd.stopPriceTicks,
      };
      this.pending.push(e);
      if (e.kind !== EventKind.Trade) continue;
      const t = newTradeRow();
      Object.assign(t, {
        symbolId: e.book,
        tsUs: e.tsUs,
        priceTicks: e.priceTicks,
        qtyLots: e.qtyLots,
        quoteQty: Math.min(e.priceTicks * e.qtyLots, Number.MAX_SAFE_INTEGER),
        tradeId: e.tradeId,
        seq: e.seq,
        takerSide: e.side,
        makerOrderId: e.otherId,
        takerOrderId: e.id,
        makerUserId: e.otherUser,
        takerUserId: e.user,
      });
      this.trades.push(t);
      this.candles.onTrade(t);
    }
  }

  /** Ends the last command (call before reading `orders`). */
  finish(): void {
    if (this.cmd !== null) this.orders.command(this.cmd, this.pending);
    this.pending.length = 0;
    this.cmd = null;
  }
}

export interface Exchange {
  dir: string;
  journalPath: string;
  sequencer: Sequencer;
  log: JournalLog;
  flow: OrderFlow;
  truth: Truth;
  /** Runs `n` commands in batches, each made durable. */
  run(n: number): void;
  close(): Promise<void>;
}

/** A fresh exchange in a temp dir; `stepNsMax` spreads commands over engine time (candles need hours to wrap). */
export function startExchange(
  seed: number,
  stepNsMax = 2_000_000_000,
  dir = mkdtempSync(join(tmpdir(), "md-exchange-")),
): Exchange {
  const journalPath = join(dir, "journal.bin");
  const log = JournalLog.open(journalPath, "write", 1 << 20, 0, () => {});
  const sequencer = new Sequencer(engineConfig, log);
  const truth = new Truth();
  sequencer.addConsumer(truth);
  const flow = new OrderFlow(seed, sequencer, usersCount, { startNs: flowStartMs * 1e6, stepNsMax });
  flow.defineSymbols();
  sequencer.flush();
  return {
    dir,
    journalPath,
    sequencer,
    log,
    flow,
    truth,
    run(n) {
      for (let done = 0; done < n;) {
        const k = Math.min(n - done, 1 + flow.rng.int(40));
        flow.run(k);
        sequencer.flush();
        done += k;
      }
      truth.finish();
    },
    async close() {
      await log.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The service following `x`'s journal in this process; the exchange tells it each durable seq. */
export function followExchange(x: Exchange, o: Partial<MarketDataServiceOptions> = {}): MarketDataService {
  const service = new MarketDataService(
    {
      engine: engineConfig,
      journalPath: x.journalPath,
      questdb: null,
      api: { port: 0 },
      apiKeys,
      log: () => {},
      ...o,
    },
    x.sequencer.durableSeq,
  );
  x.sequencer.addConsumer({ onEvents() {}, onDurable: (seq) => service.onDurable(seq) });
  return service;
}

/** GET `path` from the service's API; the body parsed as JSON. */
export async function get(
  service: MarketDataService,
  path: string,
  key: string | null = null,
  method = "GET",
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = key === null ? {} : { "x-api-key": key };
  const r = await fetch(`${service.api!.url}${path}`, { method, headers });
  const text = await r.text();
  return { status: r.status, body: text.length === 0 ? null : JSON.parse(text) };
}
