// Proves the query API in full mode with a real QuestDB and memory kept tiny on purpose, so that most answers join
// QuestDB's history with memory's newest rows: every route still answers exactly what the live engine's events say
// (ticks page by page, volume, candles of every interval, open orders, order history with filters, single orders and
// their events), and bad, hostile and unauthorized requests are refused the same way (no
// parameter reaches SQL unchecked).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MarketDataService } from "../../src/api/service.ts";
import { waitForWalApplied } from "../../src/questdb/resume.ts";
import { marketDataTables } from "../../src/questdb/schema.ts";
import { startTestQuestdb, type TestQuestdb } from "../support/questdb.ts";
import { type Exchange, followExchange, get, startExchange } from "../support/market-data.ts";
import { checkRefusals, checkRoutesAgainstTruth } from "./route-checks.ts";

const commands = process.env.SOAK === "1" ? 40_000 : 5_000;
let qdb: TestQuestdb;
let x: Exchange;
let service: MarketDataService;

beforeAll(async () => {
  qdb = await startTestQuestdb();
  x = startExchange(33);
  service = followExchange(x, {
    questdb: { httpUrl: qdb.httpUrl, spillDir: mkdtempSync(join(tmpdir(), "md-api-spill-")) },
    memory: {
      ticks: { ticksPerSymbol: 16 },
      candles: { candlesPerSeries: 8 },
      orders: { finishedOrdersMax: 40, orderEventsMax: 256, slotsInitial: 64 },
    },
    nowMs: () => Math.floor(x.truth.lastTsUs / 1000) + 1,
  });
  await service.ready;
  x.run(commands);
  await service.caughtUp();
  service.ingest!.upsertLiveCandles();
  await service.writers!.flush();
  await waitForWalApplied(
    qdb.httpUrl,
    marketDataTables.map((t) => t.name),
    120_000,
  );
}, 600_000);

afterAll(async () => {
  await service?.stop();
  await x?.close();
  await qdb?.stop();
});

describe("full mode (memory joined with QuestDB)", () => {
  test("memory alone could not answer: it keeps a sliver of the history", () => {
    const s = service.stats();
    expect(s.memory.ordersFinishedKept).toBe(40);
    expect(x.truth.trades.length).toBeGreaterThan(1000);
    expect(s.writers!.ticks!.rowsAcked).toBe(x.truth.trades.length);
  });

  test("every route answers what the engine did", async () => {
    await checkRoutesAgainstTruth(service, x);
  }, 600_000);

  test("refuses bad parameters, unknown routes, other methods, missing keys and other users' orders", async () => {
    await checkRefusals(service);
    // Hostile values never reached QuestDB as SQL: the tables are intact.
    const r = await get(service, "/api/v1/volume?symbol=BTC-USD");
    expect(r.status).toBe(200);
    expect((await qdb.sql("SELECT count() FROM ticks")).dataset[0]![0]).toBe(x.truth.trades.length);
  });

  test("QuestDB unreachable: answers memory has still come back, older history is a 503 naming QuestDB", async () => {
    qdb.pause();
    try {
      expect((await get(service, "/api/v1/ticks/latest?symbol=BTC-USD")).status).toBe(200);
      const first = x.truth.trades[0]!;
      const oldPath =
        `/api/v1/ticks?symbol=BTC-USD&startTime=${Math.floor(first.tsUs / 1000)}&endTime=` +
        `${Math.floor(first.tsUs / 1000) + 1000}`;
      // A crowd of history requests against the stalled server: past the in-flight cap they are refused at once.
      const crowd = await Promise.all(Array.from({ length: 24 }, () => get(service, oldPath)));
      expect(crowd.every((r) => r.status === 503)).toBe(true);
      expect(crowd.filter((r) => r.body.error.message.includes("in flight")).length).toBe(8);
      expect(crowd.filter((r) => r.body.error.message.includes("did not answer")).length).toBe(16);
      // Answers from memory stay quick meanwhile.
      expect((await get(service, "/api/v1/klines/live?symbol=BTC-USD&interval=1m")).status).toBe(200);
    } finally {
      qdb.resume();
    }
  }, 120_000);
});
