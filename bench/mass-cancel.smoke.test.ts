// Proves the mass-cancel benchmark runs end to end (`--quick`) and writes a well-formed JSON
// report; it asserts no timings.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";
import { runScript } from "../test/support/run-script.ts";

test("bench/mass-cancel.bench.ts --quick writes its report", async () => {
  const { dir, cleanup } = tempDir("mass-cancel-smoke");
  const out = join(dir, "mass-cancel.json");
  try {
    const { code } = await runScript([join(import.meta.dir, "mass-cancel.bench.ts"), "--quick", "--json", out]);
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.quick).toBe(true);
    expect(doc.results.length).toBe(1);
    const r = doc.results[0];
    expect(r.restingOrders).toBe(100_000);
    for (const v of [
      r.selectScanMs.p50,
      r.selectWalkMs.p50,
      r.massCancel.p50Ms,
      r.massCancel.p99Ms,
      r.massCancel.nsPerCancelledOrder,
    ]) {
      expect(Number.isFinite(v) && v > 0).toBe(true);
    }
  } finally {
    cleanup();
  }
}, 120_000);
