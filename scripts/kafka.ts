// Installs and runs a single-node Apache Kafka 4.1.1 broker (KRaft, 127.0.0.1
// only) from Maven Central jars, for the tests, the benchmarks and Kafka mode.
//
//   bun scripts/kafka.ts install                      jars + librdkafka, nothing started
//   bun scripts/kafka.ts start  [--port 9092] [--controller-port 9093] [--dir .run/kafka] [--foreground]
//   bun scripts/kafka.ts stop   [--dir .run/kafka]
//   bun scripts/kafka.ts status [--dir .run/kafka]
//
// `start` leaves the broker running in the background (pid file in the dir)
// unless --foreground, which keeps it attached until Ctrl-C. As a library:
// `ensureKafkaInstalled()` and `startKafka({ port, controllerPort, dir })`.

import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type BrokerLayout, brokerLayout, formatStorage, writeBrokerFiles } from "./kafka-config.ts";
import { ensureKafkaInstalled, kafkaVersion } from "./kafka-install.ts";
import { type KafkaProbe, probeKafka } from "../src/kafka/probe.ts";

export { ensureKafkaInstalled, ensureLibrdkafkaInstalled, kafkaVersion } from "./kafka-install.ts";
export { probeKafka } from "../src/kafka/probe.ts";

/** Measured 6–40 s on a busy 2-core machine; a loaded CI box gets far more room. */
const startTimeoutMsDefault = 180_000;
/** Controlled shutdown of a single node takes a few seconds; past this it is killed. */
const stopTimeoutMsDefault = 30_000;
const heapMbDefault = 512;
const probeTimeoutMs = 2_000;
const pollIntervalMs = 100;
/** Printed by KafkaRaftServer once the broker and controller both run. */
const readyLogLine = "Kafka Server started";

export interface KafkaStartOptions {
  port: number;
  controllerPort: number;
  /** Configuration, data and logs. Created if missing; storage is formatted only once. */
  dir: string;
  /** JVM heap (-Xms = -Xmx), MiB. */
  heapMb?: number;
  startTimeoutMs?: number;
  /** Called while waiting for readiness, about every 100 ms, with the time since spawn. */
  onProgress?: (elapsedMs: number) => void;
  /**
   * Start in a new session that outlives this process (the CLI's `start`); otherwise a child
   * killed when this process exits.
   */
  detached?: boolean;
}

export interface KafkaBroker {
  readonly port: number;
  readonly controllerPort: number;
  readonly dir: string;
  readonly bootstrapServers: string;
  readonly serverLogPath: string;
  /** The current process (changes on restart). */
  readonly pid: number;
  /** Resolves with the current process's exit code once it is gone. */
  readonly exited: Promise<number>;
  /** SIGTERM (controlled shutdown), SIGKILL past the deadline; resolves once the process is gone. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): Promise<void>;
  /** Stops (or kills) the current process and starts a new one on the same ports and data. */
  restart(options?: { kill?: boolean }): Promise<void>;
}

const liveChildren = new Set<number>();
let exitHookInstalled = false;

/** Attached brokers must not outlive a test run that ends normally or by an uncaught error. */
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
  signal(signal: NodeJS.Signals): void;
}

