// What one consumer poll returns: columns indexed by message (partition,
// offset, byte ranges into one arena) filled by copying out of librdkafka's
// messages, which are freed at once. Allocated once per consumer and reused by
// every poll; valid until the next poll.

import { type Pointer, ptr, read } from "bun:ffi";
import { ErrorCode, KafkaError } from "./errors.ts";
import { libc, rdk } from "./ffi.ts";
import { MESSAGE, readI64, readU64, Scratch } from "./native.ts";

export interface ConsumedBatchLimits {
  /** Messages per poll at most. */
  messagesMax: number;
  /**
   * Bytes of keys, values, header names and header values per poll at most; a message larger than this alone is
   * reported as MSG_SIZE_TOO_LARGE.
   */
  arenaBytes: number;
  /** Headers per poll at most. */
  headersMax: number;
}

const textDecoder = new TextDecoder();
const textEncoder = new TextEncoder();

export class ConsumedBatch {
  /** Messages in this batch. */
  count = 0;
  /** Keys, values and headers of this batch, back to back. */
  readonly bytes: Uint8Array;
  /**
   * 0 for a message; otherwise librdkafka's error for this slot (see `error(i)`); the slot then
   * has no key, value or headers.
   */
  readonly errorCode: Int32Array;
  /** Index for `consumer.topicName()`. */
  readonly topicIndex: Int32Array;
  readonly partition: Int32Array;
  /** Exact integers (Kafka offsets stay below 2^53). */
  readonly offset: Float64Array;
  /** Message timestamp, ms since the epoch (producer's create time unless the topic says LogAppendTime); -1 if none. */
  readonly timestampMs: Float64Array;
  readonly valueStart: Int32Array;
  /** -1 for a null value. */
  readonly valueBytes: Int32Array;
  readonly keyStart: Int32Array;
  /** -1 for a null key. */
  readonly keyBytes: Int32Array;
  /** Message i's headers are header slots [headerFirst[i], headerFirst[i] + headerCount[i]). */
  readonly headerFirst: Int32Array;
  readonly headerCount: Int32Array;
  readonly headerNameStart: Int32Array;
  readonly headerNameBytes: Int32Array;
  readonly headerValueStart: Int32Array;
  /** -1 for a null header value. */
  readonly headerValueBytes: Int32Array;
  /** Error text per error slot (null for messages). */
  readonly errorText: (string | null)[];
  headersUsed = 0;
  bytesUsed = 0;
  private readonly bytesAddress: number;
  private readonly headerOut = new Scratch(24);

  constructor(readonly limits: ConsumedBatchLimits) {
    const { messagesMax, arenaBytes, headersMax } = limits;
    if (!(Number.isInteger(messagesMax) && messagesMax > 0))
      throw new Error(`messagesMax ${messagesMax} must be a positive integer`);
    if (!(Number.isInteger(arenaBytes) && arenaBytes >= 1024 && arenaBytes <= 1 << 30))
      throw new Error(`arenaBytes ${arenaBytes} outside [1 KiB, 1 GiB]`);
    if (!(Number.isInteger(headersMax) && headersMax >= 0))
      throw new Error(`headersMax ${headersMax} must be a non-negative integer`);
    const int32s = () => new Int32Array(new ArrayBuffer(messagesMax * 4));
    const headerInt32s = () => new Int32Array(new ArrayBuffer(Math.max(1, headersMax) * 4));
    this.bytes = new Uint8Array(new ArrayBuffer(arenaBytes));
    this.bytesAddress = ptr(this.bytes);
    this.errorCode = int32s();
    this.topicIndex = int32s();
    this.partition = int32s();
    this.offset = new Float64Array(new ArrayBuffer(messagesMax * 8));
    this.timestampMs = new Float64Array(new ArrayBuffer(messagesMax * 8));
    this.valueStart = int32s();
    this.valueBytes = int32s();
    this.keyStart = int32s();
    this.keyBytes = int32s();
    this.headerFirst = int32s();
    this.headerCount = int32s();
    this.headerNameStart = headerInt32s();
    this.headerNameBytes = headerInt32s();
    this.headerValueStart = headerInt32s();
    this.headerValueBytes = headerInt32s();
    this.errorText = new Array<string | null>(messagesMax).fill(null);
  }

  get full(): boolean {
    return this.count === this.limits.messagesMax;
  }

  reset(): void {
    for (let i = 0; i < this.count; i++) this.errorText[i] = null;
    this.count = 0;
    this.headersUsed = 0;
    this.bytesUsed = 0;
  }

