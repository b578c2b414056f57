// What a producer sends: one reusable record struct the caller fills in place
// (byte ranges of its own buffers, no copies, no object per message) and
// optional headers whose names are encoded once.

import { cString } from "./native.ts";

/** Let the producer's partitioner choose (murmur2 of the key, as Java clients do; random for a null key). */
export const PARTITION_ANY = -1;

/** Largest opaque id: it travels as a pointer-sized value and comes back as a JS number. */
export const OPAQUE_MAX = Number.MAX_SAFE_INTEGER;

/** A header name encoded once as a NUL-terminated C string (librdkafka copies it per message). */
export class HeaderName {
  readonly text: string;
  readonly cString: Uint8Array;

  constructor(text: string) {
    if (text.length === 0) throw new Error("a header name must not be empty");
    this.text = text;
    this.cString = cString(text);
  }
}

/** Up to `capacity` headers for one message: names prepared once, values as byte ranges set per message. */
export class ProduceHeaders {
  count = 0;
  readonly names: (HeaderName | null)[];
  readonly values: (Uint8Array | null)[];
  readonly valueStart: Int32Array;
  /** -1 for a null value. */
  readonly valueBytes: Int32Array;

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0 && capacity <= 64))
      throw new Error(`header capacity ${capacity} outside [1, 64]`);
    this.names = new Array<HeaderName | null>(capacity).fill(null);
    this.values = new Array<Uint8Array | null>(capacity).fill(null);
    this.valueStart = new Int32Array(new ArrayBuffer(capacity * 4));
    this.valueBytes = new Int32Array(new ArrayBuffer(capacity * 4));
  }

  clear(): void {
    for (let i = 0; i < this.count; i++) {
      this.names[i] = null;
      this.values[i] = null;
    }
    this.count = 0;
  }

  /** Appends a header; `value` null sends a null value. Returns false when full. */
  add(
    name: HeaderName,
    value: Uint8Array | null,
    start = 0,
    bytes = value === null ? 0 : value.length - start,
  ): boolean {
    if (this.count === this.capacity) return false;
    const i = this.count++;
    this.names[i] = name;
    this.values[i] = value;
    this.valueStart[i] = start;
    this.valueBytes[i] = value === null ? -1 : bytes;
    return true;
  }
}

/**
 * One message to produce, filled in place and reused: set the fields, call
 * `produce`, set them again. Ranges point into the caller's buffers, which
 * only need to stay unchanged during the call (librdkafka copies them).
 */
export class ProduceRecord {
  /** A topic index from `producer.topic(name)`. */
  topic = 0;
  partition = PARTITION_ANY;
  /** null sends a null value (a tombstone); a zero-length range sends an empty one. */
  value: Uint8Array | null = null;
  valueStart = 0;
  valueBytes = 0;
  key: Uint8Array | null = null;
  keyStart = 0;
  keyBytes = 0;
  /** Comes back with the delivery report: an integer in [0, OPAQUE_MAX], e.g. a sequence number. */
  opaque = 0;
  headers: ProduceHeaders | null = null;

  /** The whole of `value` as the message value. */
  setValue(value: Uint8Array | null, start = 0, bytes = value === null ? 0 : value.length - start): this {
    this.value = value;
    this.valueStart = start;
    this.valueBytes = bytes;
    return this;
  }

  setKey(key: Uint8Array | null, start = 0, bytes = key === null ? 0 : key.length - start): this {
    this.key = key;
    this.keyStart = start;
    this.keyBytes = bytes;
    return this;
  }
}
