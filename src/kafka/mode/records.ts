// The Kafka mode's output records (schema/exchange.fbs, "Kafka topics"):
// writers for the engine side and a verifying reader for consumers (tests,
// benchmarks, tools). Executions and trades are hot and have fixed layouts
// (fixed-record.ts); market-data records (levels, best bid/offer, candles)
// come once per changed level or book per batch and use the Builder.

import { ByteBuffer } from "flatbuffers";
import { intervalUs } from "../../marketdata/intervals.ts";
import type { BboRow, LevelChangeRow } from "../../marketdata/rows.ts";
import type { TradeRow } from "../../marketdata/trade.ts";
import { ProtocolError, protocolErrorNames, u32Range, u53HiLimit } from "../../protocol/constants.ts";
import { ReusableBuilder } from "../../protocol/encode.ts";
import * as wire from "../../protocol/generated/exchange_generated.ts";
import { ExecutionRecord as WireExecutionRecord } from "../../protocol/generated/wire/execution-record.ts";
import { MarketDataRecord as WireMarketDataRecord } from "../../protocol/generated/wire/market-data-record.ts";
import { TradeRecord as WireTradeRecord } from "../../protocol/generated/wire/trade-record.ts";
import * as layout from "../../protocol/layout.ts";
import type { ExecReport } from "../../protocol/messages.ts";
import { isU53, isU64, notWireType } from "../../protocol/ranges.ts";
import { Verifier } from "../../protocol/verify.ts";
import { FixedFrame, recordTemplate } from "./fixed-record.ts";

/** Largest output record, length prefix included (a candle with three long decimals is about 200 bytes). */
export const outputRecordBytesMax = 4096;

/** Writes ExecutionRecord{user, shard, index, reference, ExecutionReport} into one reused frame. */
export class ExecutionRecordWriter {
  readonly frame = new FixedFrame(
    recordTemplate(layout.ExecutionRecord, { field: "report", table: layout.ExecutionReport }, outputRecordBytesMax),
  );
  private readonly userAt = this.frame.at("ExecutionRecord.user_id");
  private readonly shardAt = this.frame.at("ExecutionRecord.shard");
  private readonly indexAt = this.frame.at("ExecutionRecord.report_index");
  private readonly sessionIdAt = this.frame.at("ExecutionRecord.session_id");
  private readonly sessionSeqAt = this.frame.at("ExecutionRecord.session_seq");
  private readonly kindAt = this.frame.at("ExecutionReport.kind");
  private readonly rejectAt = this.frame.at("ExecutionReport.reject_reason");
  private readonly cancelAt = this.frame.at("ExecutionReport.cancel_reason");
  private readonly clientIdAt = this.frame.at("ExecutionReport.client_order_id");
  private readonly orderIdAt = this.frame.at("ExecutionReport.order_id");
  private readonly symbolAt = this.frame.at("ExecutionReport.symbol_id");
  private readonly sideAt = this.frame.at("ExecutionReport.side");
  private readonly priceAt = this.frame.at("ExecutionReport.price");
  private readonly qtyAt = this.frame.at("ExecutionReport.qty");
  private readonly leavesAt = this.frame.at("ExecutionReport.leaves_qty");
  private readonly tradeIdAt = this.frame.at("ExecutionReport.trade_id");
  private readonly liquidityAt = this.frame.at("ExecutionReport.liquidity");
  private readonly seqAt = this.frame.at("ExecutionReport.engine_seq");
  private readonly timeAt = this.frame.at("ExecutionReport.timestamp_ns");

  /**
   * Fills the frame; the record is `frame.bytes[frame.valueStart, frame.frameBytes)`. Values
   * outside their wire type throw.
   */
  write(userId: number, shard: number, index: number, sessionId: number, sessionSeq: number, r: ExecReport): void {
    const f = this.frame;
    f.u53(this.userAt, userId);
    f.u32(this.shardAt, shard);
    f.u32(this.indexAt, index);
    f.u53(this.sessionIdAt, sessionId);
    f.u53(this.sessionSeqAt, sessionSeq);
    f.u8(this.kindAt, r.kind);
    f.u8(this.rejectAt, r.rejectReason);
    f.u8(this.cancelAt, r.cancelReason);
    f.u53(this.clientIdAt, r.clientOrderId);
    f.u53(this.orderIdAt, r.orderId);
    f.u32(this.symbolAt, r.symbolId);
    f.u8(this.sideAt, r.side);
    f.i32(this.priceAt, r.priceTicks);
    f.u53(this.qtyAt, r.qtyLots);
    f.u53(this.leavesAt, r.leavesQtyLots);
    f.u53(this.tradeIdAt, r.tradeId);
    f.u8(this.liquidityAt, r.liquidity);
    f.u53(this.seqAt, r.engineSeq);
    f.u64(this.timeAt, r.timestampNs);
  }
}

