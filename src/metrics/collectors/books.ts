// Open orders and book depth per symbol, read from the engine's columns at
// scrape time: one walk over the levels of each book's four ladders (bids,
// asks, buy stops, sell stops), nothing on the matching path. The engine runs
// on the same thread as the scrape, so the walk sees a state between two
// commands.

import type { ExchangeMetrics } from "../exchange-metrics.ts";
import type { MetricsRegistry } from "../registry.ts";

/** The engine columns this reads (structural: src/engine/store.ts EngineStore). */
export interface BookColumnsView {
  readonly booksCount: number;
  readonly symNames: readonly string[];
  /** Rows per ladder (levelsPerSideMax); ladder = book * 4 + kind (0 bids, 1 asks, 2 buy stops, 3 sell stops). */
  readonly sideMax: number;
  /** Level of a ladder row (row index = ladder * sideMax + row). */
  ladLevel(i: number): number;
  readonly ladLevelsCount: ArrayLike<number>;
  /** Orders in a level. */
  lvlOrdersCount(lvl: number): number;
  /** TradingStatus per book: 0 open, 1 halted. */
  readonly symStatus: ArrayLike<number>;
}

const laddersPerBook = 4;

/** Orders in a ladder's levels, and its levels holding at least one order. */
export function ladderTotals(e: BookColumnsView, ladder: number): { orders: number; levels: number } {
  let orders = 0;
  let levels = 0;
  const base = ladder * e.sideMax;
  for (let row = 0; row < e.ladLevelsCount[ladder]!; row++) {
    const n = e.lvlOrdersCount(e.ladLevel(base + row));
    orders += n;
    if (n > 0) levels++;
  }
  return { orders, levels };
}

export function registerBookMetrics(
  registry: MetricsRegistry,
  metrics: ExchangeMetrics,
  engine: () => BookColumnsView | null,
): void {
  registry.onCollect("books", () => {
    const e = engine();
    if (e === null) return;
    // Symbols beyond the configured list share the "other" series: sum them.
    const open = new Map<string, number>();
    const levels = new Map<string, [number, number]>();
    const halted = new Map<string, number>();
    for (let book = 0; book < e.booksCount; book++) {
      const name = metrics.symbolLabel(e.symNames[book]!);
      let orders = 0;
      const sides = levels.get(name) ?? [0, 0];
      for (let kind = 0; kind < laddersPerBook; kind++) {
        const t = ladderTotals(e, book * laddersPerBook + kind);
        orders += t.orders;
        if (kind < 2) sides[kind]! += t.levels;
      }
      open.set(name, (open.get(name) ?? 0) + orders);
      halted.set(name, (halted.get(name) ?? 0) + (e.symStatus[book] === 0 ? 0 : 1));
      levels.set(name, sides);
    }
    for (const [name, n] of open) metrics.openOrders(name).set(n);
    for (const [name, n] of halted) metrics.symbolHalted(name).set(n);
    for (const [name, [bids, asks]] of levels) {
      metrics.bookLevels(name, "buy").set(bids);
      metrics.bookLevels(name, "sell").set(asks);
    }
  });
}
