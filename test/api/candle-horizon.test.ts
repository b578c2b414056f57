// Proves a quiet market still closes its candles: the exchange publishes a stamp horizon on a timer when nothing is
// pending in its input log, and market data (in its worker, with the exchange's clock injected) turns the live candle
// final once the horizon passes the bucket's end, never before; the same through the service's
// own entry point in this thread.

import { afterAll, expect, test } from "bun:test";
import { type RunningMarketData, startMarketData } from "../../src/api/start.ts";
import { apiKeys, type Exchange, followExchange, get, startExchange } from "../support/market-data.ts";

const exchanges: Exchange[] = [];
let md: RunningMarketData | null = null;
afterAll(async () => {
  await md?.stop();
  for (const x of exchanges) await x.close();
});

async function json(url: string): Promise<any> {
  return await (await fetch(url)).json();
}

async function until<T>(what: string, get: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 60_000): Promise<T> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const v = await get();
    if (ok(v)) return v;
    if (performance.now() > deadline)
      throw new Error(`timed out waiting for ${what}; last ${JSON.stringify(v).slice(0, 300)}`);
    await Bun.sleep(10);
  }
}

test("the worker closes a quiet market's candles on the horizon the exchange publishes", async () => {
  const x = startExchange(8, 1_000_000);
  exchanges.push(x);
  x.run(300);
  const lastUs = x.truth.lastTsUs;
  const bucketEndUs = lastUs - (lastUs % 60_000_000) + 60_000_000;
  // The exchange's clock, held just before the 1m bucket ends.
  let nowNs = (bucketEndUs - 1) * 1000;
  md = await startMarketData({
    sequencer: x.sequencer,
    journalPath: x.journalPath,
    config: {
      mode: "embedded",
      dataDir: x.dir,
      questdb: {
        http: { host: "127.0.0.1", port: 9 },
        backlogRowsMax: 1000,
        spillBytesMax: 0,
        requestTimeoutMs: 1000,
        batchRowsMax: 1000,
      },
      http: { host: "127.0.0.1", port: 0, requestBytesMax: 65536, queryRowsMax: 1000 },
      apiKeys,
    },
    nowNs: () => nowNs,
    horizonIntervalMs: 5,
  });
  await md.live;
  const api = `http://127.0.0.1:${md.port}/api/v1/klines/live?symbol=BTC-USD&interval=1m`;
  const live = await until(
    "the live candle",
    () => json(api),
    (b) => b.candle !== null,
  );
  // Horizons before the end are applied, and the candle stays live.
  await until(
    "horizons to be applied",
    () => md!.stats(),
    (s) => s.appliedSeq === x.sequencer.nextSeq - 1 && s.horizonsApplied >= 3 && s.horizonTsUs === bucketEndUs - 1,
  );
  expect((await json(api)).candle).toEqual(live.candle);
  // The clock passes the end of the bucket with no trade: the candle closes.
  nowNs = (bucketEndUs + 5) * 1000;
  await until(
    "the candle to close",
    () => json(api),
    (b) => b.candle === null,
  );
  const rows = await json(`http://127.0.0.1:${md.port}/api/v1/klines?symbol=BTC-USD&interval=1m&limit=1`);
  expect(rows[0].slice(0, 12)).toEqual(live.candle.slice(0, 12));
  expect(rows[0][12]).toBe(true);
  // The 5m candle holding it stays live unless its bucket ended too.
  const fiveMinuteEnded = bucketEndUs % 300_000_000 === 0;
  expect(
    (await json(`http://127.0.0.1:${md.port}/api/v1/klines/live?symbol=BTC-USD&interval=5m`)).candle === null,
  ).toBe(fiveMinuteEnded);
}, 120_000);

test("the service closes candles only once it has applied the seq the horizon was taken at", async () => {
  const x = startExchange(9, 1_000_000);
  exchanges.push(x);
  x.run(200);
  const service = followExchange(x);
  await service.caughtUp();
  const lastUs = x.truth.lastTsUs;
  const endUs = lastUs - (lastUs % 60_000_000) + 60_000_000;
  const liveOf = async () => (await get(service, "/api/v1/klines/live?symbol=ETH-USD&interval=1m")).body.candle;
  expect(await liveOf()).not.toBeNull();
  // A horizon for a seq not yet applied waits.
  service.onHorizon(x.sequencer.nextSeq + 10, endUs);
  expect(await liveOf()).not.toBeNull();
  service.onHorizon(x.sequencer.nextSeq - 1, endUs - 1);
  expect(await liveOf()).not.toBeNull();
  service.onHorizon(x.sequencer.nextSeq - 1, endUs);
  expect(await liveOf()).toBeNull();
  await service.stop();
});
