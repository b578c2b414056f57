// The effective configuration as the start-up summary prints it: every key,
// its value and where the value came from. API key hashes are never printed
// (only how many keys, and from which file); the configuration holds no other
// secret by design (keys live in their own file).

import type { ExchangeConfigFile } from "./exchange-schema.ts";
import { exchangeSchema } from "./exchange-schema.ts";
import type { ExchangeConfig, LoadedConfig } from "./load.ts";
import { leaves } from "./schema.ts";

/** The configuration as plain data, API keys replaced by their count: fit for a log line or an admin endpoint. */
export function redactedConfig(config: ExchangeConfig): ExchangeConfigFile & { apiKeys: { count: number; source: string } } {
  const { apiKeys, ...rest } = config;
  const source = config.apiKeysFile === "" ? "development keys" : config.apiKeysFile;
  return { ...structuredClone(rest), apiKeys: { count: apiKeys.length, source } };
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
  const keysFrom = c.apiKeysFile === "" ? "development keys (dev-key-1..8, loadtest-1..64): replace them in a real deployment" : c.apiKeysFile;
  rows.push([`apiKeys = ${c.apiKeys.length} keys`, keysFrom]);
  const width = Math.min(48, Math.max(...rows.map(([left]) => left.length)));
  const header = `configuration: ${loaded.file ?? "defaults (no --config file)"}`;
  return [header, ...rows.map(([left, source]) => `  ${left.padEnd(width)}  (${source})`)].join("\n");
}

function symbolText(s: ExchangeConfig["symbols"][number]): string {
  return `${s.name} tick ${s.tickSize} lot ${s.lotSize} price ${s.minPrice}..${s.maxPrice} maxQty ${s.maxQty}`;
}