/** Writes TradeRecord into one reused frame. */
export class TradeRecordWriter {
  readonly frame = new FixedFrame(recordTemplate(layout.TradeRecord, null, outputRecordBytesMax));
  private readonly shardAt = this.frame.at("TradeRecord.shard");
  private readonly tradeIdAt = this.frame.at("TradeRecord.trade_id");
  private readonly seqAt = this.frame.at("TradeRecord.engine_seq");
  private readonly symbolAt = this.frame.at("TradeRecord.symbol_id");
  private readonly priceAt = this.frame.at("TradeRecord.price");
  private readonly qtyAt = this.frame.at("TradeRecord.qty");
  private readonly quoteAt = this.frame.at("TradeRecord.quote_qty");
  private readonly sideAt = this.frame.at("TradeRecord.taker_side");
  private readonly takerOrderAt = this.frame.at("TradeRecord.taker_order_id");
  private readonly makerOrderAt = this.frame.at("TradeRecord.maker_order_id");
  private readonly takerUserAt = this.frame.at("TradeRecord.taker_user_id");
  private readonly makerUserAt = this.frame.at("TradeRecord.maker_user_id");
  private readonly timeAt = this.frame.at("TradeRecord.timestamp_ns");

  write(shard: number, t: TradeRow): void {
    const f = this.frame;
    f.u32(this.shardAt, shard);
    f.u53(this.tradeIdAt, t.tradeId);
    f.u53(this.seqAt, t.seq);
    f.u32(this.symbolAt, t.symbolId);
    f.i32(this.priceAt, t.priceTicks);
    f.u53(this.qtyAt, t.qtyLots);
    f.u53(this.quoteAt, t.quoteQty);
    f.u8(this.sideAt, t.takerSide);
    f.u53(this.takerOrderAt, t.takerOrderId);
    f.u53(this.makerOrderAt, t.makerOrderId);
    f.u53(this.takerUserAt, t.takerUserId);
    f.u53(this.makerUserAt, t.makerUserId);
    f.u64(this.timeAt, t.tsUs * 1000);
  }
}

/** A closed candle as the market-data writer hands it over. */
export interface CandleValues {
  symbolId: number;
  interval: number;
  openTimeUs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: string;
  quoteVolume: string;
  notional: string;
  trades: number;
  vwap: number;
  firstTradeId: number;
  lastTradeId: number;
}

/** Encodes MarketDataRecords with one reused Builder; the record is `bytes[start, end)` (no length prefix). */
export class MarketDataEncoder {
  private readonly b = new ReusableBuilder(2 * outputRecordBytesMax);
  bytes: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;

  level(shard: number, r: LevelChangeRow): void {
    const b = this.start_();
    wire.LevelUpdate.startLevelUpdate(b);
    wire.LevelUpdate.addQty(b, this.u53(r.qtyLots));
    wire.LevelUpdate.addEngineSeq(b, this.u53(r.seq));
    wire.LevelUpdate.addSymbolId(b, r.symbolId);
    wire.LevelUpdate.addPrice(b, r.priceTicks);
    wire.LevelUpdate.addOrders(b, r.ordersCount);
    wire.LevelUpdate.addSide(b, r.side);
    this.finish(shard, wire.MarketData.LevelUpdate, wire.LevelUpdate.endLevelUpdate(b));
  }

  bbo(shard: number, r: BboRow): void {
    const b = this.start_();
    wire.BestBidOffer.startBestBidOffer(b);
    wire.BestBidOffer.addBidQty(b, this.u53(r.bidQtyLots));
    wire.BestBidOffer.addAskQty(b, this.u53(r.askQtyLots));
    wire.BestBidOffer.addEngineSeq(b, this.u53(r.seq));
    wire.BestBidOffer.addTimestampNs(b, this.u64(r.tsUs * 1000));
    wire.BestBidOffer.addSymbolId(b, r.symbolId);
    wire.BestBidOffer.addBidPrice(b, r.bidPriceTicks);
    wire.BestBidOffer.addBidOrders(b, r.bidOrders);
    wire.BestBidOffer.addAskPrice(b, r.askPriceTicks);
    wire.BestBidOffer.addAskOrders(b, r.askOrders);
    this.finish(shard, wire.MarketData.BestBidOffer, wire.BestBidOffer.endBestBidOffer(b));
  }

