// Summarises a CPU profile (`bun --cpu-prof`, Chrome .cpuprofile JSON) of
// bench/tapes/profile.ts: self time by function, as a share of the time spent
// inside one frame (default: OurTapeBook.run, the matching loop), so book
// construction and tape loading do not dilute the figures.
//   ./bunw bench/tapes/profile-summary.ts .run/prof/x.cpuprofile [--root run] [--top 20] [--lines 30]
// --lines N also lists the N source lines with the most samples (JSC reports
// inlined frames as their own, so a line is where the time went).

import { readFileSync } from "node:fs";
import { basename } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const file = process.argv[2];
if (file === undefined || file.startsWith("--"))
  throw new Error("usage: profile-summary.ts FILE.cpuprofile [--root run] [--top 20]");
const rootName = arg("--root", "run");
const top = Number(arg("--top", "20"));
const linesTop = Number(arg("--lines", "0"));
const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;

const parent = new Map<number, number>();
const byId = new Map<number, ProfileNode>();
for (const n of profile.nodes) {
  byId.set(n.id, n);
  for (const c of n.children ?? []) parent.set(c, n.id);
}

/** Whether the node is the root frame or below it. */
const underRoot = new Map<number, boolean>();
function isUnderRoot(id: number): boolean {
  const known = underRoot.get(id);
  if (known !== undefined) return known;
  const n = byId.get(id)!;
  const p = parent.get(id);
  const v = n.callFrame.functionName === rootName || (p !== undefined && isUnderRoot(p));
  underRoot.set(id, v);
  return v;
}

const selfUs = new Map<string, number>();
let totalUs = 0;
let rootUs = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const id = profile.samples[i]!;
  // Chrome's format: timeDeltas[i] is the time since the previous sample, charged to sample i.
  const dt = profile.timeDeltas[i] ?? 0;
  totalUs += dt;
  if (!isUnderRoot(id)) continue;
  rootUs += dt;
  const f = byId.get(id)!.callFrame;
  const key = `${f.functionName || "(anonymous)"} ${f.url === "" ? "[native]" : basename(f.url)}`;
  selfUs.set(key, (selfUs.get(key) ?? 0) + dt);
}

console.log(
  `${file}: ${(totalUs / 1e3).toFixed(0)} ms sampled, ${(rootUs / 1e3).toFixed(0)} ms ` +
    `(${((100 * rootUs) / totalUs).toFixed(1)}%) inside \`${rootName}\``,
);
console.log(`self time by function, % of the time inside \`${rootName}\`:`);
const rows = [...selfUs.entries()].sort((a, b) => b[1] - a[1]).slice(0, top);
for (const [k, us] of rows)
  console.log(`${((100 * us) / rootUs).toFixed(1).padStart(6)}%  ${(us / 1e3).toFixed(0).padStart(6)} ms  ${k}`);

if (linesTop > 0) {
  // positionTicks count samples per line of each node; only nodes under the root frame count.
  const byLine = new Map<string, number>();
  let ticks = 0;
  for (const n of profile.nodes) {
    if (!isUnderRoot(n.id) || n.positionTicks === undefined) continue;
    for (const p of n.positionTicks) {
      const key = `${basename(n.callFrame.url) || "[native]"}:${p.line}`;
      byLine.set(key, (byLine.get(key) ?? 0) + p.ticks);
      ticks += p.ticks;
    }
  }
  const sources = new Map<string, string[]>();
  const sourceLine = (url: string, line: number): string => {
    if (!sources.has(url)) {
      try {
        sources.set(url, readFileSync(new URL(url), "utf8").split("\n"));
      } catch {
        sources.set(url, []);
      }
    }
    return (sources.get(url)![line - 1] ?? "").trim().slice(0, 100);
  };
  const urls = new Map<string, string>();
  for (const n of profile.nodes) urls.set(basename(n.callFrame.url), n.callFrame.url);
  console.log(`\nsource lines by samples, % of ${ticks} line samples inside \`${rootName}\`:`);
  for (const [key, t] of [...byLine.entries()].sort((a, b) => b[1] - a[1]).slice(0, linesTop)) {
    const [file, line] = key.split(":");
    const url = urls.get(file!) ?? "";
    console.log(
      `${((100 * t) / ticks).toFixed(1).padStart(6)}%  ${key.padEnd(22)} ` +
        `${url === "" ? "" : sourceLine(url, Number(line))}`,
    );
  }
}
