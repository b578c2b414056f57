// Proves `bun run engine` in full mode on Kafka (Kafka mode) as an operator runs it, with a real Redis, Kafka broker
// and QuestDB: /ready turns false (503, the reason naming the service) when Redis goes away, the broker stops or
// QuestDB stops answering, and true again when each returns; a graceful stop leaves each shard's final snapshot in
// Redis and the restart replays no record; a second signal while the stop waits on a stalled Redis exits at once (143).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { EventKind, Side } from "../src/engine/constants.ts";
import { Body } from "../src/protocol/index.ts";
import { ExchangeProcess, hashOf, killAll, tempDir } from "./support/exchange-process.ts";
import { startTestKafka, type TestKafka } from "./support/kafka.ts";
import { startTestQuestdb, type TestQuestdb } from "./support/questdb.ts";
import { RawSession } from "./support/raw-session.ts";
import { ready, readyUntil } from "./support/ready.ts";
import { startTestRedis, type TestRedis } from "./support/redis.ts";

const dir = tempDir("kafka-mode-operations");
let redis: TestRedis;
let questdb: TestQuestdb;
let kafka: TestKafka;
const sessions: RawSession[] = [];

beforeAll(async () => {
  [redis, questdb, kafka] = await Promise.all([startTestRedis(), startTestQuestdb(), startTestKafka()]);
}, 300_000);

afterAll(async () => {
  for (const s of sessions) s.destroy();
  await killAll();
  redis?.resume();
  questdb?.resume();
  await Promise.all([redis?.stop(), questdb?.stop(), kafka?.stop()]);
  dir.cleanup();
});

function startFull(data: string, prefix: string): Promise<ExchangeProcess> {
  return ExchangeProcess.start({
    dataDir: data,
    env: {
      EXCHANGE_MODE: "full",
      EXCHANGE_REDIS_PORT: String(redis.port),
      EXCHANGE_SNAPSHOTS_REDIS_KEY_PREFIX: prefix,
      EXCHANGE_QUESTDB_HTTP_PORT: String(questdb.httpPort),
      EXCHANGE_KAFKA_BROKERS: kafka.bootstrapServers,
      // Two shards, each its own topics per test: small and quick to start.
      EXCHANGE_KAFKA_PARTITIONS_ORDERS: "2",
      EXCHANGE_KAFKA_PARTITIONS_EXECUTIONS: "2",
      EXCHANGE_KAFKA_PARTITIONS_MATCHES: "2",
      EXCHANGE_KAFKA_PARTITIONS_MARKET_DATA: "1",
      EXCHANGE_KAFKA_TOPICS_ORDERS: `${prefix}.orders`,
      EXCHANGE_KAFKA_TOPICS_ORDERS_DEAD_LETTER: `${prefix}.orders.dlq`,
      EXCHANGE_KAFKA_TOPICS_EXECUTIONS: `${prefix}.executions`,
      EXCHANGE_KAFKA_TOPICS_MATCHES: `${prefix}.matches`,
      EXCHANGE_KAFKA_TOPICS_MARKET_DATA: `${prefix}.market_data`,
    },
    startTimeoutMs: 120_000,
  });
}

/** Each shard's state hash from its "shard P: ... state hash H" lines in `lines`. */
function shardHashes(lines: readonly string[]): Map<number, string> {
  const hashes = new Map<number, string>();
  for (const line of lines) {
    const m = /^shard (\d+): .*state hash ([0-9a-f]+)$/.exec(line);
    if (m !== null) hashes.set(Number(m[1]), m[2]!);
  }
  return hashes;
}

async function placeOne(port: number, key: string, id: number): Promise<void> {
  const s = await RawSession.open(port);
  sessions.push(s);
  expect((await s.login(key)).body).toBe(Body.LoginAccepted);
  expect((await s.placeResting([[id, 0, Side.Buy]]))[0]!.kind).toBe(EventKind.Accepted);
}

