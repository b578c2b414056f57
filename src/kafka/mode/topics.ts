// The Kafka mode's topics, created by the project's topic setup (the engine at
// start, or `bun scripts/kafka.ts topics`) with explicit partition counts,
// compression and configs. An existing topic is kept, but its partition count
// must be the configured one: the partition of a symbol is murmur2(name)
// modulo the count of `orders`, so changing it would move books between shards.

import type { Admin } from "../admin.ts";
import type { Compression } from "../producer.ts";

export interface TopicSettings {
  name: string;
  partitions: number;
  compression: Compression;
}

export interface KafkaModeTopics {
  /** Commands in: InputRecord values, key = the symbol's name. */
  orders: TopicSettings;
  /** What the engine shards could not apply, with the reason in headers. */
  ordersDeadLetter: TopicSettings;
  executions: TopicSettings;
  matches: TopicSettings;
  marketData: TopicSettings;
}

/** The seed design's counts: 12 lz4 for orders and matches, 6 snappy for market data. */
export function defaultTopics(): KafkaModeTopics {
  return {
    orders: { name: "orders", partitions: 12, compression: "lz4" },
    ordersDeadLetter: { name: "orders.dlq", partitions: 1, compression: "lz4" },
    executions: { name: "executions", partitions: 12, compression: "lz4" },
    matches: { name: "matches", partitions: 12, compression: "lz4" },
    marketData: { name: "market_data", partitions: 6, compression: "snappy" },
  };
}

/** Largest record a topic takes (max.message.bytes applies to a whole record batch). */
const batchBytesMax = 1 << 20;

/** Topic configs, each one stated (broker defaults change between versions). */
function topicConfig(role: keyof KafkaModeTopics, t: TopicSettings): Record<string, string> {
  const config: Record<string, string> = {
    "compression.type": t.compression,
    "max.message.bytes": String(batchBytesMax),
    "cleanup.policy": "delete",
    "min.insync.replicas": "1",
    "retention.bytes": "-1",
  };
  if (role === "orders") {
    // The input log is the truth: recovery replays it from a snapshot's offset, so nothing is deleted by age.
    config["retention.ms"] = "-1";
    // The broker's clock stamps every record: receive times are bounded by it whoever produced (ids.ts).
    config["message.timestamp.type"] = "LogAppendTime";
  } else {
    config["retention.ms"] = String(7 * 24 * 3_600_000);
    config["message.timestamp.type"] = "CreateTime";
  }
  return config;
}

/** Every topic of the mode, by role. */
export function topicList(topics: KafkaModeTopics): [keyof KafkaModeTopics, TopicSettings][] {
  return Object.entries(topics) as [keyof KafkaModeTopics, TopicSettings][];
}

/**
 * Creates the topics that are missing and checks that every topic has the
 * configured partition count (throws naming the first that does not).
 * `replicationFactor` 1 on a single broker.
 */
export async function ensureTopics(
  admin: Admin,
  topics: KafkaModeTopics,
  replicationFactor: number,
  timeoutMs: number,
): Promise<void> {
  const list = topicList(topics);
  await admin.createTopics(
    list.map(([role, t]) => ({
      name: t.name,
      partitions: t.partitions,
      replicationFactor,
      config: topicConfig(role, t),
    })),
    true,
  );
  await admin.waitForTopics(
    list.map(([, t]) => t.name),
    timeoutMs,
  );
  const metadata = admin.describeTopics();
  for (const [role, t] of list) {
    const found = metadata.find((m) => m.name === t.name);
    const count = found?.partitions.length ?? 0;
    if (count !== t.partitions) {
      throw new Error(
        `kafka topic ${t.name} (${role}) has ${count} partitions, the configuration says ${t.partitions}: ` +
          `a symbol's partition depends on the count, so it cannot change under existing data`,
      );
    }
  }
}
