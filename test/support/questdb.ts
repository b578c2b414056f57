// A fresh, real QuestDB for one test file: free ports, its own temp directory,
// installed from Maven Central first if missing (scripts/questdb.ts). Start it
// in beforeAll and stop it in afterAll: one server per file, never per test.

import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type QuestdbHandle, startQuestdb } from "../../scripts/questdb.ts";
import { execSql, type SqlResult } from "../../src/questdb/sql.ts";
import { freePort } from "./ports.ts";

/** Another process may take a free port between our probe and QuestDB's bind. */
const startAttemptsMax = 3;
/** Generous: WAL apply on a loaded 2-core box can lag seconds behind the acknowledgement. */
export const waitForRowsDeadlineMsDefault = 120_000;
const pollIntervalMs = 50;
/** How long `pause` waits for every thread to show the stopped state. */
const pauseDeadlineMs = 30_000;

export interface TestQuestdb {
  readonly httpUrl: string;
  readonly httpPort: number;
  readonly pgPort: number;
  readonly ilpPort: number;
  readonly dir: string;
  /** The current server's pid (changes on `restart`). */
  pid(): number;
  /** Runs one SQL statement over `/exec`; throws with QuestDB's message on an error. */
  sql(query: string): Promise<SqlResult>;
  /**
   * Polls `query` until `predicate` holds for its rows, or throws after
   * `deadlineMs` with the last rows seen. WAL tables show acknowledged rows
   * asynchronously: wait for them, never sleep and count.
   */
  waitForRows(query: string, predicate: (rows: unknown[][]) => boolean, deadlineMs?: number): Promise<unknown[][]>;
  /** SIGTERM and wait; the directory is removed. Idempotent. */
  stop(): Promise<void>;
  /** SIGKILL and wait: a crash. The directory is kept for `restart`. */
  kill(): Promise<void>;
  /**
   * SIGSTOP, returning once every thread of the server is stopped: sockets stay open but nothing answers ("QuestDB is
   * slow").
   */
  pause(): void;
  /** SIGCONT after `pause`; a no-op when the server is not running. */
  resume(): void;
  /** A new server on the same ports and directory (the current one is stopped first if it still runs). */
  restart(): Promise<void>;
}

export { execSql as sqlQuery };

/** Runs `query` until its rows satisfy `predicate`; throws after `deadlineMs` with the last rows or error seen. */
async function waitForRows(
  sql: (query: string) => ReturnType<typeof execSql>,
  query: string,
  predicate: (rows: unknown[][]) => boolean,
  deadlineMs: number,
): Promise<unknown[][]> {
  const deadline = performance.now() + deadlineMs;
  let last: unknown[][] | string = "no answer yet";
  for (;;) {
    try {
      const rows = (await sql(query)).dataset;
      if (predicate(rows)) return rows;
      last = rows;
    } catch (error) {
      // The table may not exist yet, or the server may be restarting.
      last = (error as Error).message;
    }
    if (performance.now() > deadline) {
      throw new Error(
        `waitForRows: ${query} did not satisfy the predicate within ${deadlineMs} ms; ` +
          `last: ${JSON.stringify(last).slice(0, 500)}`,
      );
    }
    await Bun.sleep(pollIntervalMs);
  }
}

export async function startTestQuestdb(): Promise<TestQuestdb> {
  const dir = mkdtempSync(join(tmpdir(), "exch-questdb-"));
  let handle: QuestdbHandle | null = null;
  let lastError: unknown = null;
  for (let attempt = 0; attempt < startAttemptsMax && handle === null; attempt++) {
    try {
      handle = await startQuestdb({
        httpPort: freePort(),
        pgPort: freePort(),
        ilpPort: freePort(),
        dir,
      });
    } catch (error) {
      lastError = error;
    }
  }
  if (handle === null) {
    rmSync(dir, { recursive: true, force: true });
    throw lastError;
  }
  const server = handle;
  let stopped = false;
  const sql = (query: string) => execSql(server.httpUrl, query);
  return {
    httpUrl: server.httpUrl,
    httpPort: server.httpPort,
    pgPort: server.pgPort,
    ilpPort: server.ilpPort,
    dir: server.dir,
    pid: () => server.pid,
    sql,
    waitForRows: (query, predicate, deadlineMs = waitForRowsDeadlineMsDefault) =>
      waitForRows(sql, query, predicate, deadlineMs),
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        process.kill(server.pid, "SIGCONT");
      } catch {
        // Already gone (killed by the test).
      }
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
    kill: () => server.kill(),
    pause: () => stopAndWait(server.pid),
    resume: () => {
      try {
        process.kill(server.pid, "SIGCONT");
      } catch {
        // Not running (killed by the test): nothing to resume.
      }
    },
    restart: () => server.restart(),
  };
}

/**
 * SIGSTOP, then waits until /proc shows every thread of `pid` stopped. A
 * group stop takes effect as each thread next passes a signal check: on a
 * loaded machine the JVM once answered a request sent right after kill()
 * returned, and the paused-QuestDB test waited in vain for a timeout.
 */
function stopAndWait(pid: number): void {
  const deadline = performance.now() + pauseDeadlineMs;
  process.kill(pid, "SIGSTOP");
  for (;;) {
    const running = runningThreads(pid);
    if (running.length === 0) return;
    if (performance.now() > deadline)
      throw new Error(
        `questdb pid ${pid}: threads ${running.join(", ")} not stopped ${pauseDeadlineMs} ms after SIGSTOP`,
      );
    Bun.sleepSync(1);
  }
}

/** Threads of `pid` in a state other than stopped (T, t) or dead (Z, X). */
function runningThreads(pid: number): string[] {
  const out: string[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
    } catch {
      continue; // The thread ended.
    }
    // The state is the first field after the command name, which is in parentheses and may contain spaces.
    const state = stat.charAt(stat.lastIndexOf(")") + 2);
    if (!"TtZX".includes(state)) out.push(`${tid}:${state}`);
  }
  return out;
}
