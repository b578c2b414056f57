// Proves, against a real redis-server, that the Redis snapshot store round-trips bytes exactly, keeps K, never exposes
// a half-written or damaged snapshot, and fails fast then heals when Redis is stopped, paused or restarted.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createClient, RESP_TYPES } from "redis";
import { startTestRedis, type TestRedis } from "../../test/support/redis.ts";
import { RedisSnapshotStore, type RedisSnapshotStoreOptions } from "./redis-store.ts";

const timeoutMs = 1_000;
/** Per test: the slowest waits for a few store timeouts. */
const testTimeoutMs = 20_000;
let redis: TestRedis;
let admin: ReturnType<typeof openAdmin>;
let prefixCount = 0;

function openAdmin(port: number) {
  return createClient({
    socket: { host: "127.0.0.1", port, connectTimeout: 2_000, reconnectStrategy: 100, socketTimeout: 0, tls: false },
    RESP: 2,
    database: 0,
    disableOfflineQueue: false,
    pingInterval: 0,
    commandOptions: { timeout: 10_000 },
  });
}

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + 65536)));
  return bytes;
}

function storeOptions(overrides: Partial<RedisSnapshotStoreOptions> = {}): RedisSnapshotStoreOptions {
  return {
    host: "127.0.0.1",
    port: redis.port,
    keyPrefix: `t${++prefixCount}:{0}`,
    keep: 3,
    timeoutMs,
    connectTimeoutMs: 500,
    reconnectDelayMsMax: 200,
    ...overrides,
  };
}

async function openStore(
  overrides: Partial<RedisSnapshotStoreOptions> = {},
): Promise<{ store: RedisSnapshotStore; warnings: string[] }> {
  const warnings: string[] = [];
  const store = new RedisSnapshotStore({ ...storeOptions(overrides), warn: (m) => warnings.push(m), ...overrides });
  await store.ready();
  return { store, warnings };
}

async function keysOf(store: RedisSnapshotStore): Promise<string[]> {
  const prefix = store.description.split(" key ")[1]!;
  return (await admin.keys(`${prefix.replace(/[{}]/g, "\\$&")}:*`)).sort();
}

beforeAll(async () => {
  redis = await startTestRedis();
  admin = openAdmin(redis.port);
  admin.on("error", () => {});
  await admin.connect();
  // A fresh machine installs redis-server with apt first.
}, 300_000);

afterAll(async () => {
  admin.destroy();
  await redis.stop();
});

