// Environment overrides. The rule: `EXCHANGE_` followed by the key path in
// upper snake case, path parts joined by `_`:
//
//   tcp.port                   EXCHANGE_TCP_PORT
//   snapshots.redis.keyPrefix  EXCHANGE_SNAPSHOTS_REDIS_KEY_PREFIX
//   kafka.brokers              EXCHANGE_KAFKA_BROKERS=a:9092,b:9092   (lists of plain values: comma-separated)
//
// Lists of tables (symbols) are file-only. A few older names are kept as
// aliases (the schema's `envAliases`). Any other EXCHANGE_ variable is an error,
// so a misspelt override cannot be silently ignored.

import { type ConfigProblem, nearest } from "./problems.ts";
import { type Fields, type ListField, type ScalarField, leaves } from "./schema.ts";
import { isTable } from "./validate.ts";

export const envPrefix = "EXCHANGE_";
/** EXCHANGE_ variables that are not keys: the config file's path. */
export const envMetaVariables: readonly string[] = ["EXCHANGE_CONFIG"];

export interface EnvBinding {
  name: string;
  path: string[];
  field: ScalarField | ListField;
  /** An older name of the same key. */
  alias: boolean;
}

export function envNameOf(path: readonly string[]): string {
  return envPrefix + path.map((part) => part.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()).join("_");
}

/** Every variable the schema answers to, canonical names first. */
export function envBindings(fields: Fields): EnvBinding[] {
  const out: EnvBinding[] = [];
  for (const { path, field } of leaves(fields)) {
    if (field.kind === "list" && field.item.kind === "object") continue;
    out.push({ name: envNameOf(path), path, field, alias: false });
    for (const name of field.envAliases ?? []) out.push({ name, path, field, alias: true });
  }
  return out;
}

export interface EnvOverrides {
  /** Dotted key path → the variable that set it. */
  sources: Map<string, string>;
}

/**
 * Writes the values of the environment's EXCHANGE_ variables into `raw` (the
 * parsed file, changed in place). Values are converted by the key's kind where
 * they can be; one that cannot stays a string so the validator reports it with
 * the variable's name.
 */
export function applyEnv(
  raw: Record<string, unknown>,
  env: Record<string, string | undefined>,
  fields: Fields,
  problems: ConfigProblem[],
): EnvOverrides {
  const bindings = envBindings(fields);
  const byName = new Map(bindings.map((b) => [b.name, b]));
  const sources = new Map<string, string>();
  const valueByPath = new Map<string, string>();
  for (const name of Object.keys(env).sort()) {
    const text = env[name];
    if (!name.startsWith(envPrefix) || text === undefined || envMetaVariables.includes(name)) continue;
    const binding = byName.get(name);
    if (binding === undefined) {
      const suggestion = nearest(name, byName.keys());
      problems.push({
        path: name,
        expected: "a known EXCHANGE_ variable",
        found: "an unknown variable",
        source: "environment",
        hint: suggestion === null ? "docs/configuration.md lists them" : `did you mean ${suggestion}?`,
      });
      continue;
    }
    const key = binding.path.join(".");
    const earlier = valueByPath.get(key);
    if (earlier !== undefined && earlier !== text) {
      problems.push({
        path: key,
        expected: "one value",
        found: `${JSON.stringify(earlier)} and ${JSON.stringify(text)}`,
        source: `env ${sources.get(key)} and ${name}`,
      });
      continue;
    }
    valueByPath.set(key, text);
    sources.set(key, name);
    setPath(raw, binding.path, convert(binding.field, text));
  }
  return { sources };
}

function convert(field: ScalarField | ListField, text: string): unknown {
  if (field.kind === "list") {
    const item = field.item as ScalarField;
    return text === "" ? [] : text.split(",").map((part) => convert(item, part.trim()));
  }
  if (field.kind === "int") return /^-?[0-9]+$/.test(text.trim()) ? Number(text.trim()) : text;
  if (field.kind === "bool") {
    const t = text.trim().toLowerCase();
    if (t === "true" || t === "1" || t === "on") return true;
    if (t === "false" || t === "0" || t === "off") return false;
    return text;
  }
  return text;
}

function setPath(raw: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let table = raw;
  for (const part of path.slice(0, -1)) {
    const next = table[part];
    if (isTable(next)) table = next;
    else {
      const created: Record<string, unknown> = {};
      table[part] = created;
      table = created;
    }
  }
  table[path[path.length - 1]!] = value;
}