describe("full mode on Kafka", () => {
  test("/ready follows Redis, Kafka and QuestDB away and back", async () => {
    const p = await startFull(join(dir.dir, "ready"), "ops-ready");
    const url = p.opsUrl();
    const up = await readyUntil(url, (r) => r.status === 200, "everything ready");
    expect(Object.keys(up.checks)).toEqual(["exchange", "snapshots", "kafka", "questdb"]);
    expect(up.checks.kafka!.reason).toBe(`${kafka.bootstrapServers} answers`);
    expect(up.checks.snapshots!.reason).toContain(`redis 127.0.0.1:${redis.port}`);

    await redis.kill();
    const noRedis = await readyUntil(url, (r) => r.status === 503 && !r.checks.snapshots!.ready, "Redis gone");
    expect(noRedis.checks.questdb!.ready).toBe(true);
    await redis.restart();
    await readyUntil(url, (r) => r.status === 200, "Redis back");

    await kafka.halt();
    const noKafka = await readyUntil(url, (r) => r.status === 503 && !r.checks.kafka!.ready, "Kafka gone");
    expect(noKafka.checks.kafka!.reason).toContain(kafka.bootstrapServers);
    await kafka.restart();
    await readyUntil(url, (r) => r.status === 200, "Kafka back", 240_000);

    questdb.pause();
    try {
      const noQuestdb = await readyUntil(
        url,
        (r) => r.status === 503 && !r.checks.questdb!.ready,
        "QuestDB not answering",
      );
      expect(noQuestdb.checks.questdb!.reason).toContain(`127.0.0.1:${questdb.httpPort}`);
    } finally {
      questdb.resume();
    }
    await readyUntil(url, (r) => r.status === 200, "QuestDB back");
    expect(await p.stop(30_000)).toBe(0);
  }, 240_000);

  test("a graceful stop leaves each shard's snapshot in Redis; the restart replays nothing", async () => {
    const data = join(dir.dir, "restart");
    const p = await startFull(data, "ops-restart");
    await placeOne(p.port, "dev-key-1", 1);
    expect(await p.stop(30_000)).toBe(0);
    const stopping = p.stdout.lines.findIndex((l) => l === "SIGTERM: stopping");
    const stopped = shardHashes(p.stdout.lines.slice(stopping));
    expect([...stopped.keys()].sort()).toEqual([0, 1]);
    const again = await startFull(data, "ops-restart");
    // Each shard resumes at its partition's end: its final snapshot holds everything.
    for (const partition of [0, 1]) {
      const line = await again.waitForLine(new RegExp(`^ops-restart\\.orders\\[${partition}\\]: `), 5000);
      expect(line).toMatch(/: snapshot seq \d+, resuming at offset (\d+) of \1$/);
    }
    expect(shardHashes(again.stdout.lines)).toEqual(stopped);
    expect(await again.stop(30_000)).toBe(0);
  }, 180_000);

  test("a second signal during the graceful stop exits at once", async () => {
    const p = await startFull(join(dir.dir, "second"), "ops-second");
    await placeOne(p.port, "dev-key-2", 1);
    // Redis takes the connection but answers nothing: the final snapshot waits for it.
    redis.pause();
    try {
      p.proc.kill("SIGTERM");
      await p.waitForLine(/^SIGTERM: stopping$/, 30_000);
      p.proc.kill("SIGTERM");
      expect(await p.exited).toBe(128 + 15);
      expect(p.stderr.lines.some((l) => l.startsWith("warning: second SIGTERM: exiting at once"))).toBe(true);
      // No shard finished its stop (no final state line after "stopping").
      const stopping = p.stdout.lines.findIndex((l) => l === "SIGTERM: stopping");
      expect(shardHashes(p.stdout.lines.slice(stopping + 1)).size).toBe(0);
    } finally {
      redis.resume();
    }
  }, 120_000);
});
