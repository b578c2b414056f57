// The four table writers together, as the market-data stream uses them:
// tables ensured at open, one IlpHttpWriter per table (each with its own
// order, backlog, spill file and resume point), shared symbol names.

import { CandlesIlp } from "./candles-ilp.ts";
import type { WriterLimits } from "./constants.ts";
import { OrderEventsIlp, OrdersIlp } from "./orders-ilp.ts";
import { ensureTables } from "./schema.ts";
import type { SymbolNames } from "./symbols.ts";
import { TicksIlp } from "./ticks-ilp.ts";
import { IlpHttpWriter, type IlpWriterStats } from "./writer.ts";

export interface MarketDataWritersOptions {
  httpUrl: string;
  spillDir: string;
  symbols: SymbolNames;
  /** Limits per table; ticks get the defaults unless given. */
  limits?: Partial<Record<"ticks" | "candles" | "orders" | "order_events", Partial<WriterLimits>>>;
  log?: (line: string) => void;
}

export interface MarketDataWriters {
  ticks: TicksIlp;
  candles: CandlesIlp;
  orders: OrdersIlp;
  orderEvents: OrderEventsIlp;
  /** Stats of every table's writer (for logs and, later, metrics). */
  stats(): Record<string, IlpWriterStats & { rowsRefused: number; backlogRows: number }>;
  flush(): Promise<void>;
  /** Graceful close of all four (see IlpHttpWriter.close); returns rows left in spill files. */
  close(deadlineMs?: number): Promise<number>;
}

export async function openMarketDataWriters(o: MarketDataWritersOptions): Promise<MarketDataWriters> {
  await ensureTables(o.httpUrl);
  const writer = (name: "ticks" | "candles" | "orders" | "order_events") => {
    const options = { httpUrl: o.httpUrl, table: name, spillDir: o.spillDir, ...o.limits?.[name] };
    return new IlpHttpWriter(o.log === undefined ? options : { ...options, log: o.log });
  };
  const ticks = new TicksIlp(writer("ticks"), o.symbols);
  const candles = new CandlesIlp(writer("candles"), o.symbols);
  const orders = new OrdersIlp(writer("orders"), o.symbols);
  const orderEvents = new OrderEventsIlp(writer("order_events"), o.symbols);
  const all = [ticks, candles, orders, orderEvents];
  return {
    ticks,
    candles,
    orders,
    orderEvents,
    stats: () =>
      Object.fromEntries(
        all.map((t) => [
          t.writer.table,
          { ...t.writer.stats, rowsRefused: t.rowsRefused, backlogRows: t.writer.backlogRows() },
        ]),
      ),
    flush: async () => {
      await Promise.all(all.map((t) => t.writer.flush()));
    },
    close: async (deadlineMs) =>
      (await Promise.all(all.map((t) => t.writer.close(deadlineMs)))).reduce((a, b) => a + b, 0),
  };
}
