// Proves the metrics-probe benchmark runs end to end (`--quick --rounds 1`) and writes a well-formed JSON
// report; it asserts no timings.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";
import { runScript } from "../test/support/run-script.ts";

test("bench/metrics-probe.bench.ts --quick writes its report", async () => {
  const { dir, cleanup } = tempDir("metrics-probe-smoke");
  const out = join(dir, "probe.json");
  try {
    const { code } = await runScript([
      join(import.meta.dir, "metrics-probe.bench.ts"),
      "--quick",
      "--rounds",
      "1",
      "--json",
      out,
    ]);
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.rounds).toBe(1);
    for (const v of ["off", "sampled", "every"]) {
      const r = doc.result[v];
      expect(r.nsPerCommand.rounds).toHaveLength(1);
      expect(Number.isFinite(r.nsPerCommand.median) && r.nsPerCommand.median > 0).toBe(true);
    }
  } finally {
    cleanup();
  }
}, 120_000);
