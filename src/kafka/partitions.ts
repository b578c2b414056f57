// rd_kafka_topic_partition_list_t built from and read back into plain objects:
// assignments, seeks, commits. Not a hot path.

import { CString, type Pointer, read } from "bun:ffi";
import { rdk } from "./ffi.ts";
import { PARTITION_LIST, readI64, TOPIC_PARTITION } from "./native.ts";

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface TopicPartitionOffset extends TopicPartition {
  /** An absolute offset, or one of the `Offset` constants. */
  offset: number;
}

export interface TopicPartitionResult extends TopicPartitionOffset {
  errorCode: number;
}

/** A new list; entries without an offset get librdkafka's default (INVALID: "no offset given"). The caller frees it. */
export function newPartitionList(entries: readonly (TopicPartition & { offset?: number })[]): Pointer {
  const list = rdk.rd_kafka_topic_partition_list_new(Math.max(1, entries.length)) as Pointer;
  for (const entry of entries) {
    if (!Number.isInteger(entry.partition))
      throw new RangeError(`partition ${entry.partition} of ${entry.topic} is not an integer`);
    rdk.rd_kafka_topic_partition_list_add(list, entry.topic, entry.partition);
    if (entry.offset !== undefined) {
      if (!Number.isSafeInteger(entry.offset))
        throw new RangeError(`offset ${entry.offset} of ${entry.topic}[${entry.partition}] is not an integer`);
      rdk.rd_kafka_topic_partition_list_set_offset(list, entry.topic, entry.partition, entry.offset);
    }
  }
  return list;
}

export function readPartitionList(list: Pointer): TopicPartitionResult[] {
  const count = read.i32(list, PARTITION_LIST.cnt);
  const elems = read.ptr(list, PARTITION_LIST.elems);
  const result: TopicPartitionResult[] = [];
  for (let i = 0; i < count; i++) {
    const e = elems + i * TOPIC_PARTITION.bytes;
    result.push({
      topic: new CString(read.ptr(e, TOPIC_PARTITION.topic) as Pointer).toString(),
      partition: read.i32(e, TOPIC_PARTITION.partition),
      offset: readI64(e, TOPIC_PARTITION.offset),
      errorCode: read.i32(e, TOPIC_PARTITION.err),
    });
  }
  return result;
}

export function freePartitionList(list: Pointer): void {
  rdk.rd_kafka_topic_partition_list_destroy(list);
}
