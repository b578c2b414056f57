// Proves the reference book follows RULES.md: every scenario table, the exact state-hash walk,
// depth, and no capacity limit.

import { describe, expect, test } from "bun:test";
import { fillCommand } from "./apply.ts";
import { type Command, CommandStruct, type EventRecord, type SymbolSpec } from "./command.ts";
import { OrderType, Side, Stp, Tif } from "./constants.ts";
import { Hash64 } from "./hash64.ts";
import { ReferenceEngine } from "./reference.ts";
import {
  OTHER,
  type Scenario,
  TEST,
  buy,
  cancel,
  cancelScenarios,
  limitScenarios,
  marketScenarios,
  modifyScenarios,
  order,
  postOnlyScenarios,
  rejectScenarios,
  runScenario,
  selfTradeScenarios,
  sell,
  stopElectionScenarios,
  stopScenarios,
} from "../../test/engine/scenarios.ts";

const scratch = new CommandStruct();

/** The reference takes the engine's command struct: plain commands are filled into one reused struct. */
function applyTo(ref: ReferenceEngine, cmd: Command): EventRecord[] {
  return ref.apply(fillCommand(cmd, scratch));
}

function runAll(group: string, scenarios: Scenario[]): void {
  describe(group, () => {
    for (const s of scenarios) {
      test(s.name, () => {
        const ref = new ReferenceEngine();
        const problems = runScenario(
          s,
          (cmd) => applyTo(ref, cmd),
          (book, side, levelsMax) => ref.depth(book, side, levelsMax),
        );
        expect(problems).toEqual([]);
      });
    }
  });
}

runAll("limit orders", limitScenarios);
runAll("post-only", postOnlyScenarios);
runAll("market orders", marketScenarios);
runAll("stop orders", stopScenarios);
runAll("stop elections", stopElectionScenarios);
runAll("rejects", rejectScenarios);
runAll("self-trade prevention", selfTradeScenarios);
runAll("modify", modifyScenarios);
runAll("cancel and trade ids", cancelScenarios);

/** Stamps seq 1.. and a ts onto commands built with seq 0. */
function stamp(commands: Command[]): Command[] {
  return commands.map((c, i) => ({ ...c, seq: i + 1, tsUs: 500 + i }) as Command);
}

function symbol(spec: SymbolSpec): Command {
  return { op: "symbol", seq: 0, tsUs: 0, spec };
}

describe("scenario runner", () => {
  test("reports a wrong field, a missing event and a wrong depth", () => {
    const s = limitScenarios[1]!;
    const shiftedRef = new ReferenceEngine();
    const shifted = runScenario(s, (cmd) => applyTo(shiftedRef, cmd).map((e) => ({ ...e, qtyLots: e.qtyLots + 1 })));
    expect(shifted.length).toBeGreaterThan(0);
    const ref = new ReferenceEngine();
    const dropped = runScenario(s, (cmd) => applyTo(ref, cmd).slice(1));
    expect(dropped.length).toBeGreaterThan(0);
    const honest = new ReferenceEngine();
    const wrongDepth = runScenario(
      s,
      (cmd) => applyTo(honest, cmd),
      () => [],
    );
    expect(wrongDepth.length).toBeGreaterThan(0);
  });
});

describe("symbols", () => {
  test("a symbol command defines the next book index and emits nothing", () => {
    const ref = new ReferenceEngine();
    const commands = stamp([symbol(TEST), symbol(OTHER), buy(1, 7, 10, 1, { book: 1 })]);
    expect(applyTo(ref, commands[0]!)).toEqual([]);
    expect(applyTo(ref, commands[1]!)).toEqual([]);
    expect(ref.booksCount).toBe(2);
    expect(applyTo(ref, commands[2]!).map((e) => e.book)).toEqual([1, 1]);
    expect(ref.depth(1, Side.Buy, 10)).toEqual([{ price: 10, qty: 1, count: 1 }]);
  });
});

