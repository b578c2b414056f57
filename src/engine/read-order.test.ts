// Proves readOrder (the non-allocating order query the gateway's paged OpenOrders answers use): for every live order,
// resting or a stop, it fills the caller's view with exactly what order() returns, it reports an order that is gone
// without touching the view, and it allocates nothing.
import { expect, test } from "bun:test";
import { applyCommand } from "./apply.ts";
import type { Command } from "./command.ts";
import { Side } from "./constants.ts";
import { Engine } from "./engine.ts";
import { emptyOrderView, readOrder } from "./queries.ts";
import { cancel, order, stopLimit } from "../../test/engine/scenarios.ts";
import { cellsAllocated } from "../../test/support/allocation.ts";

const spec = { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 };

function engineWithOrders(): Engine {
  const e = new Engine({ ordersMax: 4096, levelsMax: 4096, levelsPerSideMax: 1024, symbolsMax: 2 });
  let seq = 1;
  const book = e.addSymbol(seq++, spec);
  const run = (c: Command) => {
    applyCommand(e, { ...c, seq: seq++ } as Command);
    e.events.drain();
  };
  for (let id = 1; id <= 200; id++) {
    // Buys at 51..100, sells at 200..249: nothing trades.
    const buy = (id & 1) === 1;
    run(order(buy ? Side.Buy : Side.Sell, id, 10 + (id % 7), buy ? 100 - (id % 50) : 200 + (id % 50), id, { book }));
  }
  for (let id = 201; id <= 210; id++) run(stopLimit(Side.Sell, id, 3, 50, 49, 5, { book }));
  for (let id = 1; id <= 200; id += 3) run(cancel(id, 10 + (id % 7), book));
  return e;
}

test("readOrder fills the caller's view as order() returns it, and leaves it alone for an order that is gone", () => {
  const e = engineWithOrders();
  const view = emptyOrderView();
  let live = 0;
  for (let id = 1; id <= 210; id++) {
    const expected = e.order(id);
    const before = { ...view };
    const found = readOrder(e, id, view);
    expect(found).toBe(expected !== null);
    if (expected === null) expect(view).toEqual(before);
    else {
      expect(view).toEqual(expected);
      live++;
    }
  }
  // 200 placed, 67 cancelled, 10 stops.
  expect(live).toBe(143);
  expect(view.state).toBe("stop");
});

test("readOrder allocates nothing", () => {
  const e = engineWithOrders();
  const view = emptyOrderView();
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) readOrder(e, 1 + (i % 210), view);
  };
  run(10_000);
  expect(cellsAllocated(run, 100_000)).toBeLessThan(240);
});
