// Proves the benchmark suite runs end to end (`--quick`, our engine only) and writes a well-formed JSON report covering
// every workload; it asserts no timings.

import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { workloadNames } from "./workloads.ts";
import { runScript } from "../test/support/run-script.ts";

const root = join(import.meta.dir, "..");

function isFiniteNonNegative(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v >= 0;
}

test("bench --quick --impl ours writes a complete JSON report", async () => {
  const dir = mkdtempSync(join(tmpdir(), "bench-smoke-"));
  const out = join(dir, "bench.json");
  try {
    const { code, stdout } = await runScript(
      [join(import.meta.dir, "run.ts"), "--quick", "--impl", "ours", "--json", out],
      { cwd: root },
    );
    expect(code).toBe(0);

    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(typeof doc.date).toBe("string");
    expect(typeof doc.machine.cpu).toBe("string");
    expect(doc.machine.cores).toBeGreaterThan(0);
    expect(typeof doc.machine.bun).toBe("string");
    expect(doc.config.quick).toBe(true);
    expect(Object.keys(doc.workloads).sort()).toEqual([...workloadNames].sort());
    for (const name of workloadNames) {
      const w = doc.workloads[name];
      expect(w.stats.measuredCommands).toBeGreaterThan(0);
      expect(w.results.peer).toBeUndefined();
      const r = w.results.ours;
      for (const v of [
        r.throughput.commandsPerSec,
        r.throughput.chunkNs.p50,
        r.latency.all.p50,
        r.latency.all.p99,
        r.latency.all.p999,
        r.latency.timerOverheadNs,
        r.heap.bytesPerCommand,
        r.heap.cellsPerCommand,
      ]) {
        expect(isFiniteNonNegative(v)).toBe(true);
      }
      expect(r.latency.all.count).toBeGreaterThan(0);
      expect(r.heap.commands).toBeGreaterThan(0);
      expect(typeof r.heap.zeroAllocation).toBe("boolean");
      // A figure only means something if the engine executed the stream the generator intended.
      expect({ workload: name, matchesShadow: r.check.matchesShadow, tally: r.check.tally }).toEqual({
        workload: name,
        matchesShadow: true,
        tally: r.check.tally,
      });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 60_000);
