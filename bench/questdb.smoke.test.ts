// Proves both QuestDB benchmarks run end to end on a tiny size and write well-formed JSON reports (every row stored,
// every source answering 1,440 candles); it asserts no timings.

import { expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runScript } from "../test/support/run-script.ts";

async function runBench(file: string, args: string[]): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), "qdb-bench-smoke-"));
  const out = join(dir, "report.json");
  try {
    const { code } = await runScript([join(import.meta.dir, file), ...args, "--json", out]);
    expect(code).toBe(0);
    return JSON.parse(readFileSync(out, "utf8"));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const positive = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0;

test("questdb.bench.ts: ours and the official client, one round", async () => {
  const doc = await runBench("questdb.bench.ts", ["--rows", "5000", "--rounds", "1"]);
  const summary = doc.summary as {
    client: string;
    rowsPerSecAck: { median: number };
    cpuUsPerRow: { median: number };
  }[];
  expect(summary.map((s) => s.client)).toEqual(["ours", "official"]);
  for (const s of summary) {
    expect(positive(s.rowsPerSecAck.median)).toBe(true);
    expect(positive(s.cpuUsPerRow.median)).toBe(true);
  }
  expect(positive(doc.ratioOursToOfficial)).toBe(true);
  expect(positive((doc.encoderNsPerRow as { avg: number }).avg)).toBe(true);
}, 600_000);

test("questdb-candles.bench.ts: candles table, materialized view and SAMPLE BY", async () => {
  const doc = await runBench("questdb-candles.bench.ts", ["--ticks", "50000", "--queries", "3"]);
  const summary = doc.summary as { source: string; p50Ms: number; p99Ms: number }[];
  expect(summary.map((s) => s.source)).toEqual(["candles table", "materialized view", "SAMPLE BY over ticks"]);
  for (const s of summary) expect(positive(s.p50Ms) && positive(s.p99Ms)).toBe(true);
}, 600_000);
