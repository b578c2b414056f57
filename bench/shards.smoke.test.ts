// Proves the shard scaling benchmark runs end to end on tiny tapes: 4 worker threads of 4 symbols each, every book's
// digest equal to its tape's expectation, and a complete JSON report (per-worker rates, aggregate, projection). A smoke
// test: it asserts no speed.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";
import { runScript } from "../test/support/run-script.ts";

const root = join(import.meta.dir, "..");

test("shards bench --quick: 4 workers x 4 symbols agree with their tapes and report every figure", async () => {
  const { dir, cleanup } = tempDir("shards-bench-smoke");
  const out = join(dir, "shards.json");
  try {
    const { code } = await runScript([join(import.meta.dir, "shards.bench.ts"), "--quick", "--json", out], {
      cwd: root,
    });
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.consensusAgreed).toBe(true);
    expect(doc.layouts.map((l: { layout: string }) => l.layout)).toEqual(["4x4"]);
    const layout = doc.layouts[0];
    expect(layout.perWorker.length).toBe(4);
    for (const w of layout.perWorker) {
      expect(w.symbols.length).toBe(4);
      expect(w.messages).toBeGreaterThan(0);
      expect(w.wallMsgsPerSec).toBeGreaterThan(0);
      expect(w.cpuMsgsPerSec).toBeGreaterThan(0);
    }
    // The 16 symbols cover all five scenarios, each with its own seed.
    const symbols = layout.perWorker.flatMap((w: { symbols: { scenario: string; seed: number }[] }) => w.symbols);
    expect(new Set(symbols.map((s: { seed: number }) => s.seed)).size).toBe(16);
    expect(new Set(symbols.map((s: { scenario: string }) => s.scenario)).size).toBe(5);
    expect(layout.aggregateMsgsPerSec.median).toBeGreaterThan(0);
    expect(layout.projectedMsgsPerSec.median).toBeGreaterThan(0);
  } finally {
    cleanup();
  }
}, 300_000);
