// Redis for the stack: Debian's redis-server (scripts/services.ts installs it),
// detached, AOF on, data in <dir>/redis, pid file in <dir>/run/redis.pid.

import { join } from "node:path";
import { ensureRedisInstalled, probeRedis, startRedis } from "../services.ts";
import { livePid, stopByPidFile, writePidFile } from "./pids.ts";
import type { Progress } from "./progress.ts";
import type { Service, ServiceStatus } from "./service.ts";

/** With an AOF, redis flushes it on SIGTERM; give it time before SIGKILL. */
const stopTimeoutMs = 10_000;
const probeTimeoutMs = 1000;

export function redisService(stackDir: string, port: number): Service {
  const dataDir = join(stackDir, "redis");
  const pidFile = join(stackDir, "run", "redis.pid");
  // Only a redis-server serving this port is ours. Redis rewrites its process title to
  // "redis-server 127.0.0.1:<port>", so the port is matched in the joined command line.
  const matches = (argv: string[]) => {
    const line = argv.join(" ");
    return line.includes("redis-server") && new RegExp(`[: ]${port}(\\s|$)`).test(line);
  };
  const ready = async () => {
    const pid = livePid(pidFile, matches);
    if (pid === null) return false;
    const probe = await probeRedis(port, probeTimeoutMs);
    return probe !== null && probe.pid === pid && !probe.loading;
  };
  return {
    name: "redis",
    port,
    async install(progress: Progress) {
      await progress.step("redis: redis-server installed (apt when missing)", () => ensureRedisInstalled());
    },
    async start(progress: Progress) {
      const running = livePid(pidFile, matches);
      if (running !== null && (await ready())) return { pid: running, reused: true };
      const handle = await progress.step(`redis: start on 127.0.0.1:${port} (data ${dataDir})`, () =>
        startRedis({ port, dir: dataDir, appendonly: true, detached: true }),
      );
      writePidFile(pidFile, handle.pid);
      return { pid: handle.pid, reused: false };
    },
    ready,
    stop: () => stopByPidFile(pidFile, matches, stopTimeoutMs),
    async status(): Promise<ServiceStatus> {
      const pid = livePid(pidFile, matches);
      if (pid === null) return { name: "redis", port, pid: null, health: "down", detail: "no process" };
      const probe = await probeRedis(port, probeTimeoutMs);
      if (probe === null) return { name: "redis", port, pid, health: "unhealthy", detail: "no answer to INFO" };
      if (probe.pid !== pid)
        return { name: "redis", port, pid, health: "unhealthy", detail: `port answered by pid ${probe.pid}` };
      return {
        name: "redis",
        port,
        pid,
        health: probe.loading ? "unhealthy" : "up",
        detail: probe.loading ? "loading its AOF" : "answers INFO",
      };
    },
  };
}
