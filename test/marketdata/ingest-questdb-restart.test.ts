// Proves that QuestDB killed (SIGKILL) and restarted while the exchange trades and market data ingests through its
// worker (the path `bun run engine` uses) loses nothing: afterwards the ticks' count and checksums equal the engine's
// trades, and every candle, order state and order event is stored.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { type RunningMarketData, startMarketData } from "../../src/api/start.ts";
import { startTestQuestdb, type TestQuestdb } from "../support/questdb.ts";
import { apiKeys, type Exchange, startExchange } from "../support/market-data.ts";
import { expectStoredEqualsTruth } from "../support/stored-market-data.ts";

const chunk = process.env.SOAK === "1" ? 30_000 : 3_000;
let qdb: TestQuestdb;
let x: Exchange;
let md: RunningMarketData;

beforeAll(async () => {
  qdb = await startTestQuestdb();
  x = startExchange(77, 500_000_000);
}, 600_000);

afterAll(async () => {
  await md?.stop();
  await x?.close();
  await qdb?.stop();
});

test("a QuestDB crash and restart mid-ingest loses no tick, candle, order or event", async () => {
  md = await startMarketData({
    sequencer: x.sequencer,
    journalPath: x.journalPath,
    config: {
      mode: "full",
      dataDir: x.dir,
      questdb: {
        http: { host: "127.0.0.1", port: qdb.httpPort },
        backlogRowsMax: 20_000,
        spillBytesMax: 1 << 30,
        requestTimeoutMs: 5_000,
        batchRowsMax: 2_000,
      },
      http: { host: "127.0.0.1", port: 0, requestBytesMax: 65536, queryRowsMax: 1000 },
      apiKeys,
    },
  });
  await md.live;
  x.run(chunk);
  // Some rows are acknowledged before the crash.
  await qdb.waitForRows("SELECT count() FROM ticks", (rows) => (rows[0]![0] as number) > 0);
  await qdb.kill();
  // Trading goes on while QuestDB is gone: rows wait in memory, then in the spill file.
  for (let i = 0; i < 4; i++) {
    x.run(chunk);
    await Bun.sleep(0);
  }
  // The writers really met the dead server (polled: the worker runs at its own pace).
  const deadline = performance.now() + 120_000;
  while ((await md.stats()).writers!.ticks!.requestsFailed === 0) {
    if (performance.now() > deadline) throw new Error("the ticks writer never saw QuestDB down");
    await Bun.sleep(20);
  }
  await qdb.restart();
  x.run(chunk);
  await expectStoredEqualsTruth(qdb, x.truth);
  const after = await md.stats();
  expect(after.writers!.ticks!.rowsDropped).toBe(0);
  expect(after.writers!.ticks!.rowsAcked).toBe(x.truth.trades.length);
}, 900_000);
