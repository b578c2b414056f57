// Report helpers shared by the benchmarks: which machine, runtime and engine
// revision a figure was measured on, and how figures are printed in tables.

import { readFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";

/** The machine and runtime a report was measured on; `peer` names the peer implementation and its version. */
export function machineInfo(peer: string): Record<string, unknown> {
  let cpu = os.cpus()[0]?.model ?? "unknown";
  try {
    const m = /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m !== null) cpu = m[1]!.trim();
  } catch {
    // Not Linux: os.cpus() already gave the model.
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    bun: Bun.version,
    bunRevision: Bun.revision,
    mitata: packageVersion("mitata"),
    peer,
  };
}

/** Which engine was measured: the commit, and whether src/engine had uncommitted changes. */
export function engineRevision(): { commit: string; engineDirty: boolean | null } {
  const root = join(import.meta.dir, "..");
  const git = (args: string[]) => Bun.spawnSync(["git", ...args], { cwd: root, stdout: "pipe", stderr: "ignore" });
  const head = git(["rev-parse", "HEAD"]);
  const status = git(["status", "--porcelain", "--", "src/engine"]);
  return {
    commit: head.exitCode === 0 ? head.stdout.toString().trim() : "unknown",
    engineDirty: status.exitCode === 0 ? status.stdout.toString().trim().length > 0 : null,
  };
}

export function packageVersion(name: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(import.meta.dir, "..", "node_modules", name, "package.json"), "utf8"));
    return String(pkg.version);
  } catch {
    return "unknown";
  }
}

export function fmtRate(r: number): string {
  if (!Number.isFinite(r)) return "-";
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)} k`;
  return r.toFixed(0);
}

export function fmtNs(ns: number): string {
  if (!Number.isFinite(ns)) return "-";
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(1)} ms`;
  if (ns >= 1e4) return `${(ns / 1e3).toFixed(0)} µs`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(1)} µs`;
  return `${ns.toFixed(0)} ns`;
}

export function fmtNum(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "-";
}

/** Median and range of one figure over benchmark rounds, with the rounds themselves. */
export interface Spread {
  median: number;
  min: number;
  max: number;
  rounds: number[];
}

export function spread(values: number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { median: s[Math.floor((s.length - 1) / 2)]!, min: s[0]!, max: s[s.length - 1]!, rounds: values };
}
