// Installs and runs QuestDB for full mode, development and the tests: the jar
// from Maven Central into a project-local cache, a server.conf bound to
// 127.0.0.1 only, the JVM flags verified in the infrastructure notes, and a pid
// file so a later `stop` or `status` finds the server again.
//
//   bun scripts/questdb.ts start  [--dir DIR] [--http-port P] [--pg-port P] [--ilp-port P]
//   bun scripts/questdb.ts stop   [--dir DIR]
//   bun scripts/questdb.ts status [--dir DIR]
//
// `start` leaves the server running in the background (its own process group)
// and returns once it answers SQL. Library users (tests, full mode) call
// `startQuestdb`, which keeps the server a child of the caller.

import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { aptInstall } from "./apt.ts";

export const questdbVersion = "9.3.4";
/** SHA-256 of questdb-9.3.4.jar as served by Maven Central; a jar that differs is refused. */
const questdbJarSha256 = "939bc53ab22f93dbaa6545143a6e7c536d4904c07b7f2d381e8eef10436be062";
const projectRoot = join(import.meta.dir, "..");
/** `.tools/` is the project's cache of downloaded tools (Bun lives there too); it is git-ignored. */
export const questdbInstallDir = join(projectRoot, ".tools", `questdb-${questdbVersion}`);
const jarName = `questdb-${questdbVersion}.jar`;

/**
 * The first start extracts the web console and creates the db folder (4.5 s measured);
 * restarts took 4-20 s on a busy box.
 */
const startTimeoutMsDefault = 120_000;
/** SIGTERM stops it in about 2 s; a server deep in WAL apply may need longer before SIGKILL. */
const stopTimeoutMsDefault = 20_000;
/** One readiness probe's limit: a paused server must not stall the poll loop. */
const probeTimeoutMs = 2_000;
const probeIntervalMs = 100;
/** A non-TTY progress line at most this often, so test logs show the wait without flooding. */
const progressLineIntervalMs = 5_000;
/** Heap for QuestDB's Java objects; its tables live off-heap in memory-mapped files. */
const heapMbDefault = 512;

const pidFileName = "questdb.pid";
const logFileName = "questdb.log";

// ---------------------------------------------------------------------------
// Install

let installing: Promise<string> | null = null;

/**
 * Path of the QuestDB jar, downloading it with Maven on first use. A second
 * call (or a second run) re-uses the cached jar after checking its digest.
 * Concurrent callers in one process share one download; concurrent processes
 * each download into their own folder and rename into place, so neither sees a
 * half-written jar.
 */
export function ensureQuestdbInstalled(): Promise<string> {
  installing ??= install().finally(() => {
    installing = null;
  });
  return installing;
}

/** A jar this process already checked: hashing 30 MB again for every test file's server is waste. */
let verifiedJar: string | null = null;

async function install(): Promise<string> {
  const jar = join(questdbInstallDir, jarName);
  if (verifiedJar === jar && existsSync(jar)) return jar;
  if (existsSync(jar) && (await sha256(jar)) === questdbJarSha256) {
    verifiedJar = jar;
    return jar;
  }
  await ensureTool("java", ["openjdk-17-jre-headless"], "QuestDB needs Java 17: install openjdk-17-jre-headless");
  await ensureTool("mvn", ["maven"], "the QuestDB jar comes from Maven Central: install maven");
  const staging = `${questdbInstallDir}.partial-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  console.error(`questdb: downloading org.questdb:questdb:${questdbVersion} with Maven into ${questdbInstallDir}`);
  const started = performance.now();
  const mvn = Bun.spawn(
    [
      "mvn",
      "-q",
      "-B",
      "dependency:copy",
      `-Dartifact=org.questdb:questdb:${questdbVersion}:jar`,
      `-DoutputDirectory=${staging}`,
    ],
    { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
  );
  const [code, out, err] = await Promise.all([
    mvn.exited,
    new Response(mvn.stdout).text(),
    new Response(mvn.stderr).text(),
  ]);
  if (code !== 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `mvn dependency:copy of QuestDB ${questdbVersion} failed with exit code ${code}: ${lastLines(out + err)}`,
    );
  }
  const digest = await sha256(join(staging, jarName));
  if (digest !== questdbJarSha256) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`downloaded ${jarName} has SHA-256 ${digest}, expected ${questdbJarSha256}`);
  }
  mkdirSync(questdbInstallDir, { recursive: true });
  // rename(2) replaces atomically: a concurrent installer's identical jar is fine to overwrite.
  renameSync(join(staging, jarName), jar);
  rmSync(staging, { recursive: true, force: true });
  console.error(`questdb: ${jarName} installed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  verifiedJar = jar;
  return jar;
}

