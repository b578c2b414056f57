// Server frames: one reused FlatBuffers builder writes each frame; the result
// is a view into the builder, valid until the next encode (Bun's `send` and
// `publish` copy it). Vectors of structs are written back to front, as
// FlatBuffers builds them.

import { Builder } from "flatbuffers";
import type { CandleAggregator } from "../marketdata/candles.ts";
import type { LevelBatch, OrderBatch, TradeBatch } from "./batches.ts";
import { type FeedLimits, hi32, lo32, protocolVersion } from "./constants.ts";
import { Bbo } from "./generated/feed/bbo.ts";
import { BookSnapshot } from "./generated/feed/book-snapshot.ts";
import { BookUpdate } from "./generated/feed/book-update.ts";
import { CandleBar } from "./generated/feed/candle-bar.ts";
import { Candles } from "./generated/feed/candles.ts";
import { Depth } from "./generated/feed/depth.ts";
import { Error as FeedError } from "./generated/feed/error.ts";
import { Heartbeat } from "./generated/feed/heartbeat.ts";
import { Level } from "./generated/feed/level.ts";
import { LevelChange } from "./generated/feed/level-change.ts";
import { Limits } from "./generated/feed/limits.ts";
import { Message } from "./generated/feed/message.ts";
import { Order } from "./generated/feed/order.ts";
import { OrderChange } from "./generated/feed/order-change.ts";
import { OrdersSnapshot } from "./generated/feed/orders-snapshot.ts";
import { OrdersUpdate } from "./generated/feed/orders-update.ts";
import { Pong } from "./generated/feed/pong.ts";
import { ServerFrame } from "./generated/feed/server-frame.ts";
import { Subscribed } from "./generated/feed/subscribed.ts";
import { SymbolInfo } from "./generated/feed/symbol-info.ts";
import { Trade } from "./generated/feed/trade.ts";
import { Trades } from "./generated/feed/trades.ts";
import { U53 } from "./generated/feed/u53.ts";
import { Unsubscribed } from "./generated/feed/unsubscribed.ts";
import { Welcome } from "./generated/feed/welcome.ts";

const two32 = 4294967296;

export interface SymbolEntry {
  id: number;
  name: string;
  tickSize: number;
  lotSize: number;
}

/** The engine time and seq a frame reports as the newest it includes. */
export interface FrameStamp {
  seq: number;
  engineSeq: number;
  engineTimeUs: number;
}

export class FrameEncoder {
  private readonly b = new Builder(64 << 10);

  welcome(symbols: readonly SymbolEntry[], l: FeedLimits): Uint8Array {
    const b = this.begin();
    const infos = symbols.map((s) => {
      const name = b.createString(s.name);
      SymbolInfo.startSymbolInfo(b);
      SymbolInfo.addId(b, s.id);
      SymbolInfo.addName(b, name);
      SymbolInfo.addTickSize(b, s.tickSize);
      SymbolInfo.addLotSize(b, U53.createU53(b, lo32(s.lotSize), hi32(s.lotSize)));
      return SymbolInfo.endSymbolInfo(b);
    });
    const list = Welcome.createSymbolsVector(b, infos);
    const limits = Limits.createLimits(
      b,
      l.subscriptionsMax,
      l.requestsPerSecond,
      l.requestBurst,
      l.clientFrameBytesMax,
      l.backpressureBytesMax,
      l.heartbeatMs,
      l.depthLevels,
      l.depthPeriodMs,
    );
    Welcome.startWelcome(b);
    Welcome.addProtocolVersion(b, protocolVersion);
    Welcome.addSymbols(b, list);
    Welcome.addLimits(b, limits);
    return this.end(Message.Welcome, Welcome.endWelcome(b));
  }

  subscribed(requestId: number, channel: number, symbolId: number, interval: number): Uint8Array {
    const b = this.begin();
    return this.end(Message.Subscribed, Subscribed.createSubscribed(b, requestId, channel, symbolId, interval));
  }

  unsubscribed(requestId: number, channel: number, symbolId: number, interval: number): Uint8Array {
    const b = this.begin();
    return this.end(Message.Unsubscribed, Unsubscribed.createUnsubscribed(b, requestId, channel, symbolId, interval));
  }

  error(requestId: number, code: number, reason: string): Uint8Array {
    const b = this.begin();
    const text = b.createString(reason);
    return this.end(Message.Error, FeedError.createError(b, requestId, code, text));
  }

  pong(requestId: number): Uint8Array {
    const b = this.begin();
    return this.end(Message.Pong, Pong.createPong(b, requestId));
  }

  heartbeat(engineSeq: number, engineTimeUs: number): Uint8Array {
    const b = this.begin();
    Heartbeat.startHeartbeat(b);
    Heartbeat.addEngineSeq(b, u53(b, engineSeq));
    Heartbeat.addEngineTimeUs(b, u53(b, engineTimeUs));
    return this.end(Message.Heartbeat, Heartbeat.endHeartbeat(b));
  }

