// Writes docs/configuration.md from the configuration schema (src/config).
// src/config/reference.test.ts fails when the committed file is out of date.
//
//   bun scripts/gen-config-doc.ts

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { configurationReference } from "../src/config/reference.ts";

export const configurationDocPath = join(import.meta.dir, "..", "docs", "configuration.md");

if (import.meta.main) {
  writeFileSync(configurationDocPath, configurationReference());
  console.log(`wrote ${configurationDocPath}`);
}
