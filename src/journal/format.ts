// The journal file header and the journal's error type. Layout (README.md):
//
//   0  magic "EXCHJRNL"          8 bytes
//   8  format version            u32 LE
//  12  header bytes (64)         u32 LE
//  16  shard id                  u32 LE
//  20  payload bytes max         u32 LE   the writer's limit; a reader with a lower one refuses the file
//  24  first seq                 u32 LE lo, u32 LE hi   engine seq of the first record
//  32  created at, ns            u32 LE lo, u32 LE hi   written by the caller
//  40  tag                       20 bytes UTF-8, zero-padded
//  60  CRC-32 of bytes [0, 60)   u32 LE

import {
  headerBytes,
  journalFormatVersion,
  journalMagic,
  recordPayloadBytesMax,
  seqMax,
  tagBytesMax,
} from "./constants.ts";
import { crc32 } from "./bytes.ts";

export const JournalErrorCode = {
  /** The file is shorter than a header (an empty file included). */
  ShortFile: "short_file",
  BadMagic: "bad_magic",
  BadVersion: "bad_version",
  /** Header CRC, header size, limits or first seq wrong. */
  BadHeader: "bad_header",
  /** A damaged record with a valid record after it: acknowledged data is damaged. */
  Corrupt: "corrupt",
  /** A record's own engine seq (read by the caller's `payloadSeq`) is not the seq its position gives. */
  SeqMismatch: "seq_mismatch",
  /** createJournal found a file at the path. */
  Exists: "exists",
  /** openOrCreateJournal found a journal of another shard. */
  ShardMismatch: "shard_mismatch",
} as const;
export type JournalErrorCode = (typeof JournalErrorCode)[keyof typeof JournalErrorCode];

/**
 * A journal that cannot be used as it is. Thrown at open or read time; never for a torn tail,
 * which is reported, not thrown.
 */
export class JournalError extends Error {
  constructor(
    readonly code: JournalErrorCode,
    readonly path: string,
    /** File offset of the damage, or -1. */
    readonly atByte: number,
    message: string,
  ) {
    super(`journal ${path}: ${message}`);
    this.name = "JournalError";
  }
}

/** What the header records. */
export interface JournalHeader {
  formatVersion: number;
  /** The engine shard this journal is the input log of (u32). */
  shardId: number;
  /** Free text for operators, at most 20 bytes of UTF-8. */
  tag: string;
  /** Creation time in nanoseconds since the Unix epoch, as the caller gave it. */
  createdAtNs: bigint;
  /** Engine seq of the first record (the file may hold none yet). */
  firstSeq: number;
  /** The writer's payload limit when the file was made. */
  payloadBytesMax: number;
}

/** What a caller supplies to create a journal. */
export interface JournalHeaderInit {
  shardId: number;
  tag: string;
  createdAtNs: bigint;
  firstSeq: number;
}

const crcAt = headerBytes - 4;
const tagAt = 40;
const u32Range = 4294967296;

export function encodeHeader(init: JournalHeaderInit): Uint8Array {
  if (!(init.shardId >>> 0 === init.shardId)) throw new Error(`journal header: shard id ${init.shardId} is not a u32`);
  if (!(Number.isInteger(init.firstSeq) && init.firstSeq >= 1 && init.firstSeq <= seqMax)) {
    throw new Error(`journal header: first seq ${init.firstSeq} is not an integer in [1, 2^53)`);
  }
  if (!(init.createdAtNs >= 0n && init.createdAtNs < 1n << 64n))
    throw new Error(`journal header: created-at ${init.createdAtNs} is not a u64`);
  const tag = new TextEncoder().encode(init.tag);
  if (!(tag.length <= tagBytesMax)) throw new Error(`journal header: tag is ${tag.length} bytes, limit ${tagBytesMax}`);
  const b = new Uint8Array(headerBytes);
  const v = new DataView(b.buffer);
  for (let i = 0; i < 8; i++) b[i] = journalMagic.charCodeAt(i);
  v.setUint32(8, journalFormatVersion, true);
  v.setUint32(12, headerBytes, true);
  v.setUint32(16, init.shardId, true);
  v.setUint32(20, recordPayloadBytesMax, true);
  v.setUint32(24, init.firstSeq % u32Range, true);
  v.setUint32(28, Math.floor(init.firstSeq / u32Range), true);
  v.setBigUint64(32, init.createdAtNs, true);
  b.set(tag, tagAt);
  v.setUint32(crcAt, crc32(b, 0, crcAt), true);
  return b;
}

/** Reads and checks a header; `b` holds the file's first bytes (all of them if the file is shorter than a header). */
export function decodeHeader(b: Uint8Array, path: string): JournalHeader {
  if (b.length < headerBytes) {
    throw new JournalError(
      JournalErrorCode.ShortFile,
      path,
      0,
      `${b.length} bytes, shorter than the ${headerBytes}-byte header: ` +
        `not a journal (creation writes a temporary file and renames it, so a crash cannot leave this)`,
    );
  }
  for (let i = 0; i < 8; i++) {
    if (b[i] !== journalMagic.charCodeAt(i))
      throw new JournalError(JournalErrorCode.BadMagic, path, 0, `no "${journalMagic}" magic at byte 0: not a journal`);
  }
  const v = new DataView(b.buffer, b.byteOffset, headerBytes);
  const version = v.getUint32(8, true);
  if (version !== journalFormatVersion) {
    throw new JournalError(
      JournalErrorCode.BadVersion,
      path,
      8,
      `format version ${version}; this build reads version ${journalFormatVersion}`,
    );
  }
  const crc = v.getUint32(crcAt, true);
  const actual = crc32(b, 0, crcAt);
  if (crc !== actual)
    throw new JournalError(
      JournalErrorCode.BadHeader,
      path,
      crcAt,
      `header CRC ${hex(crc)} does not match its bytes (${hex(actual)})`,
    );
  const size = v.getUint32(12, true);
  if (size !== headerBytes)
    throw new JournalError(JournalErrorCode.BadHeader, path, 12, `header size ${size}, expected ${headerBytes}`);
  const payloadBytesMax = v.getUint32(20, true);
  if (payloadBytesMax > recordPayloadBytesMax) {
    throw new JournalError(
      JournalErrorCode.BadHeader,
      path,
      20,
      `records may be up to ${payloadBytesMax} bytes; this build reads up to ${recordPayloadBytesMax}`,
    );
  }
  const seqHi = v.getUint32(28, true);
  const firstSeq = seqHi * u32Range + v.getUint32(24, true);
  if (!(firstSeq >= 1 && firstSeq <= seqMax))
    throw new JournalError(JournalErrorCode.BadHeader, path, 24, `first seq ${firstSeq} outside [1, 2^53)`);
  let tagEnd = tagAt;
  while (tagEnd < tagAt + tagBytesMax && b[tagEnd] !== 0) tagEnd++;
  return {
    formatVersion: version,
    shardId: v.getUint32(16, true),
    tag: new TextDecoder().decode(b.subarray(tagAt, tagEnd)),
    createdAtNs: v.getBigUint64(32, true),
    firstSeq,
    payloadBytesMax,
  };
}

export function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, "0")}`;
}
