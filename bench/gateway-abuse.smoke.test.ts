// Proves the abuse benchmark runs end to end (one short round: a real exchange child process, victims in an open loop,
// a stuck and a greedy abuser on their own thread) and writes a well-formed JSON report; it asserts no timings.
import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "../test/support/temp-dir.ts";

const root = join(import.meta.dir, "..");

test("gateway-abuse bench --quick --rounds 1 writes a complete JSON report", async () => {
  const { dir, cleanup } = tempDir("gateway-abuse-smoke");
  const out = join(dir, "abuse.json");
  let child: { kill(): void } | null = null;
  try {
    const args = ["--quick", "--rounds", "1", "--seconds", "0.2", "--orders", "2000", "--json", out];
    const p = Bun.spawn([process.execPath, join(import.meta.dir, "gateway-abuse.bench.ts"), ...args], {
      cwd: root,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    child = p;
    const [code, stdout, stderr] = await Promise.all([
      p.exited,
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    if (code !== 0) console.error(stdout, stderr);
    expect(code).toBe(0);
    expect(stdout).toContain("p99 ratio");
    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.schema).toBe("exchange-core-bun/bench-gateway-abuse/1");
    expect(doc.rounds.length).toBe(1);
    for (const phase of ["quiet", "stuck", "greedy"]) {
      const s = doc.rounds[0][phase];
      // 0.2 s at 4000/s = 800 answers; mitata drops the 2 fastest and 2 slowest.
      expect(s.samples).toBe(796);
      expect(s.p50).toBeGreaterThan(0);
      expect(s.p50).toBeLessThanOrEqual(s.p99);
      expect(s.p99).toBeLessThanOrEqual(s.max);
    }
    expect(Number.isFinite(doc.stuckRatio)).toBe(true);
    expect(typeof doc.met).toBe("boolean");
  } finally {
    child?.kill();
    cleanup();
  }
}, 180_000);