async function ensureTool(command: string, packages: string[], hint: string): Promise<void> {
  if (Bun.which(command) !== null) return;
  await aptInstall(packages, hint);
  if (Bun.which(command) === null)
    throw new Error(`apt-get installed ${packages.join(" ")} but ${command} is not on PATH`);
}

async function sha256(path: string): Promise<string> {
  return createHash("sha256")
    .update(await Bun.file(path).bytes())
    .digest("hex");
}

// ---------------------------------------------------------------------------
// Configuration

export interface QuestdbPorts {
  /** REST (`/exec`), ILP over HTTP (`/write`) and the web console. */
  httpPort: number;
  /** PostgreSQL wire protocol. */
  pgPort: number;
  /** ILP over TCP (not used by the exchange: it loses rows on a crash; bound to loopback anyway). */
  ilpPort: number;
}

/**
 * Every setting the project relies on, explicitly: QuestDB's defaults bind to
 * all interfaces, open a UDP listener and a second "min" HTTP server, and send
 * telemetry.
 */
export function serverConf(ports: QuestdbPorts): string {
  return [
    "# Written by scripts/questdb.ts; rewritten on every start.",
    `http.bind.to=127.0.0.1:${ports.httpPort}`,
    "http.enabled=true",
    "http.min.enabled=false",
    "line.http.enabled=true",
    `pg.net.bind.to=127.0.0.1:${ports.pgPort}`,
    "pg.enabled=true",
    `line.tcp.net.bind.to=127.0.0.1:${ports.ilpPort}`,
    "line.tcp.enabled=true",
    "line.udp.enabled=false",
    "telemetry.enabled=false",
    "cairo.wal.enabled.default=true",
    "",
  ].join("\n");
}

function writeServerConf(dir: string, ports: QuestdbPorts): void {
  mkdirSync(join(dir, "conf"), { recursive: true });
  writeFileSync(join(dir, "conf", "server.conf"), serverConf(ports));
}

/** The ports a server.conf written by `serverConf` names, or null when the file is missing or foreign. */
export function readPorts(dir: string): QuestdbPorts | null {
  let text: string;
  try {
    text = readFileSync(join(dir, "conf", "server.conf"), "utf8");
  } catch {
    return null;
  }
  const port = (key: string) =>
    Number(new RegExp(`^${key.replaceAll(".", "\\.")}=127\\.0\\.0\\.1:(\\d+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  const ports = {
    httpPort: port("http.bind.to"),
    pgPort: port("pg.net.bind.to"),
    ilpPort: port("line.tcp.net.bind.to"),
  };
  return Object.values(ports).every(isPort) ? ports : null;
}

function isPort(port: number): boolean {
  return Number.isInteger(port) && port > 0 && port <= 65535;
}

function javaArgs(jar: string, dir: string, heapMb: number): string[] {
  return [
    "java",
    "-Xms256m",
    `-Xmx${heapMb}m`,
    "-XX:+UseParallelGC",
    "--add-exports",
    "java.base/jdk.internal.math=io.questdb",
    "-p",
    jar,
    "-m",
    "io.questdb/io.questdb.ServerMain",
    "-d",
    dir,
  ];
}

/** The parent's environment without QDB_* variables, which would override server.conf. */
function childEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("QDB_") && value !== undefined) env[key] = value;
  }
  return env;
}

// ---------------------------------------------------------------------------
// Probes

/** HTTP status of `GET /exec?query=select 1`, or null when nothing answers in time. */
export async function probeQuestdb(httpPort: number, timeoutMs = probeTimeoutMs): Promise<number | null> {
  try {
    const response = await fetch(`http://127.0.0.1:${httpPort}/exec?query=select%201`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return null;
  }
}

/**
 * The root directory of the server answering on `httpPort`, read from its own
 * configuration (`cairo.sql.copy.work.root` is `<root>/tmp`), so a stranger on
 * the port is never mistaken for the server we started.
 */
export async function questdbRootOf(httpPort: number): Promise<string | null> {
  const query = "select value from (show parameters) where property_path = 'cairo.sql.copy.work.root'";
  try {
    const response = await fetch(`http://127.0.0.1:${httpPort}/exec?query=${encodeURIComponent(query)}`, {
      signal: AbortSignal.timeout(probeTimeoutMs),
    });
    const body = (await response.json()) as { dataset?: unknown[][] };
    const value = body.dataset?.[0]?.[0];
    return typeof value === "string" && value.endsWith("/tmp") ? value.slice(0, -"/tmp".length) : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when `pid` is a QuestDB server started on `dir` (Linux /proc), so a recycled pid is never signalled. */
export function isQuestdbProcess(pid: number, dir: string): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    const d = args.indexOf("-d");
    return args.includes("io.questdb/io.questdb.ServerMain") && d >= 0 && args[d + 1] === dir;
  } catch {
    return false;
  }
}

function readPidFile(dir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dir, pidFileName), "utf8").trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid of a live QuestDB on `dir` according to its pid file, or null (a stale file is ignored). */
export function runningPid(dir: string): number | null {
  const pid = readPidFile(dir);
  return pid !== null && isAlive(pid) && isQuestdbProcess(pid, dir) ? pid : null;
}

