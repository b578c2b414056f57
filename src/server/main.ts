// `bun run engine`: for now, replays the bundled sample order file through the
// engine and prints a summary (the TCP gateway and feeds replace this).

import { join } from "node:path";
import { Replay } from "../replay/replay.ts";

const samplePath = join(import.meta.dir, "../../test/fixtures/sample-orders.ndjson");
const text = await Bun.file(samplePath).text();
const counts = new Map<string, number>();
const replay = new Replay({
  event: (line) => {
    const kind = /"ev":"([a-z]+)"/.exec(line)?.[1] ?? "?";
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  },
  malformed: (n, reason) => console.error(`line ${n}: ${reason}`),
});
const started = Bun.nanoseconds();
for (const line of text.split("\n")) replay.line(line);
const ms = (Bun.nanoseconds() - started) / 1e6;
const s = replay.summary();
console.log(`replayed ${samplePath}`);
console.log(`commands ${s.commands}, trades ${s.trades}, malformed ${s.malformed}, ${ms.toFixed(1)} ms`);
console.log(`events: ${[...counts].map(([k, v]) => `${k} ${v}`).join(", ")}`);
console.log(`state hash ${s.hash}`);
for (const book of [0, 1]) {
  const name = replay.engine.symNames[book];
  console.log(`${name}: best bid ${replay.engine.bestBid(book)}, best ask ${replay.engine.bestAsk(book)}`);
}
