// Proves that the exchange in full mode (journal + Redis snapshots) recovers exactly: after repeated SIGKILLs under
// load (before, during and after snapshot saves), after Redis dies mid-save, from a deliberately corrupted newest
// snapshot (Redis and file stores), from a torn last journal record, and with Redis down at start-up.

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Rng } from "./engine/random-commands.ts";
import { JournalReader } from "../src/journal/index.ts";
import {
  checkOpenOrders,
  checkRecovery,
  checkReports,
  engineOf,
  newIdRegistry,
  type OpenOrderStats,
  type ReportStats,
  recoveryOf,
  tornTailWarning,
  unexpectedStderr,
} from "./support/crash-checks.ts";
import { CrashTrader, reportSummary } from "./support/crash-traders.ts";
import { ExchangeProcess, hashOf, killAll, replayJournalFile, tempDir } from "./support/exchange-process.ts";
import { JournalOracle } from "./support/journal-oracle.ts";
import { startTestRedis, type TestRedis } from "./support/redis.ts";
import { type SaveState, SnapshotKeys } from "./support/snapshot-keys.ts";

const kills = Number(process.env.CRASH_KILLS ?? (process.env.SOAK === "1" ? 200 : 20));
const seed = Number(process.env.CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
console.log(`crash-recovery: seed ${seed} (CRASH_SEED=${seed} repeats the choices), ${kills} kills`);

const keyPrefix = "exch:{0}";
/** Resting orders far from the mid in the kill test. */
const deepOrders = 40_000;
const dirs: { cleanup: () => void }[] = [];
const redises: TestRedis[] = [];
const traders: CrashTrader[] = [];
const peeks: SnapshotKeys[] = [];

afterEach(async () => {
  for (const t of traders.splice(0)) await t.close();
  for (const k of peeks.splice(0)) await k.close();
  await killAll();
  for (const r of redises.splice(0)) await r.stop();
});

afterAll(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function dataDir(name: string): string {
  const d = tempDir(`crash-${name}`);
  dirs.push(d);
  return d.dir;
}

interface SnapshotSettings {
  store: "redis" | "file";
  everyCommands: number;
  everyMs: number;
  redisPort?: number;
}

/** A `--config` file in the data directory (the environment could not set the key prefix or keep). */
function writeConfig(dir: string, s: SnapshotSettings): string {
  const path = join(dir, "exchange.json");
  const redis = { host: "127.0.0.1", port: s.redisPort ?? 6379, keyPrefix };
  writeFileSync(
    path,
    JSON.stringify({
      snapshots: { enabled: true, store: s.store, everyCommands: s.everyCommands, everyMs: s.everyMs, keep: 3, redis },
    }),
  );
  return path;
}

async function redisFor(options: { appendonly?: boolean } = {}): Promise<{ redis: TestRedis; keys: SnapshotKeys }> {
  const redis = await startTestRedis(options);
  redises.push(redis);
  const keys = await SnapshotKeys.open(redis.port, keyPrefix);
  peeks.push(keys);
  return { redis, keys };
}

function newTraders(count: number, firstUser = 1): CrashTrader[] {
  const made = Array.from({ length: count }, (_, i) => new CrashTrader(firstUser + i, `dev-key-${firstUser + i}`));
  traders.push(...made);
  return made;
}

/** `perUser` resting orders far from the mid from each of `users` (new sessions on `port`, closed after). */
async function deepBook(port: number, users: CrashTrader[], perUser: number): Promise<void> {
  await Promise.all(
    users.map(async (t) => {
      await t.connect(port);
      await t.placeResting(perUser);
      await t.close();
    }),
  );
}

/** Sends from `active` until `until` settles, a few dozen commands per trader per turn. */
async function runLoad(active: CrashTrader[], rng: Rng, until: Promise<unknown>): Promise<void> {
  let done = false;
  void until.finally(() => {
    done = true;
  });
  while (!done) {
    for (const t of active) t.sendSome(rng, 40);
    await Bun.sleep(1);
  }
}

/**
 * SIGKILL after `delayMs`; "at-save" then waits for the next save to take a writer id in Redis,
 * so the kill lands inside it.
 */
async function killLater(
  p: ExchangeProcess,
  keys: SnapshotKeys,
  mode: "random" | "at-save",
  delayMs: number,
  lagMs: number,
): Promise<void> {
  await Bun.sleep(delayMs);
  if (mode === "at-save") {
    await saveStarted(keys, 2000);
    if (lagMs > 0) await Bun.sleep(lagMs);
  }
  p.proc.kill("SIGKILL");
  await p.exited;
}

/** The writer id of the next save as soon as it takes one (polled as fast as Redis answers), or 0 after `timeoutMs`. */
async function saveStarted(keys: SnapshotKeys, timeoutMs: number): Promise<number> {
  const before = await keys.writer();
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const now = await keys.writer();
    if (now !== before) return now;
  }
  return 0;
}

/** SIGTERM; exit 0 with nothing unexpected on stderr; the stop line's seq and hash. */
async function stopGracefully(p: ExchangeProcess, allowed: RegExp[] = []): Promise<{ seq: number; hash: string }> {
  expect(await p.stop(20_000)).toBe(0);
  expect(unexpectedStderr(p, allowed)).toEqual([]);
  const line = p.stdout.lines.find((l) => l.startsWith("stopped at seq"));
  if (line === undefined) throw new Error(`no stop line:\n${p.output()}`);
  return { seq: Number(/stopped at seq (\d+)/.exec(line)![1]), hash: hashOf(line) };
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null> | T | null): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

/** Each trader logs in again and checks its open orders against the journal before taking them over. */
async function reconnect(users: CrashTrader[], port: number, oracle: JournalOracle, orders: OpenOrderStats) {
  for (const t of users) {
    await t.connect(port);
    const open = await t.client!.openOrders();
    checkOpenOrders(t, open, oracle, orders);
    t.adopt(open);
  }
}

describe("SIGKILL under load, Redis snapshots", () => {
  test(
    `${kills} kills at random moments: each restart equals the journal's replay and loses nothing acknowledged`,
    async () => {
      const started = performance.now();
      const { redis, keys } = await redisFor();
      const dir = dataDir("kills");
      const config = writeConfig(dir, { store: "redis", everyCommands: 5000, everyMs: 200, redisPort: redis.port });
      const oracle = new JournalOracle(join(dir, "journal.bin"));
      const users = newTraders(4);
      const rng = new Rng(seed);
      const ids = newIdRegistry();
      const orders: OpenOrderStats = { stillOpen: 0, endedUnseen: 0 };
      const reports: ReportStats = { acknowledged: 0, gatewayRejects: 0, trades: 0 };
      const saveStates: Record<SaveState, number> = {
        idle: 0,
        "save started, no part stored": 0,
        "parts stored, not committed": 0,
      };
      const kinds: Record<string, number> = {};
      let withSnapshot = 0;
      let tornTails = 0;
      for (let round = 0; round <= kills; round++) {
        // Half the runs make acknowledgements wait for fdatasync, half only for write().
        const policy = round % 2 === 0 ? "write" : "fsync";
        const p = await ExchangeProcess.start({ dataDir: dir, configPath: config, policy });
        if (round > 0) {
          const rec = checkRecovery(p, oracle, (await keys.index())[0] ?? 0);
          if (rec.snapshotSeq > 0) withSnapshot++;
        }
        await reconnect(users, p.port, oracle, orders);
        if (round === kills) {
          await finalStop(p, oracle, keys);
          break;
        }
        // A deep book (user 5, never trading) makes every snapshot ~1.3 MB, so saves last long enough
        // for kills to land inside them.
        if (round === 0) await deepBook(p.port, newTraders(1, 5), deepOrders);
        oracle.beginRound();
        const firstTradeId = oracle.nextTradeId;
        const active = users.slice(0, 2 + rng.int(3));
        const mode = rng.chance(0.4) ? "at-save" : "random";
        await runLoad(active, rng, killLater(p, keys, mode, rng.range(30, 900), rng.pick([0, 0, 1, 2, 4])));
        for (const t of users) {
          expect(await t.waitGone()).toBe(true);
          await t.close();
        }
        saveStates[await keys.saveState()]++;
        const caught = oracle.catchUp();
        if (caught.tail) tornTails++;
        checkReports(users, oracle, ids, firstTradeId, reports);
        for (const [k, v] of Object.entries(reportSummary(users))) kinds[k] = (kinds[k] ?? 0) + v;
      }
      const full = replayJournalFile(oracle.path);
      expect({ lastSeq: full.lastSeq, hash: full.hash }).toEqual({ lastSeq: oracle.lastSeq, hash: oracle.hash });
      console.log(
        `kills: ${kills} in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
          `journal ${oracle.lastSeq} records; ` +
          `restarts from a snapshot ${withSnapshot}/${kills}; where the kills left the ` +
          `store ${JSON.stringify(saveStates)}; torn tails ${tornTails}`,
      );
      console.log(
        `kills: reports ${JSON.stringify(kinds)}; ${JSON.stringify(reports)}; ` +
          `acknowledged live orders after restarts ${JSON.stringify(orders)}`,
      );
      expect(withSnapshot).toBeGreaterThanOrEqual(Math.ceil(kills / 2));
      if (kills >= 10) expect(kills - saveStates.idle).toBeGreaterThan(0);
      expect(reports.trades).toBeGreaterThan(0);
      expect(orders.stillOpen).toBeGreaterThan(0);
    },
    60_000 + kills * 8_000,
  );
});

/**
 * The last start of the kill test: a graceful stop hashes as the journal replay does, and its
 * final snapshot is the newest.
 */
async function finalStop(p: ExchangeProcess, oracle: JournalOracle, keys: SnapshotKeys): Promise<void> {
  for (const t of traders) await t.close();
  const stopped = await stopGracefully(p, [tornTailWarning]);
  expect(stopped).toEqual({ seq: oracle.lastSeq, hash: oracle.hash });
  expect((await keys.index())[0]).toBe(oracle.lastSeq);
}

/** Lines of the exchange's stdout (or, for a warning, stderr) matching `re`. */
function countLines(p: ExchangeProcess, re: RegExp): number {
  const stream = re.source.startsWith("^warning: ") ? p.stderr : p.stdout;
  return stream.lines.filter((l) => re.test(l)).length;
}

/** A failed save is a warning (stderr); its recovery is news (stdout). */
const saveFailed = /^warning: snapshot: seq \d+ to redis .* failed: /;
const saveWorksAgain = /^snapshot: redis .* works again \(seq \d+\)/;
/** The Redis store's own connection warnings. */
const redisWarning = /^warning: redis 127\.0\.0\.1:\d+ key /;

type KillMoment = "at its start" | "after its first part" | "at random";

interface Outage {
  when: KillMoment;
  /** New orders acknowledged between the kill and the failure being logged (plus 200 ms). */
  ackedWhileDown: number;
  downMs: number;
  /** Parts the killed save had stored without a manifest (the AOF kept them): a half-written snapshot. */
  partsLeft: number;
}

/**
 * Kills Redis during the next snapshot save, waits for the exchange to log the failure, restarts Redis
 * and waits for "works again".
 */
async function redisOutage(
  p: ExchangeProcess,
  redis: TestRedis,
  keys: SnapshotKeys,
  ticker: CrashTrader,
  when: KillMoment,
  rng: Rng,
): Promise<Outage> {
  const failedBefore = countLines(p, saveFailed);
  const worksBefore = countLines(p, saveWorksAgain);
  const writer = await saveStarted(keys, 10_000);
  expect(writer).toBeGreaterThan(0);
  if (when === "after its first part")
    await waitFor("a stored part", 5000, async () => ((await keys.partsOfWriter(writer)).length > 0 ? true : null));
  // The parts of a ~10 MB snapshot take ~50 ms to reach Redis.
  if (when === "at random") await Bun.sleep(rng.int(45));
  await redis.kill();
  const killedAt = performance.now();
  const ackedAtKill = ticker.acceptedCount;
  await waitFor("the exchange to log the failed save", 10_000, () =>
    countLines(p, saveFailed) > failedBefore ? true : null,
  );
  await Bun.sleep(200);
  const outage = {
    when,
    ackedWhileDown: ticker.acceptedCount - ackedAtKill,
    downMs: Math.round(performance.now() - killedAt),
    partsLeft: 0,
  };
  await redis.restart();
  await keys.ready(5000);
  outage.partsLeft = (await keys.orphanParts()).filter((k) => k.includes(`:w${writer}:part:`)).length;
  await waitFor("the exchange to log that snapshots work again", 20_000, () =>
    countLines(p, saveWorksAgain) > worksBefore ? true : null,
  );
  return outage;
}

describe("Redis dies during snapshot saves", () => {
  test(
    "SIGKILL of redis-server mid-save: matching goes on, the save fails and works again, " +
      "and a restart uses a complete snapshot, not the half-written one",
    async () => {
      const { redis, keys } = await redisFor({ appendonly: true });
      const dir = dataDir("redis-kill");
      const config = writeConfig(dir, { store: "redis", everyCommands: 0, everyMs: 100, redisPort: redis.port });
      const p = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      // 300,000 resting orders: ~10 MB snapshots in two 8 MB parts.
      const bookStarted = performance.now();
      await deepBook(p.port, newTraders(4), 75_000);
      console.log(
        `redis-kill: 300,000 resting orders placed in ${((performance.now() - bookStarted) / 1000).toFixed(1)} s`,
      );
      const [ticker] = newTraders(1, 5);
      await ticker!.connect(p.port);
      const rng = new Rng(seed ^ 0x2e915);
      let stopLoad!: () => void;
      const load = runLoad([ticker!], rng, new Promise<void>((resolve) => (stopLoad = resolve)));
      const outages: Outage[] = [await redisOutage(p, redis, keys, ticker!, "at its start", rng)];
      // The commit may beat the kill after the first part; try again until a half-written snapshot is left behind.
      for (let tries = 0; tries < 4 && !outages.some((o) => o.partsLeft > 0); tries++)
        outages.push(await redisOutage(p, redis, keys, ticker!, "after its first part", rng));
      outages.push(await redisOutage(p, redis, keys, ticker!, "at random", rng));
      stopLoad();
      await load;
      await ticker!.close();
      if (process.env.CRASH_DEBUG === "1") console.log(p.output());
      console.log(
        `redis-kill: outages ${JSON.stringify(outages)}; parts of killed saves left in ` +
          `Redis: ${(await keys.orphanParts()).length}`,
      );
      for (const o of outages) expect(o.ackedWhileDown).toBeGreaterThan(0);
      expect(outages.some((o) => o.partsLeft > 0)).toBe(true);
      const stopped = await stopGracefully(p, [redisWarning, saveFailed]);
      expect((await keys.index())[0]).toBe(stopped.seq);

      const again = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      expect(recoveryOf(again)).toMatchObject({ snapshotSeq: stopped.seq, replayed: 0, skipped: 0 });
      expect(engineOf(again)).toEqual({ lastSeq: stopped.seq, hash: stopped.hash });
      expect(unexpectedStderr(again, [])).toEqual([]);
      await stopGracefully(again);
    },
    120_000,
  );
});

/**
 * Runs the exchange until the store holds at least two snapshots with
 * commands between them, then stops it gracefully (the final snapshot is the
 * newest). `newest` reads the store's newest seq.
 */
async function twoSnapshots(
  dir: string,
  config: string,
  newest: () => Promise<number>,
): Promise<{ seq: number; hash: string }> {
  const p = await ExchangeProcess.start({ dataDir: dir, configPath: config });
  const users = newTraders(2);
  for (const t of users) await t.connect(p.port);
  const rng = new Rng(seed ^ 0xc0);
  await runLoad(users, rng, Bun.sleep(300));
  const seq = engineOf(p).lastSeq;
  await waitFor("a snapshot", 10_000, async () => ((await newest()) > seq ? true : null));
  await runLoad(users, rng, Bun.sleep(200));
  for (const t of users) await t.close();
  return await stopGracefully(p);
}

/**
 * The newest snapshot was skipped with a warning naming it; the previous one was used and the journal after it
 * replayed; the state is the stop's.
 */
async function expectFallback(
  p: ExchangeProcess,
  newest: number,
  previous: number,
  stopped: { seq: number; hash: string },
): Promise<void> {
  expect(recoveryOf(p)).toMatchObject({ snapshotSeq: previous, replayed: stopped.seq - previous, skipped: 1 });
  expect(engineOf(p)).toEqual({ lastSeq: stopped.seq, hash: stopped.hash });
  const named = new RegExp(`snapshot seq ${newest}\\b`);
  // stderr is its own pipe: the warning may be read after the ready line on stdout.
  await p.waitForLine(new RegExp(`snapshot seq ${newest}\\b.*skipped`), 60_000, "stderr");
  expect(p.stderr.lines.some((l) => named.test(l) && /skipped/.test(l))).toBe(true);
  expect(unexpectedStderr(p, [named])).toEqual([]);
  console.log(`corrupt: ${p.stderr.lines.join(" | ")}`);
}

describe("a corrupted newest snapshot", () => {
  test(
    "Redis: a byte flipped in the newest snapshot is caught; the previous snapshot and the journal after it " +
      "give the stop's state",
    async () => {
      const { redis, keys } = await redisFor();
      const dir = dataDir("corrupt-redis");
      const config = writeConfig(dir, { store: "redis", everyCommands: 0, everyMs: 100, redisPort: redis.port });
      const stopped = await twoSnapshots(dir, config, async () => (await keys.index())[0] ?? 0);
      const index = await keys.index();
      expect(index.length).toBeGreaterThanOrEqual(2);
      const [newest, previous] = index as [number, number];
      expect(newest).toBe(stopped.seq);
      expect(previous).toBeLessThan(newest);
      const m = await keys.manifest(newest);
      await keys.flipByte(keys.partKey(m, 0), Math.floor(Math.min(m.bytes, m.partBytes) / 2));

      const p = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      await expectFallback(p, newest, previous, stopped);
      await stopGracefully(p, [/./]);
    },
    120_000,
  );

  test(
    "file store: a byte flipped in the newest snap-*.bin is caught; the previous snapshot and the journal after " +
      "it give the stop's state",
    async () => {
      const dir = dataDir("corrupt-file");
      const config = writeConfig(dir, { store: "file", everyCommands: 0, everyMs: 100 });
      const snapshots = join(dir, "snapshots");
      const seqs = () =>
        readdirSync(snapshots)
          .flatMap((n) => /^snap-(\d{16})\.bin$/.exec(n)?.[1] ?? [])
          .map(Number)
          .sort((a, b) => b - a);
      const stopped = await twoSnapshots(dir, config, async () => seqs()[0] ?? 0);
      const [newest, previous] = seqs() as [number, number];
      expect(newest).toBe(stopped.seq);
      expect(previous).toBeLessThan(newest);
      const path = join(snapshots, `snap-${String(newest).padStart(16, "0")}.bin`);
      const bytes = readFileSync(path);
      const at = Math.floor(bytes.byteLength / 2);
      bytes[at] = bytes[at]! ^ 0xff;
      writeFileSync(path, bytes);

      const p = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      await expectFallback(p, newest, previous, stopped);
      await stopGracefully(p, [/./]);
    },
    120_000,
  );
});

describe("a torn last journal record, Redis snapshots", () => {
  test(
    "SIGKILL, the journal cut in the middle of the first unacknowledged record: the restart warns, " +
      "keeps everything before, and every acknowledged order is there",
    async () => {
      const { redis, keys } = await redisFor();
      const dir = dataDir("torn");
      const journal = join(dir, "journal.bin");
      const config = writeConfig(dir, { store: "redis", everyCommands: 2000, everyMs: 200, redisPort: redis.port });
      // Under fsync a batch is written some time before it is acknowledged, so the kill often leaves
      // unacknowledged records to tear.
      const p = await ExchangeProcess.start({ dataDir: dir, configPath: config, policy: "fsync" });
      const users = newTraders(2);
      for (const t of users) await t.connect(p.port);
      const rng = new Rng(seed ^ 0x7042);
      await runLoad(users, rng, Bun.sleep(rng.range(300, 700)));
      // A burst, and the kill while its first batches are written and syncing, before their acknowledgements are out.
      for (const t of users) t.sendSome(rng, 3000);
      await Bun.sleep(2);
      p.proc.kill("SIGKILL");
      await p.exited;
      for (const t of users) expect(await t.waitGone()).toBe(true);

      // A torn write can only hit a record that was never acknowledged, and one no snapshot holds
      // (snapshots wait for durability).
      const acknowledged = Math.max(...users.map((t) => t.maxSeqSeen));
      const newest = (await keys.index())[0] ?? 0;
      const torn = tearAfter(journal, Math.max(acknowledged, newest));
      console.log(`torn: acknowledged up to seq ${acknowledged}, newest snapshot ${newest}; ${torn}`);
      const oracle = new JournalOracle(journal);
      const caught = oracle.catchUp();
      expect(caught.tail).toBe(true);
      expect(caught.lastSeq).toBeGreaterThanOrEqual(Math.max(acknowledged, newest));

      const again = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      await again.waitForLine(tornTailWarning, 60_000, "stderr");
      expect(again.stderr.lines.some((l) => tornTailWarning.test(l))).toBe(true);
      checkRecovery(again, oracle, newest);
      const reports: ReportStats = { acknowledged: 0, gatewayRejects: 0, trades: 0 };
      checkReports(users, oracle, newIdRegistry(), 1, reports);
      const orders: OpenOrderStats = { stillOpen: 0, endedUnseen: 0 };
      for (const t of users) {
        await t.connect(again.port);
        checkOpenOrders(t, await t.client!.openOrders(), oracle, orders);
        await t.close();
      }
      console.log(`torn: ${JSON.stringify(reports)}; acknowledged live orders ${JSON.stringify(orders)}`);
      expect(orders.stillOpen).toBeGreaterThan(0);
      await stopGracefully(again, [tornTailWarning]);
    },
    120_000,
  );
});

/**
 * Cuts the journal in the middle of record `seq + 1` (dropping what follows), or, if the file ends at `seq`, appends
 * half a record: a torn write.
 */
function tearAfter(journal: string, seq: number): string {
  const reader = JournalReader.open(journal);
  let at = -1;
  let length = 0;
  let last = { atByte: 0, length: 0 };
  try {
    while (reader.next()) {
      if (reader.seq === seq + 1) {
        at = reader.atByte;
        length = reader.length;
      }
      last = { atByte: reader.atByte, length: reader.length };
    }
  } finally {
    reader.close();
  }
  const recordHeaderBytes = 8;
  if (at >= 0) {
    const size = statSync(journal).size;
    truncateSync(journal, at + recordHeaderBytes + Math.floor(length / 2));
    return `cut record ${seq + 1} at byte ${at} in half, ${size - at} bytes of records dropped`;
  }
  const record = readFileSync(journal).subarray(last.atByte, last.atByte + recordHeaderBytes + last.length);
  appendFileSync(journal, record.subarray(0, recordHeaderBytes + Math.floor(last.length / 2)));
  return `every record was acknowledged; appended half a record after seq ${seq}`;
}

describe("Redis down at start-up", () => {
  test(
    "the exchange recovers from the journal alone with a warning and serves; when Redis returns, " + "snapshots resume",
    async () => {
      const { redis, keys } = await redisFor({ appendonly: true });
      const dir = dataDir("redis-down");
      const config = writeConfig(dir, { store: "redis", everyCommands: 0, everyMs: 200, redisPort: redis.port });
      const first = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      const [t] = newTraders(1);
      await t!.connect(first.port);
      const rng = new Rng(seed ^ 0xd0);
      await runLoad([t!], rng, Bun.sleep(300));
      await t!.close();
      const before = await stopGracefully(first);
      expect((await keys.index())[0]).toBe(before.seq);

      await redis.kill();
      const p = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      await p.waitForLine(
        /^warning: snapshot store redis .* unreachable .*recovering from the journal alone/,
        5000,
        "stderr",
      );
      expect(recoveryOf(p)).toMatchObject({ snapshotSeq: 0, replayed: before.seq, skipped: 0 });
      expect(engineOf(p)).toEqual({ lastSeq: before.seq, hash: before.hash });

      // It serves: orders are acknowledged while snapshots fail.
      await t!.connect(p.port);
      const accepted = t!.acceptedCount;
      await runLoad([t!], rng, Bun.sleep(300));
      await waitFor("acknowledgements", 5000, () => (t!.acceptedCount > accepted ? true : null));
      await waitFor("a failed snapshot in the log", 15_000, () => (countLines(p, saveFailed) > 0 ? true : null));
      const seqWhileDown = t!.maxSeqSeen;

      await redis.restart();
      await keys.ready(5000);
      await waitFor("snapshots to work again", 20_000, () => (countLines(p, saveWorksAgain) > 0 ? true : null));
      expect((await keys.index())[0]).toBeGreaterThanOrEqual(seqWhileDown);
      await t!.close();
      const stopped = await stopGracefully(p, [redisWarning, saveFailed, /unreachable/]);

      const again = await ExchangeProcess.start({ dataDir: dir, configPath: config });
      expect(recoveryOf(again)).toMatchObject({ snapshotSeq: stopped.seq, replayed: 0, skipped: 0 });
      expect(engineOf(again)).toEqual({ lastSeq: stopped.seq, hash: stopped.hash });
      await stopGracefully(again);
    },
    60_000,
  );
});

describe("a snapshot is tied to its journal", () => {
  // A snapshot from another data directory in the same Redis key space (here: a data dir moved from the file
  // store to Redis) must not be restored under a journal that never produced it: it would mix two histories.
  test(
    "a snapshot taken from another journal is never used (data dir switched from file snapshots to a Redis that " +
      "holds another run's)",
    async () => {
      const { redis } = await redisFor();
      const settings = (store: "file" | "redis") => ({
        store,
        everyCommands: 0,
        everyMs: 60_000,
        redisPort: redis.port,
      });
      const a = dataDir("foreign-a");
      const pa = await ExchangeProcess.start({ dataDir: a, configPath: writeConfig(a, settings("redis")) });
      await deepBook(pa.port, newTraders(1, 1), 100);
      await stopGracefully(pa);
      const b = dataDir("foreign-b");
      const pb = await ExchangeProcess.start({ dataDir: b, configPath: writeConfig(b, settings("file")) });
      await deepBook(pb.port, newTraders(1, 2), 300);
      await stopGracefully(pb);
      const journal = replayJournalFile(join(b, "journal.bin"));

      const p = await ExchangeProcess.start({ dataDir: b, configPath: writeConfig(b, settings("redis")) });
      console.log(
        `foreign snapshot: ${recoveryOf(p).line}; ${p.stdout.lines.find((l) => l.startsWith("engine:"))}; ` +
          `the journal alone gives ${journal.hash}`,
      );
      expect(engineOf(p)).toEqual({ lastSeq: journal.lastSeq, hash: journal.hash });
    },
    120_000,
  );
});
