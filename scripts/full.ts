// `bun run engine:full`: the exchange in full mode on one machine, with Redis
// (and Kafka and QuestDB once their scripts are merged) installed and started
// first, a progress line per step. Everything lives in scripts/stack.ts; this
// file keeps the package.json entry stable.
//
//   bun run engine:full [-- --dir DIR] [-- --config FILE]

import { main } from "./stack.ts";

process.exitCode = await main(["full", ...process.argv.slice(2)]);
process.exit();
