// The local full stack: Redis, Kafka, QuestDB and the engine, each with a pid
// file under <dir>/run so any terminal can see or stop them.
//
//   bun scripts/stack.ts full   [--dir DIR] [engine args, e.g. --config FILE]   (bun run engine:full)
//   bun scripts/stack.ts status [--dir DIR]                                      (bun run stack:status)
//   bun scripts/stack.ts stop   [--dir DIR]                                      (bun run stack:stop)
//
// `full` checks the configuration first (src/config: nothing is installed for
// a configuration that cannot start), installs and starts each service with a
// progress line per step, then runs the engine in the foreground. Ctrl-C (or
// `stack:stop` elsewhere) stops the engine first (final snapshot), then the
// services it started. DIR defaults to .data-full (the engine's data dir too).
// Ports come from the configuration in full mode (Redis 6390, Kafka the first
// of kafka.brokers with its controller on the next port, QuestDB questdb.http,
// .ilp and .pg) and are recorded in <dir>/run/stack.json for `status` and `stop`.

import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { type ExchangeConfig, formatProblems, loadConfig } from "../src/config/index.ts";
import * as kafkaScript from "./kafka.ts";
import * as questdbScript from "./questdb.ts";
import { kafkaService, questdbService } from "./stack/adapters.ts";
import { engineService } from "./stack/engine.ts";
import { Progress } from "./stack/progress.ts";
import { redisService } from "./stack/redis.ts";
import type { Service, ServiceStatus } from "./stack/service.ts";

/** Ports of one stack, as `full` started it. */
export interface StackLayout {
  dir: string;
  /** The order-entry port, and the operations listener's (/ready) or null when it is off. */
  engine: { host: string; port: number; opsPort: number | null };
  redis: { port: number };
  kafka: { port: number; controllerPort: number };
  questdb: { httpPort: number; pgPort: number; ilpPort: number };
}

const usage = "usage: bun scripts/stack.ts full|status|stop [--dir DIR] [engine args]";
/** Exit code of a configuration that does not pass its checks (as `bun src/config/main.ts check`). */
const configExitCode = 2;

export function layoutFromConfig(dir: string, c: ExchangeConfig): StackLayout {
  const kafkaPort = Number(c.kafka.brokers[0]!.split(":").pop());
  return {
    dir,
    engine: {
      host: c.tcp.host,
      port: c.tcp.port,
      opsPort: c.metrics.enabled || c.admin.enabled ? c.metrics.port : null,
    },
    redis: { port: c.snapshots.redis.port },
    kafka: { port: kafkaPort, controllerPort: kafkaPort + 1 },
    questdb: { httpPort: c.questdb.http.port, pgPort: c.questdb.pg.port, ilpPort: c.questdb.ilp.port },
  };
}

function layoutPath(dir: string): string {
  return join(dir, "run", "stack.json");
}

/** The layout `full` recorded, else the one the configuration (full mode) gives. */
export function readLayout(dir: string, env: Record<string, string | undefined>): StackLayout {
  if (existsSync(layoutPath(dir))) return JSON.parse(readFileSync(layoutPath(dir), "utf8")) as StackLayout;
  const loaded = loadConfig([], { ...env, EXCHANGE_MODE: env.EXCHANGE_MODE ?? "full" });
  if (!loaded.ok) throw new Error(formatProblems(loaded.problems));
  return layoutFromConfig(dir, loaded.loaded.config);
}

export async function stackServices(layout: StackLayout, engineArgs: string[], env: Record<string, string>) {
  const engineEnv = {
    ...env,
    EXCHANGE_DATA_DIR: layout.dir,
    EXCHANGE_SNAPSHOT_STORE: "redis",
    EXCHANGE_REDIS_PORT: String(layout.redis.port),
    EXCHANGE_TCP_PORT: String(layout.engine.port),
  };
  const infra: Service[] = [
    redisService(layout.dir, layout.redis.port),
    kafkaService(kafkaScript, layout.dir, layout.kafka.port, layout.kafka.controllerPort),
    questdbService(questdbScript, layout.dir, layout.questdb),
  ];
  const engine = engineService({
    stackDir: layout.dir,
    host: layout.engine.host,
    port: layout.engine.port,
    opsPort: layout.engine.opsPort ?? null,
    args: engineArgs,
    env: engineEnv,
  });
  return { infra, engine };
}

