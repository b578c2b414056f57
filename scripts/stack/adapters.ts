// Kafka and QuestDB in the stack, each built from its install-and-start
// script's API, passed in: QuestDB's is scripts/questdb.ts (on main, imported
// by stack.ts); Kafka's is scripts/kafka.ts from branch kafka. Until that
// script is in the tree the Kafka adapter reports "not in this build" and the
// stack runs without it; once it is, stack.ts finds it by its path and the
// adapter below uses it as it is written on branch kafka (fa15598): nothing
// else to change.

import { join } from "node:path";
import type { Progress } from "./progress.ts";
import type { Service, ServiceStatus } from "./service.ts";

/** What stack needs from scripts/questdb.ts. */
export interface QuestdbScript {
  ensureQuestdbInstalled(): Promise<string>;
  startQuestdb(options: { dir: string; httpPort: number; pgPort: number; ilpPort: number; detached?: boolean; progress?: "lines" | "tty" | "quiet" }): Promise<{ pid: number }>;
  stopQuestdbByPidFile(dir: string, timeoutMs?: number): Promise<number | null>;
  runningPid(dir: string): number | null;
  probeQuestdb(httpPort: number, timeoutMs?: number): Promise<number | null>;
}

/** What stack needs from scripts/kafka.ts (branch kafka). */
export interface KafkaScript {
  ensureKafkaInstalled(): Promise<unknown>;
  startKafka(options: { dir: string; port: number; controllerPort: number; detached?: boolean; onProgress?: (elapsedMs: number) => void }): Promise<{ pid: number }>;
  stopKafkaByPid(dir: string, timeoutMs?: number): Promise<"stopped" | "killed" | "not running">;
  brokerPid(dir: string): number | null;
  /** The ApiVersions answer, or null when nothing answered. */
  probeKafka(port: number, timeoutMs?: number): Promise<{ errorCode: number } | null>;
}

export interface QuestdbPorts {
  httpPort: number;
  pgPort: number;
  ilpPort: number;
}

export function questdbService(script: QuestdbScript | null, stackDir: string, ports: QuestdbPorts): Service {
  if (script === null) return notInThisBuild("questdb", ports.httpPort, "questdb");
  const dir = join(stackDir, "questdb");
  const ready = async () => script.runningPid(dir) !== null && (await script.probeQuestdb(ports.httpPort)) === 200;
  return {
    name: "questdb",
    port: ports.httpPort,
    available: true,
    install: async (progress) => {
      await progress.step("questdb: jar from Maven Central (first time only)", () => script.ensureQuestdbInstalled());
    },
    start: async (progress) => {
      const running = script.runningPid(dir);
      if (running !== null && (await ready())) return { pid: running, reused: true };
      const handle = await progress.step(`questdb: start on 127.0.0.1:${ports.httpPort} (data ${dir})`, () =>
        script.startQuestdb({ dir, ...ports, detached: true, progress: "quiet" }),
      );
      return { pid: handle.pid, reused: false };
    },
    ready,
    stop: () => script.stopQuestdbByPidFile(dir),
    status: async (): Promise<ServiceStatus> => {
      const pid = script.runningPid(dir);
      if (pid === null) return { name: "questdb", port: ports.httpPort, pid, health: "down", detail: "no process" };
      const code = await script.probeQuestdb(ports.httpPort);
      return code === 200
        ? { name: "questdb", port: ports.httpPort, pid, health: "up", detail: "answers select 1" }
        : { name: "questdb", port: ports.httpPort, pid, health: "unhealthy", detail: code === null ? "no answer" : `HTTP ${code}` };
    },
  };
}

export function kafkaService(script: KafkaScript | null, stackDir: string, port: number, controllerPort: number): Service {
  if (script === null) return notInThisBuild("kafka", port, "kafka");
  const dir = join(stackDir, "kafka");
  const answers = async () => (await script.probeKafka(port))?.errorCode === 0;
  const ready = async () => script.brokerPid(dir) !== null && (await answers());
  return {
    name: "kafka",
    port,
    available: true,
    install: async (progress) => {
      await progress.step("kafka: broker jars from Maven Central and librdkafka (first time only)", () => script.ensureKafkaInstalled());
    },
    start: async (progress) => {
      const running = script.brokerPid(dir);
      if (running !== null && (await ready())) return { pid: running, reused: true };
      const handle = await progress.step(`kafka: start on 127.0.0.1:${port} (data ${dir})`, () => script.startKafka({ dir, port, controllerPort, detached: true }));
      return { pid: handle.pid, reused: false };
    },
    ready,
    stop: async () => {
      const pid = script.brokerPid(dir);
      return (await script.stopKafkaByPid(dir)) === "not running" ? null : pid;
    },
    status: async (): Promise<ServiceStatus> => {
      const pid = script.brokerPid(dir);
      if (pid === null) return { name: "kafka", port, pid, health: "down", detail: "no process" };
      return (await answers())
        ? { name: "kafka", port, pid, health: "up", detail: "broker answers ApiVersions" }
        : { name: "kafka", port, pid, health: "unhealthy", detail: "no answer" };
    },
  };
}

function notInThisBuild(name: string, port: number, branch: string): Service {
  const missing = () => Promise.reject(new Error(`${name}: its script (branch ${branch}) is not in this build`));
  return {
    name,
    port,
    available: false,
    install: missing,
    start: missing,
    ready: async () => false,
    stop: async () => null,
    status: async () => ({ name, port, pid: null, health: "not in this build", detail: `scripts/${name}.ts arrives with branch ${branch}` }),
  };
}
