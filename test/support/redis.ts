// A fresh, real redis-server for one test file: its own free port, its own temp
// directory, installed with apt first if missing (scripts/services.ts).

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RedisHandle, startRedis } from "../../scripts/services.ts";
import { freePort } from "./ports.ts";

/** Another process may take the free port between our probe and redis-server's bind. */
const startAttemptsMax = 3;

export interface TestRedis {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly dir: string;
  /** The current server's pid (changes on `restart`). */
  pid(): number;
  /** SIGTERM and wait; the directory is removed. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash. The directory is kept for `restart`. */
  kill(): Promise<void>;
  /** SIGSTOP: the server keeps its sockets but answers nothing ("Redis is slow"). */
  pause(): void;
  /** SIGCONT after `pause`. */
  resume(): void;
  /** A new process on the same port and directory (the old one is killed first if still running). */
  restart(): Promise<void>;
}

export async function startTestRedis(options: { appendonly?: boolean } = {}): Promise<TestRedis> {
  const dir = mkdtempSync(join(tmpdir(), "exch-redis-"));
  const appendonly = options.appendonly === true;
  let handle: RedisHandle | null = null;
  let lastError: unknown = null;
  for (let attempt = 0; attempt < startAttemptsMax && handle === null; attempt++) {
    const port = freePort();
    try {
      handle = await startRedis({ port, dir, appendonly });
    } catch (error) {
      lastError = error;
    }
  }
  if (handle === null) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  let current: RedisHandle = handle;
  const port = current.port;
  let stopped = false;
  return {
    url: `redis://127.0.0.1:${port}`,
    host: "127.0.0.1",
    port,
    dir,
    pid: () => current.pid,
    async stop() {
      if (stopped) return;
      stopped = true;
      // A stopped process cannot act on SIGTERM.
      try {
        process.kill(current.pid, "SIGCONT");
      } catch {
        // Already gone (killed by the test).
      }
      await current.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => current.kill(),
    pause: () => process.kill(current.pid, "SIGSTOP"),
    resume: () => process.kill(current.pid, "SIGCONT"),
    async restart() {
      await current.kill();
      current = await startRedis({ port, dir, appendonly });
    },
  };
}
