// Proves docs/configuration.md is exactly what the schema generates (it cannot drift), and that its example of every
// key parses back to the defaults.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "smol-toml";
import { exchangeSchema } from "./exchange-schema.ts";
import { resolveConfig } from "./load.ts";
import { configurationReference } from "./reference.ts";
import { defaultOf, leaves } from "./schema.ts";

const docPath = join(import.meta.dir, "..", "..", "docs", "configuration.md");
const doc = readFileSync(docPath, "utf8");

describe("configuration reference", () => {
  test("docs/configuration.md matches the schema (run `bun scripts/gen-config-doc.ts` after changing it)", () => {
    expect(doc).toBe(configurationReference());
  });

  test("every key and every environment variable appears in it", () => {
    for (const { path } of leaves(exchangeSchema.fields)) {
      if (path[0] === "symbols") continue;
      expect(doc).toContain(`\`${path.join(".")}\``);
    }
    for (const name of [
      "EXCHANGE_TCP_PORT",
      "EXCHANGE_SNAPSHOT_STORE (alias)",
      "EXCHANGE_REDIS_PORT (alias)",
      "`symbols[].tickSize`",
    ])
      expect(doc).toContain(name);
  });

  test("the TOML example of every key loads without a problem and equals the defaults", () => {
    const example = /## Every key with its default \(TOML\)\n\n```toml\n([\s\S]*?)```/.exec(doc);
    expect(example).not.toBeNull();
    const parsed = parse(example![1]!);
    expect(parsed).toEqual(defaultOf(exchangeSchema, false) as typeof parsed);
    const result = resolveConfig(parsed);
    expect(result.ok).toBe(true);
  });
});
