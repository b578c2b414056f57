// Kafka and QuestDB in the stack, each built from its own install-and-start
// script's API, passed in by stack.ts (scripts/kafka.ts, scripts/questdb.ts):
// the interfaces below are what the stack needs of them, so tsc checks the
// scripts against it.

import { join } from "node:path";
import type { Progress } from "./progress.ts";
import type { Service, ServiceStatus } from "./service.ts";

/** What stack needs from scripts/questdb.ts. */
export interface QuestdbScript {
  ensureQuestdbInstalled(): Promise<string>;
  startQuestdb(options: {
    dir: string;
    httpPort: number;
    pgPort: number;
    ilpPort: number;
    detached?: boolean;
    progress?: "lines" | "tty" | "quiet";
  }): Promise<{ pid: number }>;
  stopQuestdbByPidFile(dir: string, timeoutMs?: number): Promise<number | null>;
  runningPid(dir: string): number | null;
  probeQuestdb(httpPort: number, timeoutMs?: number): Promise<number | null>;
}

/** What stack needs from scripts/kafka.ts. */
export interface KafkaScript {
  ensureKafkaInstalled(): Promise<unknown>;
  startKafka(options: {
    dir: string;
    port: number;
    controllerPort: number;
    detached?: boolean;
    onProgress?: (elapsedMs: number) => void;
  }): Promise<{ pid: number }>;
  stopKafkaByPid(dir: string, timeoutMs?: number): Promise<"stopped" | "killed" | "not running">;
  brokerPid(dir: string): number | null;
  /** The ApiVersions answer, or null when nothing answered. */
  probeKafka(port: number, timeoutMs: number): Promise<{ errorCode: number } | null>;
}

export interface QuestdbPorts {
  httpPort: number;
  pgPort: number;
  ilpPort: number;
}

export function questdbService(script: QuestdbScript, stackDir: string, ports: QuestdbPorts): Service {
  const dir = join(stackDir, "questdb");
  const ready = async () => script.runningPid(dir) !== null && (await script.probeQuestdb(ports.httpPort)) === 200;
  return {
    name: "questdb",
    port: ports.httpPort,
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
        : {
            name: "questdb",
            port: ports.httpPort,
            pid,
            health: "unhealthy",
            detail: code === null ? "no answer" : `HTTP ${code}`,
          };
    },
  };
}

/** One ApiVersions round trip; a broker busy with a restart may take a while. */
const kafkaProbeTimeoutMs = 2000;

/** A single-node broker (KRaft) on `port`, its controller on `controllerPort`. */
export function kafkaService(script: KafkaScript, stackDir: string, port: number, controllerPort: number): Service {
  const dir = join(stackDir, "kafka");
  const answers = async () => (await script.probeKafka(port, kafkaProbeTimeoutMs))?.errorCode === 0;
  const ready = async () => script.brokerPid(dir) !== null && (await answers());
  return {
    name: "kafka",
    port,
    install: async (progress) => {
      await progress.step("kafka: broker jars from Maven Central and librdkafka (first time only)", () =>
        script.ensureKafkaInstalled(),
      );
    },
    start: async (progress) => {
      const running = script.brokerPid(dir);
      if (running !== null && (await ready())) return { pid: running, reused: true };
      const handle = await progress.step(`kafka: start on 127.0.0.1:${port} (data ${dir})`, () =>
        script.startKafka({ dir, port, controllerPort, detached: true }),
      );
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
