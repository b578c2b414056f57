// Proves startRedis runs a child redis-server that answers, keeps its AOF across a restart when asked, stops and
// crashes on command, and refuses a port another redis-server already serves.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/support/ports.ts";
import { probeRedis, startRedis } from "./services.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "exch-services-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** SET then GET over a raw socket, so this test needs no client library. */
async function rawCommand(port: number, command: string[]): Promise<string> {
  const payload = `*${command.length}\r\n${command.map((c) => `$${Buffer.byteLength(c)}\r\n${c}\r\n`).join("")}`;
  let reply = "";
  await new Promise<void>((resolve, reject) => {
    const socket = Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open(s) {
          s.write(payload);
        },
        data(s, chunk) {
          reply += chunk.toString();
          if (reply.endsWith("\r\n")) {
            s.end();
            resolve();
          }
        },
        error(_s, error) {
          reject(error);
        },
      },
    });
    socket.catch(reject);
  });
  return reply;
}

describe("startRedis", () => {
  test("starts a child that answers; SIGTERM stops it; the AOF brings data back on restart", async () => {
    const port = freePort();
    const dir = tempDir();
    const first = await startRedis({ port, dir, appendonly: true });
    expect((await probeRedis(port, 1_000))?.pid).toBe(first.pid);
    expect(await rawCommand(port, ["SET", "k", "v"])).toBe("+OK\r\n");
    await first.stop();
    expect(await first.exited).toBe(0);
    expect(await probeRedis(port, 200)).toBeNull();
    const second = await startRedis({ port, dir, appendonly: true });
    expect(second.pid).not.toBe(first.pid);
    expect(await rawCommand(port, ["GET", "k"])).toBe("$1\r\nv\r\n");
    await second.kill();
    expect(await probeRedis(port, 200)).toBeNull();
  }, 300_000);

  test("refuses a port that another redis-server already serves", async () => {
    const port = freePort();
    const owner = await startRedis({ port, dir: tempDir() });
    try {
      await expect(startRedis({ port, dir: tempDir(), startTimeoutMs: 5_000 })).rejects.toThrow(
        /exited with code|already served/,
      );
      // The owner is untouched.
      expect((await probeRedis(port, 1_000))?.pid).toBe(owner.pid);
    } finally {
      await owner.stop();
    }
  }, 300_000);
});
