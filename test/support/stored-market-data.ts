// What QuestDB must hold after ingesting an exchange's market data: every
// trade (count, distinct ids, ids without gaps, checksums of every column),
// every candle (count and sums per interval), every order's latest state
// (count by status, sums) and every order event (count by kind, sums), all
// computed from the truth (the live engine's events through the references).

import { expect } from "bun:test";
import { intervalCount, intervalNames } from "../../src/marketdata/intervals.ts";
import { orderEventNames, type OrderRow, orderStatusNames } from "../../src/marketdata/order-rows.ts";
import type { TestQuestdb } from "./questdb.ts";
import type { Truth } from "./market-data.ts";

const big = (v: unknown) => BigInt((v as number | string | null) ?? 0);

/**
 * Waits (polling: WAL rows appear asynchronously) until every table holds as many rows as the truth says,
 * then compares their contents.
 */
export async function expectStoredEqualsTruth(qdb: TestQuestdb, truth: Truth, deadlineMs = 300_000): Promise<void> {
  const trades = truth.trades;
  const candles = Array.from({ length: intervalCount }, (_, interval) =>
    [0, 1, 2].flatMap((symbol) => truth.candles.candles(symbol, interval)),
  );
  const candleCount = candles.reduce((a, list) => a + list.length, 0);
  const orders = [...truth.orders.orders.values()];
  const events = truth.orders.events;
  await qdb.waitForRows(
    "SELECT * FROM (SELECT count() FROM ticks) CROSS JOIN (SELECT count(), sum(trades) FROM candles) CROSS JOIN " +
      "(SELECT count() FROM orders) CROSS JOIN (SELECT count() FROM order_events)",
    // Every candle's trades summed: the live candles' latest upserts are in too.
    (rows) =>
      JSON.stringify(rows[0]) ===
      JSON.stringify([trades.length, candleCount, trades.length * intervalCount, orders.length, events.length]),
    deadlineMs,
  );

  await expectTicks(qdb, trades);
  await expectCandles(qdb, candles);
  await expectOrders(qdb, orders);
  await expectOrderEvents(qdb, events);
}

type Trades = Truth["trades"];
type Candles = ReturnType<Truth["candles"]["candles"]>;
type Orders = OrderRow[];
type Events = Truth["orders"]["events"];

/** Every trade: count, distinct ids, ids without gaps, and the sum of every column. */
async function expectTicks(qdb: TestQuestdb, trades: Trades): Promise<void> {
  const t = (
    await qdb.sql(
      "SELECT count(), count_distinct(trade_id), min(trade_id), max(trade_id), sum(trade_id), sum(price), " +
        "sum(qty), sum(quote_qty), sum(maker_order_id), sum(taker_order_id), sum(maker_user), sum(seq), " +
        "sum(cast(ts AS LONG) - 1767225600000000) FROM ticks",
    )
  ).dataset[0]!;
  const sum = (f: (x: (typeof trades)[number]) => number) => trades.reduce((a, x) => a + BigInt(f(x)), 0n);
  expect(t.map(big)).toEqual([
    BigInt(trades.length),
    BigInt(trades.length),
    1n,
    BigInt(trades.length),
    sum((x) => x.tradeId),
    sum((x) => x.priceTicks),
    sum((x) => x.qtyLots),
    sum((x) => x.quoteQty),
    sum((x) => x.makerOrderId),
    sum((x) => x.takerOrderId),
    sum((x) => x.makerUserId),
    sum((x) => x.seq),
    // Times less the flow's start (2026-01-01), so the sum stays within a LONG.
    sum((x) => x.tsUs - 1767225600000000),
  ]);
}

/** Every candle, per interval: count and the sum of every column. */
async function expectCandles(qdb: TestQuestdb, candles: Candles[]): Promise<void> {
  for (let interval = 0; interval < intervalCount; interval++) {
    const list = candles[interval]!;
    const c = (
      await qdb.sql(
        `SELECT count(), sum(volume), sum(quote_volume), sum(trades), sum(open), sum(close), sum(high), ` +
          `sum(low), sum(vwap), sum(last_trade_id) FROM candles WHERE interval = '${intervalNames[interval]}'`,
      )
    ).dataset[0]!;
    const s = (f: (x: (typeof list)[number]) => bigint | number) => list.reduce((a, x) => a + BigInt(f(x)), 0n);
    expect({ interval, stored: c.map(big) }).toEqual({
      interval,
      stored: [
        BigInt(list.length),
        s((x) => x.volume),
        s((x) => x.quoteVolume),
        s((x) => x.trades),
        s((x) => x.open),
        s((x) => x.close),
        s((x) => x.high),
        s((x) => x.low),
        s((x) => x.vwapTicks),
        s((x) => x.lastTradeId),
      ],
    });
  }
}

/** Every order's latest state: count and sums per status. */
async function expectOrders(qdb: TestQuestdb, orders: Orders): Promise<void> {
  const byStatus = (
    await qdb.sql("SELECT status, count(), sum(filled), sum(leaves), sum(qty), sum(seq) FROM orders ORDER BY status")
  ).dataset.map((r) => [r[0], ...r.slice(1).map(big)]);
  const expectedStatus = orderStatusNames
    .map((name, code) => {
      const list = orders.filter((o) => o.status === code);
      const s = (f: (o: (typeof orders)[number]) => number) => list.reduce((a, o) => a + BigInt(f(o)), 0n);
      return [
        name,
        BigInt(list.length),
        s((o) => o.filledLots),
        s((o) => o.leavesLots),
        s((o) => o.qtyLots),
        s((o) => o.seq),
      ];
    })
    .filter((r) => r[1] !== 0n)
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  expect(byStatus).toEqual(expectedStatus);
}

/** Every order event: count and sums per kind. */
async function expectOrderEvents(qdb: TestQuestdb, events: Events): Promise<void> {
  const byEvent = (
    await qdb.sql(
      "SELECT event, count(), sum(qty), sum(leaves), sum(trade_id), sum(seq), " +
        "sum(event_index) FROM order_events ORDER BY event",
    )
  ).dataset.map((r) => [r[0], ...r.slice(1).map(big)]);
  const expectedEvents = orderEventNames
    .map((name, code) => {
      const list = events.filter((e) => e.event === code);
      const s = (f: (e: (typeof events)[number]) => number) => list.reduce((a, e) => a + BigInt(f(e)), 0n);
      return [
        name,
        BigInt(list.length),
        s((e) => e.qtyLots),
        s((e) => e.leavesLots),
        s((e) => e.tradeId),
        s((e) => e.seq),
        s((e) => e.eventIndex),
      ];
    })
    .filter((r) => r[1] !== 0n)
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  expect(byEvent).toEqual(expectedEvents);
}