  candle(shard: number, c: CandleValues): void {
    const b = this.start_();
    const volume = b.createString(c.volume);
    const quote = b.createString(c.quoteVolume);
    const notional = b.createString(c.notional);
    wire.Candle.startCandle(b);
    wire.Candle.addOpenTimeNs(b, this.u64(c.openTimeUs * 1000));
    wire.Candle.addTrades(b, this.u53(c.trades));
    wire.Candle.addFirstTradeId(b, this.u53(c.firstTradeId));
    wire.Candle.addLastTradeId(b, this.u53(c.lastTradeId));
    wire.Candle.addSymbolId(b, c.symbolId);
    wire.Candle.addOpen(b, c.open);
    wire.Candle.addHigh(b, c.high);
    wire.Candle.addLow(b, c.low);
    wire.Candle.addClose(b, c.close);
    wire.Candle.addVolume(b, volume);
    wire.Candle.addQuoteVolume(b, quote);
    wire.Candle.addNotional(b, notional);
    wire.Candle.addVwap(b, c.vwap);
    wire.Candle.addInterval(b, c.interval);
    this.finish(shard, wire.MarketData.Candle, wire.Candle.endCandle(b));
  }

  private start_(): ReusableBuilder {
    this.b.clear();
    return this.b;
  }

  private finish(shard: number, bodyType: number, body: number): void {
    const b = this.b;
    WireMarketDataRecord.startMarketDataRecord(b);
    WireMarketDataRecord.addBody(b, body);
    WireMarketDataRecord.addShard(b, shard);
    WireMarketDataRecord.addBodyType(b, bodyType);
    b.finish(WireMarketDataRecord.endMarketDataRecord(b));
    const data = b.dataBuffer();
    this.bytes = data.bytes();
    this.start = data.position();
    this.end = this.start + b.offset();
  }

  private u53(v: number): number {
    if (!isU53(v)) notWireType("U53", v);
    const hi = Math.floor(v / u32Range);
    return wire.U53.createU53(this.b, v - hi * u32Range, hi);
  }

  private u64(v: number): number {
    if (!isU64(v)) notWireType("U64", v);
    const hi = Math.floor(v / u32Range);
    return wire.U64.createU64(this.b, v - hi * u32Range, hi);
  }
}

// ---- reading (consumers: tests, benchmarks, tools) ----

export interface ExecutionRecordValues {
  userId: number;
  shard: number;
  reportIndex: number;
  sessionId: number;
  sessionSeq: number;
  kind: number;
  rejectReason: number;
  cancelReason: number;
  clientOrderId: number;
  orderId: number;
  symbolId: number;
  side: number;
  priceTicks: number;
  qtyLots: number;
  leavesQtyLots: number;
  tradeId: number;
  liquidity: number;
  engineSeq: number;
  timestampNs: number;
}

export interface TradeRecordValues {
  shard: number;
  tradeId: number;
  engineSeq: number;
  symbolId: number;
  priceTicks: number;
  qtyLots: number;
  quoteQty: number;
  takerSide: number;
  takerOrderId: number;
  makerOrderId: number;
  takerUserId: number;
  makerUserId: number;
  timestampNs: number;
}

export type MarketDataValues =
  | {
      shard: number;
      kind: "level";
      symbolId: number;
      side: number;
      priceTicks: number;
      qtyLots: number;
      orders: number;
      engineSeq: number;
    }
  | {
      shard: number;
      kind: "bbo";
      symbolId: number;
      bidPriceTicks: number;
      bidQtyLots: number;
      bidOrders: number;
      askPriceTicks: number;
      askQtyLots: number;
      askOrders: number;
      engineSeq: number;
      timestampNs: number;
    }
  | ({ shard: number; kind: "candle"; intervalUs: number } & CandleValues);

/** A record that failed verification. */
export class RecordError extends Error {}

/** Verifies and reads output records into plain objects (allocates: an edge, not the engine's hot path). */
export class OutputRecordReader {
  private readonly verifier = new Verifier();

