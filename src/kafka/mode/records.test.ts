// Proves the output records: the fixed-layout writers' records pass the verifier and read back every value (random
// values, extremes), a writer refuses a value outside its wire type, market-data records round-trip, and the reader
// refuses truncated and garbled bytes.

import { expect, test } from "bun:test";
import { ExecReport } from "../../protocol/messages.ts";
import {
  ExecutionRecordWriter,
  MarketDataEncoder,
  OutputRecordReader,
  RecordError,
  TradeRecordWriter,
} from "./records.ts";

/** A deterministic generator: the test prints nothing random it cannot reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

test("execution records read back exactly what was written, for random and extreme values", () => {
  const w = new ExecutionRecordWriter();
  const reader = new OutputRecordReader();
  const r = new ExecReport();
  const rnd = lcg(42);
  const u53 = () => Math.floor(rnd() * 2 ** 53);
  for (let i = 0; i < 2000; i++) {
    r.kind = 1 + (i % 8);
    r.rejectReason = i % 26;
    r.cancelReason = i % 12;
    r.clientOrderId = i === 0 ? 2 ** 53 - 1 : u53();
    r.orderId = u53();
    r.symbolId = Math.floor(rnd() * 2 ** 32);
    r.side = i % 2;
    r.priceTicks = i === 1 ? -(2 ** 31) : Math.floor(rnd() * 2 ** 31);
    r.qtyLots = u53();
    r.leavesQtyLots = u53();
    r.tradeId = u53();
    r.liquidity = i % 3;
    r.engineSeq = u53();
    r.timestampNs = Math.floor(rnd() * 2 ** 21) * 2 ** 40;
    const user = u53();
    w.write(user, i % 1024, i, u53() * 0, i, r);
    const back = reader.execution(w.frame.bytes, w.frame.valueStart, w.frame.frameBytes);
    expect(back).toEqual({ userId: user, shard: i % 1024, reportIndex: i, sessionId: 0, sessionSeq: i, ...r });
  }
});

test("trade records read back; values outside their wire type throw", () => {
  const w = new TradeRecordWriter();
  const t = {
    symbolId: 3,
    tsUs: 1_700_000_000_123_456,
    priceTicks: 2 ** 31 - 1,
    qtyLots: 2 ** 53 - 1,
    quoteQty: 5,
    tradeId: 9,
    seq: 10,
    takerSide: 1,
    makerOrderId: 3,
    takerOrderId: 4,
    makerUserId: 5,
    takerUserId: 6,
  };
  w.write(7, t);
  const back = new OutputRecordReader().trade(w.frame.bytes, w.frame.valueStart, w.frame.frameBytes);
  expect(back).toEqual({
    shard: 7,
    tradeId: 9,
    engineSeq: 10,
    symbolId: 3,
    priceTicks: 2 ** 31 - 1,
    qtyLots: 2 ** 53 - 1,
    quoteQty: 5,
    takerSide: 1,
    takerOrderId: 4,
    makerOrderId: 3,
    takerUserId: 6,
    makerUserId: 5,
    timestampNs: t.tsUs * 1000,
  });
  expect(() => w.write(7, { ...t, qtyLots: 2 ** 53 })).toThrow();
  expect(() => w.write(-1, t)).toThrow();
  expect(() => w.write(7, { ...t, priceTicks: 2 ** 31 })).toThrow();
});

test("market-data records round-trip: level, best bid/offer, candle", () => {
  const m = new MarketDataEncoder();
  const reader = new OutputRecordReader();
  m.level(4, { symbolId: 1, side: 1, priceTicks: 100, qtyLots: 50, ordersCount: 2, seq: 77 });
  expect(reader.marketData(m.bytes, m.start, m.end)).toEqual({
    shard: 4,
    kind: "level",
    symbolId: 1,
    side: 1,
    priceTicks: 100,
    qtyLots: 50,
    orders: 2,
    engineSeq: 77,
  });
  m.bbo(4, {
    symbolId: 2,
    bidPriceTicks: 99,
    bidQtyLots: 3,
    bidOrders: 1,
    askPriceTicks: 101,
    askQtyLots: 4,
    askOrders: 2,
    seq: 78,
    tsUs: 5,
  });
  expect(reader.marketData(m.bytes, m.start, m.end)).toEqual({
    shard: 4,
    kind: "bbo",
    symbolId: 2,
    bidPriceTicks: 99,
    bidQtyLots: 3,
    bidOrders: 1,
    askPriceTicks: 101,
    askQtyLots: 4,
    askOrders: 2,
    engineSeq: 78,
    timestampNs: 5000,
  });
  const candle = {
    symbolId: 1,
    interval: 5,
    openTimeUs: 86_400_000_000,
    open: 10,
    high: 12,
    low: 9,
    close: 11,
    volume: "36893488147419103232",
    quoteVolume: "1",
    notional: "2",
    trades: 3,
    vwap: 11,
    firstTradeId: 1,
    lastTradeId: 3,
  };
  m.candle(4, candle);
  expect(reader.marketData(m.bytes, m.start, m.end)).toEqual({
    shard: 4,
    kind: "candle",
    intervalUs: 86_400_000_000,
    ...candle,
  });
});

test("the reader refuses truncated and garbled records with a RecordError", () => {
  const w = new ExecutionRecordWriter();
  const r = new ExecReport();
  r.clientOrderId = 1;
  r.engineSeq = 1;
  w.write(1, 0, 0, 0, 0, r);
  const record = w.frame.bytes.slice(w.frame.valueStart, w.frame.frameBytes);
  const reader = new OutputRecordReader();
  expect(() => reader.execution(record.subarray(0, 20))).toThrow(RecordError);
  const garbled = record.slice();
  garbled[0] = 0xff;
  expect(() => reader.execution(garbled)).toThrow(RecordError);
  // (FlatBuffers carry no type tag: a record of one table may verify as another. Each topic has one root table.)
});