function spawnBroker(
  layout: BrokerLayout,
  javaPath: string,
  libsDir: string,
  heapMb: number,
  detached: boolean,
): Running {
  const args = [
    javaPath,
    `-Xms${heapMb}m`,
    `-Xmx${heapMb}m`,
    "-XX:+UseG1GC",
    "-XX:MaxGCPauseMillis=20",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${layout.log4jPath}`,
    `-Dkafka.logs.dir=${layout.logsDir}`,
    "-cp",
    `${libsDir}/*`,
    "kafka.Kafka",
    layout.propertiesPath,
  ];
  const out = Bun.file(layout.jvmOutPath);
  const child = Bun.spawn(args, { cwd: layout.dir, stdin: "ignore", stdout: out, stderr: out, detached });
  let code: number | null = null;
  if (detached) child.unref();
  else {
    installExitHook();
    liveChildren.add(child.pid);
  }
  const exited = child.exited.then((c) => {
    code = c;
    liveChildren.delete(child.pid);
    return c;
  });
  writeFileSync(layout.pidPath, `${child.pid}\n`);
  return { pid: child.pid, exited, exitCode: () => code, signal: (s) => child.kill(s) };
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

function tailText(path: string, linesCount = 8): string {
  try {
    return readFileSync(path, "utf8").trim().split("\n").slice(-linesCount).join(" | ");
  } catch {
    return "";
  }
}

/** Waits for the ready line in server.log (written after `logOffset`) and an ApiVersions answer from our process. */
async function waitReady(
  layout: BrokerLayout,
  port: number,
  running: Running,
  timeoutMs: number,
  onProgress?: (ms: number) => void,
  logOffset = 0,
): Promise<void> {
  const startedMs = performance.now();
  let logSeen = false;
  let scanned = logOffset;
  for (;;) {
    const elapsedMs = performance.now() - startedMs;
    onProgress?.(elapsedMs);
    if (running.exitCode() !== null) {
      throw new Error(
        `kafka broker on port ${port} exited with code ${running.exitCode()} at ` +
          `start: ${tailText(layout.jvmOutPath)} ${tailText(layout.serverLogPath)}`,
      );
    }
    if (!logSeen) {
      const size = fileBytes(layout.serverLogPath);
      if (size > scanned) {
        // Re-read a little before the last end so a line split across two reads is still seen.
        const from = Math.max(logOffset, scanned - readyLogLine.length);
        logSeen = (await Bun.file(layout.serverLogPath).slice(from, size).text()).includes(readyLogLine);
        scanned = size;
      }
    }
    if (logSeen) {
      const probe = await probeKafka(port, probeTimeoutMs);
      if (probe !== null && probe.errorCode === 0) return;
    }
    if (elapsedMs > timeoutMs) {
      running.signal("SIGKILL");
      await running.exited;
      throw new Error(
        `kafka broker on port ${port} was not ready within ${timeoutMs} ms: ${tailText(layout.serverLogPath)}`,
      );
    }
    await Bun.sleep(pollIntervalMs);
  }
}

async function signalAndWait(running: Running, signal: NodeJS.Signals, timeoutMs: number): Promise<void> {
  if (running.exitCode() !== null) return;
  running.signal(signal);
  const timer = setTimeout(() => running.signal("SIGKILL"), timeoutMs);
  await running.exited;
  clearTimeout(timer);
}

/**
 * Writes the configuration, formats storage on first use, starts the broker and
 * resolves once it logged its start and answers Kafka requests on `port`.
 * Refuses a port where something Kafka-like already answers.
 */
export async function startKafka(options: KafkaStartOptions): Promise<KafkaBroker> {
  const install = await ensureKafkaInstalled();
  const layout = brokerLayout(resolve(options.dir));
  const { port, controllerPort } = options;
  if ((await probeKafka(port, probeTimeoutMs)) !== null)
    throw new Error(`port ${port} already answers Kafka requests: another broker runs there`);
  writeBrokerFiles(layout, port, controllerPort);
  await formatStorage(layout, install.javaPath, install.libsDir);
  const heapMb = options.heapMb ?? heapMbDefault;
  const timeoutMs = options.startTimeoutMs ?? startTimeoutMsDefault;
  const detached = options.detached === true;
  const launch = async (): Promise<Running> => {
    const logOffset = fileBytes(layout.serverLogPath);
    const running = spawnBroker(layout, install.javaPath, install.libsDir, heapMb, detached);
    await waitReady(layout, port, running, timeoutMs, options.onProgress, logOffset);
    return running;
  };
  let current = await launch();
  return {
    port,
    controllerPort,
    dir: layout.dir,
    bootstrapServers: `127.0.0.1:${port}`,
    serverLogPath: layout.serverLogPath,
    get pid() {
      return current.pid;
    },
    get exited() {
      return current.exited;
    },
    async stop(stopTimeoutMs = stopTimeoutMsDefault) {
      await signalAndWait(current, "SIGTERM", stopTimeoutMs);
      rmSync(layout.pidPath, { force: true });
    },
    async kill() {
      await signalAndWait(current, "SIGKILL", stopTimeoutMsDefault);
      rmSync(layout.pidPath, { force: true });
    },
    async restart(restartOptions = {}) {
      await signalAndWait(current, restartOptions.kill === true ? "SIGKILL" : "SIGTERM", stopTimeoutMsDefault);
      current = await launch();
    },
  };
}

// ---------------------------------------------------------------------------
// By pid file: the CLI's stop and status, for a broker another process started.

/** The pid in `dir`'s pid file when that process is alive and is the broker of that dir. */
export function brokerPid(dir: string): number | null {
  const layout = brokerLayout(resolve(dir));
  if (!existsSync(layout.pidPath)) return null;
  const pid = Number(readFileSync(layout.pidPath, "utf8").trim());
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return null;
  // A recycled pid must not be mistaken for the broker (and must never be signalled).
  let cmdline = "";
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return null;
  }
  return cmdline.includes("kafka.Kafka") && cmdline.includes(layout.propertiesPath) ? pid : null;
}

/** Alive and not a zombie (an unreaped exited process still answers kill 0). */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it ended, or "not running". */
export async function stopKafkaByPid(
  dir: string,
  timeoutMs = stopTimeoutMsDefault,
): Promise<"stopped" | "killed" | "not running"> {
  const layout = brokerLayout(resolve(dir));
  const pid = brokerPid(dir);
  if (pid === null) {
    rmSync(layout.pidPath, { force: true });
    return "not running";
  }
  process.kill(pid, "SIGTERM");
  const deadline = performance.now() + timeoutMs;
  while (processAlive(pid) && performance.now() < deadline) await Bun.sleep(pollIntervalMs);
  let how: "stopped" | "killed" = "stopped";
  if (processAlive(pid)) {
    how = "killed";
    process.kill(pid, "SIGKILL");
    while (processAlive(pid)) await Bun.sleep(pollIntervalMs);
  }
  rmSync(layout.pidPath, { force: true });
  return how;
}

export interface KafkaStatus {
  pid: number | null;
  port: number | null;
  /** The ApiVersions answer on `port`, or null when nothing answered. */
  probe: KafkaProbe | null;
}

/** The broker's port as written in the dir's server.properties. */
function configuredPort(layout: BrokerLayout): number | null {
  if (!existsSync(layout.propertiesPath)) return null;
  const match = /^listeners=PLAINTEXT:\/\/127\.0\.0\.1:(\d+)/m.exec(readFileSync(layout.propertiesPath, "utf8"));
  return match === null ? null : Number(match[1]);
}

export async function kafkaStatus(dir: string): Promise<KafkaStatus> {
  const layout = brokerLayout(resolve(dir));
  const port = configuredPort(layout);
  const pid = brokerPid(dir);
  const probe = port === null ? null : await probeKafka(port, probeTimeoutMs);
  return { pid, port, probe };
}

// ---------------------------------------------------------------------------
// CLI

const usage =
  `usage: bun scripts/kafka.ts install | start [--port P] [--controller-port P] [--dir DIR] [--foreground] | ` +
  `stop [--dir DIR] | status [--dir DIR]`;

interface CliOptions {
  port: number;
  controllerPort: number;
  dir: string;
  foreground: boolean;
}

function parseCli(args: string[]): CliOptions {
  const o: CliOptions = {
    port: 9092,
    controllerPort: 9093,
    dir: join(import.meta.dir, "..", ".run", "kafka"),
    foreground: false,
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const value = (): string => {
      const v = args[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${usage}`);
      return v;
    };
    if (arg === "--port") o.port = Number(value());
    else if (arg === "--controller-port") o.controllerPort = Number(value());
    else if (arg === "--dir") o.dir = resolve(value());
    else if (arg === "--foreground") o.foreground = true;
    else throw new Error(`unknown argument ${arg}\n${usage}`);
  }
  for (const port of [o.port, o.controllerPort]) {
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`bad port ${port}`);
  }
  if (o.port === o.controllerPort) throw new Error("--port and --controller-port must differ");
  return o;
}

/** One line rewritten in place on a terminal; a line every 10 s otherwise (CI logs). */
function progressLine(label: string): (elapsedMs: number) => void {
  const tty = process.stderr.isTTY === true;
  let printedS = -1;
  return (elapsedMs) => {
    const s = Math.floor(elapsedMs / 1000);
    if (tty) process.stderr.write(`\r${label} ${(elapsedMs / 1000).toFixed(1)} s `);
    else if (printedS < 0 || s >= printedS + 10) {
      printedS = s;
      process.stderr.write(`${label} ${s} s\n`);
    }
  };
}

async function cliStart(o: CliOptions): Promise<number> {
  const already = await kafkaStatus(o.dir);
  if (already.pid !== null) {
    console.log(`kafka: already running, pid ${already.pid} on 127.0.0.1:${already.port}`);
    return 0;
  }
  const label =
    `kafka: starting Kafka ${kafkaVersion} on 127.0.0.1:${o.port} (controller ${o.controllerPort}), ` +
    `waiting for it to be ready…`;
  const startedMs = performance.now();
  const broker = await startKafka({ ...o, detached: !o.foreground, onProgress: progressLine(label) });
  if (process.stderr.isTTY === true) process.stderr.write("\n");
  const seconds = ((performance.now() - startedMs) / 1000).toFixed(1);
  console.log(
    `kafka: ready in ${seconds} s, pid ${broker.pid}, bootstrap ${broker.bootstrapServers}, ` +
      `dir ${broker.dir}, log ${broker.serverLogPath}`,
  );
  if (!o.foreground) return 0;
  console.log("kafka: Ctrl-C stops it");
  const shutdown = () => void broker.stop().then(() => process.exit(0));
  process.on("SIGINT", shutdown);
  process.on("SIGTERM", shutdown);
  const code = await broker.exited;
  console.error(`kafka: broker exited with code ${code}`);
  return code === 0 ? 0 : 1;
}

async function cliStatus(o: CliOptions): Promise<number> {
  const s = await kafkaStatus(o.dir);
  if (s.pid === null && s.probe === null) {
    console.log(`kafka: not running (dir ${o.dir})`);
    return 1;
  }
  const who = s.pid === null ? "no broker of this dir (something else answers)" : `pid ${s.pid}`;
  const health =
    s.probe === null
      ? "not answering"
      : s.probe.errorCode === 0
        ? `healthy (ApiVersions: ${s.probe.apiKeysCount} APIs in ${s.probe.roundTripMs.toFixed(1)} ms)`
        : `answering with error code ${s.probe.errorCode}`;
  console.log(`kafka: ${who}, 127.0.0.1:${s.port}, ${health}`);
  return s.pid !== null && s.probe?.errorCode === 0 ? 0 : 3;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "install") {
    const install = await ensureKafkaInstalled();
    console.log(
      `kafka: ${install.jarsCount} jars in ${install.libsDir}; java ${install.javaPath}; librdkafka installed`,
    );
    return 0;
  }
  if (command === "start") return await cliStart(parseCli(rest));
  if (command === "status") return await cliStatus(parseCli(rest));
  if (command === "stop") {
    const o = parseCli(rest);
    console.log(`kafka: ${await stopKafkaByPid(o.dir)}`);
    return 0;
  }
  console.error(usage);
  return 2;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
