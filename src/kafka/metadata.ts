// Cluster metadata (rd_kafka_metadata): which topics exist, their partitions
// and leaders. Used to check a topic before producing to it and to wait for
// freshly created topics; not a hot path (it blocks for one round trip).

import { CString, type Pointer, read } from "bun:ffi";
import { ErrorCode, KafkaError } from "./errors.ts";
import { rdk } from "./ffi.ts";
import { METADATA, METADATA_PARTITION, METADATA_TOPIC, Scratch } from "./native.ts";

export interface PartitionMetadata {
  id: number;
  /** Broker id of the leader; -1 while there is none. */
  leader: number;
  /** 0, or the broker's error for this partition (e.g. LEADER_NOT_AVAILABLE). */
  errorCode: number;
}

export interface TopicMetadata {
  name: string;
  /** 0, or the broker's error for this topic (UNKNOWN_TOPIC_OR_PART when it does not exist). */
  errorCode: number;
  partitions: PartitionMetadata[];
}

/**
 * One metadata request: every topic (`onlyTopic` null) or the one topic handle
 * given. Throws a KafkaError when the request itself fails (e.g. _TRANSPORT,
 * _TIMED_OUT while no broker answers).
 */
export function readMetadata(rk: Pointer, onlyTopic: Pointer | null, timeoutMs: number): TopicMetadata[] {
  const out = new Scratch(8);
  const code = rdk.rd_kafka_metadata(rk, onlyTopic === null ? 1 : 0, onlyTopic, out.ptr, timeoutMs);
  if (code !== 0) throw new KafkaError(code, "metadata request");
  const metadata = out.getU64(0) as Pointer;
  try {
    const topics: TopicMetadata[] = [];
    const topicCount = read.i32(metadata, METADATA.topicCount);
    const topicsBase = read.ptr(metadata, METADATA.topics);
    for (let t = 0; t < topicCount; t++) {
      const topic = topicsBase + t * METADATA_TOPIC.bytes;
      const partitionCount = read.i32(topic, METADATA_TOPIC.partitionCount);
      const partitionsBase = read.ptr(topic, METADATA_TOPIC.partitions);
      const partitions: PartitionMetadata[] = [];
      for (let p = 0; p < partitionCount; p++) {
        const partition = partitionsBase + p * METADATA_PARTITION.bytes;
        partitions.push({
          id: read.i32(partition, METADATA_PARTITION.id),
          leader: read.i32(partition, METADATA_PARTITION.leader),
          errorCode: read.i32(partition, METADATA_PARTITION.err),
        });
      }
      partitions.sort((a, b) => a.id - b.id);
      topics.push({
        name: new CString(read.ptr(topic, METADATA_TOPIC.name) as Pointer).toString(),
        errorCode: read.i32(topic, METADATA_TOPIC.err),
        partitions,
      });
    }
    return topics;
  } finally {
    rdk.rd_kafka_metadata_destroy(metadata);
  }
}

/** True when the topic exists and every partition has a leader and no error: ready to produce to and consume from. */
export function topicReady(topic: TopicMetadata | undefined, partitionsCount?: number): boolean {
  if (topic === undefined || topic.errorCode !== 0 || topic.partitions.length === 0) return false;
  if (partitionsCount !== undefined && topic.partitions.length !== partitionsCount) return false;
  return topic.partitions.every((p) => p.errorCode === 0 && p.leader >= 0);
}

/**
 * Throws a KafkaError unless every topic exists and has every partition named:
 * UNKNOWN_TOPIC_OR_PART for a missing topic, _UNKNOWN_PARTITION for a
 * partition past its count. librdkafka itself would wait silently for them.
 */
export function verifyPartitions(
  rk: Pointer,
  partitions: readonly { topic: string; partition: number }[],
  timeoutMs: number,
): void {
  if (partitions.length === 0) return;
  const topics = readMetadata(rk, null, timeoutMs);
  for (const { topic, partition } of partitions) {
    const found = topics.find((t) => t.name === topic);
    if (found === undefined) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PART, `topic ${topic}`);
    if (found.errorCode !== 0) throw new KafkaError(found.errorCode, `topic ${topic}`);
    if (!found.partitions.some((p) => p.id === partition)) {
      throw new KafkaError(ErrorCode._UNKNOWN_PARTITION, `partition ${topic}[${partition}]`, {
        reason: `${topic} has ${found.partitions.length} partitions`,
      });
    }
  }
}
