// Installs and starts the servers that full mode and the end-to-end tests need,
// as children of the calling process (no daemons, no system services).
//
//   bun scripts/services.ts redis --port 6390 [--dir DIR] [--appendonly]
//
// starts one redis-server in the foreground until Ctrl-C.

import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join, resolve } from "node:path";

/** Where Debian's package puts the binary; also looked up on PATH. */
const redisServerDebianPath = "/usr/bin/redis-server";
/** apt may wait this long for another apt/dpkg to release its lock (a parallel test run, unattended upgrades). */
const aptLockTimeoutS = 300;
/** Time for a fresh redis-server to answer; it loads nothing at start unless an AOF is there. */
const redisStartTimeoutMsDefault = 15_000;
/** Time for a SIGTERM'd redis-server to exit before SIGKILL. With an AOF it flushes it first. */
const redisStopTimeoutMs = 10_000;
/** One readiness probe's limit; a paused or busy server must not stall the poll loop. */
const probeTimeoutMs = 1_000;
const probeIntervalMs = 25;

export function redisServerPath(): string | null {
  const onPath = Bun.which("redis-server");
  if (onPath !== null) return onPath;
  return existsSync(redisServerDebianPath) ? redisServerDebianPath : null;
}

let installing: Promise<string> | null = null;

/**
 * Returns the path of redis-server, installing Debian's package first when it is
 * missing (root only). Concurrent callers in one process share one install.
 */
export function ensureRedisInstalled(): Promise<string> {
  const found = redisServerPath();
  if (found !== null) return Promise.resolve(found);
  installing ??= installRedis().finally(() => {
    installing = null;
  });
  return installing;
}

async function installRedis(): Promise<string> {
  if (process.getuid?.() !== 0) {
    throw new Error("redis-server is not installed and this is not root: run `sudo apt-get install -y redis-server`");
  }
  console.error("services: redis-server missing, installing Debian's redis-server with apt-get");
  const install = [
    "apt-get",
    "-o",
    `DPkg::Lock::Timeout=${aptLockTimeoutS}`,
    "install",
    "-y",
    "--no-install-recommends",
    "redis-server",
  ];
  if ((await aptGet(install)) !== 0) {
    // A fresh machine often has no package lists yet, or stale ones.
    await aptGet(["apt-get", "-o", `DPkg::Lock::Timeout=${aptLockTimeoutS}`, "update"]);
    const code = await aptGet(install);
    if (code !== 0) throw new Error(`apt-get install redis-server failed with exit code ${code}`);
  }
  await stopPackagedRedisService();
  const path = redisServerPath();
  if (path === null) throw new Error("apt-get installed redis-server but no redis-server binary was found");
  return path;
}

async function aptGet(cmd: string[]): Promise<number> {
  const child = Bun.spawn(cmd, {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    stdin: "ignore",
    // apt's progress would mix into test output; errors still go to stderr.
    stdout: "ignore",
    stderr: "inherit",
  });
  return await child.exited;
}

/**
 * The package starts its own service on 6379 where init allows it (on systemd
 * machines; Docker-style images deny it through policy-rc.d). We never use that
 * one: stop it and keep it from starting at boot, so a developer's `redis-server`
 * on 6379 is not a stranger that answers our PINGs.
 */
