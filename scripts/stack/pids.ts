// Pid files, and signals sent only to the process a pid file names: a pid is
// checked against the process's command line (Linux /proc) before any signal,
// so a recycled pid of some other program is never touched.

import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

const pollMs = 50;

export function readPidFile(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, "utf8").trim());
    return Number.isSafeInteger(pid) && pid > 1 ? pid : null;
  } catch {
    return null;
  }
}

export function writePidFile(path: string, pid: number): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${pid}\n`);
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but is not ours to signal; it is still alive.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The process's argv, or null when it is gone (or /proc is not there). */
export function commandLineOf(pid: number): string[] | null {
  const path = `/proc/${pid}/cmdline`;
  if (!existsSync(path)) return null;
  try {
    const text = readFileSync(path, "utf8");
    // A zombie (exited, not yet reaped) has an empty command line: it is gone for our purposes.
    return text === "" ? null : text.split("\0").filter((part) => part !== "");
  } catch {
    return null;
  }
}

/** The pid of the pid file when that process is alive and its command line passes `matches`; else null. */
export function livePid(pidFile: string, matches: (argv: string[]) => boolean): number | null {
  const pid = readPidFile(pidFile);
  if (pid === null || !isAlive(pid)) return null;
  const argv = commandLineOf(pid);
  return argv !== null && matches(argv) ? pid : null;
}

/**
 * SIGTERM to the pid file's process, SIGKILL after `timeoutMs`, wait until it
 * is gone, remove the pid file. Returns the pid stopped, or null when none ran
 * (a stale pid file is removed).
 */
export async function stopByPidFile(
  pidFile: string,
  matches: (argv: string[]) => boolean,
  timeoutMs: number,
): Promise<number | null> {
  const pid = livePid(pidFile, matches);
  if (pid === null) {
    removePidFile(pidFile);
    return null;
  }
  const gone = () => !isAlive(pid) || commandLineOf(pid) === null;
  process.kill(pid, "SIGTERM");
  const deadline = performance.now() + timeoutMs;
  while (!gone()) {
    if (performance.now() > deadline) {
      process.kill(pid, "SIGKILL");
      break;
    }
    await Bun.sleep(pollMs);
  }
  while (!gone()) await Bun.sleep(pollMs);
  removePidFile(pidFile);
  return pid;
}
