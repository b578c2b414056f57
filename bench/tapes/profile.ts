// Runs one tape through our engine a few times, for a CPU profile of the
// matching path alone (no peer, no digest):
//   ./bunw --cpu-prof-md --cpu-prof-dir .run/prof bench/tapes/profile.ts --scenario swing-40
// The tape comes from .run/tapes/ (generated on first use).

import { loadTape } from "./cache.ts";
import { type OurCapacity, OurTapeBook } from "./our-engine.ts";
import { type ScenarioName, scenarioNames } from "./scenarios.ts";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const scenario = arg("--scenario", "swing-40") as ScenarioName;
if (!scenarioNames.includes(scenario)) throw new Error(`--scenario must be one of ${scenarioNames.join(", ")}`);
const orders = Number(arg("--orders", "1000000"));
const passes = Number(arg("--passes", "4"));
const capacity = arg("--capacity", "production") as OurCapacity;
const { tape } = loadTape({ scenario, orders, seed: Number(arg("--seed", "42")) });
const n = tape.columns.count;
// Books are built before the first pass so their allocation (typed arrays, table fills) shows apart from matching.
const books = Array.from({ length: passes }, () => new OurTapeBook(tape.sizing, capacity));
for (let p = 0; p < passes; p++) {
  const book = books[p]!;
  const t0 = Bun.nanoseconds();
  book.run(tape.columns, 0, n);
  const ns = Bun.nanoseconds() - t0;
  console.log(
    `${scenario} pass ${p + 1}: ${n} messages, ${((n / ns) * 1e3).toFixed(2)} M msgs/s (capacity ${capacity})`,
  );
}
