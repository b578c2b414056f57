// One engine shard's outputs to Kafka. Executions: one ExecutionRecord per
// report (a trade: taker and maker), keyed by the user id, produced as the
// command is applied (in Kafka mode everything applied is already durable in
// the `orders` partition). Trades, level-2 changes, best bid/offer and closed
// candles come from the shard's market-data stream at the end of each batch
// (MarketDataSink). Every id is the engine's (seq, trade id, order id), so a
// restart that re-sends outputs sends the same records.

import { EventKind, Side } from "../../engine/constants.ts";
import type { EventBuffer } from "../../engine/events.ts";
import { CandleAggregator } from "../../marketdata/candles.ts";
import type { BboRow, LevelChangeRow, OrderChangeRow } from "../../marketdata/rows.ts";
import type { MarketDataSink } from "../../marketdata/stream.ts";
import type { TradeRow } from "../../marketdata/trade.ts";
import { fillExecReport, Liquidity } from "../../protocol/event-report.ts";
import { ExecReport, type InputRecordView } from "../../protocol/messages.ts";
import type { EventConsumer } from "../../sequencer/sequencer.ts";
import { PARTITION_ANY } from "../record.ts";
import type { OutputLog } from "./output-log.ts";
import { type CandleValues, ExecutionRecordWriter, MarketDataEncoder, TradeRecordWriter } from "./records.ts";

export interface OutputTopics {
  /** Producer topic indexes (OutputLog.topic). */
  executions: number;
  matches: number;
  marketData: number;
}

/** Candles kept per (symbol, interval): only the live one and the one just closed are ever read here. */
const candlesPerSeries = 4;

export class ShardOutputs implements EventConsumer, MarketDataSink {
  readonly stats = { executions: 0, trades: 0, levels: 0, bbos: 0, candles: 0, candlesSkipped: 0 };
  private readonly log: OutputLog;
  private readonly shardIndex: number;
  private readonly partition: number;
  private readonly topics: OutputTopics;
  /** The shard's last applied seq: market-data records of a release belong to it. */
  private readonly appliedSeq: () => number;
  private readonly symbolKey: (symbolId: number) => Uint8Array;
  private readonly report = new ExecReport();
  private readonly executions = new ExecutionRecordWriter();
  private readonly trades = new TradeRecordWriter();
  private readonly marketData = new MarketDataEncoder();
  private readonly userKey = new Uint8Array(new ArrayBuffer(24));
  private readonly candles: CandleAggregator;
  private reportSeq = 0;
  private reportIndex = 0;
  /**
   * Candles opened at or before this time (µs) may miss trades applied before
   * the shard's start (a restart from a snapshot): they are not published.
   * -1 until the first event; 0 when the shard started from the partition's beginning.
   */
  private completeAfterUs: number;

  constructor(args: {
    log: OutputLog;
    shardIndex: number;
    partition: number;
    topics: OutputTopics;
    symbolsMax: number;
    appliedSeq: () => number;
    symbolKey: (symbolId: number) => Uint8Array;
    fromPartitionStart: boolean;
  }) {
    this.log = args.log;
    this.shardIndex = args.shardIndex;
    this.partition = args.partition;
    this.topics = args.topics;
    this.appliedSeq = args.appliedSeq;
    this.symbolKey = args.symbolKey;
    this.candles = new CandleAggregator({ symbolsMax: args.symbolsMax, candlesPerSeries });
    this.candles.onFinal = (symbolId, interval, slot) => this.candle(symbolId, interval, slot);
    this.completeAfterUs = args.fromPartitionStart ? 0 : -1;
  }

  // ---- executions (EventConsumer) ----

  onEvents(events: EventBuffer, cmd: InputRecordView): void {
    if (this.completeAfterUs < 0 && events.count > 0) this.completeAfterUs = events.tsUs(0);
    if (cmd.engineSeq !== this.reportSeq) {
      this.reportSeq = cmd.engineSeq;
      this.reportIndex = 0;
    }
    for (let i = 0; i < events.count; i++) {
      const kind = events.kind(i);
      // Booked is market data (the order joined a level), not an execution report.
      if (kind === EventKind.Booked) continue;
      if (kind === EventKind.Trade) {
        this.execution(
          events.user(i),
          cmd,
          events,
          i,
          kind,
          events.clientId(i),
          events.side(i),
          events.leavesQtyLots(i),
          Liquidity.Taker,
        );
        const makerSide = events.side(i) === Side.Buy ? Side.Sell : Side.Buy;
        this.execution(
          events.otherUser(i),
          cmd,
          events,
          i,
          kind,
          events.otherClientId(i),
          makerSide,
          events.otherLeavesQtyLots(i),
          Liquidity.Maker,
        );
      } else {
        this.execution(
          events.user(i),
          cmd,
          events,
          i,
          kind,
          events.clientId(i),
          events.side(i),
          events.leavesQtyLots(i),
          Liquidity.None,
        );
      }
    }
  }

