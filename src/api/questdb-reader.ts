// Reads history from QuestDB for the API (full mode): what memory no longer
// holds. Queries go to `/exec`, which takes no bind parameters, so every value
// placed in a statement is either a safe integer checked here, a symbol name
// the caller resolved against the engine's own symbols (and quoted with '
// doubled), or one of a fixed list of words (interval, status). Nothing a
// client typed reaches SQL as text. LONG sums that may pass 2^53 are cast to
// strings in SQL so JSON parsing cannot round them.

import { intervalNames } from "../marketdata/intervals.ts";
import { OrderEvent, orderEventNames, orderStatusNames } from "../marketdata/order-rows.ts";
import type { CandleRecord } from "../marketdata/candles.ts";
import type { OrderEventRecord, OrderRecord } from "../marketdata/order-store.ts";
import type { TickRecord } from "../marketdata/tick-ring.ts";
import { cancelReasonNames, orderTypeNames, rejectNames, sideNames, tifNames } from "../engine/constants.ts";
import { execSql, SqlError } from "../questdb/sql.ts";
import { notAvailable } from "./errors.ts";

/** A query the API sends may take this long before the client gets a 503 (well inside the server's idle timeout). */
export const questdbQueryTimeoutMs = 5_000;
/**
 * History queries in flight at once; more get a 503 at once instead of
 * queueing, so a client hammering old history (or a stalled QuestDB) cannot
 * tie up every connection while answers from memory stay fast.
 */
export const questdbQueriesInFlightMax = 16;

/** An integer placed in SQL: checked to be a safe integer (a programmer error otherwise). */
function int(v: number): string {
  if (!Number.isSafeInteger(v)) throw new Error(`questdb reader: ${v} is not a safe integer`);
  return String(v);
}

/** A string literal: the caller passes only names it resolved itself (symbols) or fixed words. */
export function quote(s: string): string {
  if (/[\u0000-\u001f\u007f]/.test(s))
    throw new Error(`questdb reader: refusing a control character in ${JSON.stringify(s)}`);
  return `'${s.replaceAll("'", "''")}'`;
}

function word(v: string, allowed: readonly string[]): string {
  if (!allowed.includes(v)) throw new Error(`questdb reader: ${v} is not one of ${allowed.join(", ")}`);
  return quote(v);
}

export interface OrdersFilter {
  userId: number;
  symbol: string | null;
  status: string | null;
  startUs: number;
  endUs: number;
  fromId: number;
  /** Only ids below this (memory answers the rest); null for no bound. */
  belowId: number | null;
  limit: number;
}

const orderColumns =
  "order_id, client_order_id, symbol, side, type, tif, status, price, stop_price, qty, filled, leaves, " +
  "cast(ts AS LONG), created_seq, cast(updated AS LONG), seq, user_id";
const eventColumns =
  "order_id, symbol, event, reason, cast(ts AS LONG), seq, event_index, price, qty, leaves, trade_id, user_id";

export class QuestdbReader {
  constructor(
    readonly httpUrl: string,
    /** Symbol name to the engine's id (-1 when unknown). */
    private readonly symbolId: (name: string) => number,
  ) {}

  private inFlight = 0;

  private async rows(sql: string): Promise<unknown[][]> {
    if (this.inFlight >= questdbQueriesInFlightMax)
      throw notAvailable(`${questdbQueriesInFlightMax} history queries to QuestDB are in flight; retry shortly`);
    this.inFlight++;
    try {
      return (await execSql(this.httpUrl, sql, questdbQueryTimeoutMs)).dataset;
    } catch (error) {
      if (error instanceof SqlError)
        throw notAvailable(
          `history older than memory is in QuestDB, which did not answer: ${error.message.slice(0, 200)}`,
        );
      throw error;
    } finally {
      this.inFlight--;
    }
  }

  /** Ticks of `symbol` with ts in [startUs, endUs] and trade id in [fromId, belowId), oldest first. */
  async ticks(
    symbol: string,
    startUs: number,
    endUs: number,
    fromId: number,
    belowId: number | null,
    limit: number,
  ): Promise<TickRecord[]> {
    const below = belowId === null ? "" : ` AND trade_id < ${int(belowId)}`;
    const rows = await this.rows(
      `SELECT cast(ts AS LONG), price, qty, quote_qty, trade_id, taker_side FROM ticks WHERE symbol ` +
        `= ${quote(symbol)} AND ts >= ${int(startUs)} AND ts <= ${int(endUs)} AND trade_id ` +
        `>= ${int(fromId)}${below} ORDER BY trade_id LIMIT ${int(limit)}`,
    );
    return rows.map((r) => ({
      tsUs: r[0] as number,
      priceTicks: r[1] as number,
      qtyLots: r[2] as number,
      quoteQty: r[3] as number,
      tradeId: r[4] as number,
      takerSide: sideNames.indexOf(r[5] as "buy"),
    }));
  }

