// Test support: the import graph between the folders of src/, from the
// non-test source files, checked against the layering the README's flow
// diagram draws (CONTRACTS.md, Folder DAG):
//   engine <- protocol <- journal / snapshot <- sequencer <- gateway <- server
// client (protocol + engine), loadgen (client), replay (sequencer); the
// output folders (marketdata, questdb, feed, api, kafka) sit between the
// sequencer and the server. Nothing imports server/.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

const core = ["engine", "protocol", "journal", "snapshot", "sequencer"];
/** Leaf utilities every part above the engine may use: structured logs and metrics. */
const support = ["log", "metrics"];
const outputs = ["marketdata", "questdb", "feed", "api", "kafka"];

/** The folders each folder may import. An output folder may also import another one (the cycle check applies). */
export const allowedImports: Record<string, readonly string[]> = {
  engine: [],
  log: [],
  metrics: ["engine", "protocol", "log"],
  protocol: ["engine"],
  journal: ["engine", "protocol", ...support],
  snapshot: ["engine", "protocol", ...support],
  sequencer: ["engine", "protocol", "journal", "snapshot", ...support],
  gateway: [...core, ...support],
  replay: core,
  client: ["engine", "protocol"],
  loadgen: ["engine", "protocol", "client"],
  ...Object.fromEntries(outputs.map((f) => [f, [...core, ...support, ...outputs.filter((o) => o !== f)]])),
  /** The configuration schema: what every part is configured with (server reads it). */
  config: ["engine", "protocol", "journal", ...support],
  /**
   * Operator commands: the API the server mounts (through the sequencer, the gateway's sessions)
   * and its command-line client.
   */
  admin: [...core, ...support, "config", "gateway"],
  server: [...core, ...support, "config", "gateway", "replay", "admin", ...outputs],
};

export interface ImportEdge {
  from: string;
  to: string;
  /** The file and the specifier that make the edge. */
  file: string;
  specifier: string;
}

/** Relative specifiers: static and dynamic imports, re-exports, and `new URL(..., import.meta.url)` (workers). */
export function importSpecifiers(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^;]*?\sfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
    /\bnew URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g,
  ];
  for (const re of patterns) for (const m of text.matchAll(re)) found.push(m[1]!);
  return found.filter((s) => s.startsWith("."));
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}

/** Every import between two different folders of `srcDir` (and every import leaving it, as folder "<outside>"). */
export function folderEdges(srcDir: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(srcDir)) {
    const from = relative(srcDir, file).split(sep)[0]!;
    for (const specifier of importSpecifiers(readFileSync(file, "utf8"))) {
      const target = relative(srcDir, resolve(dirname(file), specifier));
      const to = target.startsWith("..") ? "<outside>" : target.split(sep)[0]!;
      if (to !== from) edges.push({ from, to, file: relative(srcDir, file), specifier });
    }
  }
  return edges;
}

/** Edges the layering forbids (unknown folders included), as readable lines. */
export function layeringViolations(
  edges: ImportEdge[],
  allowed: Record<string, readonly string[]> = allowedImports,
): string[] {
  const out: string[] = [];
  for (const e of edges) {
    const rule = allowed[e.from];
    if (rule === undefined)
      out.push(`src/${e.from}/ is not in the folder table (test/support/folder-graph.ts, CONTRACTS.md): ${e.file}`);
    else if (!rule.includes(e.to)) out.push(`${e.from} may not import ${e.to}: ${e.file} imports "${e.specifier}"`);
  }
  return out;
}

/** A cycle in the folder graph as a path (first folder repeated at the end), or null. */
export function findCycle(edges: { from: string; to: string }[]): string[] | null {
  const next = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Set());
    next.get(e.from)!.add(e.to);
  }
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (node: string): string[] | null => {
    if (state.get(node) === "done") return null;
    if (state.get(node) === "open") return [...path.slice(path.indexOf(node)), node];
    state.set(node, "open");
    path.push(node);
    for (const to of [...(next.get(node) ?? [])].sort()) {
      const cycle = visit(to);
      if (cycle !== null) return cycle;
    }
    path.pop();
    state.set(node, "done");
    return null;
  };
  for (const node of [...next.keys()].sort()) {
    const cycle = visit(node);
    if (cycle !== null) return cycle;
  }
  return null;
}
