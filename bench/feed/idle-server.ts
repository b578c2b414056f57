// The feed alone in a process of its own (a sequencer with the bench symbols
// and the feed's worker), for the idle-clients measurement: its RSS is then
// the feed's and nothing else's. stdout: "port <n>"; each "rss" line on stdin
// is answered with "rss <bytes> <connections>" after a full collection.

import { startFeedWorker } from "../../src/feed/start.ts";
import { benchSequencer } from "./flow.ts";

const seq = benchSequencer();
const feed = await startFeedWorker(seq, {
  limits: { connectionsMax: 20_000, requestsPerSecond: 100, requestBurst: 100 },
});
console.log(`port ${feed.port}`);
for await (const line of console) {
  if (line === "rss") {
    Bun.gc(true);
    const stats = await feed.stats();
    console.log(`rss ${process.memoryUsage().rss} ${stats.connections}`);
  } else if (line === "stop") break;
}
await feed.stop();
process.exit(0);
