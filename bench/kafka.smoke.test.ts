// Proves the Kafka benchmark runs end to end (a real broker it starts itself, every case, one short round) and writes a
// well-formed JSON report; it asserts no timings.

import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../test/support/run-script.ts";

test("kafka bench --quick writes a complete JSON report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kafka-bench-smoke-"));
  const out = join(dir, "kafka.json");
  try {
    const args = ["--quick", "--rounds", "1", "--chunk", "5000", "--samples", "2", "--seconds", "0.5", "--json", out];
    const { code, stdout } = await runScript([join(import.meta.dir, "kafka.bench.ts"), ...args]);
    expect(code).toBe(0);
    expect(stdout).toContain("throughput, 64-byte messages");
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.schema).toBe("exchange-core-bun/bench-kafka/1");
    expect(doc.rounds.length).toBe(1);
    for (const key of [
      "produceMsgsPerSec",
      "produceBatchMsgsPerSec",
      "consumeMsgsPerSec",
      "latencyP50Ns",
      "latencyP99Ns",
      "serviceP99Ns",
    ]) {
      const s = doc.summary[key];
      expect(Number.isFinite(s.median) && s.median > 0).toBe(true);
      expect(s.min).toBeLessThanOrEqual(s.max);
    }
    const latency = doc.rounds[0].latency;
    expect(latency.latencyNs.count).toBeGreaterThan(0);
    expect(latency.latencyNs.p50).toBeLessThanOrEqual(latency.latencyNs.p99);
    expect(doc.rounds[0].produce.cpu.brokerCores).toBeNumber();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 600_000);