  /** Trades [from, to) of a batch. */
  trades(symbolId: number, seq: number, snapshot: boolean, t: TradeBatch, from: number, to: number): Uint8Array {
    const b = this.begin();
    Trades.startTradesVector(b, to - from);
    for (let i = to - 1; i >= from; i--) {
      const id = t.tradeId[i]!;
      const q = t.qtyLots[i]!;
      const ts = t.tsUs[i]!;
      Trade.createTrade(b, lo32(id), hi32(id), t.priceTicks[i]!, lo32(q), hi32(q), lo32(ts), hi32(ts), t.takerSide[i]!);
    }
    const list = b.endVector();
    Trades.startTrades(b);
    Trades.addSymbolId(b, symbolId);
    Trades.addSeq(b, u53(b, seq));
    Trades.addTrades(b, list);
    Trades.addSnapshot(b, snapshot);
    return this.end(Message.Trades, Trades.endTrades(b));
  }

  bookUpdate(
    symbolId: number,
    stamp: FrameStamp,
    c: LevelBatch,
    from: number,
    to: number,
    checksum: number,
    more: boolean,
  ): Uint8Array {
    const b = this.begin();
    BookUpdate.startChangesVector(b, to - from);
    for (let i = to - 1; i >= from; i--) {
      const q = c.qtyLots[i]!;
      LevelChange.createLevelChange(b, c.priceTicks[i]!, lo32(q), hi32(q), c.ordersCount[i]!, c.side[i]!);
    }
    const list = b.endVector();
    BookUpdate.startBookUpdate(b);
    BookUpdate.addSymbolId(b, symbolId);
    BookUpdate.addSeq(b, u53(b, stamp.seq));
    BookUpdate.addChanges(b, list);
    BookUpdate.addChecksum(b, checksum);
    BookUpdate.addEngineSeq(b, u53(b, stamp.engineSeq));
    BookUpdate.addEngineTimeUs(b, u53(b, stamp.engineTimeUs));
    BookUpdate.addMore(b, more);
    return this.end(Message.BookUpdate, BookUpdate.endBookUpdate(b));
  }

  /** A snapshot part: bids [bidFrom, bidTo) and asks [askFrom, askTo) of two level lists, best first. */
  bookSnapshot(
    symbolId: number,
    seq: number,
    engineSeq: number,
    part: number,
    parts: number,
    bids: LevelBatch,
    bidFrom: number,
    bidTo: number,
    asks: LevelBatch,
    askFrom: number,
    askTo: number,
    checksum: number,
  ): Uint8Array {
    const b = this.begin();
    const bidList = levelVector(b, bids, bidFrom, bidTo);
    const askList = levelVector(b, asks, askFrom, askTo);
    BookSnapshot.startBookSnapshot(b);
    BookSnapshot.addSymbolId(b, symbolId);
    BookSnapshot.addSeq(b, u53(b, seq));
    BookSnapshot.addPart(b, part);
    BookSnapshot.addParts(b, parts);
    BookSnapshot.addBids(b, bidList);
    BookSnapshot.addAsks(b, askList);
    BookSnapshot.addChecksum(b, checksum);
    BookSnapshot.addEngineSeq(b, u53(b, engineSeq));
    return this.end(Message.BookSnapshot, BookSnapshot.endBookSnapshot(b));
  }

  depth(symbolId: number, stamp: FrameStamp, bids: LevelBatch, asks: LevelBatch, checksum: number): Uint8Array {
    const b = this.begin();
    const bidList = levelVector(b, bids, 0, bids.count);
    const askList = levelVector(b, asks, 0, asks.count);
    Depth.startDepth(b);
    Depth.addSymbolId(b, symbolId);
    Depth.addSeq(b, u53(b, stamp.seq));
    Depth.addBids(b, bidList);
    Depth.addAsks(b, askList);
    Depth.addChecksum(b, checksum);
    Depth.addEngineSeq(b, u53(b, stamp.engineSeq));
    Depth.addEngineTimeUs(b, u53(b, stamp.engineTimeUs));
    return this.end(Message.Depth, Depth.endDepth(b));
  }

  bbo(
    symbolId: number,
    stamp: FrameStamp,
    bidPrice: number,
    bidQty: number,
    bidCount: number,
    askPrice: number,
    askQty: number,
    askCount: number,
  ): Uint8Array {
    const b = this.begin();
    Bbo.startBbo(b);
    Bbo.addSymbolId(b, symbolId);
    Bbo.addSeq(b, u53(b, stamp.seq));
    Bbo.addBid(b, Level.createLevel(b, bidPrice, lo32(bidQty), hi32(bidQty), bidCount));
    Bbo.addAsk(b, Level.createLevel(b, askPrice, lo32(askQty), hi32(askQty), askCount));
    Bbo.addEngineSeq(b, u53(b, stamp.engineSeq));
    Bbo.addEngineTimeUs(b, u53(b, stamp.engineTimeUs));
    return this.end(Message.Bbo, Bbo.endBbo(b));
  }

