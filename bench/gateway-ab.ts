// Before/after runs of the gateway benchmark, interleaved: bench/gateway.bench.ts
// with `--root A`, then `--root B`, then A again, ... so both builds see the
// same machine (a shared machine drifts by ±20-40% within minutes). Every run
// writes its JSON; the summary gives per build the median and the range over
// runs of the throughput (median round of each run) and the latency run's
// p50/p99 and collector pauses.
//
//   ./bunw bench/gateway-ab.ts --a <checkout> --b <checkout> [--runs 5] [--json f] -- <gateway.bench.ts flags>
//
// e.g. a base commit checked out with `git worktree add --detach /tmp/base <commit>`
// (and its node_modules linked to this checkout's), against this checkout:
//   ./bunw bench/gateway-ab.ts --a /tmp/base --b . --runs 5 -- --quick --policy write --feed off --gc

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

interface Run {
  build: "a" | "b";
  engineCommandsPerSec: number;
  latencyP50Us: number;
  latencyP99Us: number;
  gcPauses: number;
  gcPauseMsTotal: number;
  gcPauseMsMax: number;
}

function parse(argv: string[]): { a: string; b: string; runs: number; json: string | null; rest: string[] } {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const rest = dash < 0 ? [] : argv.slice(dash + 1);
  const get = (flag: string) => {
    const at = own.indexOf(flag);
    return at < 0 ? undefined : own[at + 1];
  };
  const a = get("--a");
  const b = get("--b");
  if (a === undefined || b === undefined)
    throw new Error("usage: gateway-ab.ts --a <checkout> --b <checkout> [--runs n] [--json f] -- <bench flags>");
  const runs = Number(get("--runs") ?? 5);
  if (!(Number.isInteger(runs) && runs >= 1 && runs <= 50)) throw new Error("--runs must be an integer in [1, 50]");
  if (rest.includes("--root") || rest.includes("--json")) throw new Error("--root and --json are this script's to set");
  return { a: resolve(a), b: resolve(b), runs, json: get("--json") ?? null, rest };
}

function runOnce(build: "a" | "b", root: string, rest: string[], dir: string, k: number): Run {
  const out = join(dir, `${build}-${k}.json`);
  const args = [process.execPath, join(import.meta.dir, "gateway.bench.ts"), ...rest, "--root", root, "--json", out];
  const p = Bun.spawnSync(args, { stdout: "pipe", stderr: "pipe" });
  if (p.exitCode !== 0) throw new Error(`run ${build}${k} failed (${p.exitCode}):\n${p.stdout}\n${p.stderr}`);
  const doc = JSON.parse(readFileSync(out, "utf8"));
  const policy = Object.values(doc.policies)[0] as {
    throughput: { engineCommandsPerSecMedian: number };
    latency: {
      latencyNs: { p50: number; p99: number };
      gc: { count: number; pauseMsTotal: number; pauseMsMax: number } | null;
    }[];
  };
  const l = policy.latency[0]!;
  return {
    build,
    engineCommandsPerSec: policy.throughput.engineCommandsPerSecMedian,
    latencyP50Us: l.latencyNs.p50 / 1e3,
    latencyP99Us: l.latencyNs.p99 / 1e3,
    gcPauses: l.gc?.count ?? Number.NaN,
    gcPauseMsTotal: l.gc?.pauseMsTotal ?? Number.NaN,
    gcPauseMsMax: l.gc?.pauseMsMax ?? Number.NaN,
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor((s.length - 1) / 2)]!;
}

function cell(xs: number[], digits: number): string {
  return `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}-${Math.max(...xs).toFixed(digits)})`;
}

const o = parse(process.argv.slice(2));
const dir = mkdtempSync(join(tmpdir(), "gateway-ab-"));
const runs: Run[] = [];
try {
  for (let k = 0; k < o.runs; k++) {
    for (const build of ["a", "b"] as const) {
      const r = runOnce(build, build === "a" ? o.a : o.b, o.rest, dir, k);
      runs.push(r);
      console.log(
        `${build}${k + 1}: engine ${Math.round(r.engineCommandsPerSec)}/s, ` +
          `latency p50 ${r.latencyP50Us.toFixed(0)} µs ` +
          `p99 ${r.latencyP99Us.toFixed(0)} µs, gc ${r.gcPauses} pauses ${r.gcPauseMsTotal.toFixed(1)} ms ` +
          `(max ${r.gcPauseMsMax.toFixed(1)})`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log("\nbuild  engine /s, median (min-max)      latency p99 µs          gc pauses in the latency run");
for (const build of ["a", "b"] as const) {
  const rs = runs.filter((r) => r.build === build);
  const root = build === "a" ? o.a : o.b;
  console.log(
    `${build}      ${cell(
      rs.map((r) => r.engineCommandsPerSec / 1e3),
      0,
    )} k   ${cell(
      rs.map((r) => r.latencyP99Us),
      0,
    )}   ` +
      `${cell(
        rs.map((r) => r.gcPauses),
        0,
      )} (total ms ${cell(
        rs.map((r) => r.gcPauseMsTotal),
        1,
      )})   ${root}`,
  );
}
const ratio = runs
  .filter((r) => r.build === "b")
  .map((r, k) => r.engineCommandsPerSec / runs.filter((x) => x.build === "a")[k]!.engineCommandsPerSec);
console.log(`b/a throughput per interleaved pair: ${cell(ratio, 2)}`);
if (o.json !== null) {
  const report = { schema: "exchange-core-bun/bench-gateway-ab/1", a: o.a, b: o.b, flags: o.rest, runs };
  writeFileSync(o.json, `${JSON.stringify(report, null, 2)}\n`);
}
