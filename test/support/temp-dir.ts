// Test support: the one way a test or benchmark gets a scratch directory: a
// fresh one per call, removed by its cleanup (or by the test file's afterAll),
// so a run leaves nothing behind and two runs never share a directory.

import { afterAll } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDir {
  readonly dir: string;
  /** Removes the directory and everything in it. Idempotent. */
  cleanup(): void;
}

/**
 * A new empty directory named `<prefix>-XXXXXX` under `root` (the system's
 * temp directory unless given; created if missing).
 */
export function tempDir(prefix: string, root: string = tmpdir()): TempDir {
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, `${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A new empty directory for the enclosing test file (or describe block), removed in its afterAll. */
export function useTempDir(prefix: string, root: string = tmpdir()): string {
  const { dir, cleanup } = tempDir(prefix, root);
  afterAll(cleanup);
  return dir;
}
