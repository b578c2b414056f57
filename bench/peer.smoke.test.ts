// Proves the exchange-core tape benchmark runs end to end on tiny tapes and that every book agrees: our engine,
// exchange-core's order book (built with Maven, run in a JVM; when java and mvn are present, as on CI) and the
// generator's shadow book produce the same consensus digest on all five scenarios. A correctness
// smoke test: it asserts no speed.

import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTape } from "./tapes/cache.ts";
import { digestDiff } from "./tapes/digest.ts";
import { buildPeer, peerUnavailableReason } from "./tapes/peer-exchange-core.ts";
import { scenarioNames } from "./tapes/scenarios.ts";
import { tempDir } from "../test/support/temp-dir.ts";

const root = join(import.meta.dir, "..");
const peerMissing = peerUnavailableReason();
if (peerMissing !== null) console.warn(`peer smoke: exchange-core side skipped (${peerMissing})`);

function isPositiveFinite(v: unknown): boolean {
  return typeof v === "number" && Number.isFinite(v) && v > 0;
}

test("peer bench --quick: consensus on every scenario, a complete JSON report", async () => {
  const { dir, cleanup } = tempDir("peer-bench-smoke");
  const out = join(dir, "peer.json");
  try {
    const args = [
      process.execPath,
      join(import.meta.dir, "peer.bench.ts"),
      "--quick",
      "--existing",
      "none",
      "--json",
      out,
    ];
    if (peerMissing !== null) args.push("--impl", "ours");
    const p = Bun.spawn(args, { cwd: root, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const [code, stdout, stderr] = await Promise.all([
      p.exited,
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
    ]);
    if (code !== 0) console.error(stdout, stderr);
    expect(code).toBe(0);

    const doc = JSON.parse(readFileSync(out, "utf8"));
    expect(doc.consensusAgreed).toBe(true);
    expect(Object.keys(doc.scenarios).sort()).toEqual([...scenarioNames].sort());
    for (const name of scenarioNames) {
      const s = doc.scenarios[name];
      const c = s.consensus;
      expect({ name, ours: c.oursVsExpected, rejects: c.oursRejects }).toEqual({ name, ours: [], rejects: 0 });
      expect(c.expected.trades).toBeGreaterThan(0);
      expect(s.ours.msgsPerSec.rounds.length).toBeGreaterThan(0);
      for (const v of s.ours.msgsPerSec.rounds) expect(isPositiveFinite(v)).toBe(true);
      expect(s.ours.latency.all.count).toBe(s.stats.messages);
      expect(typeof s.ours.heap.zeroAllocation).toBe("boolean");
      if (peerMissing !== null) continue;
      expect({ name, peer: c.peerVsExpected, oursVsPeer: c.oursVsPeer, failures: c.peerFailures }).toEqual({
        name,
        peer: [],
        oursVsPeer: [],
        failures: 0,
      });
      expect(c.peer).toEqual(c.ours);
      expect(s.peer.rounds.length).toBe(s.ours.msgsPerSec.rounds.length);
      for (const r of s.peer.rounds) expect(isPositiveFinite(r.msgsPerSec)).toBe(true);
      expect(isPositiveFinite(s.ratioOursToPeer)).toBe(true);
    }
  } finally {
    cleanup();
  }
}, 600_000);

test.skipIf(peerMissing !== null)(
  "the Java driver's one-shot mode (--tape) prints the expected digest",
  () => {
    const classpath = buildPeer();
    const cached = loadTape({ scenario: "flash-crash", orders: 3_000, seed: 11 });
    const p = Bun.spawnSync(
      [
        "java",
        "-cp",
        classpath,
        "bench.peer.ExchangeCorePeer",
        "--tape",
        cached.path,
        "--warmup",
        "0",
        "--rounds",
        "1",
      ],
      {
        stdout: "pipe",
        stderr: "pipe",
        stdin: "ignore",
        timeout: 120_000,
      },
    );
    if (p.exitCode !== 0) console.error(p.stderr.toString());
    expect(p.exitCode).toBe(0);
    const doc = JSON.parse(p.stdout.toString());
    expect(doc.messages).toBe(cached.tape.stats.messages);
    expect(doc.check.failures).toBe(0);
    expect(digestDiff(doc.check.digest, cached.tape.expected)).toEqual([]);
    expect(doc.rounds.length).toBe(1);
    expect(isPositiveFinite(doc.rounds[0].msgsPerSec)).toBe(true);
  },
  600_000,
);
