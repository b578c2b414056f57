// Proves the local stack end to end with a real Redis and the real engine: `full` starts both with progress lines, `status` shows each with port, pid and health, `stop` from another process stops the engine gracefully and then Redis, and a bad configuration stops `full` before anything starts.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/support/redis.ts";

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
  const p = Bun.spawnSync([process.execPath, stackScript, ...args], { env: cleanEnv(env), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

/** Reads a stream until `text` appears (or the stream ends), returning everything read. */
async function readUntil(stream: ReadableStream<Uint8Array>, text: string, deadlineMs: number): Promise<{ seen: boolean; all: string }> {
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

describe("stack scripts", () => {
  test("a bad configuration stops engine:full before anything is installed or started", () => {
    const config = join(dir, "bad.toml");
    writeFileSync(config, "[tcp]\nport = 70000\n");
    const r = run(["full", "--dir", join(dir, "never"), "--config", config]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("tcp.port: expected an integer in [0, 65535], found 70000");
    expect(existsSync(join(dir, "never"))).toBe(false);
  });

  test("full, status, stop from another process", async () => {
    const enginePort = await freePort();
    const redisPort = await freePort();
    const env = { EXCHANGE_TCP_PORT: String(enginePort), EXCHANGE_REDIS_PORT: String(redisPort) };
    full = Bun.spawn([process.execPath, stackScript, "full", "--dir", dir], { env: cleanEnv(env), stdout: "pipe", stderr: "pipe", stdin: "ignore" });
    const up = await readUntil(full.stderr as ReadableStream<Uint8Array>, "stack up", 180_000);
    expect(up.seen).toBe(true);
    expect(up.all).toMatch(/✓ redis: start on 127\.0\.0\.1:\d+ .*\(\d+\.\d s\)/);
    expect(up.all).toMatch(/✓ engine: recover and listen on 127\.0\.0\.1:\d+ \(\d+\.\d s\)/);
    expect(up.all).toContain("kafka: skipped");

    const status = run(["status", "--dir", dir]);
    expect(status.code).toBe(0);
    const redis = rowOf(status.out, "redis");
    expect(redis.slice(0, 2)).toEqual(["redis", String(redisPort)]);
    expect(Number(redis[2])).toBeGreaterThan(1);
    expect(redis[3]).toBe("up");
    const engine = rowOf(status.out, "engine");
    expect(engine.slice(0, 2)).toEqual(["engine", String(enginePort)]);
    expect(Number(engine[2])).toBeGreaterThan(1);
    expect(Number(engine[2])).not.toBe(full.pid);
    expect(engine[3]).toBe("up");
    expect(rowOf(status.out, "questdb")[3]).toBe("not in this build");

    const stop = run(["stop", "--dir", dir]);
    expect(stop.code).toBe(0);
    expect(stop.err).toMatch(/engine: pid \d+ stopped/);
    expect(await full.exited).toBe(0);
    const after = run(["status", "--dir", dir]);
    expect(rowOf(after.out, "redis")[3]).toBe("down");
    expect(rowOf(after.out, "engine")[3]).toBe("down");
    expect(existsSync(join(dir, "run", "engine.pid"))).toBe(false);
    expect(existsSync(join(dir, "run", "redis.pid"))).toBe(false);
    // The engine stopped gracefully (its closing line) and its journal is in the stack's directory.
    expect(await new Response(full.stdout as ReadableStream).text()).toMatch(/SIGTERM: stopping\nstopped at seq \d+, state hash [0-9a-f]{16}/);
    expect(existsSync(join(dir, "journal.bin"))).toBe(true);
  });
});
