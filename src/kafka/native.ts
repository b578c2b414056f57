// librdkafka's constants and C struct layouts (x86-64 / LP64, from rdkafka.h of
// 2.0.2), and the few helpers that read and write native memory without a
// BigInt or an object per call.

import { type Pointer, ptr, read } from "bun:ffi";

export const RD_KAFKA_PRODUCER = 0;
export const RD_KAFKA_CONSUMER = 1;

export const RD_KAFKA_EVENT_DR = 0x1;
export const RD_KAFKA_EVENT_LOG = 0x4;
export const RD_KAFKA_EVENT_ERROR = 0x8;
export const RD_KAFKA_EVENT_CREATETOPICS_RESULT = 100;
export const RD_KAFKA_EVENT_DELETETOPICS_RESULT = 101;
export const RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT = 104;

export const RD_KAFKA_MSG_F_COPY = 0x2;
export const RD_KAFKA_MSG_F_PARTITION = 0x8;
export const RD_KAFKA_PURGE_F_QUEUE = 0x1;
export const RD_KAFKA_PURGE_F_INFLIGHT = 0x2;

export const RD_KAFKA_ADMIN_OP_CREATETOPICS = 1;
export const RD_KAFKA_ADMIN_OP_DELETETOPICS = 2;
export const RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS = 5;
export const RD_KAFKA_RESOURCE_TOPIC = 2;

export const RD_KAFKA_CONF_OK = 0;
export const RD_KAFKA_CONF_INVALID = -1;
export const RD_KAFKA_CONF_UNKNOWN = -2;

/** rd_kafka_vtype_t, for rd_kafka_produceva. */
export const VTYPE_RKT = 2;
export const VTYPE_PARTITION = 3;
export const VTYPE_VALUE = 4;
export const VTYPE_KEY = 5;
export const VTYPE_OPAQUE = 6;
export const VTYPE_MSGFLAGS = 7;
export const VTYPE_HEADER = 9;

/**
 * rd_kafka_message_t: err i32 @0, rkt @8, partition i32 @16, payload @24, len @32, key @40, key_len @48,
 * offset i64 @56, _private @64.
 */
export const MESSAGE = {
  bytes: 72,
  err: 0,
  rkt: 8,
  partition: 16,
  payload: 24,
  len: 32,
  key: 40,
  keyLen: 48,
  offset: 56,
  opaque: 64,
} as const;
/** rd_kafka_vu_t: vtype i32 @0, then a 64-byte union @8 (mem: ptr @8, size @16; header: name @8, val @16, size @24). */
export const VU = { bytes: 72, vtype: 0, u0: 8, u1: 16, u2: 24 } as const;
/** rd_kafka_topic_partition_list_t: cnt i32 @0, size i32 @4, elems @8. */
export const PARTITION_LIST = { cnt: 0, elems: 8 } as const;
/** rd_kafka_topic_partition_t: topic @0, partition i32 @8, offset i64 @16, err i32 @48. */
export const TOPIC_PARTITION = { bytes: 64, topic: 0, partition: 8, offset: 16, err: 48 } as const;
/** struct rd_kafka_metadata: topic_cnt i32 @16, topics @24. */
export const METADATA = { topicCount: 16, topics: 24 } as const;
/** struct rd_kafka_metadata_topic: topic @0, partition_cnt i32 @8, partitions @16, err i32 @24. */
export const METADATA_TOPIC = { bytes: 32, name: 0, partitionCount: 8, partitions: 16, err: 24 } as const;
/** struct rd_kafka_metadata_partition: id i32 @0, err i32 @4, leader i32 @8. */
export const METADATA_PARTITION = { bytes: 40, id: 0, err: 4, leader: 8 } as const;

const twoPow32 = 4294967296;

/** An int64 field as a number: exact for every Kafka offset and timestamp (|x| < 2^53); no BigInt. */
export function readI64(base: Pointer | number, offset: number): number {
  return read.i32(base, offset + 4) * twoPow32 + read.u32(base, offset);
}

/** A size_t field as a number. */
export function readU64(base: Pointer | number, offset: number): number {
  return read.u32(base, offset + 4) * twoPow32 + read.u32(base, offset);
}

/**
 * A native scratch area: a typed array over its own ArrayBuffer (stable
 * address, kept alive by the owner) with its pointer taken once.
 */
export class Scratch {
  readonly buffer: ArrayBuffer;
  readonly u32: Uint32Array;
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly ptr: Pointer;

  constructor(bytes: number) {
    if (!(bytes > 0 && bytes % 8 === 0)) throw new Error(`scratch bytes ${bytes} must be a positive multiple of 8`);
    this.buffer = new ArrayBuffer(bytes);
    this.u32 = new Uint32Array(this.buffer);
    this.i32 = new Int32Array(this.buffer);
    this.u8 = new Uint8Array(this.buffer);
    this.ptr = ptr(this.u8);
  }

  /** Stores a pointer-sized value (a pointer or a non-negative integer below 2^53) at a byte offset (8-aligned). */
  setU64(byteOffset: number, value: number): void {
    const word = byteOffset >>> 2;
    this.u32[word] = value >>> 0;
    this.u32[word + 1] = Math.floor(value / twoPow32);
  }

  setI64(byteOffset: number, value: number): void {
    const word = byteOffset >>> 2;
    this.u32[word] = value >>> 0;
    this.i32[word + 1] = Math.floor(value / twoPow32);
  }

  getU64(byteOffset: number): number {
    const word = byteOffset >>> 2;
    return this.u32[word + 1]! * twoPow32 + this.u32[word]!;
  }

  getI64(byteOffset: number): number {
    const word = byteOffset >>> 2;
    return this.i32[word + 1]! * twoPow32 + this.u32[word]!;
  }

  getI32(byteOffset: number): number {
    return this.i32[byteOffset >>> 2]!;
  }
}

/** A C array of pointers (`T **`) over its own ArrayBuffer; the caller keeps it referenced while C reads it. */
export function pointerArray(pointers: readonly number[]): Scratch {
  const array = new Scratch(Math.max(8, pointers.length * 8));
  for (let i = 0; i < pointers.length; i++) array.setU64(i * 8, pointers[i]!);
  return array;
}

/** Encodes `text` as a NUL-terminated UTF-8 C string over an explicit ArrayBuffer. */
export function cString(text: string): Uint8Array {
  const encoded = new TextEncoder().encode(text);
  if (encoded.includes(0)) throw new Error(`C string must not contain NUL: ${JSON.stringify(text)}`);
  const bytes = new Uint8Array(new ArrayBuffer(encoded.length + 1));
  bytes.set(encoded);
  return bytes;
}

/**
 * Eight zero bytes that never move: the address of an empty, non-null value or key (librdkafka reads a
 * NULL payload as a null value).
 */
const emptyBytes = new Scratch(8);

/**
 * The address of `bytes[start, start + length)`, checked against the array's
 * bounds (a wrong range is a programmer error, and C would read past it).
 * The caller keeps `bytes` referenced for as long as C may read it.
 */
export function rangeAddress(bytes: Uint8Array, start: number, length: number): Pointer {
  if (!(
    Number.isInteger(start) &&
    Number.isInteger(length) &&
    start >= 0 &&
    length >= 0 &&
    start + length <= bytes.length
  )) {
    throw new RangeError(`byte range [${start}, ${start}+${length}) outside an array of ${bytes.length} bytes`);
  }
  return length === 0 ? emptyBytes.ptr : ptr(bytes, start);
}
