// The four market-data tables. All WAL tables partitioned by day, each with
// DEDUP UPSERT KEYS that identify a row, so re-sending rows after a crash (or
// a retried request that had in fact landed) changes nothing. Created with
// IF NOT EXISTS on every start; an existing table with other columns is
// reported, not altered.
//
//   ticks         one row per trade                 key (ts, symbol, trade_id)
//   candles       one row per candle, upserted      key (ts = open time, symbol, interval)
//   orders        an order's latest state, upserted key (ts = created, symbol, created_seq)
//   order_events  one row per order event           key (ts, symbol, seq, event_index)

import { execSql } from "./sql.ts";

export interface TableSpec {
  name: string;
  /** Columns in declaration order, as `name TYPE`. */
  columns: readonly string[];
  dedupKeys: readonly string[];
  /** The column whose maximum says how far the table got (resume.ts). */
  resumeColumn: string;
}

export const ticksTable: TableSpec = {
  name: "ticks",
  columns: [
    "ts TIMESTAMP",
    "symbol SYMBOL",
    "taker_side SYMBOL",
    "price LONG",
    "qty LONG",
    "quote_qty LONG",
    "trade_id LONG",
    "maker_order_id LONG",
    "taker_order_id LONG",
    "maker_user LONG",
    "taker_user LONG",
    "seq LONG",
  ],
  dedupKeys: ["ts", "symbol", "trade_id"],
  resumeColumn: "trade_id",
};

export const candlesTable: TableSpec = {
  name: "candles",
  columns: [
    "ts TIMESTAMP",
    "symbol SYMBOL",
    "interval SYMBOL",
    "open LONG",
    "high LONG",
    "low LONG",
    "close LONG",
    "volume LONG",
    "quote_volume LONG",
    "trades LONG",
    "vwap LONG",
    "first_trade_id LONG",
    "last_trade_id LONG",
    "final BOOLEAN",
  ],
  dedupKeys: ["ts", "symbol", "interval"],
  resumeColumn: "last_trade_id",
};

export const ordersTable: TableSpec = {
  name: "orders",
  columns: [
    "ts TIMESTAMP",
    "symbol SYMBOL",
    "side SYMBOL",
    "type SYMBOL",
    "tif SYMBOL",
    "status SYMBOL",
    "order_id LONG",
    "client_order_id LONG",
    "user_id LONG",
    "price LONG",
    "stop_price LONG",
    "qty LONG",
    "filled LONG",
    "leaves LONG",
    "created_seq LONG",
    "updated TIMESTAMP",
    "seq LONG",
  ],
  dedupKeys: ["ts", "symbol", "created_seq"],
  resumeColumn: "seq",
};

export const orderEventsTable: TableSpec = {
  name: "order_events",
  columns: [
    "ts TIMESTAMP",
    "symbol SYMBOL",
    "event SYMBOL",
    "reason SYMBOL",
    "order_id LONG",
    "user_id LONG",
    "price LONG",
    "qty LONG",
    "leaves LONG",
    "trade_id LONG",
    "seq LONG",
    "event_index LONG",
  ],
  dedupKeys: ["ts", "symbol", "seq", "event_index"],
  resumeColumn: "seq",
};

export const marketDataTables: readonly TableSpec[] = [ticksTable, candlesTable, ordersTable, orderEventsTable];

export function createTableSql(t: TableSpec): string {
  return (
    `CREATE TABLE IF NOT EXISTS ${t.name} (${t.columns.join(", ")}) TIMESTAMP(ts) PARTITION BY DAY WAL DEDUP ` +
    `UPSERT KEYS(${t.dedupKeys.join(", ")})`
  );
}

/**
 * Creates the tables that are missing and checks that existing ones have the
 * expected columns and types (a table left by another version would make every
 * ILP batch fail). Throws naming the first difference.
 */
export async function ensureTables(httpUrl: string, tables: readonly TableSpec[] = marketDataTables): Promise<void> {
  for (const t of tables) {
    await execSql(httpUrl, createTableSql(t));
    const found = await execSql(httpUrl, `SELECT "column", "type" FROM table_columns('${t.name}')`);
    const actual = new Map(found.dataset.map((row) => [String(row[0]), String(row[1])]));
    for (const column of t.columns) {
      const [name, type] = column.split(" ") as [string, string];
      if (actual.get(name) !== type) {
        throw new Error(
          `questdb: table ${t.name} column ${name} is ${actual.get(name) ?? "missing"}, expected ${type}; ` +
            `migrate or drop the table`,
        );
      }
    }
  }
}
