// Snapshots as files in one directory (embedded mode): `snap-<seq, 16 digits>.bin`.
//
// A snapshot becomes visible only by rename(2) of a fully written and fsynced
// temporary file in the same directory, so a reader (and a restart after a
// crash or power loss) sees either the whole file or no file. Temporary files
// carry the writer's pid; one whose writer is gone is debris from a crash and
// is removed. Saves are serialized by the caller; a second concurrent save is a
// programmer error and is refused.

import { mkdirSync, readdirSync, unlinkSync } from "node:fs";
import { type FileHandle, open, readdir, readFile, rename, stat, unlink } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { SnapshotMeta, SnapshotStore } from "./store.ts";

/** Digits of the largest safe integer, so names sort by seq as text too. */
const seqDigits = 16;
const snapshotNamePattern = /^snap-(\d{16})\.bin$/;
/** `.snap-<seq>.<pid>.<nonce>.tmp`: hidden, never matches the snapshot pattern. */
const temporaryNamePattern = /^\.snap-\d{16}\.(\d+)\.[0-9a-f]+\.tmp$/;
/** One write call's limit; a larger snapshot is written in several calls. */
const writeChunkBytesMax = 64 * 1024 * 1024;

/**
 * Temporary files being written by stores in this process (another store on the same directory
 * must not take them for debris).
 */
const temporaryFilesInProgress = new Set<string>();

export interface FileSnapshotStoreOptions {
  dir: string;
  /** Snapshots kept after a save (the newest ones); at least 1. */
  keep: number;
}

export class FileSnapshotStore implements SnapshotStore {
  readonly description: string;
  readonly dir: string;
  readonly keep: number;
  private saving = false;
  private closed = false;

  constructor(options: FileSnapshotStoreOptions) {
    if (!Number.isInteger(options.keep) || options.keep < 1) {
      throw new Error(`file snapshot store: keep must be an integer >= 1, got ${options.keep}`);
    }
    this.dir = resolve(options.dir);
    this.keep = options.keep;
    this.description = `file ${this.dir}`;
    mkdirSync(this.dir, { recursive: true });
    removeStaleTemporaryFiles(this.dir);
  }

  async save(seq: number, bytes: Uint8Array): Promise<void> {
    assertSeq(seq);
    if (this.closed) throw new Error(`${this.description}: save after close`);
    if (this.saving) throw new Error(`${this.description}: save of seq ${seq} while another save is in progress`);
    this.saving = true;
    try {
      await this.writeAtomically(seq, bytes);
      await this.prune();
    } finally {
      this.saving = false;
    }
  }

  async list(): Promise<SnapshotMeta[]> {
    const metas: SnapshotMeta[] = [];
    for (const { seq, name } of await this.snapshotNames()) {
      try {
        metas.push({ seq, bytes: (await stat(join(this.dir, name))).size });
      } catch (error) {
        // Pruned between readdir and stat.
        if (!isNotFound(error)) throw error;
      }
    }
    return metas;
  }

  async load(seq: number): Promise<Uint8Array | null> {
    assertSeq(seq);
    try {
      const buffer = await readFile(join(this.dir, snapshotName(seq)));
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      if (isNotFound(error)) return null;
      throw error;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The path a snapshot lives at (tests, operators). */
  pathOf(seq: number): string {
    assertSeq(seq);
    return join(this.dir, snapshotName(seq));
  }

  private async writeAtomically(seq: number, bytes: Uint8Array): Promise<void> {
    const nonce = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(16);
    const temporary = join(this.dir, `.snap-${pad(seq)}.${process.pid}.${nonce}.tmp`);
    temporaryFilesInProgress.add(temporary);
    let renamed = false;
    try {
      const file = await open(temporary, "wx");
      try {
        await writeAll(file, bytes, this.description);
        // Data before name: after a power loss the new name must not point at missing data.
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(this.dir, snapshotName(seq)));
      renamed = true;
      await syncDirectory(this.dir);
    } finally {
      temporaryFilesInProgress.delete(temporary);
      if (!renamed) await unlink(temporary).catch(() => {});
    }
  }

  /** Deletes all but the newest `keep`. A deletion lost to power loss only leaves an old snapshot behind. */
  private async prune(): Promise<void> {
    const names = await this.snapshotNames();
    for (const { name } of names.slice(this.keep)) {
      await unlink(join(this.dir, name)).catch((error: unknown) => {
        if (!isNotFound(error)) throw error;
      });
    }
  }

  /** Snapshot files by seq, newest first. */
  private async snapshotNames(): Promise<{ seq: number; name: string }[]> {
    const found: { seq: number; name: string }[] = [];
    for (const name of await readdir(this.dir)) {
      const match = snapshotNamePattern.exec(name);
      if (match === null) continue;
      const seq = Number(match[1]);
      if (Number.isSafeInteger(seq)) found.push({ seq, name });
    }
    return found.sort((a, b) => b.seq - a.seq);
  }
}

async function writeAll(file: FileHandle, bytes: Uint8Array, what: string): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength;) {
    const length = Math.min(writeChunkBytesMax, bytes.byteLength - offset);
    const { bytesWritten } = await file.write(bytes, offset, length, offset);
    if (bytesWritten <= 0) throw new Error(`${what}: write returned ${bytesWritten}`);
    offset += bytesWritten;
  }
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new Error(`snapshot seq must be a safe integer >= 0, got ${seq}`);
}

function pad(seq: number): string {
  return String(seq).padStart(seqDigits, "0");
}

function snapshotName(seq: number): string {
  return `snap-${pad(seq)}.bin`;
}

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === "ENOENT";
}

/** Makes a rename durable (Linux: fsync on the directory). */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Removes temporary files whose writing process no longer exists (a crash mid-save). */
function removeStaleTemporaryFiles(dir: string): void {
  for (const name of readdirSync(dir)) {
    const match = temporaryNamePattern.exec(name);
    if (match === null) continue;
    const pid = Number(match[1]);
    const path = join(dir, name);
    if (temporaryFilesInProgress.has(path)) continue;
    // Our own pid here is a previous run's (containers reuse low pids after a restart).
    if (pid !== process.pid && processAlive(pid)) continue;
    try {
      unlinkSync(path);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
