// What the metrics cost the matching thread: the sequencer's per-command
// probe (src/metrics/command-metrics.ts: commands by type and result, rejects
// by reason, the matching-time histogram) on the hot path, timed with mitata
// in chunks of commands submitted through the real sequencer and engine (the
// feed bench's command stream: quotes, cancels and IOC takers over three
// symbols). Variants, interleaved round by round (the order rotating) on
// fresh sequencers:
//   off        no probe (metrics.enabled = false)
//   sampled    the default: counts every command, times one in 64
//   every      counts and times every command (metrics.matchingSampleEvery = 1)
// Reported: commands/s per variant (median chunk) and the cost per command
// against `off`, median and spread over the rounds.
//
//   bun bench/metrics-probe.bench.ts [--quick] [--rounds N] [--json <file>]

import { writeFileSync } from "node:fs";
import os from "node:os";
import { CommandMetrics } from "../src/metrics/command-metrics.ts";
import { registerExchangeMetrics } from "../src/metrics/exchange-metrics.ts";
import { MetricsRegistry } from "../src/metrics/registry.ts";
import { benchSequencer, benchSymbols, generateFlow, timeChunks } from "./feed/flow.ts";
import { type Spread, spread } from "./report.ts";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const flag = (name: string) => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const rounds = Number(flag("--rounds") ?? (quick ? 3 : 7));
const jsonPath = flag("--json");
const commands = quick ? 200_000 : 2_000_000;
const chunk = 1000;

const variants = [
  { name: "off", sampleEvery: 0 },
  { name: "sampled", sampleEvery: 64 },
  { name: "every", sampleEvery: 1 },
] as const;

const list = generateFlow(77, commands, 0.4);

/** Median chunk time per command, ns, for one variant on a fresh sequencer. */
async function run(sampleEvery: number): Promise<number> {
  const seq = benchSequencer();
  if (sampleEvery > 0) {
    const registry = new MetricsRegistry();
    const metrics = registerExchangeMetrics(registry, { symbols: benchSymbols.map((s) => s.name), kafkaPartitions: 1 });
    seq.probe = new CommandMetrics(registry, metrics, sampleEvery);
  }
  const stats = await timeChunks(seq, list, commands, chunk);
  return stats.p50 / chunk;
}

const perVariant: Record<string, number[]> = Object.fromEntries(variants.map((v) => [v.name, []]));
const loadAtStart = os
  .loadavg()
  .map((l) => l.toFixed(1))
  .join(" ");
console.log(
  `metrics probe: ${commands} commands per round in chunks of ${chunk}, ${rounds} interleaved rounds; ` +
    `${os.cpus().length} cpus, load ${loadAtStart}`,
);
for (let round = 0; round < rounds; round++) {
  // The order rotates each round, so no variant always runs first (warmest or coldest).
  for (let k = 0; k < variants.length; k++) {
    const v = variants[(round + k) % variants.length]!;
    perVariant[v.name]!.push(await run(v.sampleEvery));
  }
  console.log(`  round ${round + 1}/${rounds} done`);
}
const off = perVariant.off!;
const result = Object.fromEntries(
  variants.map((v) => {
    const ns = perVariant[v.name]!;
    return [
      v.name,
      {
        nsPerCommand: spread(ns),
        commandsPerSec: spread(ns.map((x) => 1e9 / x)),
        addedNsPerCommand: spread(ns.map((x, i) => x - off[i]!)),
      },
    ];
  }),
);
console.log(
  "\nvariant   ns/command (median, min–max)   commands/s (median)   added ns/command vs off (median, min–max)",
);
for (const v of variants) {
  const r = result[v.name]!;
  const f = (s: Spread, d: number) => `${s.median.toFixed(d)} (${s.min.toFixed(d)}–${s.max.toFixed(d)})`;
  console.log(
    `${v.name.padEnd(9)} ${f(r.nsPerCommand, 1).padEnd(30)} ${r.commandsPerSec.median.toFixed(0).padEnd(21)} ` +
      `${f(r.addedNsPerCommand, 1)}`,
  );
}
if (jsonPath !== undefined) {
  const machine = { cpus: os.cpus().length, loadavg: os.loadavg(), bun: Bun.version };
  writeFileSync(jsonPath, `${JSON.stringify({ commands, chunk, rounds, machine, result }, null, 2)}\n`);
}
