// The market-data replica: a second engine that replays the exchange's journal
// and feeds the market-data stream (trades, book changes), the order tracker
// (order state and events) and the recent trades and candles kept in memory.
//
// Why a replica instead of the matching thread's own events: the engine is
// deterministic, so the journal's records applied to a fresh engine with the
// same configuration give exactly the events the exchange produced, and the
// replica can run anywhere (a worker thread) at no cost to matching beyond
// telling it the durable seq. Start-up, crash resume and live following are
// then one code path: replay from the first record, then keep reading as the
// journal grows. It reads only records the exchange reported durable, so
// nothing it hands out can be undone by a crash of the exchange.
//
// The price is a second engine's memory and a replay of the whole journal at
// every start (measured in the README's market-data section).

import type { EngineConfig } from "../engine/config.ts";
import { JournalFollower } from "../journal/follower.ts";
import { FastInputRecordDecoder } from "../protocol/fixed-read.ts";
import { InputRecordView } from "../protocol/index.ts";
import { Sequencer } from "../sequencer/sequencer.ts";
import type { CandleLimits, TickRingLimits } from "./constants.ts";
import { CandleAggregator } from "./candles.ts";
import type { OrderMemoryLimits } from "./order-store.ts";
import { OrderTracker } from "./order-tracker.ts";
import { RecentMarketData } from "./recent-sink.ts";
import { MarketDataStream, mirrorLimits } from "./stream.ts";
import { TickRing } from "./tick-ring.ts";

export interface ReplicaOptions {
  /** The exchange engine's configuration: the replica must reject and match exactly as it does. */
  engine: EngineConfig;
  /** The exchange's journal file. */
  journalPath: string;
  orders?: Partial<OrderMemoryLimits>;
  candles?: Partial<CandleLimits>;
  ticks?: Partial<TickRingLimits>;
}

export class MarketDataReplica {
  readonly sequencer: Sequencer;
  readonly stream: MarketDataStream;
  readonly recent: RecentMarketData;
  readonly orders: OrderTracker;
  readonly journalPath: string;
  /** Seq of the last record applied, and its engine time (µs). */
  appliedSeq = 0;
  appliedTsUs = 0;
  private follower: JournalFollower | null = null;
  private readonly decoder = new FastInputRecordDecoder();
  private readonly view = new InputRecordView();
  private readonly onRecord = (seq: number, bytes: Uint8Array, offset: number, length: number): void =>
    this.applyRecord(seq, bytes, offset, length);

  constructor(o: ReplicaOptions) {
    this.journalPath = o.journalPath;
    this.sequencer = new Sequencer(o.engine, null);
    const symbolsMax = o.engine.symbolsMax;
    this.stream = new MarketDataStream(mirrorLimits(o.engine));
    this.recent = new RecentMarketData(
      symbolsMax,
      new TickRing({ symbolsMax, ...o.ticks }),
      new CandleAggregator({ symbolsMax, ...o.candles }),
    );
    this.stream.addSink(this.recent);
    this.orders = new OrderTracker(o.orders);
    this.sequencer.addConsumer(this.stream);
    this.sequencer.addConsumer(this.orders);
  }

  /**
   * Applies the journal's records up to `durableSeq`, at most `recordsMax` of
   * them, then releases what they produced to the sinks. Returns how many
   * records it applied (0: nothing new is written yet).
   */
  step(durableSeq: number, recordsMax: number): number {
    if (durableSeq <= this.appliedSeq) return 0;
    const f = this.follower ?? this.openFollower();
    const applied = f.read(durableSeq, recordsMax, this.onRecord);
    if (applied > 0) this.sequencer.flush();
    return applied;
  }

  close(): void {
    this.follower?.close();
    this.follower = null;
  }

  private openFollower(): JournalFollower {
    this.follower = JournalFollower.open(this.journalPath);
    return this.follower;
  }

  private applyRecord(seq: number, bytes: Uint8Array, offset: number, length: number): void {
    const view = this.view;
    const code = this.decoder.decode(bytes, offset, offset + length, view);
    if (code !== 0)
      throw new Error(
        `market data: journal ${this.journalPath} record ${seq} is not a valid InputRecord (protocol error ${code})`,
      );
    if (view.engineSeq !== seq)
      throw new Error(`market data: journal ${this.journalPath} record ${seq} carries engine seq ${view.engineSeq}`);
    this.sequencer.apply(view);
    this.orders.finishCommand();
    this.appliedSeq = seq;
    this.appliedTsUs = Math.floor(view.receivedNs / 1000);
  }
}