  ordersUpdate(
    symbolId: number,
    stamp: FrameStamp,
    c: OrderBatch,
    from: number,
    to: number,
    checksum: number,
    more: boolean,
  ): Uint8Array {
    const b = this.begin();
    OrdersUpdate.startChangesVector(b, to - from);
    for (let i = to - 1; i >= from; i--) {
      const id = c.orderId[i]!;
      const q = c.qtyLots[i]!;
      OrderChange.createOrderChange(b, lo32(id), hi32(id), c.priceTicks[i]!, lo32(q), hi32(q), c.side[i]!, c.kind[i]!);
    }
    const list = b.endVector();
    OrdersUpdate.startOrdersUpdate(b);
    OrdersUpdate.addSymbolId(b, symbolId);
    OrdersUpdate.addSeq(b, u53(b, stamp.seq));
    OrdersUpdate.addChanges(b, list);
    OrdersUpdate.addChecksum(b, checksum);
    OrdersUpdate.addEngineSeq(b, u53(b, stamp.engineSeq));
    OrdersUpdate.addEngineTimeUs(b, u53(b, stamp.engineTimeUs));
    OrdersUpdate.addMore(b, more);
    return this.end(Message.OrdersUpdate, OrdersUpdate.endOrdersUpdate(b));
  }

  ordersSnapshot(
    symbolId: number,
    seq: number,
    engineSeq: number,
    part: number,
    parts: number,
    o: OrderBatch,
    from: number,
    to: number,
    checksum: number,
  ): Uint8Array {
    const b = this.begin();
    OrdersSnapshot.startOrdersVector(b, to - from);
    for (let i = to - 1; i >= from; i--) {
      const id = o.orderId[i]!;
      const q = o.qtyLots[i]!;
      Order.createOrder(b, lo32(id), hi32(id), o.priceTicks[i]!, lo32(q), hi32(q), o.side[i]!);
    }
    const list = b.endVector();
    OrdersSnapshot.startOrdersSnapshot(b);
    OrdersSnapshot.addSymbolId(b, symbolId);
    OrdersSnapshot.addSeq(b, u53(b, seq));
    OrdersSnapshot.addPart(b, part);
    OrdersSnapshot.addParts(b, parts);
    OrdersSnapshot.addOrders(b, list);
    OrdersSnapshot.addChecksum(b, checksum);
    OrdersSnapshot.addEngineSeq(b, u53(b, engineSeq));
    return this.end(Message.OrdersSnapshot, OrdersSnapshot.endOrdersSnapshot(b));
  }

  /** Candles of the aggregator's `slots` (oldest first). */
  candles(
    symbolId: number,
    interval: number,
    seq: number,
    snapshot: boolean,
    agg: CandleAggregator,
    slots: ArrayLike<number>,
    count: number,
  ): Uint8Array {
    const b = this.begin();
    Candles.startCandlesVector(b, count);
    for (let k = count - 1; k >= 0; k--) {
      const s = slots[k]!;
      const open = agg.openTimeUs[s]!;
      const trades = agg.tradeCount[s]!;
      const vHi = agg.volumeHi[s]!;
      const qHi = agg.quoteHi[s]!;
      CandleBar.createCandleBar(
        b,
        lo32(open),
        hi32(open),
        agg.open[s]!,
        agg.high[s]!,
        agg.low[s]!,
        agg.close[s]!,
        agg.volumeLo[s]!,
        vHi % two32,
        Math.floor(vHi / two32),
        agg.quoteLo[s]!,
        qHi % two32,
        Math.floor(qHi / two32),
        lo32(trades),
        hi32(trades),
        agg.vwapTicks(s),
        agg.final[s]!,
      );
    }
    const list = b.endVector();
    Candles.startCandles(b);
    Candles.addSymbolId(b, symbolId);
    Candles.addInterval(b, interval);
    Candles.addSeq(b, u53(b, seq));
    Candles.addSnapshot(b, snapshot);
    Candles.addCandles(b, list);
    return this.end(Message.Candles, Candles.endCandles(b));
  }

  private begin(): Builder {
    this.b.clear();
    return this.b;
  }

  private end(type: Message, body: number): Uint8Array {
    const b = this.b;
    b.finish(ServerFrame.createServerFrame(b, type, body));
    return b.asUint8Array();
  }
}

function u53(b: Builder, v: number): number {
  return U53.createU53(b, lo32(v), hi32(v));
}

function levelVector(b: Builder, l: LevelBatch, from: number, to: number): number {
  b.startVector(16, to - from, 4);
  for (let i = to - 1; i >= from; i--) {
    const q = l.qtyLots[i]!;
    Level.createLevel(b, l.priceTicks[i]!, lo32(q), hi32(q), l.ordersCount[i]!);
  }
  return b.endVector();
}