describe("RedisSnapshotStore on a real redis-server", () => {
  test(
    "round trip of small, empty, multi-part and 40 MiB snapshots, byte for byte",
    async () => {
      const { store, warnings } = await openStore({ partBytes: 1000, keep: 10 });
      const small = randomBytes(2500);
      // NUL, 0xff and sequences that are not UTF-8 must survive the client.
      small.set([0x00, 0xff, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0xf8, 0x00], 0);
      await store.save(1, small);
      await store.save(2, new Uint8Array(0));
      await store.save(3, new Uint8Array([0xff]));
      expect(await store.load(1)).toEqual(small);
      expect((await store.load(2))?.byteLength).toBe(0);
      expect(await store.load(3)).toEqual(new Uint8Array([0xff]));
      expect(await store.load(4)).toBeNull();
      expect(await store.list()).toEqual([
        { seq: 3, bytes: 1 },
        { seq: 2, bytes: 0 },
        { seq: 1, bytes: 2500 },
      ]);
      const binary = admin.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
      const manifest = await admin.hGetAll(store.manifestKey(1));
      const rawPart = await binary.get(store.partKey(1, Number(manifest.writer), 0));
      expect(Buffer.compare(rawPart!, Buffer.from(small.subarray(0, 1000)))).toBe(0);
      await store.close();

      const { store: big } = await openStore();
      const large = randomBytes(40 << 20);
      let started = performance.now();
      await big.save(1_000_000, large);
      const saveMs = performance.now() - started;
      started = performance.now();
      const loaded = await big.load(1_000_000);
      const loadMs = performance.now() - started;
      expect(loaded).not.toBeNull();
      expect(Buffer.compare(loaded!, large)).toBe(0);
      expect(await big.latest()).toBe(1_000_000);
      // 40 MiB in 8 MiB parts: 5 parts and a manifest, plus index, pointer and writer counter.
      expect((await keysOf(big)).length).toBe(5 + 4);
      console.log(`40 MiB: save ${saveMs.toFixed(0)} ms, load ${loadMs.toFixed(0)} ms`);
      expect(warnings).toEqual([]);
      await big.close();
    },
    testTimeoutMs,
  );

  test(
    "keeps the newest K; pruned snapshots leave no keys; saving a seq again replaces it",
    async () => {
      const { store } = await openStore({ keep: 2, partBytes: 100 });
      const bodies = new Map<number, Uint8Array>();
      for (const seq of [5, 9, 12, 20]) {
        bodies.set(seq, randomBytes(250));
        await store.save(seq, bodies.get(seq)!);
      }
      expect(await store.list()).toEqual([
        { seq: 20, bytes: 250 },
        { seq: 12, bytes: 250 },
      ]);
      expect(await store.load(9)).toBeNull();
      expect(await store.load(12)).toEqual(bodies.get(12)!);
      // 2 snapshots × (3 parts + manifest) + index + latest + writer.
      expect((await keysOf(store)).length).toBe(2 * 4 + 3);
      const replacement = randomBytes(120);
      await store.save(20, replacement);
      expect(await store.load(20)).toEqual(replacement);
      expect((await keysOf(store)).length).toBe(4 + 3 + 3);
      expect(await store.latest()).toBe(20);
      // An older seq than the newest does not move the pointer back.
      await store.save(15, randomBytes(10));
      expect(await store.latest()).toBe(20);
      expect((await store.list()).map((m) => m.seq)).toEqual([20, 15]);
      await store.close();
    },
    testTimeoutMs,
  );

  test(
    "a writer killed after its parts and before the commit leaves nothing visible, only parts that expire",
    async () => {
      const { store, warnings } = await openStore({ partBytes: 1000 });
      await store.save(1, randomBytes(3000));
      const options = {
        ...storeOptions(),
        keyPrefix: store.description.split(" key ")[1]!,
        partBytes: 1000,
        pendingTtlMs: 60_000,
      };
      // A real process that dies (SIGKILL) between its last part and MULTI/EXEC.
      const child = Bun.spawn(
        [
          process.execPath,
          "-e",
          `const { RedisSnapshotStore } = await import(${JSON.stringify(join(import.meta.dir, "redis-store.ts"))});
         const store = new RedisSnapshotStore({
           ...${JSON.stringify(options)},
           afterPartsHook: () => process.kill(process.pid, "SIGKILL"),
         });
         await store.save(2, new Uint8Array(5000).fill(7));`,
        ],
        { stdin: "ignore", stdout: "inherit", stderr: "inherit" },
      );
      expect(await child.exited).not.toBe(0);
      expect(child.signalCode).toBe("SIGKILL");
      expect(await store.list()).toEqual([{ seq: 1, bytes: 3000 }]);
      expect(await store.latest()).toBe(1);
      expect(await store.load(2)).toBeNull();
      const orphans = (await keysOf(store)).filter((k) => k.includes(":snap:2:"));
      expect(orphans.length).toBe(5);
      for (const key of orphans) {
        const ttl = await admin.pTTL(key);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
      // The same in-process: the save fails before its commit and is not visible either.
      const dying = new RedisSnapshotStore({
        ...options,
        warn: () => {},
        afterPartsHook: () => Promise.reject(new Error("writer died")),
      });
      await expect(dying.save(3, randomBytes(10))).rejects.toThrow(/writer died/);
      await dying.close();
      expect((await store.list()).map((m) => m.seq)).toEqual([1]);
      // The next complete save works as usual.
      const body = randomBytes(1500);
      await store.save(4, body);
      expect(await store.load(4)).toEqual(body);
      expect((await store.list()).map((m) => m.seq)).toEqual([4, 1]);
      expect(warnings).toEqual([]);
      await store.close();
    },
    testTimeoutMs,
  );

  test(
    "a save overtaken by a newer one (a stale writer) cannot commit",
    async () => {
      const { store } = await openStore({ partBytes: 100 });
      const other = new RedisSnapshotStore({
        ...storeOptions(),
        keyPrefix: store.description.split(" key ")[1]!,
        partBytes: 100,
        warn: () => {},
      });
      const newer = randomBytes(300);
      const stale = new RedisSnapshotStore({
        ...storeOptions(),
        keyPrefix: store.description.split(" key ")[1]!,
        partBytes: 100,
        warn: () => {},
        // While the stale save sits before its commit, a newer save of the same seq completes.
        afterPartsHook: () => other.save(7, newer),
      });
      await expect(stale.save(7, randomBytes(300))).rejects.toThrow(/superseded/);
      expect(await store.load(7)).toEqual(newer);
      expect(await store.list()).toEqual([{ seq: 7, bytes: 300 }]);
      await Promise.all([stale.close(), other.close(), store.close()]);
    },
    testTimeoutMs,
  );

  test(
    "a save that outlasts pendingTtlMs fails at its commit instead of publishing expired parts",
    async () => {
      const { store } = await openStore({ partBytes: 10, pendingTtlMs: 50, afterPartsHook: () => Bun.sleep(150) });
      await expect(store.save(1, randomBytes(35))).rejects.toThrow(/only 0 of 4 parts are still there/);
      expect(await store.list()).toEqual([]);
      expect(await store.latest()).toBeNull();
      await store.close();
    },
    testTimeoutMs,
  );

  test(
    "a corrupted or missing part makes load return null with a warning",
    async () => {
      const { store, warnings } = await openStore({ partBytes: 1000 });
      await store.save(1, randomBytes(2500));
      await store.save(2, randomBytes(2500));
      const writer1 = Number((await admin.hGetAll(store.manifestKey(1))).writer);
      const writer2 = Number((await admin.hGetAll(store.manifestKey(2))).writer);
      expect(await admin.setRange(store.partKey(1, writer1, 1), 500, "X")).toBe(1000);
      expect(await store.load(1)).toBeNull();
      expect(warnings.at(-1)).toMatch(/seq 1 is damaged \(sha256/);
      await admin.del(store.partKey(2, writer2, 2));
      expect(await store.load(2)).toBeNull();
      expect(warnings.at(-1)).toMatch(/seq 2 is incomplete/);
      await admin.hSet(store.manifestKey(2), "parts", "9");
      expect(await store.load(2)).toBeNull();
      expect(warnings.at(-1)).toMatch(/seq 2 has a bad manifest/);
      await store.close();
    },
    testTimeoutMs,
  );

  test(
    "Redis paused (SIGSTOP): save rejects by timeout; after SIGCONT saves work again",
    async () => {
      const { store, warnings } = await openStore({ partBytes: 1 << 20 });
      await store.save(1, randomBytes(1000));
      const errors: string[] = [];
      redis.pause();
      try {
        const started = performance.now();
        const error = await store.save(2, randomBytes(3 << 20)).catch((e: Error) => e);
        expect(String(error)).toMatch(/no reply within 1000 ms|not connected within 1000 ms/);
        errors.push(String(error));
        const elapsed = performance.now() - started;
        expect(elapsed).toBeLessThan(3 * timeoutMs);
        // Redis still stopped: the next call fails fast too, it does not queue.
        const again = await store.save(3, randomBytes(10)).catch((e: Error) => e);
        expect(String(again)).toMatch(/within 1000 ms/);
        errors.push(String(again));
        expect(performance.now() - started).toBeLessThan(5 * timeoutMs);
      } finally {
        redis.resume();
      }
      const body = randomBytes(5000);
      await store.save(4, body);
      expect(await store.load(4)).toEqual(body);
      const seqs = (await store.list()).map((m) => m.seq);
      expect(seqs[0]).toBe(4);
      expect(seqs).not.toContain(3);
      // Whatever of the timed-out save reached Redis after SIGCONT is either absent or whole.
      for (const seq of seqs) expect(await store.load(seq)).not.toBeNull();
      expect(warnings.some((w) => /no reply within 1000 ms; dropping the connection/.test(w))).toBe(true);
      console.log(`paused: ${errors.join(" / ")}`);
      await store.close();
    },
    testTimeoutMs,
  );

  test(
    "Redis killed: save rejects within the timeout; a new redis-server on the port is picked up again",
    async () => {
      const { store } = await openStore();
      await store.save(1, randomBytes(100));
      await redis.kill();
      const started = performance.now();
      const error = await store.save(2, randomBytes(100)).catch((e: Error) => e);
      expect(String(error)).toMatch(/not connected within 1000 ms|ECONNREFUSED|closed|offline/i);
      // Once the client knows, the message names the cause.
      const known = await store.save(2, randomBytes(100)).catch((e: Error) => e);
      expect(String(known)).toMatch(/not connected within 1000 ms \(.*ECONNREFUSED/);
      console.log(`killed: ${String(error)} / ${String(known)}`);
      expect(performance.now() - started).toBeLessThan(3 * timeoutMs);
      await expect(store.list()).rejects.toThrow(/RedisSnapshotStoreError|redis 127\.0\.0\.1/);
      await redis.restart();
      // The new server starts empty (no persistence in this test); the store reconnects on its own.
      const body = randomBytes(100);
      await store.save(3, body);
      expect(await store.load(3)).toEqual(body);
      expect(await store.list()).toEqual([{ seq: 3, bytes: 100 }]);
      await store.close();
    },
    testTimeoutMs,
  );
});
