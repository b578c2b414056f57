// `bun run loadgen -- --port P [options]`: drives the exchange's TCP gateway
// with N sessions at an offered rate (open loop) or a fixed window (closed
// loop) and reports throughput, latency and report counts. --help lists the
// options (src/loadgen/options.ts). Exit code: 0 done, 1 run failed, 2 bad options.

import { parseOptions, usage } from "./options.ts";
import { runLoad } from "./run.ts";
import { formatSummary } from "./summary.ts";

const parsed = parseOptions(process.argv.slice(2));
if (!parsed.ok) {
  if ("help" in parsed) {
    console.log(usage);
    process.exit(0);
  }
  console.error(`loadgen: ${parsed.error}\n\n${usage}`);
  process.exit(2);
}
const options = parsed.options;
const load = options.mode === "open" ? `${options.rate} commands/s` : `window ${options.window}/session`;
console.log(
  `loadgen: ${options.keys.length} session(s) to ${options.host}:${options.port}, ${options.mode} ` +
    `loop, ${load}, ${options.durationMs / 1000} s, seed ${options.seed}`,
);
// The first Ctrl-C ends the run early and still prints the figures; a second one exits at once.
let stopRequested = false;
process.on("SIGINT", () => {
  if (stopRequested) process.exit(130);
  stopRequested = true;
  console.log("loadgen: stopping (Ctrl-C again to quit now)");
});
try {
  const summary = await runLoad(options, { log: (line) => console.log(line), shouldStop: () => stopRequested });
  console.log(formatSummary(summary));
  if (options.json !== "") {
    await Bun.write(options.json, `${JSON.stringify({ options, ...summary }, null, 2)}\n`);
    console.log(`wrote ${options.json}`);
  }
  process.exit(summary.errors.length === 0 ? 0 : 1);
} catch (e) {
  console.error(`loadgen: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
