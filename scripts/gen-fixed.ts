// Writes the fixed-layout readers and writers (src/protocol/generated/fixed-layout.ts)
// from src/protocol/layout.ts and src/protocol/codegen/frames.ts. scripts/gen-schema.sh
// runs it after flatc; src/protocol/codegen/emit.test.ts fails when the committed file is stale.
//   ./bunw scripts/gen-fixed.ts [OUT_FILE]

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateFixedLayouts } from "../src/protocol/codegen/emit.ts";

const out = process.argv[2] ?? join(import.meta.dir, "..", "src", "protocol", "generated", "fixed-layout.ts");
writeFileSync(out, generateFixedLayouts());
