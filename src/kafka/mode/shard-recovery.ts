// Where an engine shard starts: the newest snapshot of its partition that
// checks out and whose offset the partition still holds, then the partition
// from that offset on (the host consumes it like live input). Without a
// usable snapshot the shard starts empty at the partition's first offset,
// which must still be 0: a partition whose first records were deleted cannot
// be rebuilt without a snapshot (the topic setup keeps `orders` forever).

import type { EngineConfig } from "../../engine/config.ts";
import type { Clock } from "../../sequencer/clock.ts";
import { Sequencer } from "../../sequencer/sequencer.ts";
import type { JournalIdentity } from "../../snapshot/format.ts";
import type { SnapshotStore } from "../../snapshot/store.ts";
import { KafkaShard } from "./shard.ts";

/** A partition's identity in a snapshot header, where a journal's creation time and shard go. */
export function partitionIdentity(topic: string, partition: number): JournalIdentity {
  // The top bit marks a Kafka identity (a journal's creation time in ns stays below 2^63 until 2262).
  return { createdAtNs: (1n << 63n) | BigInt(fnv1a32(topic)), shardId: partition };
}

function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface ShardRecoveryReport {
  partition: number;
  /** Engine seq of the snapshot used; 0 without one. */
  snapshotSeq: number;
  /** The offset reading resumes at. */
  startOffset: number;
  /** The partition's end when recovery began: records up to here are replayed before the shard is live. */
  highWatermark: number;
  snapshotsSkipped: string[];
  restoreMs: number;
}

export interface ShardRecoveryArgs {
  topic: string;
  partition: number;
  index: number;
  ordersPartitions: number;
  engine: Partial<EngineConfig>;
  clock?: Clock;
  store: SnapshotStore | null;
  watermarks: { low: number; high: number };
  warn: (line: string) => void;
}

/**
 * The store's snapshots, newest first. A store that cannot be reached (Redis
 * down) gives none, with a warning: the partition from offset 0 rebuilds the
 * same state, only slower (and is refused below if it no longer starts at 0).
 */
async function listSnapshots(a: ShardRecoveryArgs): Promise<{ seq: number }[]> {
  if (a.store === null) return [];
  try {
    return await a.store.list();
  } catch (error) {
    a.warn(
      `${a.topic}[${a.partition}]: snapshot store ${a.store.description} unreachable ` +
        `(${(error as Error).message}); rebuilding from the partition alone`,
    );
    return [];
  }
}

export async function recoverShard(a: ShardRecoveryArgs): Promise<{ shard: KafkaShard; report: ShardRecoveryReport }> {
  const started = performance.now();
  const report: ShardRecoveryReport = {
    partition: a.partition,
    snapshotSeq: 0,
    startOffset: 0,
    highWatermark: a.watermarks.high,
    snapshotsSkipped: [],
    restoreMs: 0,
  };
  const identity = partitionIdentity(a.topic, a.partition);
  for (const meta of await listSnapshots(a)) {
    const bytes = await a.store!.load(meta.seq);
    const sequencer = new Sequencer(a.engine, null, a.clock);
    let problem: string;
    if (bytes === null) problem = "missing, incomplete or damaged (the store said which)";
    else {
      try {
        const header = sequencer.restoreSnapshot(bytes, identity);
        if (typeof header === "string") problem = header;
        else if (header.inputOffset < a.watermarks.low) {
          problem =
            `the partition no longer holds the records after it (snapshot offset ${header.inputOffset}, ` +
            `the partition starts at ${a.watermarks.low})`;
        } else if (header.inputOffset > a.watermarks.high) {
          problem =
            `it is ahead of the partition (snapshot offset ${header.inputOffset}, ` +
            `the partition ends at ${a.watermarks.high}): the topic was recreated or lost records`;
        } else {
          report.snapshotSeq = header.seq;
          report.startOffset = header.inputOffset;
          report.restoreMs = performance.now() - started;
          const shard = new KafkaShard({
            partition: a.partition,
            index: a.index,
            ordersPartitions: a.ordersPartitions,
            sequencer,
            nextOffset: header.inputOffset,
          });
          return { shard, report };
        }
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    const line = `${a.topic}[${a.partition}]: snapshot seq ${meta.seq} in ${a.store!.description} skipped: ${problem}`;
    report.snapshotsSkipped.push(line);
    a.warn(line);
  }
  if (a.watermarks.low > 0) {
    throw new Error(
      `${a.topic}[${a.partition}]: no usable snapshot, and the partition's first records were deleted (it ` +
        `starts at offset ${a.watermarks.low}): the shard cannot be rebuilt`,
    );
  }
  report.restoreMs = performance.now() - started;
  return {
    shard: KafkaShard.fresh({
      partition: a.partition,
      index: a.index,
      ordersPartitions: a.ordersPartitions,
      engine: a.engine,
      clock: a.clock,
    }),
    report,
  };
}