// ---------------------------------------------------------------------------
// Start and stop

export interface QuestdbStartOptions extends QuestdbPorts {
  /** Server root: conf/, db/, the pid file and the log go here. Created if missing. */
  dir: string;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
  heapMb?: number;
  /** Own process group, not killed when the caller exits (the CLI's `start`). */
  detached?: boolean;
  /**
   * `lines` (default): a line at start, every 5 s while waiting, and when ready; `tty`: one line
   * rewritten in place; `quiet`.
   */
  progress?: "lines" | "tty" | "quiet";
}

export interface QuestdbHandle extends QuestdbPorts {
  readonly dir: string;
  readonly logPath: string;
  /** `http://127.0.0.1:<httpPort>` */
  readonly httpUrl: string;
  /** The current server's pid (a new one after `restart`). */
  readonly pid: number;
  /** Resolves with the exit code once the current server is gone. */
  readonly exited: Promise<number>;
  /** SIGTERM, then SIGKILL if it has not exited within the stop timeout. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL: a crash, for tests. The directory is kept. */
  kill(): Promise<void>;
  /** Stops the current server if it still runs, then starts a new one on the same ports and directory. */
  restart(): Promise<void>;
}

const liveChildren = new Set<number>();
let exitHookInstalled = false;

/** Attached children must not outlive a test run that ends normally or by an uncaught error. */
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

interface Running {
  pid: number;
  exited: Promise<number>;
  exitCode(): number | null;
}

/**
 * Starts QuestDB on the given ports and directory and resolves once that very
 * server (checked by its root directory) answers `select 1` with 200.
 */
export async function startQuestdb(options: QuestdbStartOptions): Promise<QuestdbHandle> {
  for (const [name, port] of [
    ["httpPort", options.httpPort],
    ["pgPort", options.pgPort],
    ["ilpPort", options.ilpPort],
  ] as const) {
    if (!isPort(port)) throw new Error(`questdb: ${name} ${port} is not a TCP port`);
  }
  const jar = await ensureQuestdbInstalled();
  mkdirSync(options.dir, { recursive: true });
  const dir = realpathSync(resolve(options.dir));
  const logPath = join(dir, logFileName);
  const stopTimeoutMs = options.stopTimeoutMs ?? stopTimeoutMsDefault;
  let current = await launch(jar, dir, options);
  const signalAndWait = async (signal: "SIGTERM" | "SIGKILL") => {
    const run = current;
    if (run.exitCode() === null) {
      process.kill(run.pid, signal);
      const timer = setTimeout(() => {
        if (run.exitCode() === null) process.kill(run.pid, "SIGKILL");
      }, stopTimeoutMs);
      await run.exited;
      clearTimeout(timer);
    }
    if (readPidFile(dir) === run.pid) rmSync(join(dir, pidFileName), { force: true });
  };
  return {
    httpPort: options.httpPort,
    pgPort: options.pgPort,
    ilpPort: options.ilpPort,
    dir,
    logPath,
    httpUrl: `http://127.0.0.1:${options.httpPort}`,
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    stop: () => signalAndWait("SIGTERM"),
    kill: () => signalAndWait("SIGKILL"),
    async restart() {
      await signalAndWait("SIGTERM");
      current = await launch(jar, dir, options);
    },
  };
}