  /**
   * Copies librdkafka message `m` into the next slot. Returns false, copying
   * nothing, when the slots, arena or header columns are full (the caller
   * keeps `m` for the next poll); true when it took the message (the caller
   * then destroys it).
   */
  take(m: Pointer, topicIndex: number): boolean {
    if (this.full) return false;
    const i = this.count;
    const err = read.i32(m, MESSAGE.err);
    this.topicIndex[i] = topicIndex;
    this.partition[i] = read.i32(m, MESSAGE.partition);
    this.offset[i] = readI64(m, MESSAGE.offset);
    this.headerFirst[i] = this.headersUsed;
    this.headerCount[i] = 0;
    this.valueStart[i] = this.keyStart[i] = 0;
    this.valueBytes[i] = this.keyBytes[i] = -1;
    if (err !== 0) return this.takeError(i, err, rdk.rd_kafka_message_errstr(m) ?? "");
    this.timestampMs[i] = rdk.rd_kafka_message_timestamp(m, null) as number;
    const bytesBefore = this.bytesUsed;
    if (!this.copyPayload(m, i) || !this.copyHeaders(m, i)) {
      this.bytesUsed = bytesBefore;
      this.headersUsed = this.headerFirst[i]!;
      if (i > 0) return false;
      // Alone in an empty batch and still too large: it can never be delivered, so report it in its place.
      const size = readU64(m, MESSAGE.len) + readU64(m, MESSAGE.keyLen);
      return this.takeError(
        i,
        ErrorCode.MSG_SIZE_TOO_LARGE,
        `message of at least ${size} bytes does not fit the consumer's batch arena (${this.limits.arenaBytes} ` +
          `bytes, ${this.limits.headersMax} headers)`,
      );
    }
    this.errorCode[i] = 0;
    this.count = i + 1;
    return true;
  }

  private takeError(i: number, code: number, text: string): true {
    this.errorCode[i] = code;
    this.errorText[i] = text;
    this.timestampMs[i] = -1;
    this.count = i + 1;
    return true;
  }

  /** Copies `length` bytes from `source` into the arena; -1 when they do not fit. */
  private copy(source: number, length: number): number {
    const at = this.bytesUsed;
    if (at + length > this.bytes.length) return -1;
    if (length > 0) libc.memcpy((this.bytesAddress + at) as Pointer, source as Pointer, length);
    this.bytesUsed = at + length;
    return at;
  }

  private copyPayload(m: Pointer, i: number): boolean {
    const value = read.ptr(m, MESSAGE.payload);
    if (value !== 0) {
      const length = readU64(m, MESSAGE.len);
      const at = this.copy(value, length);
      if (at < 0) return false;
      this.valueStart[i] = at;
      this.valueBytes[i] = length;
    }
    const key = read.ptr(m, MESSAGE.key);
    if (key !== 0) {
      const length = readU64(m, MESSAGE.keyLen);
      const at = this.copy(key, length);
      if (at < 0) return false;
      this.keyStart[i] = at;
      this.keyBytes[i] = length;
    }
    return true;
  }

  private copyHeaders(m: Pointer, i: number): boolean {
    const out = this.headerOut;
    if (rdk.rd_kafka_message_headers(m, out.ptr) !== 0) return true;
    const headers = out.getU64(0);
    for (let h = 0; ; h++) {
      if (
        rdk.rd_kafka_header_get_all(
          headers as Pointer,
          h,
          out.ptr,
          (out.ptr + 8) as Pointer,
          (out.ptr + 16) as Pointer,
        ) !== 0
      )
        break;
      const slot = this.headersUsed;
      if (slot >= this.limits.headersMax) return false;
      const name = out.getU64(0);
      const value = out.getU64(8);
      const valueLength = out.getU64(16);
      const nameLength = libc.strlen(name as Pointer) as number;
      const nameAt = this.copy(name, nameLength);
      if (nameAt < 0) return false;
      this.headerNameStart[slot] = nameAt;
      this.headerNameBytes[slot] = nameLength;
      if (value === 0) {
        this.headerValueStart[slot] = 0;
        this.headerValueBytes[slot] = -1;
      } else {
        const valueAt = this.copy(value, valueLength);
        if (valueAt < 0) return false;
        this.headerValueStart[slot] = valueAt;
        this.headerValueBytes[slot] = valueLength;
      }
      this.headersUsed = slot + 1;
      this.headerCount[i]!++;
    }
    return true;
  }

  // Conveniences that allocate (a view or a string): for tests, tools and rare paths, not the hot loop.

  /** Message i's value as a view into the arena (null for a null value). */
  value(i: number): Uint8Array | null {
    const n = this.valueBytes[i]!;
    return n < 0 ? null : this.bytes.subarray(this.valueStart[i]!, this.valueStart[i]! + n);
  }

  key(i: number): Uint8Array | null {
    const n = this.keyBytes[i]!;
    return n < 0 ? null : this.bytes.subarray(this.keyStart[i]!, this.keyStart[i]! + n);
  }

  headerName(slot: number): string {
    return textDecoder.decode(
      this.bytes.subarray(this.headerNameStart[slot]!, this.headerNameStart[slot]! + this.headerNameBytes[slot]!),
    );
  }

  /** The value of message i's first header called `name` (undefined when absent, null when its value is null). */
  header(i: number, name: string): Uint8Array | null | undefined {
    const wanted = textEncoder.encode(name);
    for (let h = this.headerFirst[i]!, end = h + this.headerCount[i]!; h < end; h++) {
      if (this.headerNameBytes[h] !== wanted.length) continue;
      const start = this.headerNameStart[h]!;
      if (!wanted.every((b, k) => this.bytes[start + k] === b)) continue;
      const n = this.headerValueBytes[h]!;
      return n < 0 ? null : this.bytes.subarray(this.headerValueStart[h]!, this.headerValueStart[h]! + n);
    }
    return undefined;
  }

  /** Slot i's error as a KafkaError (null for a message). */
  error(i: number): KafkaError | null {
    const code = this.errorCode[i]!;
    if (code === 0) return null;
    return new KafkaError(code, `consume partition ${this.partition[i]} at offset ${this.offset[i]}`, {
      reason: this.errorText[i] ?? undefined,
    });
  }
}