  private execution(
    user: number,
    cmd: InputRecordView,
    ev: EventBuffer,
    i: number,
    kind: number,
    clientId: number,
    side: number,
    leaves: number,
    liquidity: number,
  ): void {
    const r = this.report;
    fillExecReport(r, ev, i, cmd, kind, clientId, side, leaves, liquidity);
    // The command's reference goes to its own user only: a maker must not learn the taker's.
    const own = user === cmd.userId;
    const w = this.executions;
    w.write(user, this.partition, this.reportIndex++, own ? cmd.sessionId : 0, own ? cmd.sessionSeq : 0, r);
    const rec = this.log.record;
    rec.topic = this.topics.executions;
    rec.partition = PARTITION_ANY;
    rec.headers = null;
    rec.setValue(w.frame.bytes, w.frame.valueStart, w.frame.valueBytes);
    rec.setKey(this.userKey, 0, writeDecimal(this.userKey, user));
    this.log.send(this.shardIndex, cmd.engineSeq);
    this.stats.executions++;
  }

  // ---- market data (MarketDataSink) ----

  onTrade(t: TradeRow): void {
    const w = this.trades;
    w.write(this.partition, t);
    this.sendKeyed(this.topics.matches, t.symbolId, w.frame.bytes, w.frame.valueStart, w.frame.valueBytes);
    this.stats.trades++;
    this.candles.onTrade(t);
  }

  onOrder(_c: OrderChangeRow): void {}

  onLevel(c: LevelChangeRow): void {
    const m = this.marketData;
    m.level(this.partition, c);
    this.sendKeyed(this.topics.marketData, c.symbolId, m.bytes, m.start, m.end - m.start);
    this.stats.levels++;
  }

  onBbo(b: BboRow): void {
    const m = this.marketData;
    m.bbo(this.partition, b);
    this.sendKeyed(this.topics.marketData, b.symbolId, m.bytes, m.start, m.end - m.start);
    this.stats.bbos++;
  }

  onReleased(_seq: number, tsUs: number): void {
    // Engine time only: a quiet shard closes its candles with its next command, deterministically.
    if (tsUs > 0) this.candles.advanceTo(tsUs);
  }

  private candle(symbolId: number, interval: number, slot: number): void {
    const c = this.candles;
    if (c.openTimeUs[slot]! <= this.completeAfterUs) {
      this.stats.candlesSkipped++;
      return;
    }
    const record = c.record(symbolId, interval, slot);
    const values: CandleValues = {
      symbolId,
      interval,
      openTimeUs: record.openTimeUs,
      open: record.open,
      high: record.high,
      low: record.low,
      close: record.close,
      volume: record.volume.toString(),
      quoteVolume: record.quoteVolume.toString(),
      notional: record.notional.toString(),
      trades: record.trades,
      vwap: record.vwapTicks,
      firstTradeId: record.firstTradeId,
      lastTradeId: record.lastTradeId,
    };
    const m = this.marketData;
    m.candle(this.partition, values);
    this.sendKeyed(this.topics.marketData, symbolId, m.bytes, m.start, m.end - m.start);
    this.stats.candles++;
  }

  private sendKeyed(topic: number, symbolId: number, bytes: Uint8Array, start: number, length: number): void {
    const rec = this.log.record;
    rec.topic = topic;
    rec.partition = PARTITION_ANY;
    rec.headers = null;
    rec.setValue(bytes, start, length);
    rec.setKey(this.symbolKey(symbolId));
    this.log.send(this.shardIndex, this.appliedSeq());
  }
}

/** Writes `n` (a safe integer >= 0) as decimal ASCII at the start of `out`; returns the digits written. */
export function writeDecimal(out: Uint8Array, n: number): number {
  let digits = 1;
  for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = n;
  for (let k = digits - 1; k >= 0; k--) {
    const q = Math.floor(v / 10);
    out[k] = 48 + (v - q * 10);
    v = q;
  }
  return digits;
}
