// How the outputs that live in other folders (Kafka, QuestDB ingestion) report
// their backlog and their readiness: the server hands them an OutputHooks and
// they register a source once at start. A source is read before every scrape
// (it may be async: stats kept in a worker thread), bounded by the registry's
// timeout. Example (src/kafka, when it is started by the server):
//
//   hooks.kafka(() => ({ consumerLagMessages: consumer.lagByPartition(), producerQueueMessages: producer.queued() }));
//   hooks.readiness({ name: "kafka", check: () => producer.connected() ? { ready: true, reason: "broker answers" } : {
//   ready: false, reason: producer.lastError() } });
//
// Until a source is registered the gauges read 0.

import type { ExchangeMetrics } from "./exchange-metrics.ts";
import type { HistogramChild } from "./histogram.ts";
import type { ReadinessCheck } from "./readiness.ts";
import type { MetricsRegistry } from "./registry.ts";

export interface KafkaGauges {
  /** Messages of the input topic not yet consumed, by partition (0..kafka.partitions-1; extra ones are ignored). */
  consumerLagMessages: readonly number[];
  /** Messages queued in the producer, not yet acknowledged by the broker. */
  producerQueueMessages: number;
}

export interface QuestdbGauges {
  /** Rows waiting in memory to be written to QuestDB. */
  backlogRows: number;
  /** Bytes of rows spilled to disk while QuestDB was slow or away. */
  spillBytes: number;
}

export type GaugeSource<T> = () => T | Promise<T>;

export interface OutputHooks {
  kafka(source: GaugeSource<KafkaGauges>): void;
  questdb(source: GaugeSource<QuestdbGauges>): void;
  /** A readiness check of an input or output (e.g. "kafka", "questdb"); /ready runs it. */
  readiness(check: ReadinessCheck): void;
  /** Time from produce to delivery report: the producer observes it. */
  readonly kafkaProduceSeconds: HistogramChild;
}

export function outputHooks(
  registry: MetricsRegistry,
  metrics: ExchangeMetrics,
  checks: ReadinessCheck[],
  kafkaPartitions: number,
): OutputHooks {
  const once = new Set<string>();
  const register = (name: string) => {
    if (once.has(name)) throw new Error(`metrics: a ${name} source is already registered`);
    once.add(name);
  };
  return {
    kafka(source) {
      register("kafka");
      registry.onCollectAsync("kafka", async () => {
        const g = await source();
        const partitions = Math.min(kafkaPartitions, g.consumerLagMessages.length);
        for (let p = 0; p < partitions; p++) metrics.kafkaConsumerLag(p).set(g.consumerLagMessages[p]!);
        metrics.kafkaProducerQueueMessages.set(g.producerQueueMessages);
      });
    },
    questdb(source) {
      register("questdb");
      registry.onCollectAsync("questdb", async () => {
        const g = await source();
        metrics.questdbBacklogRows.set(g.backlogRows);
        metrics.questdbSpillBytes.set(g.spillBytes);
      });
    },
    readiness(check) {
      if (checks.some((c) => c.name === check.name))
        throw new Error(`readiness: a check named ${check.name} is already registered`);
      checks.push(check);
    },
    kafkaProduceSeconds: metrics.kafkaProduceSeconds,
  };
}
