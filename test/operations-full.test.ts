// Proves `bun run engine` in full mode on the journal (kafka.enabled = false; Kafka mode's operations:
// test/kafka-mode-operations.test.ts) with a real Redis, Kafka broker and QuestDB: /ready turns false (503, the reason
// naming the service) when Redis goes away, the broker stops or QuestDB stops answering, and true again when each
// returns; a graceful stop leaves its final snapshot in Redis and the restart replays 0 commands; a second signal while
// the stop waits on a stalled Redis exits at once (143).
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

const dir = tempDir("operations-full");
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
      // Full mode on the journal: Redis snapshots, QuestDB ingestion and the query API, no Kafka mode.
      EXCHANGE_KAFKA_ENABLED: "false",
      EXCHANGE_REDIS_PORT: String(redis.port),
      EXCHANGE_SNAPSHOTS_REDIS_KEY_PREFIX: prefix,
      EXCHANGE_QUESTDB_HTTP_PORT: String(questdb.httpPort),
      EXCHANGE_KAFKA_BROKERS: kafka.bootstrapServers,
    },
  });
}

async function placeOne(port: number, key: string, id: number): Promise<void> {
  const s = await RawSession.open(port);
  sessions.push(s);
  expect((await s.login(key)).body).toBe(Body.LoginAccepted);
  expect((await s.placeResting([[id, 0, Side.Buy]]))[0]!.kind).toBe(EventKind.Accepted);
}

describe("full mode", () => {
  test("/ready follows Redis, Kafka and QuestDB away and back", async () => {
    const p = await startFull(join(dir.dir, "ready"), "ops-ready");
    const url = p.opsUrl();
    const up = await readyUntil(url, (r) => r.status === 200, "everything ready");
    // Market data registers its QuestDB check when it starts (before the server's own): compare the set.
    expect(Object.keys(up.checks).sort()).toEqual(["exchange", "journal", "snapshots", "kafka", "questdb"].sort());
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

  test("a graceful stop leaves its snapshot in Redis; the restart replays nothing", async () => {
    const data = join(dir.dir, "restart");
    const p = await startFull(data, "ops-restart");
    await placeOne(p.port, "dev-key-1", 1);
    expect(await p.stop(30_000)).toBe(0);
    const stopped = p.stdout.lines.find((l) => l.startsWith("stopped at seq"))!;
    expect(p.stdout.lines.find((l) => l.startsWith("journal: "))).toContain(
      `snapshots: redis 127.0.0.1:${redis.port} key ops-restart`,
    );
    const again = await startFull(data, "ops-restart");
    expect(await again.waitForLine(/^recovery: /, 5000)).toMatch(/^recovery: snapshot seq \d+ .*, 0 commands replayed/);
    expect(hashOf(await again.waitForLine(/^engine: /, 5000))).toBe(hashOf(stopped));
    expect(await again.stop(30_000)).toBe(0);
  }, 120_000);

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
      expect(p.stdout.lines.some((l) => l.startsWith("stopped at seq"))).toBe(false);
    } finally {
      redis.resume();
    }
  }, 120_000);
});
