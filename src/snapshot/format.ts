// The snapshot format: an 80-byte header, then the engine image as a body
// whose bytes only the engine reads (src/engine/image-codec.ts). Little-endian.
// Both CRC-32s are checked before a byte of the body is trusted.
//
// Header: magic "EXSNAP\0\0" | version u32 | header bytes u32 | body bytes f64 |
//   seq f64 | next order id f64 | input offset f64 | created-at ms f64 |
//   journal created-at ns u32 lo, u32 hi | journal shard u32 | body (image) version u32 |
//   body crc32 u32 | header crc32 u32 (over the 76 bytes before it)
// `seq` is the engine's last applied command; `next order id` is the
// sequencer's counter. The journal identity ties a snapshot to the input log
// it was taken from: restoring one onto another journal's records would mix
// two histories. `input offset` is where reading the input log resumes: in
// Kafka mode the partition offset after the last record the state includes
// (src/kafka/README.md); 0 for a journal, which resumes after `seq`. (It was
// a reserved 0 before: older snapshots read as offset 0.) Version 3: the engine's counters moved into the body, which
// carries its own version.

import { IMAGE_VERSION, IMAGE_VERSIONS_READ, imageBytes, writeImage } from "../engine/image-codec.ts";
import type { SnapshotImage } from "./image.ts";

export const SNAPSHOT_MAGIC = "EXSNAP\0\0";
export const SNAPSHOT_VERSION = 3;
export const HEADER_BYTES = 80;
const HEADER_CRC_AT = HEADER_BYTES - 4;
const BODY_CRC_AT = HEADER_BYTES - 8;
const BODY_VERSION_AT = HEADER_BYTES - 12;

/** Which input log a snapshot belongs to: the journal header's creation time and shard. */
export interface JournalIdentity {
  createdAtNs: bigint;
  shardId: number;
}

export interface SnapshotHeader {
  version: number;
  /** Version of the engine image in the body (IMAGE_VERSION of the build that wrote it). */
  bodyVersion: number;
  bodyBytes: number;
  seq: number;
  nextOrderId: number;
  /** Kafka mode: the partition offset to resume reading at; 0 for a journal. */
  inputOffset: number;
  createdAtMs: number;
  journal: JournalIdentity;
}

const magicBytes = new TextEncoder().encode(SNAPSHOT_MAGIC);

function crc32(bytes: Uint8Array): number {
  return Bun.hash.crc32(bytes) >>> 0;
}

/**
 * Encodes an image into a complete snapshot (runs in the snapshot worker): the body is
 * written in place after the header.
 */
export function encodeSnapshot(img: SnapshotImage): Uint8Array {
  const total = HEADER_BYTES + imageBytes(img.engine);
  const bytes = new Uint8Array(total);
  const end = writeImage(img.engine, bytes, HEADER_BYTES);
  if (end !== total) throw new Error(`snapshot encoder wrote ${end} bytes, sized ${total}`);
  writeHeader(bytes, img, total - HEADER_BYTES);
  return bytes;
}

function writeHeader(bytes: Uint8Array, img: SnapshotImage, body: number): void {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  bytes.set(magicBytes, 0);
  dv.setUint32(8, SNAPSHOT_VERSION, true);
  dv.setUint32(12, HEADER_BYTES, true);
  dv.setFloat64(16, body, true);
  dv.setFloat64(24, img.seq, true);
  dv.setFloat64(32, img.nextOrderId, true);
  dv.setFloat64(40, img.inputOffset, true);
  dv.setFloat64(48, img.createdAtMs, true);
  dv.setBigUint64(56, img.journal.createdAtNs, true);
  dv.setUint32(64, img.journal.shardId, true);
  dv.setUint32(BODY_VERSION_AT, IMAGE_VERSION, true);
  dv.setUint32(BODY_CRC_AT, crc32(bytes.subarray(HEADER_BYTES)), true);
  dv.setUint32(HEADER_CRC_AT, crc32(bytes.subarray(0, HEADER_CRC_AT)), true);
}

/** Checks magic, versions, sizes and both checksums. Returns the header, or why the snapshot is unusable. */
export function checkSnapshot(bytes: Uint8Array): SnapshotHeader | string {
  if (bytes.length < HEADER_BYTES) return `truncated: ${bytes.length} bytes, the header alone is ${HEADER_BYTES}`;
  for (let i = 0; i < magicBytes.length; i++) if (bytes[i] !== magicBytes[i]) return "not a snapshot (bad magic)";
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(HEADER_CRC_AT, true) !== crc32(bytes.subarray(0, HEADER_CRC_AT))) return "header checksum mismatch";
  const version = dv.getUint32(8, true);
  if (version !== SNAPSHOT_VERSION) return `format version ${version}, this build reads ${SNAPSHOT_VERSION}`;
  const bodyVersion = dv.getUint32(BODY_VERSION_AT, true);
  if (!IMAGE_VERSIONS_READ.includes(bodyVersion))
    return `engine image version ${bodyVersion}, this build reads ${IMAGE_VERSIONS_READ.join(", ")}`;
  if (dv.getUint32(12, true) !== HEADER_BYTES) return "bad header size";
  const body = dv.getFloat64(16, true);
  if (body !== bytes.length - HEADER_BYTES)
    return `truncated or padded: body should be ${body} bytes, is ${bytes.length - HEADER_BYTES}`;
  if (dv.getUint32(BODY_CRC_AT, true) !== crc32(bytes.subarray(HEADER_BYTES))) return "body checksum mismatch";
  return {
    version,
    bodyVersion,
    bodyBytes: body,
    seq: dv.getFloat64(24, true),
    nextOrderId: dv.getFloat64(32, true),
    inputOffset: dv.getFloat64(40, true),
    createdAtMs: dv.getFloat64(48, true),
    journal: { createdAtNs: dv.getBigUint64(56, true), shardId: dv.getUint32(64, true) },
  };
}

/** The body of a checked snapshot: the engine image's bytes. */
export function snapshotBody(bytes: Uint8Array): Uint8Array {
  return bytes.subarray(HEADER_BYTES);
}
