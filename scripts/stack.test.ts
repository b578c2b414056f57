// Proves the local stack end to end with a real Redis, a real Kafka broker, a real QuestDB and the real engine: `full`
// installs and starts each with progress lines and runs the engine in full mode, `status` shows each with port, pid and
// health (the engine's from its /ready), `stop` from another process stops the engine gracefully and then the services,
// a second `full` downloads nothing, and a bad configuration stops `full` before anything starts.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lineText } from "../test/support/exchange-process.ts";
import { freePortPair, freePorts } from "../test/support/ports.ts";

const stackScript = join(import.meta.dir, "stack.ts");
const dir = mkdtempSync(join(tmpdir(), "exch-stack-"));
let full: ReturnType<typeof Bun.spawn> | null = null;

afterAll(async () => {
  // Whatever happened, leave nothing running: stop by pid files, then the orchestrator.
  run(["stop", "--dir", dir]);
  full?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("EXCHANGE_")) env[k] = v;
  return { ...env, ...extra };
}

function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync([process.execPath, stackScript, ...args], {
    env: cleanEnv(env),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

/** Reads a stream until `text` appears (or the stream ends), returning everything read. */
async function readUntil(
  stream: ReadableStream<Uint8Array>,
  text: string,
  deadlineMs: number,
): Promise<{ seen: boolean; all: string }> {
  const reader = stream.getReader();
  const decoder = new TextDecoder();
  let all = "";
  const deadline = Date.now() + deadlineMs;
  while (!all.includes(text) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)]);
    if (chunk === null || chunk.done) break;
    all += decoder.decode(chunk.value, { stream: true });
  }
  reader.releaseLock();
  return { seen: all.includes(text), all };
}

function rowOf(status: string, service: string): string[] {
  const line = status.split("\n").find((l) => l.startsWith(`${service} `));
  if (line === undefined) throw new Error(`no ${service} row in:\n${status}`);
  return line.split(/\s{2,}/);
}

/** Starts `full` and waits for "stack up"; returns its progress output. */
async function startFull(env: Record<string, string>): Promise<string> {
  full = Bun.spawn([process.execPath, stackScript, "full", "--dir", dir], {
    env: cleanEnv(env),
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const up = await readUntil(full.stderr as ReadableStream<Uint8Array>, "stack up", 300_000);
  if (!up.seen) throw new Error(`no "stack up":\n${up.all}`);
  return up.all;
}

/** `stop` from another process; the engine's own lines (JSON off a terminal) as text. */
async function stopFull(): Promise<string[]> {
  const stop = run(["stop", "--dir", dir]);
  expect(stop.code).toBe(0);
  expect(stop.err).toMatch(/engine: pid \d+ stopped/);
  expect(await full!.exited).toBe(0);
  return (await new Response(full!.stdout as ReadableStream).text()).split("\n").map(lineText);
}

describe("stack scripts", () => {
  test("a bad configuration stops engine:full before anything is installed or started", () => {
    const config = join(dir, "bad.toml");
    writeFileSync(config, "[tcp]\nport = 70000\n");
    const r = run(["full", "--dir", join(dir, "never"), "--config", config]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("tcp.port: expected an integer in [0, 65535], found 70000");
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  test("full, status, stop from another process; a second full downloads nothing", async () => {
    const [enginePort, opsPort, redisPort, httpPort, pgPort, ilpPort] = freePorts(6);
    const kafkaPort = freePortPair();
    const env = {
      EXCHANGE_KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
      EXCHANGE_TCP_PORT: String(enginePort),
      EXCHANGE_METRICS_PORT: String(opsPort),
      EXCHANGE_FEED_PORT: "0",
      EXCHANGE_REDIS_PORT: String(redisPort),
      EXCHANGE_QUESTDB_HTTP_PORT: String(httpPort),
      EXCHANGE_QUESTDB_PG_PORT: String(pgPort),
      EXCHANGE_QUESTDB_ILP_PORT: String(ilpPort),
    };
    const up = await startFull(env);
    expect(up).toMatch(/✓ redis: start on 127\.0\.0\.1:\d+ .*\(\d+\.\d s\)/);
    expect(up).toMatch(/✓ questdb: jar from Maven Central \(first time only\) \(\d+\.\d s\)/);
    expect(up).toMatch(new RegExp(`✓ questdb: start on 127\\.0\\.0\\.1:${httpPort} .*\\(\\d+\\.\\d s\\)`));
    expect(up).toMatch(new RegExp(`✓ kafka: start on 127\\.0\\.0\\.1:${kafkaPort} .*\\(\\d+\\.\\d s\\)`));
    expect(up).toMatch(/✓ engine: recover and listen on 127\.0\.0\.1:\d+ \(\d+\.\d s\)/);

    const status = run(["status", "--dir", dir]);
    expect(status.code).toBe(0);
    const redis = rowOf(status.out, "redis");
    expect(redis.slice(0, 2)).toEqual(["redis", String(redisPort)]);
    expect(Number(redis[2])).toBeGreaterThan(1);
    expect(redis[3]).toBe("up");
    const questdb = rowOf(status.out, "questdb");
    expect(questdb.slice(0, 2)).toEqual(["questdb", String(httpPort)]);
    expect(questdb[3]).toBe("up");
    const engine = rowOf(status.out, "engine");
    expect(engine.slice(0, 2)).toEqual(["engine", String(enginePort)]);
    expect(Number(engine[2])).toBeGreaterThan(1);
    expect(Number(engine[2])).not.toBe(full!.pid);
    expect(engine.slice(3)).toEqual(["up", "ready (TCP gateway accepts)"]);
    expect(rowOf(status.out, "kafka").slice(0, 2)).toEqual(["kafka", String(kafkaPort)]);
    expect(rowOf(status.out, "kafka")[3]).toBe("up");

    const lines = await stopFull();
    const after = run(["status", "--dir", dir]);
    for (const service of ["redis", "kafka", "questdb", "engine"]) expect(rowOf(after.out, service)[3]).toBe("down");
    for (const pid of ["engine.pid", "redis.pid"]) expect(existsSync(join(dir, "run", pid))).toBe(false);
    // The engine ran in full mode (Kafka mode: one shard per partition of `orders`) and stopped gracefully.
    expect(lines.find((l) => l.includes("; listening:"))).toMatch(/^full mode \(Kafka\), 12 shards/);
    const stopping = lines.indexOf("SIGTERM: stopping");
    expect(stopping).toBeGreaterThan(0);
    expect(lines.slice(stopping).filter((l) => /^shard \d+: .*, state hash [0-9a-f]{16}$/.test(l)).length).toBe(12);

    // A second run finds everything installed: no download, same ports; each shard resumes from its
    // snapshot in the stack's Redis.
    const again = await startFull(env);
    expect(again).not.toContain("downloading");
    expect(again).toMatch(/✓ questdb: jar from Maven Central \(first time only\) \(0\.\d s\)/);
    const lines2 = await stopFull();
    const resumed = lines2.filter((l) => /^orders\[\d+\]: snapshot seq \d+, resuming at offset (\d+) of \1$/.test(l));
    expect(resumed.length).toBe(12);
  }, 600_000);
});
