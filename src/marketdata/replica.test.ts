// Proves that replaying a journal rebuilds exactly the market-data stream the live exchange produced: the same trades,
// level-3 order changes, level-2 changes, best bid/offer, order rows, order events and final candles, in the same order
// (with the same release boundaries; with other boundaries the same trades, orders and final books), that it follows a
// journal as it grows, and that it never reads past the durable seq it is given.

import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { resolveEngineConfig } from "../engine/config.ts";
import { JournalLog } from "../sequencer/journal-log.ts";
import { Sequencer } from "../sequencer/sequencer.ts";
import { flowSymbols, OrderFlow } from "../../test/marketdata/order-flow.ts";
import { CandleAggregator } from "./candles.ts";
import type { OrderEventRow, OrderRow } from "./order-rows.ts";
import { OrderTracker } from "./order-tracker.ts";
import { MarketDataReplica } from "./replica.ts";
import type { BboRow, LevelChangeRow, OrderChangeRow } from "./rows.ts";
import { IgnoringSink, MarketDataStream } from "./stream.ts";
import type { TradeRow } from "./trade.ts";
import { useTempDir } from "../../test/support/temp-dir.ts";

const engine = resolveEngineConfig({
  ordersMax: 1 << 14,
  levelsMax: 1 << 12,
  levelsPerSideMax: 1 << 10,
  symbolsMax: 4,
  eventsMax: 64,
});
const commands = process.env.SOAK === "1" ? 200_000 : 20_000;
const bigintsAsText = (_key: string, v: unknown) => (typeof v === "bigint" ? v.toString() : v);

/** Everything a stream, a tracker and candles hand out, as text lines in order. */
class Recorder extends IgnoringSink {
  readonly lines: string[] = [];
  readonly trades: string[] = [];
  readonly orders: string[] = [];
  override onTrade(t: TradeRow): void {
    const line = `t ${JSON.stringify(t)}`;
    this.lines.push(line);
    this.trades.push(line);
  }
  override onOrder(c: OrderChangeRow): void {
    this.lines.push(`o ${JSON.stringify(c)}`);
  }
  override onLevel(c: LevelChangeRow): void {
    this.lines.push(`l ${JSON.stringify(c)}`);
  }
  override onBbo(b: BboRow): void {
    this.lines.push(`b ${JSON.stringify(b)}`);
  }
  override onReleased(seq: number, tsUs: number): void {
    this.lines.push(`r ${seq} ${tsUs}`);
  }
  readonly orderSink = {
    onOrderState: (o: OrderRow) => this.orders.push(`row ${JSON.stringify(o)}`),
    onOrderEvent: (e: OrderEventRow) => this.orders.push(`event ${JSON.stringify(e)}`),
  };
  finals(candles: CandleAggregator): void {
    candles.onFinal = (symbol, interval, slot) =>
      this.lines.push(`c ${JSON.stringify(candles.record(symbol, interval, slot), bigintsAsText)}`);
  }
}

class CandleSink extends IgnoringSink {
  constructor(private readonly candles: CandleAggregator) {
    super();
  }
  override onTrade(t: TradeRow): void {
    this.candles.onTrade(t);
  }
}

const dir = useTempDir("md-replica");

/**
 * A live exchange writing a journal, with a stream, a tracker and candles attached as a
 * live consumer would attach them.
 */
async function liveRun(
  path: string,
  seed: number,
): Promise<{ recorder: Recorder; boundaries: number[]; live: Sequencer }> {
  const log = JournalLog.open(path, "write", 1 << 20, 0, () => {});
  const live = new Sequencer(engine, log);
  const stream = MarketDataStream.forEngine(live.engine);
  const tracker = new OrderTracker();
  const candles = new CandleAggregator({ symbolsMax: engine.symbolsMax });
  const recorder = new Recorder();
  recorder.finals(candles);
  // Candles first, as in the replica (its recent trades and candles are its first sink).
  stream.addSink(new CandleSink(candles));
  stream.addSink(recorder);
  tracker.addSink(recorder.orderSink);
  live.addConsumer(stream);
  live.addConsumer(tracker);
  // Several minutes of engine time per run, so candles close.
  const flow = new OrderFlow(seed, live, 6, { startNs: 1_767_225_600_000_000_000, stepNsMax: 40_000_000 });
  flow.defineSymbols();
  live.flush();
  const boundaries = [live.nextSeq - 1];
  while (flow.commands < commands) {
    flow.run(1 + flow.rng.int(50));
    live.flush();
    tracker.finishCommand();
    boundaries.push(live.nextSeq - 1);
  }
  await log.writer.sync();
  expect(live.durableSeq).toBe(live.nextSeq - 1);
  await log.close();
  return { recorder, boundaries, live };
}

function replica(path: string): { r: MarketDataReplica; recorder: Recorder } {
  const r = new MarketDataReplica({ engine, journalPath: path });
  const recorder = new Recorder();
  recorder.finals(r.recent.candles);
  r.stream.addSink(recorder);
  r.orders.addSink(recorder.orderSink);
  return { r, recorder };
}

describe("replaying the journal through the replica", () => {
  test("rebuilds the live stream record for record, and a second replay is identical", async () => {
    const path = join(dir, "a.journal");
    const { recorder: live, boundaries } = await liveRun(path, 3);
    expect(live.trades.length).toBeGreaterThan(1000);
    expect(live.lines.filter((l) => l.startsWith("c ")).length).toBeGreaterThan(20);
    for (let pass = 0; pass < 2; pass++) {
      const { r, recorder } = replica(path);
      for (const b of boundaries) r.step(b, Number.MAX_SAFE_INTEGER);
      expect(r.appliedSeq).toBe(boundaries.at(-1)!);
      expect(recorder.lines.length).toBe(live.lines.length);
      expect(recorder.lines).toEqual(live.lines);
      expect(recorder.orders).toEqual(live.orders);
      r.close();
    }
  });

  test("with other release boundaries: the same trades, orders, final candles and books", async () => {
    const path = join(dir, "b.journal");
    const { recorder: live, live: exchange } = await liveRun(path, 4);
    const { r, recorder } = replica(path);
    while (r.step(exchange.nextSeq - 1, 777) > 0);
    expect(recorder.trades).toEqual(live.trades);
    expect(recorder.orders).toEqual(live.orders);
    expect(recorder.lines.filter((l) => l.startsWith("c "))).toEqual(live.lines.filter((l) => l.startsWith("c ")));
    expect(r.sequencer.engine.stateHash()).toBe(exchange.engine.stateHash());
    for (let book = 0; book < flowSymbols.length; book++) {
      for (const side of [0, 1])
        expect(r.sequencer.engine.depth(book, side, 1 << 20)).toEqual(exchange.engine.depth(book, side, 1 << 20));
    }
    r.close();
  });

  test("follows a journal as it grows, never past the durable seq it is told", async () => {
    const path = join(dir, "c.journal");
    const log = JournalLog.open(path, "write", 1 << 20, 0, () => {});
    const live = new Sequencer(engine, log);
    const flow = new OrderFlow(9, live);
    flow.defineSymbols();
    live.flush();
    const { r } = replica(path);
    for (let round = 0; round < 30; round++) {
      flow.run(200);
      live.flush();
      const limit = live.durableSeq - 50;
      r.step(limit, Number.MAX_SAFE_INTEGER);
      expect(r.appliedSeq).toBe(limit);
    }
    r.step(live.durableSeq, Number.MAX_SAFE_INTEGER);
    expect(r.sequencer.engine.stateHash()).toBe(live.engine.stateHash());
    r.close();
    await log.close();
  });
});
