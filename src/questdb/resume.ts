// Where each table got to, so a restarted exchange re-sends only the rest.
//
// The writer sends one request at a time, in order, and QuestDB applies a
// table's WAL transactions in order, so the visible rows of a table are always
// a prefix of what was appended: the largest trade id (ticks, candles) or seq
// (orders, order events) marks the end of that prefix. Re-send every event
// after it; DEDUP UPSERT KEYS make any overlap harmless. Read the points only
// after the writers have replayed a complete spill file (their `flush`), and
// preferably after `waitForWalApplied`, or they lag (which only re-sends more).

import { marketDataTables, type TableSpec } from "./schema.ts";
import { execSql } from "./sql.ts";

export interface ResumePoints {
  /**
   * Largest stored trade id per table (ticks, candles' last_trade_id) or seq (orders,
   * order_events); null for an empty table.
   */
  ticksTradeIdMax: number | null;
  candlesTradeIdMax: number | null;
  ordersSeqMax: number | null;
  orderEventsSeqMax: number | null;
}

/** max(resumeColumn) of one table, or null when it is empty. */
export async function readResumePoint(httpUrl: string, table: TableSpec): Promise<number | null> {
  const result = await execSql(httpUrl, `SELECT max(${table.resumeColumn}) FROM ${table.name}`);
  const value = result.dataset[0]?.[0];
  if (value === null || value === undefined) return null;
  if (typeof value !== "number" || !Number.isSafeInteger(value))
    throw new Error(`questdb: max(${table.resumeColumn}) of ${table.name} is ${JSON.stringify(value)}`);
  return value;
}

export async function readResumePoints(httpUrl: string): Promise<ResumePoints> {
  const [ticks, candles, orders, orderEvents] = await Promise.all(
    marketDataTables.map((t) => readResumePoint(httpUrl, t)),
  );
  return {
    ticksTradeIdMax: ticks!,
    candlesTradeIdMax: candles!,
    ordersSeqMax: orders!,
    orderEventsSeqMax: orderEvents!,
  };
}

/**
 * The newest stored open time (µs) of each candle series, keyed by
 * `candleSeriesKey(symbol, interval)`. Candle rows of different series are not
 * appended in last-trade order (a quiet symbol's candle closes late), so the
 * largest last_trade_id is no clean cut; within one series they are appended
 * in open-time order, so the newest stored open time is.
 */
export async function readCandleResume(httpUrl: string): Promise<Map<string, number>> {
  const result = await execSql(httpUrl, "SELECT symbol, interval, cast(max(ts) AS LONG) FROM candles");
  const out = new Map<string, number>();
  for (const r of result.dataset) out.set(candleSeriesKey(String(r[0]), String(r[1])), Number(r[2]));
  return out;
}

export function candleSeriesKey(symbol: string, interval: string): string {
  return `${symbol}\u0000${interval}`;
}

export interface WalState {
  table: string;
  suspended: boolean;
  /** Transactions applied to the table, and committed to its WAL. */
  writerTxn: number;
  sequencerTxn: number;
}

export async function readWalState(httpUrl: string, tableNames: readonly string[]): Promise<WalState[]> {
  const list = tableNames.map((n) => `'${n}'`).join(", ");
  const result = await execSql(
    httpUrl,
    `SELECT name, suspended, writerTxn, sequencerTxn FROM wal_tables() WHERE name IN (${list})`,
  );
  return result.dataset.map((r) => ({
    table: String(r[0]),
    suspended: r[1] === true,
    writerTxn: Number(r[2]),
    sequencerTxn: Number(r[3]),
  }));
}

/**
 * Waits until every acknowledged transaction of the tables is applied (so
 * queries see all acknowledged rows), polling every `pollMs`. Throws when a
 * table is suspended (QuestDB stopped applying it: see its log) or the
 * deadline passes.
 */
export async function waitForWalApplied(
  httpUrl: string,
  tableNames: readonly string[],
  deadlineMs: number,
  pollMs = 50,
): Promise<void> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const states = await readWalState(httpUrl, tableNames);
    const suspended = states.find((s) => s.suspended);
    if (suspended !== undefined)
      throw new Error(
        `questdb: WAL of ${suspended.table} is suspended at txn ${suspended.writerTxn}/${suspended.sequencerTxn}`,
      );
    if (states.length === tableNames.length && states.every((s) => s.writerTxn >= s.sequencerTxn)) return;
    if (performance.now() > deadline)
      throw new Error(`questdb: WAL not applied within ${deadlineMs} ms: ${JSON.stringify(states)}`);
    await Bun.sleep(pollMs);
  }
}
