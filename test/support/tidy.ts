// Test support: the checks of test/tidy.test.ts, each a pure function of a
// file's path and text (so a self-test can feed it a tiny synthetic input).
// Functions are found with a real TypeScript parser (@babel/parser), not by
// matching braces: strings, template literals, regular expressions and
// comments cannot fool it.

import { parse } from "@babel/parser";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** The widest line, in columns (code points): wide enough for a signature, narrow enough for two files side by side. */
export const lineColumnsMax = 120;
/** The longest function, in lines from its first line to its closing brace (TigerBeetle's limit). */
export const functionLinesMax = 70;

/** One broken rule: where, which rule, and what a reader needs to fix it. */
export interface Finding {
  file: string;
  line: number;
  rule: string;
  what: string;
}

export function formatFinding(f: Finding): string {
  return `${f.file}:${f.line}: ${f.rule}: ${f.what}`;
}

/** Folders checked, relative to the repository root. */
export const checkedFolders = ["src", "scripts", "bench", "test"];

/** Generated code (flatc, the fixed-layout generator): its shape is the generator's, checked by its own drift tests. */
export function isGenerated(path: string): boolean {
  return path.split(/[\\/]/).includes("generated");
}

/** Every non-generated TypeScript file under `folders` of `root`, as paths relative to `root`, sorted. */
export function sourceFiles(root: string, folders: readonly string[] = checkedFolders): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith(".ts") && !isGenerated(path)) out.push(relative(root, path).split(sep).join("/"));
    }
  };
  for (const folder of folders) walk(join(root, folder));
  return out.sort();
}

export function isTestFile(path: string): boolean {
  return /\.test\.ts$/.test(path);
}

/** Lines wider than `columnsMax` code points. */
export function longLines(file: string, text: string, columnsMax = lineColumnsMax): Finding[] {
  const out: Finding[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const columns = [...lines[i]!].length;
    if (columns > columnsMax) {
      out.push({ file, line: i + 1, rule: "line width", what: `${columns} columns (at most ${columnsMax})` });
    }
  }
  return out;
}

// ---- Functions ---------------------------------------------------------------------------

/** A node of Babel's AST, read generically: only `type`, `loc` and the children are used. */
interface Node {
  type: string;
  loc?: { start: { line: number }; end: { line: number } } | null;
  [key: string]: unknown;
}

const functionTypes = new Set([
  "FunctionDeclaration",
  "FunctionExpression",
  "ArrowFunctionExpression",
  "ClassMethod",
  "ClassPrivateMethod",
  "ObjectMethod",
]);

/** Parses TypeScript into Babel's AST (throws with the position on a syntax error). */
export function parseTypeScript(file: string, text: string): Node {
  try {
    return parse(text, { sourceType: "module", plugins: ["typescript"] }).program as unknown as Node;
  } catch (error) {
    throw new Error(`${file}: does not parse: ${(error as Error).message}`);
  }
}

/** Calls `visit` for every node under `node`, with its parent. */
function walk(node: Node, parent: Node | null, visit: (n: Node, parent: Node | null) => void): void {
  visit(node, parent);
  for (const key of Object.keys(node)) {
    if (key === "loc" || key === "extra" || key.endsWith("Comments")) continue;
    const child = node[key];
    if (Array.isArray(child)) {
      for (const c of child) if (isNode(c)) walk(c, node, visit);
    } else if (isNode(child)) walk(child, node, visit);
  }
}

function isNode(v: unknown): v is Node {
  return typeof v === "object" && v !== null && typeof (v as Node).type === "string";
}

/**
 * The name a call's callee starts with: `describe` for describe(...), describe.each(...)(...) and describe.skip(...).
 */
function calleeRoot(call: Node): string {
  let c = call.callee as Node;
  for (;;) {
    if (c.type === "Identifier") return c.name as string;
    if (c.type === "MemberExpression") c = c.object as Node;
    else if (c.type === "CallExpression") c = c.callee as Node;
    else return "";
  }
}

/** A readable name for a function node: its own, its key's, its variable's, or the call it is passed to. */
function functionName(fn: Node, parent: Node | null): string {
  const id = (fn.id ?? fn.key) as Node | undefined;
  if (id?.type === "Identifier" || id?.type === "PrivateName") return String(id.name ?? (id.id as Node)?.name);
  if (parent?.type === "VariableDeclarator" && (parent.id as Node).type === "Identifier")
    return String((parent.id as Node).name);
  if (parent?.type === "ClassProperty" || parent?.type === "ObjectProperty") return String((parent.key as Node).name);
  if (parent?.type === "CallExpression") return `callback of ${calleeRoot(parent)}()`;
  return "anonymous function";
}

/** A function marked `tidy: long (reason)` may reach this length; past it, no reason is enough. */
export const longFunctionAllowedLinesMax = 240;
/** The mark, in a comment among the function's leading comments: a reason of at least 20 characters. */
const longMark = /tidy: long \(([^)]{20,})\)/;

/**
 * A function whose leading comments say why it is long: the matching engine's
 * hot commands are written out because JSC inlines only small functions and a
 * call per step measurably costs more than the step (src/engine/engine.ts).
 */
function allowedLong(n: Node, text: string): boolean {
  const lines = text.split("\n");
  const comment: string[] = [];
  // The comment block right above the function's first line (its JSDoc or `//` lines).
  for (let k = n.loc!.start.line - 2; k >= 0 && /^\s*(\/\/|\/\*|\*)/.test(lines[k]!); k--) comment.push(lines[k]!);
  return longMark.test(
    comment
      .reverse()
      .map((l) => l.replace(/^\s*(\/\/|\/\*\*|\*\/|\*)\s?/, ""))
      .join(" "),
  );
}

