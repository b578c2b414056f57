// Proves Kafka mode across processes (`bun run engine` with mode = "full", real Kafka and Redis): after a SIGKILL the
// restarted engine re-sends outputs from its last snapshot but no trade is new or different (a consumer dropping
// duplicates by id sees each trade once), and with two processes each owning a shard, a standby takes over a killed
// process's shard from its latest Redis snapshot plus the partition, ending with the state hash of
// an engine that never stopped.

import { afterAll, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { KafkaModeTopics } from "../src/kafka/mode/topics.ts";
import { ensureTopics } from "../src/kafka/mode/topics.ts";
import { ExchangeProcess, killAll, tempDir } from "./support/exchange-process.ts";
import { useTestKafka } from "./support/kafka.ts";
import {
  kafkaConfigOf,
  OrderProducer,
  OutputCollector,
  referenceShard,
  testEngine,
  testSymbols,
  testTopics,
} from "./support/kafka-mode.ts";
import { startTestRedis, type TestRedis } from "./support/redis.ts";
import { RedisSnapshotStore } from "../src/snapshot/redis-store.ts";

const testTimeoutMs = 300_000;
/** Kafka mode starts by creating topics and replaying partitions: minutes on a loaded machine, not seconds. */
const engineStartMs = 180_000;
const cleanups: (() => Promise<void> | void)[] = [];
let redis: TestRedis | null = null;
afterAll(async () => {
  await killAll();
  for (const c of cleanups.reverse()) await c();
  await redis?.stop();
}, 120_000);
const fixture = useTestKafka();

async function topicsFor(prefix: string, partitions: number): Promise<KafkaModeTopics> {
  const topics = testTopics(prefix, partitions);
  await ensureTopics(fixture.admin, topics, 1, 60_000);
  return topics;
}

async function theRedis(): Promise<TestRedis> {
  redis ??= await startTestRedis();
  return redis;
}

/** A Kafka-mode configuration file for `bun run engine`. */
async function configFile(
  name: string,
  topics: KafkaModeTopics,
  shards: number[],
  keyPrefix: string,
): Promise<{ path: string; dataDir: string }> {
  const r = await theRedis();
  const { dir, cleanup } = tempDir(`kafka-mode-${name}`);
  cleanups.push(cleanup);
  const config = {
    mode: "full",
    snapshots: {
      enabled: true,
      store: "redis",
      everyCommands: 150,
      everyMs: 0,
      keep: 3,
      redis: { host: r.host, port: r.port, keyPrefix },
    },
    feed: { port: 0 },
    http: { port: 0 },
    metrics: { port: 0 },
    engine: testEngine,
    limits: { openOrdersPerUserMax: 1000 },
    symbols: testSymbols,
    kafka: kafkaConfigOf(fixture.kafka, topics, `test-${name}-${process.pid}`, shards),
  };
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify(config));
  return { path, dataDir: join(dir, "data") };
}

async function startEngine(file: { path: string; dataDir: string }): Promise<ExchangeProcess> {
  return await ExchangeProcess.start({ dataDir: file.dataDir, configPath: file.path, startTimeoutMs: engineStartMs });
}

/** "shard P: ... state hash H" lines printed by a graceful stop (the last one of each shard). */
function stoppedHashes(p: ExchangeProcess): Map<number, string> {
  const hashes = new Map<number, string>();
  const at = p.stdout.lines.findIndex((l) => /SIG(TERM|INT): stopping/.test(l));
  for (const line of p.stdout.lines.slice(at)) {
    const m = /^shard (\d+): .* state hash ([0-9a-f]+)$/.exec(line);
    if (m !== null) hashes.set(Number(m[1]), m[2]!);
  }
  return hashes;
}

/**
 * Resolves once Redis holds a snapshot of `partition` written by an engine with `keyPrefix` (the server's key layout).
 */
async function snapshotStored(keyPrefix: string, topics: KafkaModeTopics, partition: number): Promise<number> {
  const r = await theRedis();
  const store = new RedisSnapshotStore({
    host: r.host,
    port: r.port,
    keyPrefix: `${keyPrefix}:${topics.orders.name}:${partition}`,
    keep: 3,
    warn: () => {},
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const newest = (await store.list())[0];
      if (newest !== undefined) return newest.seq;
      if (Date.now() > deadline) throw new Error(`no snapshot of partition ${partition} in Redis within 60 s`);
      await Bun.sleep(20);
    }
  } finally {
    await store.close();
  }
}

/**
 * Produces `count` orders from `from` in slices while the test goes on (an engine may die meanwhile: Kafka keeps them).
 */
async function tradeSteadily(
  p: OrderProducer,
  symbols: number[],
  from: number,
  count: number,
  slice = 100,
): Promise<void> {
  for (let k = from; k < from + count; k += slice) {
    trade(p, symbols, k, Math.min(slice, from + count - k));
    p.producer.poll(0);
    await Bun.sleep(10);
  }
  await p.acknowledgedAll();
}

/**
 * Crossing orders over `symbols`: trades, partial fills, resting orders, cancels;
 * `sessionSeq` numbers them from `from`.
 */