export function formatStatus(rows: readonly ServiceStatus[]): string {
  const table = [
    ["service", "port", "pid", "health", "detail"],
    ...rows.map((r) => [r.name, String(r.port), r.pid === null ? "-" : String(r.pid), r.health, r.detail]),
  ];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

async function status(dir: string): Promise<number> {
  const layout = readLayout(dir, process.env);
  const { infra, engine } = await stackServices(layout, [], {});
  const rows = await Promise.all([...infra, engine].map((s) => s.status()));
  console.log(`stack ${dir}`);
  console.log(formatStatus(rows));
  return 0;
}

async function stop(dir: string, progress: Progress): Promise<number> {
  const layout = readLayout(dir, process.env);
  const { infra, engine } = await stackServices(layout, [], {});
  // The engine first: its graceful stop writes a final snapshot into Redis.
  for (const service of [engine, ...infra.reverse()]) {
    const pid = await progress.step(`${service.name}: stop`, () => service.stop());
    progress.note(pid === null ? `${service.name}: was not running` : `${service.name}: pid ${pid} stopped`);
  }
  return 0;
}

async function full(dir: string, engineArgs: string[], progress: Progress): Promise<number> {
  const env = { ...(process.env as Record<string, string>), EXCHANGE_MODE: process.env.EXCHANGE_MODE ?? "full" };
  const loaded = loadConfig(engineArgs, env);
  if (!loaded.ok) {
    console.error(formatProblems(loaded.problems));
    return configExitCode;
  }
  const layout = layoutFromConfig(dir, loaded.loaded.config);
  if (layout.engine.port === 0 || layout.engine.opsPort === 0) {
    console.error(
      "engine:full: tcp.port and metrics.port 0 (a free port) cannot be found again by stack:status; set a port",
    );
    return configExitCode;
  }
  const { infra, engine } = await stackServices(layout, engineArgs, env);
  const started: Service[] = [];
  const stopStarted = async () => {
    for (const s of started.reverse()) await progress.step(`${s.name}: stop`, () => s.stop());
  };
  let signalled = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signalled++;
    // A second signal stops the wait for a graceful engine stop.
    engine.signal(signalled > 1 ? "SIGKILL" : signal);
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    for (const service of infra) {
      await service.install(progress);
      const run = await service.start(progress);
      if (!run.reused) started.push(service);
      progress.note(
        `${service.name}: pid ${run.pid} on 127.0.0.1:${service.port}${run.reused ? " (already running)" : ""}`,
      );
    }
    writeFileSync(layoutPath(dir), `${JSON.stringify(layout, null, 2)}\n`);
    const run = await engine.start(progress);
    progress.note(
      `stack up: engine pid ${run.pid}, TCP ${layout.engine.host}:${layout.engine.port}; ` +
        `bun run stack:status shows it, Ctrl-C or bun run stack:stop stops it`,
    );
  } catch (error) {
    console.error(`engine:full: ${(error as Error).message}`);
    engine.signal("SIGTERM");
    await engine.exited();
    await stopStarted();
    return 1;
  }
  const code = await engine.exited();
  progress.note(`engine exited with code ${code}`);
  await stopStarted();
  return code;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let dir = resolve(".data-full");
  const dirAt = rest.indexOf("--dir");
  if (dirAt >= 0) {
    dir = resolve(rest[dirAt + 1] ?? "");
    rest.splice(dirAt, 2);
  }
  const progress = new Progress();
  if (command === "status") return await status(dir);
  if (command === "stop") return await stop(dir, progress);
  if (command === "full") return await full(dir, rest, progress);
  console.error(usage);
  return 2;
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
  // A signal handler installed by `full` must not keep the process alive after the stack is down.
  process.exit();
}
