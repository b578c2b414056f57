// Proves the QuestDB script installs once and re-uses the jar, starts a server bound to 127.0.0.1 that keeps data
// across kill -9 and restart, stops by pid file, reports status, and refuses a port another QuestDB already serves.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/support/ports.ts";
import { sqlQuery } from "../test/support/questdb.ts";
import {
  ensureQuestdbInstalled,
  probeQuestdb,
  questdbRootOf,
  readPorts,
  runningPid,
  startQuestdb,
  stopQuestdbByPidFile,
} from "./questdb.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "exch-qdb-script-"));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function ports() {
  return { httpPort: freePort(), pgPort: freePort(), ilpPort: freePort() };
}

describe("scripts/questdb.ts", () => {
  test("a second install re-uses the cached jar", async () => {
    const jar = await ensureQuestdbInstalled();
    const before = statSync(jar).mtimeMs;
    expect(await ensureQuestdbInstalled()).toBe(jar);
    expect(statSync(jar).mtimeMs).toBe(before);
  }, 600_000);

  test(
    "start answers SQL on loopback with our conf; data survives kill -9 and restart; " + "stop removes the pid file",
    async () => {
      const dir = tempDir();
      const p = await ports();
      const server = await startQuestdb({ ...p, dir, progress: "quiet" });
      try {
        const conf = readFileSync(join(server.dir, "conf", "server.conf"), "utf8");
        expect(conf).toContain(`http.bind.to=127.0.0.1:${p.httpPort}`);
        expect(conf).toContain("line.udp.enabled=false");
        expect(conf).toContain("telemetry.enabled=false");
        expect(readPorts(server.dir)).toEqual(p);
        expect(runningPid(server.dir)).toBe(server.pid);
        expect(await questdbRootOf(p.httpPort)).toBe(server.dir);
        await sqlQuery(server.httpUrl, "create table t (ts timestamp, v long) timestamp(ts) partition by day wal");
        await sqlQuery(server.httpUrl, "insert into t values (0, 42)");
        const firstPid = server.pid;
        await server.kill();
        expect(await probeQuestdb(p.httpPort, 500)).toBeNull();
        await server.restart();
        expect(server.pid).not.toBe(firstPid);
        // The insert was acknowledged before the crash; WAL apply after restart is asynchronous.
        const deadline = performance.now() + 120_000;
        let rows: unknown[][] = [];
        while (performance.now() < deadline) {
          rows = (await sqlQuery(server.httpUrl, "select v from t")).dataset;
          if (rows.length > 0) break;
          await Bun.sleep(50);
        }
        expect(rows).toEqual([[42]]);
      } finally {
        await server.stop();
      }
      expect(existsSync(join(server.dir, "questdb.pid"))).toBe(false);
      expect(await probeQuestdb(p.httpPort, 500)).toBeNull();
    },
    600_000,
  );

  test("the CLI starts in the background, reports status, and stops by pid file", async () => {
    const dir = tempDir();
    const p = await ports();
    const cli = (args: string[]) =>
      Bun.spawnSync([process.execPath, join(import.meta.dir, "questdb.ts"), ...args, "--dir", dir], {
        stdout: "pipe",
        stderr: "pipe",
      });
    const start = cli([
      "start",
      "--http-port",
      String(p.httpPort),
      "--pg-port",
      String(p.pgPort),
      "--ilp-port",
      String(p.ilpPort),
    ]);
    expect(start.exitCode).toBe(0);
    try {
      // The CLI has exited; the server runs on as its own process group.
      expect(await probeQuestdb(p.httpPort)).toBe(200);
      const status = cli(["status"]);
      expect(status.exitCode).toBe(0);
      expect(status.stdout.toString()).toContain(`http 127.0.0.1:${p.httpPort}`);
      expect(status.stdout.toString()).toContain("health ok");
    } finally {
      expect(cli(["stop"]).exitCode).toBe(0);
    }
    expect(await probeQuestdb(p.httpPort, 500)).toBeNull();
    expect(cli(["status"]).exitCode).toBe(3);
    expect(await stopQuestdbByPidFile(dir)).toBeNull();
  }, 600_000);

  test("refuses a port another QuestDB serves and leaves that server alone", async () => {
    const p = await ports();
    const owner = await startQuestdb({ ...p, dir: tempDir(), progress: "quiet" });
    try {
      const other = { ...p, pgPort: freePort(), ilpPort: freePort() };
      await expect(
        startQuestdb({ ...other, dir: tempDir(), progress: "quiet", startTimeoutMs: 60_000 }),
      ).rejects.toThrow(/exited with code|already served|did not answer/);
      expect(await questdbRootOf(p.httpPort)).toBe(owner.dir);
    } finally {
      await owner.stop();
    }
  }, 600_000);
});
