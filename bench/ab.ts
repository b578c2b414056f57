// A/B of two builds of our engine on the same tapes, rounds interleaved in one
// process (A B, B A, A B, ...), each round a full tape pass on a fresh book:
// the way to prove one engine change on a machine other jobs share. Figures are
// msgs/s over the thread's CPU time (bench/cpu-time.ts; wall time beside it),
// and the per-round ratio B/A, whose median is the result.
//
//   ./bunw bench/ab.ts --a main --b work --scenarios swing-40,normal --rounds 7
//
// A build is a git revision (its src/engine and bench/tapes are exported once
// to .run/ab/<commit>/ and imported from there) or `work`, this worktree as it
// is. Each build runs its own copy of bench/tapes/our-engine.ts, so neither
// shares a JIT-compiled call site with the other.

import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fullGC } from "bun:jsc";
import { threadCpuNs } from "./cpu-time.ts";
import { fmtRate, machineInfo } from "./report.ts";
import { loadTape } from "./tapes/cache.ts";
import type { TapeSizing } from "./tapes/generate.ts";
import type { OurCapacity } from "./tapes/our-engine.ts";
import { type ScenarioName, scenarioNames } from "./tapes/scenarios.ts";
import type { TapeColumns } from "./tapes/tape.ts";

const HELP = `bun bench/ab.ts [flags]
  --a <rev|work>        build A (default main)
  --b <rev|work>        build B (default work)
  --scenarios <a,b>     subset of: ${scenarioNames.join(", ")} (default all)
  --orders <n>          new orders per tape (default 1,000,000)
  --rounds <n>          timed passes per build and scenario, interleaved (default 5)
  --warmup <n>          untimed passes per build first (default 1)
  --capacity <c>        production (default) or tape
  --seed <n>            tape seed (default 42)
  --json <file>         also write the report as JSON`;

interface Options {
  a: string;
  b: string;
  scenarios: ScenarioName[];
  orders: number;
  rounds: number;
  warmup: number;
  capacity: OurCapacity;
  seed: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    a: "main",
    b: "work",
    scenarios: [...scenarioNames],
    orders: 1_000_000,
    rounds: 5,
    warmup: 1,
    capacity: "production",
    seed: 42,
    json: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value`);
      return v;
    };
    if (flag === "--a") o.a = value();
    else if (flag === "--b") o.b = value();
    else if (flag === "--scenarios") {
      o.scenarios = value().split(",") as ScenarioName[];
      for (const s of o.scenarios) if (!scenarioNames.includes(s)) throw new Error(`unknown scenario ${s}`);
    } else if (flag === "--orders") o.orders = Number(value());
    else if (flag === "--rounds") o.rounds = Number(value());
    else if (flag === "--warmup") o.warmup = Number(value());
    else if (flag === "--capacity") o.capacity = value() as OurCapacity;
    else if (flag === "--seed") o.seed = Number(value());
    else if (flag === "--json") o.json = value();
    else if (flag === "--help" || flag === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${flag}\n${HELP}`);
  }
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error(`--rounds ${o.rounds}`);
  if (o.capacity !== "production" && o.capacity !== "tape") throw new Error(`--capacity ${o.capacity}`);
  return o;
}

interface TapeBook {
  run(t: TapeColumns, start: number, end: number): void;
}

interface Build {
  name: string;
  commit: string;
  make(sizing: TapeSizing, capacity: OurCapacity): TapeBook;
}

const root = join(import.meta.dir, "..");

