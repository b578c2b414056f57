// Proves the Kafka-mode benchmark runs end to end (its own broker, the exchange in Kafka mode and in journal mode as
// child processes, every case, one short round) and writes a well-formed JSON report; it asserts no timings.

import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../test/support/run-script.ts";

test("kafka-mode bench --quick writes a complete JSON report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kafka-mode-bench-smoke-"));
  const out = join(dir, "kafka-mode.json");
  try {
    const args = [
      "--quick",
      "--rounds",
      "1",
      "--orders",
      "20000",
      "--partitions",
      "4",
      "--rate",
      "5000",
      "--seconds",
      "1",
      "--json",
      out,
    ];
    const { code, stdout } = await runScript([join(import.meta.dir, "kafka-mode.bench.ts"), ...args]);
    expect(code).toBe(0);
    expect(stdout).toContain("sustained orders/s");
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.schema).toBe("exchange-core-bun/bench-kafka-mode/1");
    expect(doc.rounds.length).toBe(1);
    const round = doc.rounds[0];
    expect(round.throughput.orders).toBe(20_000);
    expect(round.throughput.executions).toBe(doc.workload.executions);
    expect(round.throughput.ordersPerSec).toBeGreaterThan(0);
    expect(round.latency.latencyNs.count).toBeGreaterThan(0);
    expect(round.latency.latencyNs.p50).toBeLessThanOrEqual(round.latency.latencyNs.p99);
    expect(round.tcpKafka.latencyNs.count).toBeGreaterThan(0);
    expect(round.tcpJournal.latencyNs.count).toBeGreaterThan(0);
    for (const key of ["brokerCores", "exchangeCores", "loadCores"]) expect(round.throughput.cpu[key]).toBeNumber();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