describe("state hash", () => {
  test("an empty engine hashes the books count, the next trade id and the last seq", () => {
    const expected = new Hash64().add(0).add(1).add(0).hex();
    expect(new ReferenceEngine().stateHash()).toBe(expected);
  });

  test(
    "the canonical walk: spec, last price, trading status, bids, asks, stops by arrival, " + "then trade id and seq",
    () => {
      const ref = new ReferenceEngine();
      const commands = stamp([
        symbol(TEST),
        symbol(OTHER),
        sell(1, 11, 100, 4),
        buy(2, 12, 100, 2),
        buy(3, 12, 95, 2, { postOnly: true, stp: Stp.CancelMaker }),
        buy(4, 13, 95, 4),
        order(Side.Sell, 5, 11, 85, 2, { type: OrderType.StopLimit, tif: Tif.Ioc, stp: Stp.Decrement, stop: 90 }),
        order(Side.Buy, 6, 13, 0, 2, { type: OrderType.StopMarket, stop: 200 }),
        cancel(99, 11),
      ]);
      for (const c of commands) applyTo(ref, c);

      const h = new Hash64();
      h.add(2);
      h.addString("TEST").add(5).add(2).add(50).add(500).add(1000).add(100).add(0);
      h.add(1).add(95).add(2);
      h.add(3).add(12).add(2).add(1).add(Stp.CancelMaker);
      h.add(4).add(13).add(4).add(0).add(Stp.None);
      h.add(1).add(100).add(1);
      h.add(1).add(11).add(2).add(0).add(Stp.None);
      h.add(2);
      h.add(5).add(11).add(Side.Sell).add(OrderType.StopLimit).add(Tif.Ioc).add(0).add(Stp.Decrement);
      h.add(85).add(90).add(2).add(7);
      h.add(6).add(13).add(Side.Buy).add(OrderType.StopMarket).add(Tif.Gtc).add(0).add(Stp.None);
      h.add(0).add(200).add(2).add(8);
      h.addString("OTHER").add(1).add(1).add(1).add(1000).add(100).add(0).add(0);
      h.add(0).add(0).add(0);
      h.add(2).add(9);
      expect(ref.stateHash()).toBe(h.hex());
    },
  );

  test(
    "the hash follows the last seq even when a command is rejected, " + "and the same commands give the same hash",
    () => {
      const commands = stamp([symbol(TEST), buy(1, 11, 100, 2), buy(1, 11, 100, 2)]);
      const a = new ReferenceEngine();
      const b = new ReferenceEngine();
      const hashes: string[] = [];
      for (const c of commands) {
        applyTo(a, c);
        applyTo(b, c);
        expect(a.stateHash()).toBe(b.stateHash());
        hashes.push(a.stateHash());
      }
      expect(new Set(hashes).size).toBe(3);
    },
  );
});

describe("depth", () => {
  test("best first, at most levelsMax levels, with quantity and order count", () => {
    const ref = new ReferenceEngine();
    const commands = stamp([
      symbol(TEST),
      sell(1, 11, 110, 2),
      sell(2, 11, 105, 4),
      sell(3, 12, 105, 6),
      sell(4, 12, 120, 2),
      buy(5, 13, 90, 2),
    ]);
    for (const c of commands) applyTo(ref, c);
    expect(ref.depth(0, Side.Sell, 2)).toEqual([
      { price: 105, qty: 10, count: 2 },
      { price: 110, qty: 2, count: 1 },
    ]);
    expect(ref.depth(0, Side.Sell, 0)).toEqual([]);
    expect(ref.depth(0, Side.Buy, 5)).toEqual([{ price: 90, qty: 2, count: 1 }]);
  });
});

describe("no capacity limit", () => {
  test("twenty thousand resting orders on thousands of levels are all accepted", () => {
    const ref = new ReferenceEngine();
    const wide: SymbolSpec = { name: "WIDE", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 100_000, maxQty: 100 };
    applyTo(ref, { op: "symbol", seq: 1, tsUs: 0, spec: wide });
    let seq = 2;
    for (let i = 0; i < 20_000; i++) {
      const side = i % 2 === 0 ? Side.Buy : Side.Sell;
      const k = (i >> 1) % 5000;
      const price = side === Side.Buy ? 1 + k : 50_000 + k;
      const events = applyTo(ref, { ...order(side, i, 1, price, 1), seq: seq++ });
      expect(events.map((e) => e.kind)).toEqual([1, 9]);
    }
    expect(ref.depth(0, Side.Buy, 1_000_000).length).toBe(5000);
    expect(ref.depth(0, Side.Sell, 1_000_000).length).toBe(5000);
  });
});
