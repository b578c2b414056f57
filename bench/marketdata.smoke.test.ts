// Proves the market-data benchmark runs end to end on tiny sizes (engine with and without market data, ingest of both
// variants, API latency over stored history) and writes a well-formed JSON report; it asserts no timings.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";

test("marketdata.bench.ts, one round of everything, tiny", async () => {
  const { dir, cleanup } = tempDir("md-bench-smoke");
  const out = join(dir, "report.json");
  try {
    const args = [
      "--rounds",
      "1",
      "--engine-commands",
      "5000",
      "--ingest-trades",
      "5000",
      "--history-trades",
      "20000",
      "--json",
      out,
    ];
    const p = Bun.spawn([process.execPath, join(import.meta.dir, "marketdata.bench.ts"), ...args], {
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, stdout, stderr] = await Promise.all([
      p.exited,
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    if (code !== 0) console.error(stdout.slice(-4000), stderr.slice(-4000));
    expect(code).toBe(0);
    const doc = JSON.parse(readFileSync(out, "utf8"));
    const positive = (v: unknown) => typeof v === "number" && Number.isFinite(v) && v > 0;
    for (const v of ["without", "signal", "embedded", "full"])
      expect(positive(doc.results.engine.commandsPerSec[v].median)).toBe(true);
    expect(positive(doc.results.ingest.allTables.ticksPerSec.median)).toBe(true);
    expect(positive(doc.results.ingest.ticksAndCandles.ticksPerSec.median)).toBe(true);
    expect(doc.results.api.ticksStored).toBeGreaterThanOrEqual(20_000);
    for (const s of doc.results.api.summary) expect(positive(s.p99Ms.median)).toBe(true);
  } finally {
    cleanup();
  }
}, 600_000);
