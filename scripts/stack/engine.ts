// The engine in the stack: `bun src/server/main.ts` in the foreground of
// `engine:full` (its output is the operator's console), with a pid file so
// `stack:stop` from another terminal stops it gracefully (SIGTERM: final
// snapshot, then exit). Started when its TCP gateway accepts connections;
// its health is the operations listener's /ready (recovered, journal, Redis,
// QuestDB), with the reason of each check that is not ready.

import { connect } from "node:net";
import { join } from "node:path";
import { livePid, removePidFile, stopByPidFile, writePidFile } from "./pids.ts";
import type { Progress } from "./progress.ts";
import type { Service, ServiceStatus } from "./service.ts";

export const engineMain = join(import.meta.dir, "..", "..", "src", "server", "main.ts");
/** Recovery replays the journal after the newest snapshot: minutes for a long journal without snapshots. */
const readyTimeoutMs = 600_000;
/** A graceful stop takes a final snapshot and may wait for a slow store. */
const stopTimeoutMs = 120_000;
const probeTimeoutMs = 1000;
/** /ready runs every check (QuestDB's is one SQL round trip): give it longer than one TCP connect. */
const readinessTimeoutMs = 3000;
const pollMs = 100;

export interface EngineOptions {
  stackDir: string;
  host: string;
  port: number;
  /** The operations listener (/ready), or null when it is off. */
  opsPort: number | null;
  /** Arguments after the script (e.g. --config FILE). */
  args: string[];
  env: Record<string, string>;
}

export interface EngineService extends Service {
  /** Exit code of the engine this process started. */
  exited(): Promise<number>;
  /** Sends a signal to the engine this process started. */
  signal(signal: NodeJS.Signals): void;
}

export function engineService(options: EngineOptions): EngineService {
  const pidFile = join(options.stackDir, "run", "engine.pid");
  const matches = (argv: string[]) => argv.some((a) => a.endsWith(join("src", "server", "main.ts")));
  let child: ReturnType<typeof Bun.spawn> | null = null;
  const ready = async () =>
    livePid(pidFile, matches) !== null && (await tcpAccepts(options.host, options.port, probeTimeoutMs));
  return {
    name: "engine",
    port: options.port,
    install: async () => {},
    async start(progress: Progress) {
      const running = livePid(pidFile, matches);
      if (running !== null)
        throw new Error(`an engine already runs on ${options.stackDir} (pid ${running}); bun run stack:stop stops it`);
      const spawned = Bun.spawn([process.execPath, engineMain, ...options.args], {
        stdio: ["inherit", "inherit", "inherit"],
        env: options.env,
      });
      child = spawned;
      writePidFile(pidFile, spawned.pid);
      void spawned.exited.then(() => {
        if (livePid(pidFile, matches) === null) removePidFile(pidFile);
      });
      await progress.step(`engine: recover and listen on ${options.host}:${options.port}`, async () => {
        const deadline = performance.now() + readyTimeoutMs;
        for (;;) {
          if (spawned.exitCode !== null)
            throw new Error(`the engine exited with code ${spawned.exitCode} before it listened`);
          if (await tcpAccepts(options.host, options.port, probeTimeoutMs)) return;
          if (performance.now() > deadline)
            throw new Error(`no TCP listener on ${options.port} after ${readyTimeoutMs / 1000} s`);
          await Bun.sleep(pollMs);
        }
      });
      return { pid: spawned.pid, reused: false };
    },
    ready,
    stop: () => stopByPidFile(pidFile, matches, stopTimeoutMs),
    async status(): Promise<ServiceStatus> {
      const pid = livePid(pidFile, matches);
      if (pid === null) return { name: "engine", port: options.port, pid: null, health: "down", detail: "no process" };
      const accepts = await tcpAccepts(options.host, options.port, probeTimeoutMs);
      if (!accepts)
        return { name: "engine", port: options.port, pid, health: "unhealthy", detail: "TCP gateway does not accept" };
      if (options.opsPort === null)
        return {
          name: "engine",
          port: options.port,
          pid,
          health: "up",
          detail: "TCP gateway accepts (no /ready: metrics and admin off)",
        };
      const r = await readiness(options.host, options.opsPort, readinessTimeoutMs);
      return { name: "engine", port: options.port, pid, health: r.ready ? "up" : "unhealthy", detail: r.detail };
    },
    exited: () => (child === null ? Promise.resolve(0) : child.exited),
    signal: (signal) => child?.kill(signal),
  };
}

/** The engine's /ready: ready or not, and in a few words why (the checks that are not ready). */
export async function readiness(
  host: string,
  port: number,
  timeoutMs: number,
): Promise<{ ready: boolean; detail: string }> {
  try {
    const res = await fetch(`http://${host.includes(":") ? `[${host}]` : host}:${port}/ready`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await res.json()) as { checks?: { name: string; ready: boolean; reason: string }[] };
    const failing = (body.checks ?? []).filter((c) => !c.ready).map((c) => `${c.name}: ${c.reason}`);
    return res.status === 200
      ? { ready: true, detail: "ready (TCP gateway accepts)" }
      : { ready: false, detail: `not ready: ${failing.join("; ")}` };
  } catch (error) {
    return { ready: false, detail: `/ready on port ${port}: ${(error as Error).message}` };
  }
}

/** Whether a TCP connection to host:port opens within the timeout. */
export function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const finish = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.once("connect", () => finish(true));
    socket.once("error", () => finish(false));
  });
}
