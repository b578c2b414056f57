// The configuration of `bun run engine`: defaults, then the file given by
// `--config FILE` (or `--config=FILE`; else EXCHANGE_CONFIG), then EXCHANGE_
// environment variables (env.ts), then the API keys file. Every problem found
// on the way is collected and returned with its key and source; nothing is
// thrown for bad input.

import { dirname, isAbsolute, resolve } from "node:path";
import { type AdminKeyEntry, devAdminKeys, loadAdminKeysFile } from "./admin-keys.ts";
import { type ApiKeyEntry, devApiKeys, loadApiKeysFile } from "./api-keys.ts";
import { crossKeyProblems } from "./checks.ts";
import { applyEnv } from "./env.ts";
import { type ExchangeConfigFile, exchangeSchema } from "./exchange-schema.ts";
import { readConfigFile } from "./parse-file.ts";
import { type ConfigProblem, formatProblems } from "./problems.ts";
import { type PathSegment, isTable, validateFields } from "./validate.ts";

/**
 * What the exchange runs with: the file's keys, the API keys read from `apiKeysFile` and the
 * admin keys from `admin.keysFile`.
 */
export interface ExchangeConfig extends ExchangeConfigFile {
  apiKeys: ApiKeyEntry[];
  adminKeys: AdminKeyEntry[];
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
/** What programs (tests, embedding code) may pass to `resolveConfig`: any part of the file's keys. */
export type ExchangeConfigInput = DeepPartial<ExchangeConfigFile>;

export interface LoadedConfig {
  config: ExchangeConfig;
  /** The config file read, or null for defaults and environment only. */
  file: string | null;
  /** Where each key's value came from: `default`, `file <path>` or `env <NAME>`. */
  sourceOf(path: readonly PathSegment[]): string;
}

export type ConfigResult = { ok: true; loaded: LoadedConfig } | { ok: false; problems: ConfigProblem[] };

export interface ResolveOptions {
  /** The file the input came from, for messages and for resolving `apiKeysFile`. */
  file?: string | null;
  /** Dotted key path → variable name, for keys set from the environment. */
  envSources?: Map<string, string>;
  /** Keys to use instead of reading `apiKeysFile` (tests and embedding programs). */
  apiKeys?: ApiKeyEntry[];
  /** Admin keys to use instead of reading `admin.keysFile`. */
  adminKeys?: AdminKeyEntry[];
  /** Directory `apiKeysFile` is relative to when there is no file; default the working directory. */
  cwd?: string;
}

/** `--config FILE` / `--config=FILE` from argv, else EXCHANGE_CONFIG; a flag without a value is a problem. */
export function configPathOf(
  argv: readonly string[],
  env: Record<string, string | undefined>,
): { path: string | null; problem: ConfigProblem | null } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--config=")) return pathOrProblem(arg.slice("--config=".length));
    if (arg === "--config") return pathOrProblem(argv[i + 1]);
  }
  const fromEnv = env.EXCHANGE_CONFIG;
  return { path: fromEnv === undefined || fromEnv === "" ? null : fromEnv, problem: null };
}

function pathOrProblem(value: string | undefined): { path: string | null; problem: ConfigProblem | null } {
  if (value !== undefined && value !== "" && !value.startsWith("--")) return { path: value, problem: null };
  return {
    path: null,
    problem: {
      path: "--config",
      expected: "a file path after --config",
      found: value === undefined ? "nothing" : JSON.stringify(value),
      source: "command line",
    },
  };
}

export function loadConfig(
  argv: readonly string[],
  env: Record<string, string | undefined>,
  cwd = process.cwd(),
): ConfigResult {
  const located = configPathOf(argv, env);
  if (located.problem !== null) return { ok: false, problems: [located.problem] };
  const file = located.path === null ? null : resolve(cwd, located.path);
  let raw: Record<string, unknown> = {};
  if (file !== null) {
    const parsed = readConfigFile(file, `config file ${file}`);
    if (!parsed.ok) return { ok: false, problems: [parsed.problem] };
    if (!isTable(parsed.value)) {
      return {
        ok: false,
        problems: [
          {
            path: file,
            expected: "a table of keys at the top",
            found: Array.isArray(parsed.value) ? "a list" : typeof parsed.value,
            source: "config file",
          },
        ],
      };
    }
    raw = parsed.value;
  }
  const envProblems: ConfigProblem[] = [];
  const { sources } = applyEnv(raw, env, exchangeSchema.fields, envProblems);
  const result = resolveConfig(raw, { file, envSources: sources, cwd });
  if (envProblems.length === 0) return result;
  return { ok: false, problems: [...envProblems, ...(result.ok ? [] : result.problems)] };
}

