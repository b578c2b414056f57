// A QuestDB for one benchmark run: free loopback ports, its own temp
// directory, removed afterwards (the tests' version is test/support/questdb.ts).

import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { type QuestdbHandle, startQuestdb } from "../scripts/questdb.ts";
import { freePort } from "../test/support/ports.ts";

/** Runs `body` with a fresh QuestDB and a scratch directory (for spill files), then stops and removes both. */
export async function withQuestdb<T>(body: (server: QuestdbHandle, scratchDir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(os.tmpdir(), "exch-qdb-bench-"));
  try {
    const server = await startQuestdb({
      httpPort: freePort(),
      pgPort: freePort(),
      ilpPort: freePort(),
      dir: join(dir, "questdb"),
    });
    try {
      return await body(server, dir);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function machineInfo(): Record<string, unknown> {
  return {
    cpu: os.cpus()[0]?.model ?? "unknown",
    cores: os.cpus().length,
    loadAvg: os.loadavg(),
    bun: Bun.version,
    questdb: "9.3.4",
  };
}