function git(args: string[]): string {
  const r = Bun.spawnSync(["git", ...args], { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr.toString().trim()}`);
  return r.stdout.toString().trim();
}

/** Loads a build: `work` from this tree, a revision from its export under .run/ab/. */
async function loadBuild(name: string): Promise<Build> {
  let dir = root;
  const dirty = git(["status", "--porcelain", "--", "src/engine", "bench/tapes"]) !== "";
  let commit = `${git(["rev-parse", "--short", "HEAD"])}${dirty ? "+dirty" : ""}`;
  if (name !== "work") {
    commit = git(["rev-parse", "--short", name]);
    dir = join(root, ".run", "ab", commit);
    if (!existsSync(join(dir, "bench", "tapes", "our-engine.ts"))) {
      mkdirSync(dir, { recursive: true });
      const archive = Bun.spawnSync(
        ["git", "archive", commit, "src/engine", "bench/tapes", "bench/shadow.ts", "bench/prng.ts"],
        { cwd: root, stdout: "pipe" },
      );
      if (archive.exitCode !== 0) throw new Error(`git archive ${commit} failed`);
      const untar = Bun.spawnSync(["tar", "-x", "-C", dir], { stdin: archive.stdout });
      if (untar.exitCode !== 0) throw new Error(`tar into ${dir} failed`);
    }
  }
  const mod = await import(join(dir, "bench", "tapes", "our-engine.ts"));
  return { name, commit, make: (sizing, capacity) => new mod.OurTapeBook(sizing, capacity) as TapeBook };
}

interface Pass {
  cpuNs: number;
  wallNs: number;
}

function pass(build: Build, sizing: TapeSizing, o: Options, t: TapeColumns): Pass {
  const book = build.make(sizing, o.capacity);
  fullGC();
  const c0 = threadCpuNs === null ? 0 : threadCpuNs();
  const w0 = Bun.nanoseconds();
  book.run(t, 0, t.count);
  const wallNs = Bun.nanoseconds() - w0;
  const cpuNs = threadCpuNs === null ? wallNs : threadCpuNs() - c0;
  return { cpuNs, wallNs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const a = await loadBuild(o.a);
  const b = await loadBuild(o.b);
  console.log(
    `A/B: A = ${a.name} (${a.commit}), B = ${b.name} (${b.commit}); capacity ${o.capacity}; ` +
      `${o.rounds} rounds; clock ${threadCpuNs === null ? "wall (no thread CPU clock)" : "thread CPU"}`,
  );
  const results: Record<string, unknown> = {};
  for (const scenario of o.scenarios) {
    const { tape } = loadTape({ scenario, orders: o.orders, seed: o.seed });
    const t = tape.columns;
    for (let w = 0; w < o.warmup; w++) for (const build of [a, b]) pass(build, tape.sizing, o, t);
    const rounds: { a: Pass; b: Pass }[] = [];
    for (let r = 0; r < o.rounds; r++) {
      // Alternate who goes first, so a drift in machine load favours neither.
      const first = r % 2 === 0 ? a : b;
      const p1 = pass(first, tape.sizing, o, t);
      const p2 = pass(first === a ? b : a, tape.sizing, o, t);
      rounds.push(first === a ? { a: p1, b: p2 } : { a: p2, b: p1 });
    }
    const rate = (p: Pass) => (t.count / p.cpuNs) * 1e9;
    const wallRate = (p: Pass) => (t.count / p.wallNs) * 1e9;
    const aRates = rounds.map((r) => rate(r.a));
    const bRates = rounds.map((r) => rate(r.b));
    const ratios = rounds.map((r) => r.a.cpuNs / r.b.cpuNs);
    const summary = {
      messages: t.count,
      a: {
        median: median(aRates),
        min: Math.min(...aRates),
        max: Math.max(...aRates),
        wallMedian: median(rounds.map((r) => wallRate(r.a))),
      },
      b: {
        median: median(bRates),
        min: Math.min(...bRates),
        max: Math.max(...bRates),
        wallMedian: median(rounds.map((r) => wallRate(r.b))),
      },
      ratioBtoA: { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) },
      rounds,
    };
    results[scenario] = summary;
    console.log(
      `${scenario.padEnd(12)} A ${fmtRate(summary.a.median)} [${fmtRate(summary.a.min)}..${fmtRate(summary.a.max)}]  ` +
        `B ${fmtRate(summary.b.median)} [${fmtRate(summary.b.min)}..${fmtRate(summary.b.max)}]  ` +
        `B/A ${summary.ratioBtoA.median.toFixed(3)} [${summary.ratioBtoA.min.toFixed(3)}..` +
        `${summary.ratioBtoA.max.toFixed(3)}]  (wall A ${fmtRate(summary.a.wallMedian)} B ` +
        `${fmtRate(summary.b.wallMedian)})`,
    );
  }
  if (o.json !== null) {
    const doc = {
      schema: "exchange-core-bun/ab/1",
      date: new Date().toISOString(),
      machine: machineInfo("none"),
      config: o,
      builds: { a, b },
      results,
    };
    writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${o.json}`);
  }
}

await main();
