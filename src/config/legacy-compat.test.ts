// Proves the schema keeps the names and defaults of src/server/config.ts (the configuration before this schema), so wiring it in changes no default; delete this file when src/server/config.ts becomes a re-export of src/config.

import { describe, expect, test } from "bun:test";
import { type ExchangeConfig as LegacyConfig, defaultConfig } from "../server/config.ts";
import { type ExchangeConfig, type ExchangeConfigInput, resolveConfigOrThrow } from "./load.ts";

describe("legacy configuration", () => {
  test("every key of the old configuration has the same default here", () => {
    const legacy = defaultConfig();
    const current = resolveConfigOrThrow({});
    for (const key of Object.keys(legacy) as (keyof LegacyConfig)[]) expect({ key, value: current[key] as unknown }).toEqual({ key, value: legacy[key] });
  });

  test("the new configuration type is usable where the old one is expected", () => {
    const current: ExchangeConfig = resolveConfigOrThrow({ tcp: { port: 0 } });
    const asLegacy: LegacyConfig = current;
    const input: ExchangeConfigInput = { tcp: { port: 0 }, limits: { openOrdersPerUserMax: 1000 } };
    expect(asLegacy.tcp.port).toBe(0);
    expect(resolveConfigOrThrow(input).limits.openOrdersPerUserMax).toBe(1000);
  });
});
