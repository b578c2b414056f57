// Proves the hooks Kafka and QuestDB report through: their sources (plain or async) are read at each collect and land
// in the gauges, a source that hangs or throws leaves the last values and counts a collect error, a readiness check
// joins the list /ready runs, and a second source of one kind is refused.
import { describe, expect, test } from "bun:test";
import { registerExchangeMetrics } from "./exchange-metrics.ts";
import { outputHooks } from "./output-hooks.ts";
import type { ReadinessCheck } from "./readiness.ts";
import { MetricsRegistry } from "./registry.ts";
import { parseExposition, sampleValue } from "./test-support.ts";

function setup() {
  const errors: string[] = [];
  const registry = new MetricsRegistry((name, e) => errors.push(`${name}: ${e.message}`));
  const metrics = registerExchangeMetrics(registry, { symbols: [], kafkaPartitions: 2 });
  const checks: ReadinessCheck[] = [];
  return { registry, hooks: outputHooks(registry, metrics, checks, 2), checks, errors };
}

describe("output hooks", () => {
  test("Kafka lag per partition and producer queue; QuestDB backlog and spill", async () => {
    const { registry, hooks } = setup();
    let backlog = 10;
    hooks.kafka(async () => ({ consumerLagMessages: [5, 7, 99], producerQueueMessages: 3 }));
    hooks.questdb(() => ({ backlogRows: backlog, spillBytes: 4096 }));
    await registry.collect();
    let f = parseExposition(registry.expose());
    expect(sampleValue(f, "exchange_kafka_consumer_lag_messages", { partition: "0" })).toBe(5);
    expect(sampleValue(f, "exchange_kafka_consumer_lag_messages", { partition: "1" })).toBe(7);
    expect(sampleValue(f, "exchange_kafka_producer_queue_messages")).toBe(3);
    expect(sampleValue(f, "exchange_questdb_backlog_rows")).toBe(10);
    expect(sampleValue(f, "exchange_questdb_spill_bytes")).toBe(4096);
    backlog = 0;
    await registry.collect();
    f = parseExposition(registry.expose());
    expect(sampleValue(f, "exchange_questdb_backlog_rows")).toBe(0);
    hooks.kafkaProduceSeconds.observe(0.002);
    expect(sampleValue(parseExposition(registry.expose()), "exchange_kafka_produce_seconds")).toBe(1);
  });

  test("a source that hangs or throws keeps the last values and is counted", async () => {
    const { registry, hooks, errors } = setup();
    let mode: "ok" | "hang" | "throw" = "ok";
    hooks.questdb(() => {
      if (mode === "hang") return new Promise(() => {});
      if (mode === "throw") throw new Error("writer gone");
      return { backlogRows: 42, spillBytes: 0 };
    });
    await registry.collect(50);
    mode = "hang";
    await registry.collect(50);
    mode = "throw";
    await registry.collect(50);
    const f = parseExposition(registry.expose());
    expect(sampleValue(f, "exchange_questdb_backlog_rows")).toBe(42);
    expect(sampleValue(f, "metrics_collect_errors_total")).toBe(2);
    expect(errors).toEqual(["questdb: no answer within 50 ms", "questdb: writer gone"]);
  });

  test("readiness checks join the list; one source per kind", () => {
    const { hooks, checks } = setup();
    hooks.readiness({ name: "kafka", check: () => ({ ready: true, reason: "broker answers" }) });
    expect(checks.map((c) => c.name)).toEqual(["kafka"]);
    expect(() => hooks.readiness({ name: "kafka", check: () => ({ ready: true, reason: "" }) })).toThrow(
      "already registered",
    );
    hooks.kafka(() => ({ consumerLagMessages: [], producerQueueMessages: 0 }));
    expect(() => hooks.kafka(() => ({ consumerLagMessages: [], producerQueueMessages: 0 }))).toThrow(
      "already registered",
    );
  });
});
