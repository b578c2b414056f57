// Creating a journal, and reopening one to append after its last good record.

import { closeSync, existsSync, fsyncSync, ftruncateSync, linkSync, openSync, unlinkSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { headerBytes } from "./constants.ts";
import {
  decodeHeader,
  encodeHeader,
  JournalError,
  JournalErrorCode,
  type JournalHeader,
  type JournalHeaderInit,
} from "./format.ts";
import { type JournalEnd, JournalReader, type JournalReaderOptions } from "./reader.ts";
import { JournalWriter, type JournalWriterOptions } from "./writer.ts";

/** What reopening found. `tail` is the torn end that was cut off, if there was one. */
export interface Recovery extends JournalEnd {
  header: JournalHeader;
  /** The warning given for a dropped tail (also passed to `warn`), or null. */
  warning: string | null;
}

export interface OpenOptions extends JournalWriterOptions, JournalReaderOptions {
  /** Where the warning about a dropped torn tail goes. Default console.warn. */
  warn?: (message: string) => void;
}

export type OnRecord = (seq: number, bytes: Uint8Array, offset: number, length: number) => void;

/**
 * Makes a new, empty journal and opens it for append. The header goes to a
 * temporary file that is synced and then linked into place, so a crash never
 * leaves a file at `path` without a whole header. Refuses to replace a file.
 */
export function createJournal(path: string, init: JournalHeaderInit, options: JournalWriterOptions): JournalWriter {
  const header = encodeHeader(init);
  if (existsSync(path)) throw new JournalError(JournalErrorCode.Exists, path, -1, "a file exists at this path");
  const temporary = `${path}.creating`;
  const fdTemporary = openSync(temporary, "w");
  try {
    if (writeSync(fdTemporary, header, 0, headerBytes, 0) !== headerBytes)
      throw new Error(`journal ${temporary}: short header write`);
    fsyncSync(fdTemporary);
  } finally {
    closeSync(fdTemporary);
  }
  try {
    // link fails when `path` exists, where rename would replace it.
    linkSync(temporary, path);
  } catch (e) {
    unlinkSync(temporary);
    if ((e as NodeJS.ErrnoException).code === "EEXIST")
      throw new JournalError(JournalErrorCode.Exists, path, -1, "a file exists at this path");
    throw e;
  }
  unlinkSync(temporary);
  syncDirectory(dirname(path));
  const fd = openSync(path, "r+");
  return new JournalWriter(path, decodeHeader(header, path), fd, headerBytes, init.firstSeq, options);
}

/**
 * Reads an existing journal to its end (handing every good record to
 * `onRecord`, so recovery can replay in the same pass), cuts off a torn tail
 * with a warning, syncs, and opens it for append at `lastSeq + 1`. Throws
 * JournalError for a bad header or damage in the middle.
 */
export function openForAppend(
  path: string,
  options: OpenOptions,
  onRecord?: OnRecord,
): { writer: JournalWriter; recovery: Recovery } {
  return reopen(path, options, onRecord ?? null, -1);
}

function reopen(
  path: string,
  options: OpenOptions,
  onRecord: OnRecord | null,
  shardId: number,
): { writer: JournalWriter; recovery: Recovery } {
  const reader = JournalReader.open(path, options);
  let end: JournalEnd;
  try {
    if (shardId >= 0 && reader.header.shardId !== shardId) {
      throw new JournalError(
        JournalErrorCode.ShardMismatch,
        path,
        16,
        `journal of shard ${reader.header.shardId}, expected shard ${shardId}`,
      );
    }
    while (reader.next()) onRecord?.(reader.seq, reader.bytes, reader.offset, reader.length);
    end = reader.end!;
  } finally {
    reader.close();
  }
  const fd = openSync(path, "r+");
  let warning: string | null = null;
  try {
    if (end.tail !== null) {
      warning =
        `journal ${path}: dropped a torn tail of ${end.tail.bytes} bytes at byte ${end.tail.atByte} ` +
        `(${end.tail.reason}); ` +
        `${end.records} records kept, last seq ${end.lastSeq}`;
      ftruncateSync(fd, end.goodBytes);
      (options.warn ?? console.warn)(warning);
    }
    // Records a crashed "write"-policy writer left in the page cache, and the cut, become durable before anything is
    // acknowledged on top of them.
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  const writer = new JournalWriter(path, reader.header, fd, end.goodBytes, end.lastSeq + 1, options);
  return { writer, recovery: { header: reader.header, ...end, warning } };
}

/**
 * Opens the journal at `path` for append, or creates it if there is none. An existing journal
 * of another shard is refused.
 */
export function openOrCreateJournal(
  path: string,
  init: JournalHeaderInit,
  options: OpenOptions,
  onRecord?: OnRecord,
): { writer: JournalWriter; recovery: Recovery | null } {
  if (!existsSync(path)) return { writer: createJournal(path, init, options), recovery: null };
  return reopen(path, options, onRecord ?? null, init.shardId);
}

/** Makes a new directory entry durable (Linux: fsync on the directory). */
function syncDirectory(directory: string): void {
  const fd = openSync(directory, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
