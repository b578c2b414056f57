// Proves a snapshot restores the exact engine state (same hash, and the same events for every later command) and that damaged snapshots are refused before anything is restored.
import { describe, expect, test } from "bun:test";
import { applyCommand } from "../engine/apply.ts";
import type { Command } from "../engine/command.ts";
import { generateCommands } from "../../test/engine/random-commands.ts";
import { Engine } from "../engine/engine.ts";
import { checkSnapshot, encodeImage, HEADER_BYTES } from "./format.ts";
import { captureImage } from "./image.ts";
import { restoreSnapshot } from "./restore.ts";

const journal = { createdAtNs: 1_700_000_000_000_000_000n, shardId: 0 };
const config = { ordersMax: 4096, levelsMax: 4096, levelsPerSideMax: 1024, symbolsMax: 8};

function drive(engine: Engine, commands: Command[]): unknown[] {
  const out: unknown[] = [];
  for (const c of commands) {
    applyCommand(engine, c);
    out.push(...engine.events.drain());
  }
  return out;
}

function snapshotOf(engine: Engine): Uint8Array {
  return encodeImage(captureImage(engine, 12345, 1_700_000_000_000, journal));
}

describe("round trip", () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    test(`seed ${seed}: restored engine has the same hash and answers later commands identically`, () => {
      const commands = [...generateCommands(seed, 30_000)];
      const cut = 10_000 + seed * 3_000;
      const original = new Engine(config);
      drive(original, commands.slice(0, cut));
      const bytes = snapshotOf(original);
      const restored = new Engine(config);
      const header = restoreSnapshot(bytes, restored, journal);
      if (typeof header === "string") throw new Error(header);
      expect(header.seq).toBe(original.lastSeq);
      expect(header.nextOrderId).toBe(12345);
      expect(restored.lastSeq).toBe(header.seq);
      restored.validate();
      expect(restored.stateHash()).toBe(original.stateHash());
      expect(drive(restored, commands.slice(cut))).toEqual(drive(original, commands.slice(cut)));
      expect(restored.stateHash()).toBe(original.stateHash());
      // The same state snapshots to the same bytes, whatever slots and levels it landed in.
      expect(snapshotOf(restored).subarray(HEADER_BYTES)).toEqual(snapshotOf(original).subarray(HEADER_BYTES));
    });
  }

  test("an empty engine and a book with only stops round-trip", () => {
    const a = new Engine(config);
    a.addSymbol(1, { name: "X", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000, maxQty: 100 });
    a.newOrder(2, 0, 0, 7, 1, 0, 3, 0, 0, 0, 0, 5, 900, 77);
    const b = new Engine(config);
    expect(typeof restoreSnapshot(snapshotOf(a), b, journal)).toBe("object");
    expect(b.stateHash()).toBe(a.stateHash());
    expect(b.order(7)).toMatchObject({ state: "stop", stop: 900, clientId: 77 });
    expect(typeof restoreSnapshot(snapshotOf(new Engine(config)), new Engine(config), journal)).toBe("object");
  });
});

describe("damage is refused before anything is restored", () => {
  const source = new Engine(config);
  drive(source, [...generateCommands(9, 5000)]);
  const good = snapshotOf(source);

  test("every truncation, and padding", () => {
    for (let n = 0; n < good.length; n += Math.max(1, Math.floor(good.length / 500))) {
      expect(typeof checkSnapshot(good.subarray(0, n))).toBe("string");
    }
    const padded = new Uint8Array(good.length + 1);
    padded.set(good);
    expect(checkSnapshot(padded)).toMatch(/padded|truncated/);
  });

  test("a flipped bit anywhere", () => {
    for (let i = 0; i < good.length; i += Math.max(1, Math.floor(good.length / 2000))) {
      const bad = good.slice();
      bad[i]! ^= 1 << (i % 8);
      const fresh = new Engine(config);
      expect(typeof restoreSnapshot(bad, fresh, journal)).toBe("string");
      expect(fresh.booksCount).toBe(0);
    }
  });

  test("another format version and garbage", () => {
    expect(checkSnapshot(new Uint8Array(1000))).toMatch(/magic/);
    expect(checkSnapshot(new TextEncoder().encode("EXSNAP\0\0" + "x".repeat(100)))).toMatch(/checksum/);
  });

  test("a snapshot of another journal is refused", () => {
    const fresh = new Engine(config);
    expect(restoreSnapshot(good, fresh, { ...journal, createdAtNs: journal.createdAtNs + 1n })).toMatch(/another journal/);
    expect(restoreSnapshot(good, fresh, { ...journal, shardId: 1 })).toMatch(/another journal/);
    expect(fresh.booksCount).toBe(0);
  });

  test("a snapshot too big for this engine's capacity throws with the reason", () => {
    const small = new Engine({ ...config, ordersMax: 8 });
    expect(() => restoreSnapshot(good, small, journal)).toThrow(/capacity/);
  });
});

test("a resting order costs at most 48 bytes", () => {
  const e = new Engine({ ordersMax: 200_000, levelsMax: 4096, levelsPerSideMax: 4096, symbolsMax: 1});
  e.events.onFull = (events) => events.clear();
  e.addSymbol(1, { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 });
  for (let i = 1; i <= 100_000; i++) e.newOrder(i + 1, 0, 0, i, 1 + (i % 500), i % 2, 0, 0, 0, 0, i % 2 === 0 ? 100_000 - (i % 2000) : 100_001 + (i % 2000), 1 + (i % 7), 0, i);
  e.events.clear();
  const bytes = snapshotOf(e);
  const perOrder = bytes.length / e.ordersLive;
  console.log(`snapshot of ${e.ordersLive} resting orders: ${bytes.length} bytes, ${perOrder.toFixed(1)} bytes/order`);
  expect(perOrder).toBeLessThanOrEqual(48);
});
