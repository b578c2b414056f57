// Kafka and QuestDB in the stack. Their install-and-start scripts are written
// on the branches `kafka` (scripts/kafka.ts) and `questdb` (scripts/questdb.ts);
// this branch does not have them, so each adapter here is built from that
// script's API, passed in. Until the script is merged the adapter reports
// "not in this build" and the stack runs without the service.
//
// For the lead, when a branch merges: import the script statically in
// stack.ts (`import * as questdb from "./questdb.ts"`) and pass it to the
// adapter below instead of `null`, so tsc checks the API. QuestDB's adapter
// is written against scripts/questdb.ts as it stands on branch questdb
// (3142328); Kafka's against the API sketched in `KafkaScript`, to be
// adjusted to what scripts/kafka.ts exports.

import { join } from "node:path";
import type { Progress } from "./progress.ts";
import type { Service, ServiceStatus } from "./service.ts";

/** What stack needs from scripts/questdb.ts (branch questdb, 3142328). */
export interface QuestdbScript {
  ensureQuestdbInstalled(): Promise<string>;
  startQuestdb(options: { dir: string; httpPort: number; pgPort: number; ilpPort: number; detached?: boolean; progress?: "lines" | "tty" | "quiet" }): Promise<{ pid: number }>;
  stopQuestdbByPidFile(dir: string, timeoutMs?: number): Promise<number | null>;
  runningPid(dir: string): number | null;
  probeQuestdb(httpPort: number, timeoutMs?: number): Promise<number | null>;
}

/** What stack needs from scripts/kafka.ts (branch kafka; names to be matched at merge). */
export interface KafkaScript {
  ensureKafkaInstalled(): Promise<string>;
  startKafka(options: { dir: string; port: number; controllerPort: number; detached?: boolean }): Promise<{ pid: number }>;
  stopKafkaByPidFile(dir: string, timeoutMs?: number): Promise<number | null>;
  runningPid(dir: string): number | null;
  probeKafka(port: number, timeoutMs?: number): Promise<boolean>;
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
  const ready = async () => script.runningPid(dir) !== null && (await script.probeKafka(port));
  return {
    name: "kafka",
    port,
    available: true,
    install: async (progress) => {
      await progress.step("kafka: broker jars from Maven Central (first time only)", () => script.ensureKafkaInstalled());
    },
    start: async (progress) => {
      const running = script.runningPid(dir);
      if (running !== null && (await ready())) return { pid: running, reused: true };
      const handle = await progress.step(`kafka: start on 127.0.0.1:${port} (data ${dir})`, () => script.startKafka({ dir, port, controllerPort, detached: true }));
      return { pid: handle.pid, reused: false };
    },
    ready,
    stop: () => script.stopKafkaByPidFile(dir),
    status: async (): Promise<ServiceStatus> => {
      const pid = script.runningPid(dir);
      if (pid === null) return { name: "kafka", port, pid, health: "down", detail: "no process" };
      return (await script.probeKafka(port))
        ? { name: "kafka", port, pid, health: "up", detail: "broker answers" }
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
