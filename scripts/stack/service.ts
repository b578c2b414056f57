// What the stack scripts need from each service (Redis, Kafka, QuestDB, the
// engine). Every service keeps a pid file in the stack's run directory, so a
// later `stack:status` or `stack:stop` (another process) finds it again.

import type { Progress } from "./progress.ts";

export interface ServiceStatus {
  name: string;
  /** The port clients use (the main one, for services with several). */
  port: number;
  /** The live process from the pid file, or null. */
  pid: number | null;
  /** "up", "down" (no process) or "unhealthy" (the process runs and does not answer as it should). */
  health: "up" | "down" | "unhealthy";
  /** A few words: what answered, or why not. */
  detail: string;
}

export interface Service {
  readonly name: string;
  readonly port: number;
  /** Installs what the service needs (a no-op when present). Reports its steps on `progress`. */
  install(progress: Progress): Promise<void>;
  /** Starts the service detached with its pid file, unless one already runs; resolves once `ready`. */
  start(progress: Progress): Promise<{ pid: number; reused: boolean }>;
  /** True when the service answers as itself (the process of the pid file, not a stranger on the port). */
  ready(): Promise<boolean>;
  /** Stops the process of the pid file (SIGTERM, then SIGKILL after its timeout). Returns the pid stopped, or null. */
  stop(): Promise<number | null>;
  status(): Promise<ServiceStatus>;
}