async function stopPackagedRedisService(): Promise<void> {
  const run = async (cmd: string[]) => {
    const child = Bun.spawn(cmd, { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    return await child.exited;
  };
  if (existsSync("/run/systemd/system")) {
    await run(["systemctl", "disable", "--now", "redis-server.service"]);
    return;
  }
  if (existsSync("/etc/init.d/redis-server")) {
    await run(["update-rc.d", "redis-server", "disable"]);
    const pidFile = "/run/redis/redis-server.pid";
    if (existsSync(pidFile)) await run(["/etc/init.d/redis-server", "stop"]);
  }
}

export interface RedisStartOptions {
  port: number;
  /** Working directory: the AOF and the log file go here. Created if missing. */
  dir: string;
  /** AOF persistence with fsync every second; off by default (tests, snapshots of a disposable cache). */
  appendonly?: boolean;
  /** Milliseconds to wait for the server to answer. */
  startTimeoutMs?: number;
  /**
   * Its own process group, not killed when the caller exits: a server the
   * stack scripts start and `stack:stop` later stops by pid. Default false.
   */
  detached?: boolean;
}

export interface RedisHandle {
  readonly port: number;
  readonly pid: number;
  readonly dir: string;
  readonly logPath: string;
  /** Resolves with the exit code once the process is gone. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL if it has not exited in time. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, for tests. */
  kill(): Promise<void>;
}

const liveChildren = new Set<number>();
let exitHookInstalled = false;

/** Children must not outlive a test run that ends normally or by an uncaught error. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pid of liveChildren) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    }
  });
}

/** redis-server's command line: loopback only, in the foreground, no RDB snapshots, the log in `dir`. */
function redisArgs(binary: string, port: number, dir: string, logPath: string, appendonly: boolean): string[] {
  return [
    binary,
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--protected-mode",
    "yes",
    "--daemonize",
    "no",
    "--save",
    "",
    "--appendonly",
    appendonly ? "yes" : "no",
    "--appendfsync",
    "everysec",
    "--dir",
    dir,
    "--logfile",
    logPath,
  ];
}

/**
 * Starts redis-server as a child (not daemonized), bound to 127.0.0.1, without
 * RDB snapshots, and resolves once that very process (checked by its pid, so a
 * stranger on the port is never mistaken for it) accepts commands.
 */
export async function startRedis(options: RedisStartOptions): Promise<RedisHandle> {
  const binary = await ensureRedisInstalled();
  const dir = resolve(options.dir);
  mkdirSync(dir, { recursive: true });
  const logPath = join(dir, "redis.log");
  const appendonly = options.appendonly === true;
  const args = redisArgs(binary, options.port, dir, logPath, appendonly);
  const detached = options.detached === true;
  if (!detached) installExitHook();
  const child = Bun.spawn(args, {
    cwd: dir,
    stdin: "ignore",
    stdout: "ignore",
    stderr: detached ? "ignore" : "pipe",
    detached,
  });
  if (!detached) liveChildren.add(child.pid);
  let exitCode: number | null = null;
  const exited = child.exited.then((code) => {
    exitCode = code;
    liveChildren.delete(child.pid);
    return code;
  });
  const deadline = performance.now() + (options.startTimeoutMs ?? redisStartTimeoutMsDefault);
  for (;;) {
    if (exitCode !== null) {
      const stderr = detached ? "" : await new Response(child.stderr as ReadableStream).text();
      throw new Error(
        `redis-server on port ${options.port} exited with code ${exitCode} at ` +
          `start: ${lastLines(stderr + readLog(logPath))}`,
      );
    }
    const probe = await probeRedis(options.port, probeTimeoutMs);
    if (probe !== null && probe.pid === child.pid && !probe.loading) break;
    if (probe !== null && probe.pid !== child.pid) {
      child.kill("SIGKILL");
      await exited;
      throw new Error(`port ${options.port} is already served by another redis-server (pid ${probe.pid})`);
    }
    if (performance.now() > deadline) {
      child.kill("SIGKILL");
      await exited;
      throw new Error(
        `redis-server on port ${options.port} did not answer within the start timeout: ${lastLines(readLog(logPath))}`,
      );
    }
    await Bun.sleep(probeIntervalMs);
  }
  if (detached) child.unref();
  const signalAndWait = async (signal: "SIGTERM" | "SIGKILL") => {
    if (exitCode !== null) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill("SIGKILL"), redisStopTimeoutMs);
    await exited;
    clearTimeout(timer);
  };
  return {
    port: options.port,
    pid: child.pid,
    dir,
    logPath,
    exited,
    stop: () => signalAndWait("SIGTERM"),
    kill: () => signalAndWait("SIGKILL"),
  };
}

function readLog(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-5).join(" | ");
}

export interface RedisProbe {
  pid: number;
  /** True while the server loads its AOF and refuses data commands. */
  loading: boolean;
}

/**
 * One `INFO server persistence` round trip over a raw socket (no client library,
 * so this script runs before `bun install`). Null when nothing answers in time.
 */
export function probeRedis(port: number, timeoutMs: number): Promise<RedisProbe | null> {
  return new Promise((resolvePromise) => {
    let text = "";
    let done = false;
    const finish = (value: RedisProbe | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(value);
    };
    const socket = connect({ host: "127.0.0.1", port, noDelay: true, keepAlive: false });
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("error", () => finish(null));
    socket.on("close", () => finish(null));
    socket.on("connect", () => socket.write("*3\r\n$4\r\nINFO\r\n$6\r\nserver\r\n$11\r\npersistence\r\n"));
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      const header = /^\$(\d+)\r\n/.exec(text);
      if (text.startsWith("-")) return finish(null);
      if (header === null || text.length < header[0].length + Number(header[1])) return;
      const pid = /\r\nprocess_id:(\d+)\r\n/.exec(text);
      const loading = /\r\nloading:(\d)\r\n/.exec(text);
      finish(pid === null ? null : { pid: Number(pid[1]), loading: loading?.[1] === "1" });
    });
  });
}

async function main(argv: string[]): Promise<void> {
  const [service, ...rest] = argv;
  if (service !== "redis") {
    console.error("usage: bun scripts/services.ts redis --port PORT [--dir DIR] [--appendonly]");
    process.exit(2);
  }
  let port = 6390;
  let dir = join(import.meta.dir, "..", ".run", "redis");
  let appendonly = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === "--port") port = Number(rest[++i]);
    else if (arg === "--dir") dir = String(rest[++i]);
    else if (arg === "--appendonly") appendonly = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad --port ${port}`);
  const redis = await startRedis({ port, dir, appendonly });
  console.log(
    `redis-server pid ${redis.pid} on 127.0.0.1:${port}, dir ${redis.dir}, log ${redis.logPath}; Ctrl-C stops it`,
  );
  const shutdown = () => void redis.stop().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const code = await redis.exited;
  console.error(`redis-server exited with code ${code}`);
  process.exit(code === 0 ? 0 : 1);
}

if (import.meta.main) {
  await main(process.argv.slice(2));
}