  execution(bytes: Uint8Array, start = 0, end = bytes.length): ExecutionRecordValues {
    const bb = this.open(bytes, start, end, layout.ExecutionRecord);
    const t = WireExecutionRecord.getRootAsExecutionRecord(bb);
    const r = t.report()!;
    return {
      userId: u53(t.userId()),
      shard: t.shard(),
      reportIndex: t.reportIndex(),
      sessionId: u53(t.sessionId()),
      sessionSeq: u53(t.sessionSeq()),
      kind: r.kind(),
      rejectReason: r.rejectReason(),
      cancelReason: r.cancelReason(),
      clientOrderId: u53(r.clientOrderId()),
      orderId: u53(r.orderId()),
      symbolId: r.symbolId(),
      side: r.side(),
      priceTicks: r.price(),
      qtyLots: u53(r.qty()),
      leavesQtyLots: u53(r.leavesQty()),
      tradeId: u53(r.tradeId()),
      liquidity: r.liquidity(),
      engineSeq: u53(r.engineSeq()),
      timestampNs: u64(r.timestampNs()),
    };
  }

  trade(bytes: Uint8Array, start = 0, end = bytes.length): TradeRecordValues {
    const t = WireTradeRecord.getRootAsTradeRecord(this.open(bytes, start, end, layout.TradeRecord));
    return {
      shard: t.shard(),
      tradeId: u53(t.tradeId()),
      engineSeq: u53(t.engineSeq()),
      symbolId: t.symbolId(),
      priceTicks: t.price(),
      qtyLots: u53(t.qty()),
      quoteQty: u53(t.quoteQty()),
      takerSide: t.takerSide(),
      takerOrderId: u53(t.takerOrderId()),
      makerOrderId: u53(t.makerOrderId()),
      takerUserId: u53(t.takerUserId()),
      makerUserId: u53(t.makerUserId()),
      timestampNs: u64(t.timestampNs()),
    };
  }

  marketData(bytes: Uint8Array, start = 0, end = bytes.length): MarketDataValues {
    const t = WireMarketDataRecord.getRootAsMarketDataRecord(this.open(bytes, start, end, layout.MarketDataRecord));
    const shard = t.shard();
    switch (t.bodyType()) {
      case wire.MarketData.LevelUpdate: {
        const l = t.body(new wire.LevelUpdate()) as wire.LevelUpdate;
        return {
          shard,
          kind: "level",
          symbolId: l.symbolId(),
          side: l.side(),
          priceTicks: l.price(),
          qtyLots: u53(l.qty()),
          orders: l.orders(),
          engineSeq: u53(l.engineSeq()),
        };
      }
      case wire.MarketData.BestBidOffer: {
        const q = t.body(new wire.BestBidOffer()) as wire.BestBidOffer;
        return {
          shard,
          kind: "bbo",
          symbolId: q.symbolId(),
          bidPriceTicks: q.bidPrice(),
          bidQtyLots: u53(q.bidQty()),
          bidOrders: q.bidOrders(),
          askPriceTicks: q.askPrice(),
          askQtyLots: u53(q.askQty()),
          askOrders: q.askOrders(),
          engineSeq: u53(q.engineSeq()),
          timestampNs: u64(q.timestampNs()),
        };
      }
      default: {
        const c = t.body(new wire.Candle()) as wire.Candle;
        return {
          shard,
          kind: "candle",
          symbolId: c.symbolId(),
          interval: c.interval(),
          intervalUs: intervalUs[c.interval()] ?? 0,
          openTimeUs: u64(c.openTimeNs()) / 1000,
          open: c.open(),
          high: c.high(),
          low: c.low(),
          close: c.close(),
          volume: c.volume() ?? "",
          quoteVolume: c.quoteVolume() ?? "",
          notional: c.notional() ?? "",
          trades: u53(c.trades()),
          vwap: c.vwap(),
          firstTradeId: u53(c.firstTradeId()),
          lastTradeId: u53(c.lastTradeId()),
        };
      }
    }
  }

  /** Verifies, then wraps a copy (flatc's readers address the buffer from 0). */
  private open(bytes: Uint8Array, start: number, end: number, root: layout.TableLayout): ByteBuffer {
    const code = this.verifier.verify(bytes, start, end, root);
    if (code !== ProtocolError.Ok)
      throw new RecordError(`${root.name}: ${protocolErrorNames[code]} (${this.verifier.reason()})`);
    return new ByteBuffer(bytes.slice(start, end));
  }
}

/** Below 2^53 by the schema's rule; a reader of hostile records gets -1 above it, as the protocol's decoders. */
function u53(s: wire.U53 | null): number {
  if (s === null) return 0;
  return s.hi() < u53HiLimit ? s.hi() * u32Range + s.lo() : -1;
}

function u64(s: wire.U64 | null): number {
  return s === null ? 0 : s.hi() * u32Range + s.lo();
}