/** Checks `input` (a parsed file, possibly with environment values) and fills defaults. */
export function resolveConfig(input: unknown, options: ResolveOptions = {}): ConfigResult {
  const file = options.file ?? null;
  const envSources = options.envSources ?? new Map<string, string>();
  const sourceOf = (path: readonly PathSegment[]): string => {
    const dotted = path.filter((p) => typeof p === "string").join(".");
    for (const [key, name] of envSources) if (dotted === key || dotted.startsWith(`${key}.`)) return `env ${name}`;
    if (file !== null && hasPath(input, path)) return `file ${file}`;
    return file === null && hasPath(input, path) ? "input" : "default";
  };
  const problems: ConfigProblem[] = [];
  const mode = isTable(input) && input.mode === "full" ? "full" : "embedded";
  const c = validateFields(exchangeSchema.fields, input, [], {
    full: mode === "full",
    problems,
    sourceOf,
  }) as ExchangeConfigFile;
  // Rules between keys only make sense once every key has a value of its own type.
  if (problems.length === 0) problems.push(...crossKeyProblems(c, sourceOf));
  const base = file === null ? (options.cwd ?? process.cwd()) : dirname(file);
  const keysPath = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  let apiKeys = options.apiKeys;
  if (apiKeys === undefined && c.apiKeysFile === "") apiKeys = devApiKeys();
  if (apiKeys === undefined) {
    c.apiKeysFile = keysPath(c.apiKeysFile);
    const loaded = loadApiKeysFile(c.apiKeysFile);
    problems.push(...loaded.problems);
    apiKeys = loaded.keys;
  }
  let adminKeys = options.adminKeys;
  if (adminKeys === undefined && c.admin.keysFile === "") adminKeys = devAdminKeys();
  if (adminKeys === undefined) {
    c.admin.keysFile = keysPath(c.admin.keysFile);
    const loaded = loadAdminKeysFile(c.admin.keysFile);
    problems.push(...loaded.problems);
    adminKeys = loaded.keys;
  }
  problems.push(...sharedKeyProblems(apiKeys, adminKeys, c.admin.keysFile));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, loaded: { config: { ...c, apiKeys, adminKeys }, file, sourceOf } };
}

/** A key that logs in on the gateway must not also open the admin API. */
function sharedKeyProblems(
  apiKeys: readonly ApiKeyEntry[],
  adminKeys: readonly AdminKeyEntry[],
  adminFile: string,
): ConfigProblem[] {
  const trading = new Set(apiKeys.map((k) => k.sha256));
  const problems: ConfigProblem[] = [];
  adminKeys.forEach((k, i) => {
    if (trading.has(k.sha256))
      problems.push({
        path: `keys[${i}].sha256`,
        expected: "an admin key that is not also an API key",
        found: `the hash of an API key (operator ${k.operator})`,
        source: adminFile === "" ? "development admin keys" : `admin keys file ${adminFile}`,
      });
  });
  return problems;
}

/** For callers that want an exception: the configuration, or an Error listing every problem. */
export function resolveConfigOrThrow(input: unknown, options: ResolveOptions = {}): ExchangeConfig {
  const result = resolveConfig(input, options);
  if (!result.ok) throw new Error(formatProblems(result.problems));
  return result.loaded.config;
}

function hasPath(input: unknown, path: readonly PathSegment[]): boolean {
  let at: unknown = input;
  for (const part of path) {
    if (typeof part === "number") {
      if (!Array.isArray(at) || part >= at.length) return false;
      at = at[part];
    } else {
      if (!isTable(at) || !Object.hasOwn(at, part)) return false;
      at = at[part];
    }
  }
  return true;
}
