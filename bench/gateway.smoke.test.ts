// Proves the gateway benchmark runs end to end (`--quick --policy none`: a real exchange child process, both phases)
// and writes a well-formed JSON report; it asserts no timings.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";
import { runScript } from "../test/support/run-script.ts";

const root = join(import.meta.dir, "..");

function isFiniteNonNegative(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

function expectPercentiles(p: Record<string, unknown>): void {
  for (const k of ["p50", "p90", "p99", "p999", "max", "mean"]) expect(isFiniteNonNegative(p[k])).toBe(true);
  expect(p.count as number).toBeGreaterThan(0);
  expect(p.p50 as number).toBeLessThanOrEqual(p.p99 as number);
  expect(p.p99 as number).toBeLessThanOrEqual(p.max as number);
}

/** Every throughput round answered each command once, in order, with trades and cancels in the stream. */
function expectThroughput(t: any, rounds: number): void {
  expect(t.rounds.length).toBe(rounds);
  for (const round of t.rounds) {
    // Every command got exactly one answer, matched in order to the command it answers.
    expect(round.totals.answers).toBe(round.commands);
    expect(round.totals.outOfOrder).toBe(0);
    expect(round.totals.commands).toBe(t.commandsPerRound);
    for (const v of [
      round.seconds,
      round.commandsPerSec,
      round.engineCommandsPerSec,
      round.cpu.exchangeSeconds,
      round.cpu.senderSeconds,
    ]) {
      expect(isFiniteNonNegative(v)).toBe(true);
    }
    // The stream makes trades and cancels its own orders.
    expect(round.totals.fills).toBeGreaterThan(0);
    expect(round.totals.commandsByKind.cancel).toBeGreaterThan(0);
  }
  expect(isFiniteNonNegative(t.engineCommandsPerSecMedian)).toBe(true);
}

test("gateway bench --quick --policy none writes a complete JSON report", async () => {
  const { dir, cleanup } = tempDir("gateway-bench-smoke");
  const out = join(dir, "gateway.json");
  try {
    const { code, stdout } = await runScript(
      [join(import.meta.dir, "gateway.bench.ts"), "--quick", "--policy", "none", "--json", out],
      { cwd: root },
    );
    expect(code).toBe(0);
    expect(stdout).toContain("throughput");
    expect(stdout).toContain("latency");

    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.schema).toBe("exchange-core-bun/bench-gateway/1");
    expect(typeof doc.date).toBe("string");
    expect(typeof doc.machine.cpu).toBe("string");
    expect(doc.machine.cores).toBeGreaterThan(0);
    expect(typeof doc.machine.bun).toBe("string");
    expect(doc.machine.loadAverage.atStart).toHaveLength(3);
    expect(doc.config.quick).toBe(true);
    expect(Object.keys(doc.policies)).toEqual(["none"]);
    const r = doc.policies.none;
    expect(r.exchangeExitCode).toBe(0);

    expectThroughput(r.throughput, doc.config.rounds);

    expect(r.latency).toHaveLength(1);
    const l = r.latency[0];
    expect(l.offeredPerSec).toBe(doc.config.rates[0]);
    expect(l.totals.answers).toBe(l.totals.commands);
    expect(l.totals.outOfOrder).toBe(0);
    expectPercentiles(l.latencyNs);
    expectPercentiles(l.serviceNs);
    expect(isFiniteNonNegative(l.sendLagNs.p99)).toBe(true);
    expect(l.timeline.length).toBeGreaterThan(0);
    expect(typeof doc.targets.engineMillionPerSec.none).toBe("boolean");
  } finally {
    cleanup();
  }
}, 60_000);