  /** Trades, volume and quote volume of `symbol` with ts in [startUs, endUs). */
  async volume(
    symbol: string,
    startUs: number,
    endUs: number,
  ): Promise<{ trades: number; volume: bigint; quoteVolume: bigint }> {
    const rows = await this.rows(
      `SELECT count(), sum(qty)::string, sum(quote_qty)::string FROM ticks WHERE symbol = ${quote(symbol)} ` +
        `AND ts >= ${int(startUs)} AND ts < ${int(endUs)}`,
    );
    const r = rows[0] ?? [0, null, null];
    return {
      trades: r[0] as number,
      volume: BigInt((r[1] as string | null) ?? "0"),
      quoteVolume: BigInt((r[2] as string | null) ?? "0"),
    };
  }

  /**
   * Candles with open time in [startUs, endUs]: the oldest `limit` (newest: the newest
   * `limit`), oldest first either way.
   */
  async candles(
    symbol: string,
    interval: number,
    startUs: number,
    endUs: number,
    limit: number,
    newest: boolean,
  ): Promise<CandleRecord[]> {
    const rows = await this.rows(
      `SELECT cast(ts AS LONG), open, high, low, close, volume::string, quote_volume::string, trades, vwap, ` +
        `first_trade_id, last_trade_id, final FROM candles WHERE symbol = ${quote(symbol)} AND interval ` +
        `= ${word(intervalNames[interval]!, intervalNames)} AND ts >= ${int(startUs)} AND ts <= ${int(endUs)} ` +
        `ORDER BY ts${newest ? " DESC" : ""} LIMIT ${int(limit)}`,
    );
    const symbolId = this.symbolId(symbol);
    const out = rows.map((r): CandleRecord => ({
      symbolId,
      interval,
      openTimeUs: r[0] as number,
      open: r[1] as number,
      high: r[2] as number,
      low: r[3] as number,
      close: r[4] as number,
      volume: BigInt(r[5] as string),
      quoteVolume: BigInt(r[6] as string),
      notional: 0n,
      trades: r[7] as number,
      vwapTicks: r[8] as number,
      firstTradeId: r[9] as number,
      lastTradeId: r[10] as number,
      final: r[11] === true,
    }));
    return newest ? out.reverse() : out;
  }

  /** The latest state of order `orderId`, or null. */
  async order(orderId: number): Promise<OrderRecord | null> {
    const rows = await this.rows(
      `SELECT ${orderColumns} FROM orders WHERE order_id = ${int(orderId)} ORDER BY seq DESC LIMIT 1`,
    );
    return rows.length === 0 ? null : this.orderOf(rows[0]!);
  }

  async orders(f: OrdersFilter): Promise<OrderRecord[]> {
    const where = [
      `user_id = ${int(f.userId)}`,
      `ts >= ${int(f.startUs)}`,
      `ts <= ${int(f.endUs)}`,
      `order_id >= ${int(f.fromId)}`,
    ];
    if (f.belowId !== null) where.push(`order_id < ${int(f.belowId)}`);
    if (f.symbol !== null) where.push(`symbol = ${quote(f.symbol)}`);
    if (f.status !== null) where.push(`status = ${word(f.status, orderStatusNames)}`);
    const rows = await this.rows(
      `SELECT ${orderColumns} FROM orders WHERE ${where.join(" AND ")} ORDER BY order_id LIMIT ${int(f.limit)}`,
    );
    return rows.map((r) => this.orderOf(r));
  }

  /** The events of order `orderId` submitted by `userId`, oldest first. */
  async orderEvents(orderId: number, userId: number, limit: number): Promise<OrderEventRecord[]> {
    const rows = await this.rows(
      `SELECT ${eventColumns} FROM order_events WHERE order_id = ${int(orderId)} AND user_id = ${int(userId)} ` +
        `ORDER BY seq, event_index LIMIT ${int(limit)}`,
    );
    return rows.map((r) => {
      const event = orderEventNames.indexOf(r[2] as "placed");
      const reasonText = r[3] as string | null;
      const reasons = event === OrderEvent.Rejected ? rejectNames : cancelReasonNames;
      return {
        orderId: r[0] as number,
        symbolId: r[1] === null ? -1 : this.symbolId(r[1] as string),
        event,
        reason: reasonText === null ? 0 : Math.max(0, (reasons as readonly string[]).indexOf(reasonText)),
        tsUs: r[4] as number,
        seq: r[5] as number,
        eventIndex: r[6] as number,
        priceTicks: r[7] as number,
        qtyLots: r[8] as number,
        leavesLots: r[9] as number,
        tradeId: r[10] as number,
        userId: r[11] as number,
      };
    });
  }

  private orderOf(r: unknown[]): OrderRecord {
    return {
      orderId: r[0] as number,
      clientOrderId: r[1] as number,
      symbolId: this.symbolId(r[2] as string),
      side: sideNames.indexOf(r[3] as "buy"),
      type: orderTypeNames.indexOf(r[4] as "limit"),
      tif: tifNames.indexOf(r[5] as "gtc"),
      status: orderStatusNames.indexOf(r[6] as "new"),
      postOnly: false,
      priceTicks: r[7] as number,
      stopPriceTicks: r[8] as number,
      qtyLots: r[9] as number,
      filledLots: r[10] as number,
      leavesLots: r[11] as number,
      createdUs: r[12] as number,
      createdSeq: r[13] as number,
      updatedUs: r[14] as number,
      seq: r[15] as number,
      userId: r[16] as number,
    };
  }
}
