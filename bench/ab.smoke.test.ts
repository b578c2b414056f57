// Proves the A/B tool runs end to end on a tiny tape (this tree against itself), alternating the builds and writing a
// JSON report with both builds' rates and the ratio. A smoke test: it asserts no speed.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";
import { runScript } from "../test/support/run-script.ts";

test("ab --a work --b work: both builds measured, rounds alternated, ratio reported", async () => {
  const { dir, cleanup } = tempDir("ab-smoke");
  const out = join(dir, "ab.json");
  try {
    const args = [
      "--a",
      "work",
      "--b",
      "work",
      "--scenarios",
      "normal",
      "--orders",
      "2000",
      "--rounds",
      "2",
      "--warmup",
      "0",
      "--json",
      out,
    ];
    const { code } = await runScript([join(import.meta.dir, "ab.ts"), ...args], { cwd: join(import.meta.dir, "..") });
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(out, "utf8")).results.normal;
    expect(r.rounds.length).toBe(2);
    expect(r.a.median).toBeGreaterThan(0);
    expect(r.b.median).toBeGreaterThan(0);
    expect(r.ratioBtoA.median).toBeGreaterThan(0);
  } finally {
    cleanup();
  }
}, 120_000);
