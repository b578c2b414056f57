// Many messages for one topic handed to librdkafka in one call
// (rd_kafka_produce_batch): an array of rd_kafka_message_t laid out in our own
// memory, allocated once, filled from ProduceRecords.

import { MESSAGE, rangeAddress, Scratch } from "./native.ts";
import { OPAQUE_MAX, type ProduceRecord } from "./record.ts";

export class ProduceBatch {
  count = 0;
  /** rd_kafka_message_t[capacity] in native layout. */
  readonly messages: Scratch;
  /** After `producer.produceBatch`: 0, or why librdkafka refused message i (e.g. _QUEUE_FULL). */
  readonly errorCode: Int32Array;
  /**
   * The buffers the messages point into, held until the batch is produced:
   * the batch stores raw addresses, and a buffer the GC collected meanwhile
   * would be reused under them.
   */
  private readonly pinned: (Uint8Array | null)[];

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0 && capacity <= 1 << 20))
      throw new Error(`batch capacity ${capacity} outside [1, 2^20]`);
    this.messages = new Scratch(capacity * MESSAGE.bytes);
    this.errorCode = new Int32Array(new ArrayBuffer(capacity * 4));
    this.pinned = new Array<Uint8Array | null>(capacity * 2).fill(null);
  }

  get full(): boolean {
    return this.count === this.capacity;
  }

  /**
   * Appends `record` (its value, key, partition and opaque; its topic is the
   * batch's topic at produce time). Headers cannot travel in a batch. Returns
   * false when the batch is full.
   */
  add(record: ProduceRecord): boolean {
    if (this.count === this.capacity) return false;
    if (record.headers !== null && record.headers.count > 0)
      throw new Error("headers cannot be sent with produceBatch; use produce");
    if (!(Number.isInteger(record.opaque) && record.opaque >= 0 && record.opaque <= OPAQUE_MAX))
      throw new RangeError(`opaque ${record.opaque} outside [0, 2^53)`);
    const i = this.count;
    const base = i * MESSAGE.bytes;
    const m = this.messages;
    const value = record.value;
    const key = record.key;
    m.u32.fill(0, base >>> 2, (base + MESSAGE.bytes) >>> 2);
    m.i32[(base + MESSAGE.partition) >>> 2] = record.partition;
    if (value !== null) {
      m.setU64(base + MESSAGE.payload, rangeAddress(value, record.valueStart, record.valueBytes));
      m.setU64(base + MESSAGE.len, record.valueBytes);
    }
    if (key !== null) {
      m.setU64(base + MESSAGE.key, rangeAddress(key, record.keyStart, record.keyBytes));
      m.setU64(base + MESSAGE.keyLen, record.keyBytes);
    }
    m.setU64(base + MESSAGE.opaque, record.opaque);
    this.pinned[2 * i] = value;
    this.pinned[2 * i + 1] = key;
    this.count = i + 1;
    return true;
  }

  /** Empties the batch and lets go of the buffers it held. */
  clear(): void {
    this.pinned.fill(null, 0, 2 * this.count);
    this.count = 0;
  }
}
