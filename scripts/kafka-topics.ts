// The topic setup of Kafka mode on its own: creates the topics the
// configuration names (those missing) with their partition counts,
// compression and configs, checks the counts of those that exist, and lists
// them. The exchange does the same at start; this is for an operator who
// wants the topics before the first engine runs (or to check them).
//
//   bun scripts/kafka-topics.ts [--config FILE]     (EXCHANGE_ variables apply; exit 2 on a bad configuration)

import { formatProblems, loadConfig } from "../src/config/index.ts";
import { Admin } from "../src/kafka/admin.ts";
import { ensureTopics, topicList } from "../src/kafka/mode/topics.ts";
import { kafkaTopicsOf } from "../src/server/kafka-mode.ts";

async function main(): Promise<number> {
  const result = loadConfig(process.argv.slice(2), process.env);
  if (!result.ok) {
    console.error(formatProblems(result.problems));
    return 2;
  }
  const config = result.loaded.config;
  const topics = kafkaTopicsOf(config);
  const admin = new Admin({
    bootstrapServers: config.kafka.brokers.join(","),
    clientId: `${config.kafka.clientId}-setup`,
    operationTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  });
  try {
    await ensureTopics(admin, topics, config.kafka.replicationFactor, 120_000);
    for (const [role, t] of topicList(topics)) {
      const c = await admin.describeTopicConfig(t.name);
      console.log(
        `${t.name.padEnd(24)} ${role.padEnd(16)} ${String(t.partitions).padStart(4)} partitions  ` +
          `compression ${c["compression.type"]}  retention.ms ${c["retention.ms"]}  ` +
          `timestamps ${c["message.timestamp.type"]}`,
      );
    }
    return 0;
  } catch (error) {
    console.error(`kafka topics: ${(error as Error).message}`);
    return 1;
  } finally {
    admin.close();
  }
}

process.exitCode = await main();
