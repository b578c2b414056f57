// Proves pid files lead only to the process they name: a stale pid or a process with another command line is never
// signalled, and a matching one is stopped and its pid file removed.

import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { commandLineOf, isAlive, livePid, readPidFile, stopByPidFile, writePidFile } from "./pids.ts";
import { tempDir } from "../../test/support/temp-dir.ts";

const { dir, cleanup } = tempDir("exch-pids");
const marker = `pids-test-${process.pid}`;
const children: ReturnType<typeof Bun.spawn>[] = [];
afterAll(() => {
  for (const c of children) c.kill("SIGKILL");
  cleanup();
});

function sleeper() {
  const child = Bun.spawn([process.execPath, "-e", `setInterval(() => {}, 1000) /* ${marker} */`], {
    stdio: ["ignore", "ignore", "ignore"],
  });
  children.push(child);
  return child;
}

const isSleeper = (argv: string[]) => argv.some((a) => a.includes(marker));

/** Waits for the child's exec to show its command line (generous deadline on a busy box). */
async function commandLineShown(pid: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!isSleeper(commandLineOf(pid) ?? []) && Date.now() < deadline) await Bun.sleep(10);
}

describe("pid files", () => {
  test("write, read, and a pid file with garbage or nothing reads as null", () => {
    const path = join(dir, "a.pid");
    writePidFile(path, 1234);
    expect(readPidFile(path)).toBe(1234);
    writeFileSync(path, "not a pid");
    expect(readPidFile(path)).toBeNull();
    expect(readPidFile(join(dir, "none.pid"))).toBeNull();
  });

  test("a live process is found only when its command line matches", async () => {
    const child = sleeper();
    const path = join(dir, "b.pid");
    writePidFile(path, child.pid);
    await commandLineShown(child.pid);
    expect(livePid(path, isSleeper)).toBe(child.pid);
    expect(livePid(path, (argv) => argv.includes("redis-server"))).toBeNull();
  });

  test("stop never signals a process whose command line does not match, and drops the stale file", async () => {
    const child = sleeper();
    const path = join(dir, "c.pid");
    writePidFile(path, child.pid);
    expect(await stopByPidFile(path, (argv) => argv.includes("redis-server"), 1000)).toBeNull();
    expect(isAlive(child.pid)).toBe(true);
    expect(existsSync(path)).toBe(false);
    child.kill("SIGKILL");
  });

  test("stop of the matching process: SIGTERM, wait until gone, pid file removed", async () => {
    const child = sleeper();
    const path = join(dir, "d.pid");
    writePidFile(path, child.pid);
    await commandLineShown(child.pid);
    expect(await stopByPidFile(path, isSleeper, 30_000)).toBe(child.pid);
    expect(await child.exited).not.toBe(0);
    expect(child.signalCode).toBe("SIGTERM");
    expect(existsSync(path)).toBe(false);
  });

  test("a pid file naming a process that is gone is stale", async () => {
    const child = sleeper();
    child.kill("SIGKILL");
    await child.exited;
    const path = join(dir, "e.pid");
    writePidFile(path, child.pid);
    expect(livePid(path, isSleeper)).toBeNull();
  });
});
