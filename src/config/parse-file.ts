// Reads a configuration-shaped file: JSON (`.json`) or TOML (`.toml`, parsed by
// smol-toml, which reports the line and column of a syntax error; Bun.TOML
// does not). Errors are values: a missing or unreadable file, a bad extension
// or a syntax error comes back as a problem naming the file.

import { existsSync, readFileSync, statSync } from "node:fs";
import { TomlError, parse as parseToml } from "smol-toml";
import type { ConfigProblem } from "./problems.ts";

/** A configuration or keys file larger than this is a mistake (a log, a journal), not a configuration. */
export const configFileBytesMax = 16 << 20;
/** TOML inline tables and arrays nest no deeper than this; the schema needs 3. */
const tomlDepthMax = 32;

export type ParsedFile = { ok: true; value: unknown } | { ok: false; problem: ConfigProblem };

export function readConfigFile(path: string, what: string): ParsedFile {
  const fail = (expected: string, found: string): ParsedFile => ({
    ok: false,
    problem: { path, expected, found, source: what },
  });
  const format = path.endsWith(".toml") ? "toml" : path.endsWith(".json") ? "json" : null;
  if (format === null) return fail("a file name ending in .json or .toml", JSON.stringify(path));
  if (!existsSync(path)) return fail("an existing file", "no such file");
  let text: string;
  try {
    const bytes = statSync(path).size;
    if (bytes > configFileBytesMax) return fail(`at most ${configFileBytesMax} bytes`, `${bytes} bytes`);
    text = readFileSync(path, "utf8");
  } catch (error) {
    return fail("a readable file", (error as Error).message);
  }
  return format === "json" ? parseJson(text, fail) : parseTomlText(text, fail);
}

function parseJson(text: string, fail: (expected: string, found: string) => ParsedFile): ParsedFile {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return fail("valid JSON", (error as Error).message);
  }
}

function parseTomlText(text: string, fail: (expected: string, found: string) => ParsedFile): ParsedFile {
  try {
    return {
      ok: true,
      value: parseToml(text, { integersAsBigInt: false, unsafeKeyBehaviour: "throw", maxDepth: tomlDepthMax }),
    };
  } catch (error) {
    if (!(error instanceof TomlError)) throw error;
    // smol-toml's message carries a code excerpt over several lines; the first line and the position suffice.
    const reason = error.message.split("\n")[0]!.replace(/^Invalid TOML document: /, "");
    return fail("valid TOML", `${reason} at line ${error.line}, column ${error.column}`);
  }
}
