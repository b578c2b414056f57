// Proves a snapshot frames the engine image so that a restore is hash-exact, and that damaged, foreign or other-version
// snapshots are refused before anything is restored.
import { describe, expect, test } from "bun:test";
import { applyCommand } from "../engine/apply.ts";
import { Engine } from "../engine/engine.ts";
import { IMAGE_VERSION } from "../engine/image-codec.ts";
import { drive, ROUND_TRIP_CONFIG } from "../../test/engine/drive.ts";
import { generateCommands } from "../../test/engine/random-commands.ts";
import { checkSnapshot, encodeSnapshot, HEADER_BYTES, SNAPSHOT_VERSION } from "./format.ts";
import { captureImage } from "./image.ts";
import { restoreSnapshot } from "./restore.ts";

const journal = { createdAtNs: 1_700_000_000_000_000_000n, shardId: 0 };
const config = ROUND_TRIP_CONFIG;

function snapshotOf(engine: Engine): Uint8Array {
  return encodeSnapshot(captureImage(engine, 12345, 1_700_000_000_000, journal));
}

/** Rewrites a header field and its checksum, as a build of another version would have written it. */
function withHeaderU32(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = bytes.slice();
  const dv = new DataView(copy.buffer);
  dv.setUint32(at, value, true);
  dv.setUint32(HEADER_BYTES - 4, Bun.hash.crc32(copy.subarray(0, HEADER_BYTES - 4)) >>> 0, true);
  return copy;
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
      expect(header.bodyVersion).toBe(IMAGE_VERSION);
      expect(restored.lastSeq).toBe(header.seq);
      restored.validate();
      expect(restored.stateHash()).toBe(original.stateHash());
      expect(drive(restored, commands.slice(cut))).toEqual(drive(original, commands.slice(cut)));
      expect(restored.stateHash()).toBe(original.stateHash());
      expect(snapshotOf(restored).subarray(HEADER_BYTES)).toEqual(snapshotOf(original).subarray(HEADER_BYTES));
    });
  }
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

  test("another format version, another engine image version, and garbage", () => {
    expect(checkSnapshot(withHeaderU32(good, 8, SNAPSHOT_VERSION - 1))).toMatch(/format version 2, this build reads 3/);
    expect(checkSnapshot(withHeaderU32(good, HEADER_BYTES - 12, IMAGE_VERSION + 1))).toMatch(/engine image version/);
    expect(checkSnapshot(new Uint8Array(1000))).toMatch(/magic/);
    expect(checkSnapshot(new TextEncoder().encode("EXSNAP\0\0" + "x".repeat(100)))).toMatch(/checksum/);
  });

  test("a snapshot of another journal is refused", () => {
    const fresh = new Engine(config);
    expect(restoreSnapshot(good, fresh, { ...journal, createdAtNs: journal.createdAtNs + 1n })).toMatch(
      /another journal/,
    );
    expect(restoreSnapshot(good, fresh, { ...journal, shardId: 1 })).toMatch(/another journal/);
    expect(fresh.booksCount).toBe(0);
  });

  test("a snapshot too big for this engine's capacity throws with the reason", () => {
    const small = new Engine({ ...config, ordersMax: 8 });
    expect(() => restoreSnapshot(good, small, journal)).toThrow(/capacity/);
  });
});

test("a resting order costs at most 48 bytes", () => {
  const e = new Engine({ ordersMax: 200_000, levelsMax: 4096, levelsPerSideMax: 4096, symbolsMax: 1 });
  e.events.onFull = (events) => events.clear();
  applyCommand(e, {
    op: "symbol",
    seq: 1,
    tsUs: 0,
    spec: { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 },
  });
  for (let i = 1; i <= 100_000; i++) {
    const side = i % 2;
    const priceTicks = side === 0 ? 100_000 - (i % 2000) : 100_001 + (i % 2000);
    applyCommand(e, {
      op: "new",
      seq: i + 1,
      tsUs: 0,
      book: 0,
      id: i,
      user: 1 + (i % 500),
      clientOrderId: i,
      side,
      type: 0,
      tif: 0,
      postOnly: false,
      stp: 0,
      priceTicks,
      qtyLots: 1 + (i % 7),
      stopPriceTicks: 0,
    });
  }
  e.events.clear();
  const bytes = snapshotOf(e);
  const perOrder = bytes.length / e.ordersLive;
  console.log(`snapshot of ${e.ordersLive} resting orders: ${bytes.length} bytes, ${perOrder.toFixed(1)} bytes/order`);
  expect(perOrder).toBeLessThanOrEqual(48);
});