/**
 * Functions longer than `linesMax` lines (first line to closing brace, nested
 * functions included). In a test file the callback of a `describe` is a
 * grouping of tests, not a function, and is exempt; a `test`/`it` body counts.
 * A function marked `tidy: long (reason)` may reach longFunctionAllowedLinesMax.
 */
export function longFunctions(file: string, text: string, linesMax = functionLinesMax): Finding[] {
  const out: Finding[] = [];
  const test = isTestFile(file);
  walk(parseTypeScript(file, text), null, (n, parent) => {
    if (!functionTypes.has(n.type) || n.body === null || n.body === undefined || n.loc == null) return;
    if (test && parent?.type === "CallExpression" && calleeRoot(parent) === "describe") return;
    const lines = n.loc.end.line - n.loc.start.line + 1;
    if (lines <= linesMax) return;
    if (lines <= longFunctionAllowedLinesMax && allowedLong(n, text)) return;
    const name = functionName(n, parent);
    out.push({
      file,
      line: n.loc.start.line,
      rule: "function length",
      what: `${name}: ${lines} lines (at most ${linesMax})`,
    });
  });
  return out;
}

/**
 * Code compiled from strings at run time: `eval(...)`, `new Function(...)`, `Function(...)` (also as `globalThis.x`).
 */
export function dynamicCode(file: string, text: string): Finding[] {
  const out: Finding[] = [];
  walk(parseTypeScript(file, text), null, (n) => {
    if (n.type !== "CallExpression" && n.type !== "NewExpression") return;
    let callee = n.callee as Node;
    if (callee.type === "MemberExpression" && (callee.object as Node).type === "Identifier") {
      const owner = (callee.object as Node).name;
      if (owner === "globalThis" || owner === "window" || owner === "self") callee = callee.property as Node;
    }
    const name = callee.type === "Identifier" ? callee.name : "";
    if (name !== "eval" && name !== "Function") return;
    const what = `${n.type === "NewExpression" ? "new " : ""}${name}(...) compiles code from a string at run time`;
    out.push({ file, line: n.loc?.start.line ?? 0, rule: "no dynamic code", what });
  });
  return out;
}

/** A test file opens with a comment line on what it proves (the sentence may wrap onto more comment lines). */
export function testFileOpening(file: string, text: string): Finding[] {
  if (!isTestFile(file)) return [];
  const first = text.split("\n", 1)[0]!;
  if (/^\/\/ \S/.test(first)) return [];
  return [
    { file, line: 1, rule: "test file opening", what: "the first line must be a `// ` comment saying what it proves" },
  ];
}

/** Every per-file check on the files under `root`, read from disk. */
export function checkFiles(root: string, files: readonly string[]): Finding[] {
  const out: Finding[] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), "utf8");
    out.push(...longLines(file, text), ...longFunctions(file, text), ...testFileOpening(file, text));
    if (file.startsWith("src/")) out.push(...dynamicCode(file, text));
  }
  return out;
}

// ---- README numbers ----------------------------------------------------------------------

/**
 * A number the README states that names a constant: `pattern` finds the
 * sentence (whitespace, line breaks included, is collapsed to one space
 * first) and captures the numbers; `actual` are the code's values, in the
 * same order.
 */
export interface ReadmeClaim {
  what: string;
  pattern: RegExp;
  actual: readonly number[];
}

/** "4,096", "1 MiB", "10 s" and plain integers, as numbers (MiB and KiB in bytes, s in ms). */
export function readmeNumber(text: string): number {
  const m = /^([\d,]+)\s*(MiB|KiB|s)?$/.exec(text.trim());
  if (m === null) throw new Error(`not a README number: "${text}"`);
  const n = Number(m[1]!.replaceAll(",", ""));
  return m[2] === "MiB" ? n * 1024 * 1024 : m[2] === "KiB" ? n * 1024 : m[2] === "s" ? n * 1000 : n;
}

/** Claims the README no longer makes (the check must follow the text), or whose numbers differ from the code. */
export function readmeMismatches(file: string, readme: string, claims: readonly ReadmeClaim[]): Finding[] {
  const flat = readme.replace(/\s+/g, " ");
  const out: Finding[] = [];
  for (const c of claims) {
    const m = c.pattern.exec(flat);
    if (m === null) {
      out.push({ file, line: 0, rule: "README number", what: `${c.what}: no text matches ${c.pattern}` });
      continue;
    }
    const stated = m.slice(1).map(readmeNumber);
    const line = readme.slice(0, readmeOffset(readme, m[0])).split("\n").length;
    if (stated.length !== c.actual.length || stated.some((v, i) => v !== c.actual[i])) {
      const says = `says ${stated.join(", ")}; the code has ${c.actual.join(", ")}`;
      out.push({ file, line, rule: "README number", what: `${c.what}: "${m[0]}" ${says}` });
    }
  }
  return out;
}

/** Where the whitespace-collapsed match `flatMatch` starts in the original text (for the line number). */
function readmeOffset(readme: string, flatMatch: string): number {
  const words = flatMatch.split(" ").filter((w) => w !== "");
  const re = new RegExp(words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("\\s+"));
  return re.exec(readme)?.index ?? 0;
}
