// The effective configuration as the start-up summary prints it: every key,
// its value and where the value came from. API and admin key hashes are never
// printed (only how many keys, and from which file); the configuration holds
// no other secret by design (keys live in files of their own).

import type { ExchangeConfigFile } from "./exchange-schema.ts";
import { exchangeSchema } from "./exchange-schema.ts";
import type { ExchangeConfig, LoadedConfig } from "./load.ts";
import { leaves } from "./schema.ts";

/** The configuration as plain data, API keys replaced by their count: fit for a log line or an admin endpoint. */
export function redactedConfig(
  config: ExchangeConfig,
): ExchangeConfigFile & { apiKeys: { count: number; source: string }; adminKeys: { count: number; source: string } } {
  const { apiKeys, adminKeys, ...rest } = config;
  const source = config.apiKeysFile === "" ? "development keys" : config.apiKeysFile;
  const adminSource = config.admin.keysFile === "" ? "development admin key" : config.admin.keysFile;
  return {
    ...structuredClone(rest),
    apiKeys: { count: apiKeys.length, source },
    adminKeys: { count: adminKeys.length, source: adminSource },
  };
}

/** One line per key: `tcp.port = 7001  (env EXCHANGE_TCP_PORT)`, the file read first. */
export function formatEffectiveConfig(loaded: LoadedConfig): string {
  const c = loaded.config;
  const rows: [string, string][] = [];
  for (const { path } of leaves(exchangeSchema.fields)) {
    if (path[0] === "symbols") {
      c.symbols.forEach((s, i) => rows.push([`symbols[${i}] = ${symbolText(s)}`, loaded.sourceOf(path)]));
      continue;
    }
    let value: unknown = c;
    for (const part of path) value = (value as Record<string, unknown>)[part];
    rows.push([`${path.join(".")} = ${JSON.stringify(value)}`, loaded.sourceOf(path)]);
  }
  const keysFrom =
    c.apiKeysFile === ""
      ? "development keys (dev-key-1..8, loadtest-1..64): replace them in a real deployment"
      : c.apiKeysFile;
  rows.push([`apiKeys = ${c.apiKeys.length} keys`, keysFrom]);
  const adminFrom =
    c.admin.keysFile === "" ? "development admin key dev-admin: replace it in a real deployment" : c.admin.keysFile;
  rows.push([`adminKeys = ${c.adminKeys.length} keys`, adminFrom]);
  const width = Math.min(48, Math.max(...rows.map(([left]) => left.length)));
  const header = `configuration: ${loaded.file ?? "defaults (no --config file)"}`;
  return [header, ...rows.map(([left, source]) => `  ${left.padEnd(width)}  (${source})`)].join("\n");
}

function symbolText(s: ExchangeConfig["symbols"][number]): string {
  return `${s.name} tick ${s.tickSize} lot ${s.lotSize} price ${s.minPrice}..${s.maxPrice} maxQty ${s.maxQty}`;
}