async function launch(jar: string, dir: string, options: QuestdbStartOptions): Promise<Running> {
  const other = runningPid(dir);
  if (other !== null) throw new Error(`questdb: a server (pid ${other}) already runs on ${dir}`);
  writeServerConf(dir, options);
  const logPath = join(dir, logFileName);
  const logFd = openSync(logPath, "a");
  const detached = options.detached === true;
  if (!detached) installExitHook();
  const child = Bun.spawn(javaArgs(jar, dir, options.heapMb ?? heapMbDefault), {
    cwd: dir,
    env: childEnv(),
    stdin: "ignore",
    stdout: logFd,
    stderr: logFd,
    detached,
  });
  closeSync(logFd);
  writeFileSync(join(dir, pidFileName), `${child.pid}\n`);
  if (!detached) liveChildren.add(child.pid);
  let exitCode: number | null = null;
  const exited = child.exited.then((code) => {
    exitCode = code;
    liveChildren.delete(child.pid);
    return code;
  });
  const run: Running = { pid: child.pid, exited, exitCode: () => exitCode };
  try {
    await waitUntilReady(run, dir, options);
  } catch (error) {
    if (exitCode === null) {
      child.kill("SIGKILL");
      await exited;
    }
    rmSync(join(dir, pidFileName), { force: true });
    throw error;
  }
  if (detached) child.unref();
  return run;
}

async function waitUntilReady(run: Running, dir: string, options: QuestdbStartOptions): Promise<void> {
  const logPath = join(dir, logFileName);
  const progress = progressReporter(
    options.progress ?? "lines",
    `questdb: pid ${run.pid} on 127.0.0.1:${options.httpPort}, dir ${dir}`,
  );
  const started = performance.now();
  const deadline = started + (options.startTimeoutMs ?? startTimeoutMsDefault);
  for (;;) {
    const code = run.exitCode();
    if (code !== null) {
      progress.done("exited");
      throw new Error(
        `questdb on port ${options.httpPort} exited with code ${code} at start: ${lastLines(readTail(logPath))}`,
      );
    }
    if ((await probeQuestdb(options.httpPort)) === 200) {
      const root = await questdbRootOf(options.httpPort);
      if (root === dir && run.exitCode() === null) break;
      if (root !== null && root !== dir) {
        progress.done("port taken");
        throw new Error(`questdb: port ${options.httpPort} is already served by another QuestDB (root ${root})`);
      }
    }
    if (performance.now() > deadline) {
      progress.done("timed out");
      throw new Error(
        `questdb on port ${options.httpPort} did not answer ` +
          `within ${options.startTimeoutMs ?? startTimeoutMsDefault} ms: ${lastLines(readTail(logPath))}`,
      );
    }
    progress.tick(performance.now() - started);
    await Bun.sleep(probeIntervalMs);
  }
  progress.done(`ready in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

function progressReporter(mode: "lines" | "tty" | "quiet", label: string) {
  let lastLineAt = performance.now();
  if (mode === "lines") console.error(`${label}: starting`);
  return {
    tick(elapsedMs: number) {
      const text = `${label}: waiting for select 1 ... ${(elapsedMs / 1000).toFixed(1)} s`;
      if (mode === "tty") process.stderr.write(`\r${text}`);
      else if (mode === "lines" && performance.now() - lastLineAt >= progressLineIntervalMs) {
        lastLineAt = performance.now();
        console.error(text);
      }
    },
    done(outcome: string) {
      if (mode === "tty") process.stderr.write(`\r${label}: ${outcome}\x1b[K\n`);
      else if (mode === "lines") console.error(`${label}: ${outcome}`);
    },
  };
}

/**
 * Stops the QuestDB whose pid file is in `dir`: SIGTERM, then SIGKILL after
 * `timeoutMs`. Returns the pid it stopped, or null when none was running.
 */
export async function stopQuestdbByPidFile(dir: string, timeoutMs = stopTimeoutMsDefault): Promise<number | null> {
  const root = existsSync(dir) ? realpathSync(dir) : resolve(dir);
  const pid = runningPid(root);
  if (pid === null) {
    rmSync(join(root, pidFileName), { force: true });
    return null;
  }
  process.kill(pid, "SIGTERM");
  const deadline = performance.now() + timeoutMs;
  while (isAlive(pid) && isQuestdbProcess(pid, root)) {
    if (performance.now() > deadline) {
      process.kill(pid, "SIGKILL");
      break;
    }
    await Bun.sleep(probeIntervalMs);
  }
  // After SIGKILL the process may take a moment to disappear; never signal a recycled pid.
  while (isAlive(pid) && isQuestdbProcess(pid, root)) await Bun.sleep(probeIntervalMs);
  rmSync(join(root, pidFileName), { force: true });
  return pid;
}

function readTail(path: string): string {
  try {
    const size = statSync(path).size;
    const text = readFileSync(path, "utf8");
    return size > 20_000 ? text.slice(-20_000) : text;
  } catch {
    return "";
  }
}

function lastLines(text: string): string {
  return text.trim().split("\n").slice(-8).join(" | ");
}

// ---------------------------------------------------------------------------
// CLI

const usage = `usage: bun scripts/questdb.ts start|stop|status [--dir DIR] [--http-port P] [--pg-port P] [--ilp-port P]
  start   install if needed, write DIR/conf/server.conf, start in the background, wait for select 1
  stop    SIGTERM the server of DIR's pid file, SIGKILL after ${stopTimeoutMsDefault / 1000} s
  status  port, pid and health; exit 0 healthy, 1 running but not answering, 3 not running
defaults: --dir .run/questdb --http-port 9000 --pg-port 8812 --ilp-port 9009`;

interface CliOptions extends QuestdbPorts {
  command: string;
  dir: string;
}

function parseCli(argv: string[]): CliOptions {
  const [command = "", ...rest] = argv;
  const o: CliOptions = {
    command,
    dir: join(projectRoot, ".run", "questdb"),
    httpPort: 9000,
    pgPort: 8812,
    ilpPort: 9009,
  };
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`);
      return v;
    };
    if (arg === "--dir") o.dir = resolve(value());
    else if (arg === "--http-port") o.httpPort = Number(value());
    else if (arg === "--pg-port") o.pgPort = Number(value());
    else if (arg === "--ilp-port") o.ilpPort = Number(value());
    else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  for (const port of [o.httpPort, o.pgPort, o.ilpPort])
    if (!isPort(port)) throw new Error(`bad port ${port}\n${usage}`);
  return o;
}

