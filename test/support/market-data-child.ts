// A child process for crash tests: an exchange (sequencer, engine, journal in
// <dir>) that recovers from its journal, defines the flow's symbols on a fresh
// one, runs `commands` commands of seeded random flow, and ingests market data
// into QuestDB in this same process (the service, following the journal).
//
//   bun test/support/market-data-child.ts <dir> <questdbHttpUrl> <seed> <commands> [<ticksAckedMin>]
//
// With <ticksAckedMin> it goes on past <commands> (up to 50 times as many)
// until QuestDB acknowledged that many ticks: a crash test that kills it once
// rows are acknowledged then never finds it finished on a slow machine.
//
// Prints `live <seq>` once the replay (resume) is done, `progress <commands>
// <ticksAcked>` after every batch, and `done` after a clean stop.

import { join } from "node:path";
import { MarketDataService } from "../../src/api/service.ts";
import { JournalLog } from "../../src/sequencer/journal-log.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { OrderFlow } from "../marketdata/order-flow.ts";
import { engineConfig, flowStartMs, usersCount } from "./market-data.ts";

const [dir, httpUrl, seedText, commandsText, ackedMinText] = process.argv.slice(2);
if (dir === undefined || httpUrl === undefined || seedText === undefined || commandsText === undefined) {
  console.error("usage: market-data-child.ts <dir> <questdbHttpUrl> <seed> <commands>");
  process.exit(2);
}

const sequencer = new Sequencer(engineConfig, null);
let lastNs = flowStartMs * 1e6;
const log = JournalLog.open(join(dir, "journal.bin"), "write", 1 << 20, 0, (record) => {
  sequencer.apply(record);
  lastNs = record.receivedNs;
});
sequencer.setLog(log);
const fresh = sequencer.nextSeq === 1;
const flow = new OrderFlow(Number(seedText), sequencer, usersCount, { startNs: lastNs + 1e6, stepNsMax: 200_000_000 });
if (fresh) flow.defineSymbols();
sequencer.flush();
await log.writer.sync();

const service = new MarketDataService(
  {
    engine: engineConfig,
    journalPath: join(dir, "journal.bin"),
    questdb: {
      httpUrl,
      spillDir: join(dir, "spill"),
      limits: {
        ticks: { batchBytes: 64 << 10 },
        orders: { batchBytes: 64 << 10 },
        order_events: { batchBytes: 64 << 10 },
      },
    },
    api: null,
    apiKeys: [],
    liveCandleIntervalMs: 200,
    log: (line) => console.log(line),
  },
  sequencer.durableSeq,
);
sequencer.addConsumer({ onEvents() {}, onDurable: (seq) => service.onDurable(seq) });
await service.ready;
console.log(`live ${service.replica.appliedSeq}`);

const commands = Number(commandsText);
const ticksAckedMin = Number(ackedMinText ?? "0");
const acked = () => service.writers!.ticks.writer.stats.rowsAcked;
while (flow.commands < commands || (acked() < ticksAckedMin && flow.commands < commands * 50)) {
  flow.run(100);
  sequencer.flush();
  // Leave the event loop to the journal and the writers between batches, as a gateway would.
  await Bun.sleep(1);
  console.log(`progress ${flow.commands} ${acked()}`);
}
await log.writer.sync();
await service.caughtUp();
await service.stop(60_000);
await log.close();
console.log("done");