function trade(p: OrderProducer, symbols: number[], from: number, count: number): void {
  for (let k = from; k < from + count; k++) {
    const symbol = symbols[k % symbols.length]!;
    p.newOrder({
      user: 1 + (k % 6),
      clientOrderId: k,
      symbol,
      side: Math.floor(k / symbols.length) % 2,
      priceTicks: 995 + ((k * 7) % 11),
      qtyLots: 1 + (k % 3),
      sessionSeq: k,
    });
    if (k % 9 === 0)
      p.cancel({ user: 1 + ((k - 4) % 6), clientOrderId: k - 4, symbol: symbols[(k - 4) % symbols.length]! });
  }
}

test(
  "an engine SIGKILLed mid-stream restarts from its Redis snapshot; " +
    "the trades it sends again are the same trades, none new, none lost",
  async () => {
    const topics = await topicsFor("crash", 2);
    const file = await configFile("crash", topics, [], `crash-${process.pid}`);
    const out = new OutputCollector(fixture.kafka, topics);
    cleanups.push(() => out.close());
    const p = new OrderProducer(fixture.kafka, topics);
    cleanups.push(() => p.close());
    const symbols = [0, 1, 2];
    const total = 6000;
    const keyPrefix = `crash-${process.pid}`;
    const first = await startEngine(file);
    // Kill mid-stream, once a snapshot is in Redis; the second half arrives in Kafka while no engine runs, and after.
    const firstHalf = tradeSteadily(p, symbols, 1, total / 2);
    await snapshotStored(keyPrefix, topics, p.partitionOf(0));
    await first.kill();
    await firstHalf;
    const producing = tradeSteadily(p, symbols, total / 2 + 1, total / 2);
    const appliedBefore = out.executions.length;
    const second = await startEngine(file);
    expect(second.stdout.lines.some((l) => / snapshot seq [1-9]\d*, resuming at offset [1-9]/.test(l))).toBe(true);
    await producing;
    await out.until(
      (c) =>
        c.uniqueExecutions().some((e) => e.sessionSeq === total) &&
        c.uniqueExecutions().some((e) => e.sessionSeq === total - 1),
      "the last orders applied",
    );
    expect(await second.stop(60_000)).toBe(0);
    const hashes = stoppedHashes(second);
    let referenceTrades = 0;
    for (const partition of [...new Set(symbols.map((s) => p.partitionOf(s)))]) {
      const reference = referenceShard(fixture.kafka, topics, partition);
      expect({ partition, hash: hashes.get(partition) }).toEqual({ partition, hash: reference.stateHash });
      referenceTrades += reference.trades;
    }
    await out.until((c) => c.tradeBytes.size >= referenceTrades, "every trade on matches");
    // Each trade once by its id, and a trade sent again is byte for byte the same record.
    expect(out.tradeBytes.size).toBe(referenceTrades);
    expect(out.differingDuplicates).toEqual([]);
    console.error(
      `crash: ${appliedBefore} executions before the kill; ${out.trades.length} trade records ` +
        `for ${referenceTrades} trades (${out.trades.length - referenceTrades} re-sent)`,
    );
  },
  testTimeoutMs,
);

test(
  "two processes own one shard each; a standby takes over the killed one's shard from its Redis snapshot and " +
    "the partition, with the hash of an engine that never stopped",
  async () => {
    // 12 partitions, as the seed design: BTC-USD and ETH-USD hash to different ones.
    const topics = await topicsFor("takeover", 12);
    const p = new OrderProducer(fixture.kafka, topics);
    cleanups.push(() => p.close());
    const btc = p.partitionOf(0);
    const eth = p.partitionOf(1);
    expect(btc).not.toBe(eth);
    const keyPrefix = `takeover-${process.pid}`;
    const fileA = await configFile("shard-a", topics, [btc], keyPrefix);
    const fileB = await configFile("shard-b", topics, [eth], keyPrefix);
    const out = new OutputCollector(fixture.kafka, topics);
    cleanups.push(() => out.close());
    const [a, b] = await Promise.all([startEngine(fileA), startEngine(fileB)]);
    const firstPart = tradeSteadily(p, [0, 1], 1, 1000);
    // A is killed mid-stream once it has a snapshot in Redis; B goes on with its shard throughout.
    await snapshotStored(keyPrefix, topics, btc);
    await a.kill();
    await firstPart;
    const producing = tradeSteadily(p, [0, 1], 1001, 2000);
    // The standby: a new process with the killed one's partitions (same Redis keys).
    const fileStandby = await configFile("standby", topics, [btc], keyPrefix);
    const standby = await startEngine(fileStandby);
    const resumed = standby.stdout.lines.find((l) => l.includes(`[${btc}]: snapshot seq`));
    if (resumed === undefined) console.error(standby.output(), "\nA:", a.output());
    expect(resumed).toBeDefined();
    await producing;
    await out.until(
      (c) => [2999, 3000].every((k) => c.uniqueExecutions().some((e) => e.sessionSeq === k)),
      "the last orders of both shards applied",
    );
    expect(await standby.stop(60_000)).toBe(0);
    expect(await b.stop(60_000)).toBe(0);
    const referenceBtc = referenceShard(fixture.kafka, topics, btc);
    const referenceEth = referenceShard(fixture.kafka, topics, eth);
    expect(stoppedHashes(standby).get(btc)).toBe(referenceBtc.stateHash);
    expect(stoppedHashes(b).get(eth)).toBe(referenceEth.stateHash);
    expect(referenceBtc.trades).toBeGreaterThan(0);
    console.error(`takeover: ${resumed}`);
  },
  testTimeoutMs,
);
