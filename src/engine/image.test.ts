// Proves the engine's image restores the exact state (same hash, same events for every later command, the same bytes
// when taken again) and that bytes which do not describe a state are refused with a reason.
import { describe, expect, test } from "bun:test";
import type { Command } from "./command.ts";
import { OrderType, Side, TradingStatus } from "./constants.ts";
import { Engine } from "./engine.ts";
import { captureImage } from "./image.ts";
import { encodeImage, restoreImage } from "./image-codec.ts";
import { drive, ROUND_TRIP_CONFIG } from "../../test/engine/drive.ts";
import { generateCommands } from "../../test/engine/random-commands.ts";
import { order } from "../../test/engine/scenarios.ts";

const config = ROUND_TRIP_CONFIG;

const imageOf = (engine: Engine): Uint8Array => encodeImage(captureImage(engine));

describe("round trip", () => {
  for (const seed of [11, 12, 13]) {
    test(
      `seed ${seed}: restored engine has the same hash, answers later commands identically and encodes to the ` +
        `same bytes`,
      () => {
        const commands = [...generateCommands(seed, 30_000)];
        const cut = 10_000 + seed * 1_000;
        const original = new Engine(config);
        drive(original, commands.slice(0, cut));
        const bytes = imageOf(original);
        const restored = new Engine(config);
        restoreImage(bytes, restored);
        restored.validate();
        expect(restored.lastSeq).toBe(original.lastSeq);
        expect(restored.nextTradeId).toBe(original.nextTradeId);
        expect(restored.stateHash()).toBe(original.stateHash());
        // Whatever slots and levels the orders landed in, the same state gives the same bytes.
        expect(imageOf(restored)).toEqual(bytes);
        expect(drive(restored, commands.slice(cut))).toEqual(drive(original, commands.slice(cut)));
        expect(restored.stateHash()).toBe(original.stateHash());
      },
    );
  }

  test("stops keep their arrival order within a stop price, so a cascade after restore runs as before", () => {
    const a = new Engine(config);
    const commands: Command[] = [
      {
        op: "symbol",
        seq: 1,
        tsUs: 0,
        spec: { name: "X", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000, maxQty: 100 },
      },
      { ...order(Side.Buy, 7, 1, 0, 5, { type: OrderType.StopMarket, stop: 900, clientOrderId: 77 }), seq: 2 },
      { ...order(Side.Buy, 8, 2, 0, 1, { type: OrderType.StopMarket, stop: 900 }), seq: 3 },
      { ...order(Side.Sell, 9, 3, 950, 1, { type: OrderType.StopLimit, stop: 100 }), seq: 4 },
    ];
    drive(a, commands);
    const b = new Engine(config);
    restoreImage(imageOf(a), b);
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.order(7)).toMatchObject({ state: "stop", stop: 900, clientId: 77 });
    const later: Command[] = [
      { ...order(Side.Sell, 20, 4, 900, 10), seq: 5 },
      { ...order(Side.Buy, 21, 5, 900, 1), seq: 6 },
    ];
    expect(drive(b, later)).toEqual(drive(a, later));
  });

  test("a halted book stays halted; a version-1 image (before trading status) restores every book open", () => {
    const a = new Engine(config);
    const spec = { tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000, maxQty: 100 };
    drive(a, [
      { op: "symbol", seq: 1, tsUs: 0, spec: { name: "A", ...spec } },
      { op: "symbol", seq: 2, tsUs: 0, spec: { name: "B", ...spec } },
      { op: "symbol_status", seq: 3, tsUs: 0, book: 1, status: TradingStatus.Halted, clientOrderId: 0 },
    ]);
    const bytes = imageOf(a);
    const b = new Engine(config);
    restoreImage(bytes, b);
    expect([b.tradingStatus(0), b.tradingStatus(1)]).toEqual([TradingStatus.Open, TradingStatus.Halted]);
    expect(b.stateHash()).toBe(a.stateHash());
    // Version 1 is version 2 without the status byte after each book's last trade price (books without orders here).
    const v1: number[] = [...bytes.subarray(0, 20)];
    let at = 20;
    for (let book = 0; book < 2; book++) {
      const fixed = 1 + bytes[at]! + 32;
      v1.push(...bytes.subarray(at, at + fixed));
      at += fixed + 1;
      v1.push(...bytes.subarray(at, at + 16));
      at += 16;
    }
    expect(at).toBe(bytes.length);
    const c = new Engine(config);
    restoreImage(Uint8Array.from(v1), c, 1);
    expect([c.tradingStatus(0), c.tradingStatus(1)]).toEqual([TradingStatus.Open, TradingStatus.Open]);
    expect(() => restoreImage(bytes, new Engine(config), 3)).toThrow(/image version 3/);
  });

  test("an empty engine round-trips", () => {
    const b = new Engine(config);
    restoreImage(imageOf(new Engine(config)), b);
    expect(b.stateHash()).toBe(new Engine(config).stateHash());
  });
});

describe("bytes that are not a state are refused", () => {
  const source = new Engine(config);
  drive(source, [...generateCommands(9, 5000)]);
  const good = imageOf(source);

  test("every truncation and trailing garbage throws with the reason", () => {
    for (let n = 0; n < good.length; n += Math.max(1, Math.floor(good.length / 300))) {
      expect(() => restoreImage(good.subarray(0, n), new Engine(config))).toThrow(/image/);
    }
    const padded = new Uint8Array(good.length + 1);
    padded.set(good);
    expect(() => restoreImage(padded, new Engine(config))).toThrow(/after its last book/);
  });

  test("an image too big for the engine's capacity throws with the reason", () => {
    expect(() => restoreImage(good, new Engine({ ...config, ordersMax: 8 }))).toThrow(/capacity/);
  });

  test("restore needs a fresh engine", () => {
    expect(() => restoreImage(good, source)).toThrow(/fresh engine/);
  });
});