async function cliStart(o: CliOptions): Promise<number> {
  mkdirSync(o.dir, { recursive: true });
  const pid = runningPid(realpathSync(o.dir));
  if (pid !== null) {
    console.log(`questdb already running: pid ${pid}, dir ${o.dir}`);
    return 0;
  }
  const server = await startQuestdb({ ...o, detached: true, progress: process.stderr.isTTY ? "tty" : "lines" });
  console.log(
    `questdb ${questdbVersion} pid ${server.pid}: http ${server.httpUrl} (console, /exec, ILP /write), ` +
      `pg 127.0.0.1:${o.pgPort}, dir ${server.dir}, log ${server.logPath}`,
  );
  return 0;
}

async function cliStop(o: CliOptions): Promise<number> {
  const pid = await stopQuestdbByPidFile(o.dir);
  console.log(pid === null ? `questdb not running (dir ${o.dir})` : `questdb pid ${pid} stopped`);
  return 0;
}

async function cliStatus(o: CliOptions): Promise<number> {
  const dir = existsSync(o.dir) ? realpathSync(o.dir) : o.dir;
  const pid = runningPid(dir);
  const ports = readPorts(dir);
  if (pid === null) {
    console.log(`questdb: not running (dir ${dir})`);
    return 3;
  }
  const status = ports === null ? null : await probeQuestdb(ports.httpPort);
  const healthy = status === 200;
  const where =
    ports === null
      ? "ports unknown (no server.conf)"
      : `http 127.0.0.1:${ports.httpPort}, pg ${ports.pgPort}, ilp ${ports.ilpPort}`;
  console.log(
    `questdb: pid ${pid}, ${where}, health ${healthy ? "ok" : `not answering (${status ?? "no response"})`}, ` +
      `dir ${dir}`,
  );
  return healthy ? 0 : 1;
}

if (import.meta.main) {
  let code = 2;
  try {
    const o = parseCli(process.argv.slice(2));
    if (o.command === "start") code = await cliStart(o);
    else if (o.command === "stop") code = await cliStop(o);
    else if (o.command === "status") code = await cliStatus(o);
    else console.error(usage);
  } catch (error) {
    console.error((error as Error).message);
    code = 1;
  }
  process.exit(code);
}
