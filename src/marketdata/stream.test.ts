// Proves the market-data stream rebuilds exactly the engine's books (level-2 totals and level-3 queues) from the events
// alone over seeded random order flow through the real sequencer, releases nothing before the input log says durable
// (and then exactly the state at that seq), hands its sinks records that rebuild the same books, reports every trade as
// the engine made it, starts from a running engine's book, and is deterministic.

import { describe, expect, test } from "bun:test";
import { EventKind, Side } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import { L2Book, L3Book } from "../feed/client/books.ts";
import { framePrefixBytes } from "../protocol/constants.ts";
import { FastInputRecordDecoder } from "../protocol/fixed-read.ts";
import { InputRecordView } from "../protocol/index.ts";
import { type InputLog, Sequencer } from "../sequencer/sequencer.ts";
import { engineLevels, engineOrders, mirrorLevels, mirrorOrders } from "../../test/marketdata/engine-book.ts";
import { flowSymbols, OrderFlow } from "../../test/marketdata/order-flow.ts";
import type { BboRow, LevelChangeRow, OrderChangeRow } from "./rows.ts";
import { bookImage } from "./book-image.ts";
import type { PendingEvents } from "./pending-events.ts";
import { SharedEventRing, SharedEventWriter } from "./shared-events.ts";
import { IgnoringSink, MarketDataStream, mirrorLimits } from "./stream.ts";
import type { TradeRow } from "./trade.ts";

const engineConfig = {
  ordersMax: 1 << 14,
  levelsMax: 1 << 12,
  levelsPerSideMax: 1 << 10,
  symbolsMax: 4,
  eventsMax: 64,
};

/** Rebuilds books from the stream's records, as a downstream consumer would. */
class RecordingSink extends IgnoringSink {
  readonly l2 = flowSymbols.map(() => new L2Book());
  readonly l3 = flowSymbols.map(() => new L3Book());
  readonly trades: string[] = [];
  readonly bbo = new Map<number, BboRow>();
  releases = 0;
  lastSeq = 0;
  readonly log: string[] = [];
  override onTrade(t: TradeRow): void {
    this.trades.push(
      `${t.tradeId}:${t.symbolId}:${t.priceTicks}:${t.qtyLots}:${t.takerSide}:${t.takerOrderId}:` +
        `${t.makerOrderId}:${t.takerUserId}:${t.makerUserId}:${t.seq}:${t.tsUs}`,
    );
  }
  override onOrder(c: OrderChangeRow): void {
    this.log.push(`o${c.kind}:${c.orderId}:${c.priceTicks}:${c.qtyLots}:${c.seq}`);
    const b = this.l3[c.symbolId]!;
    const ok =
      c.kind === 1
        ? b.add(c.orderId, c.side, c.priceTicks, c.qtyLots)
        : c.kind === 2
          ? b.change(c.orderId, c.qtyLots)
          : b.remove(c.orderId);
    if (!ok) throw new Error(`order change ${c.kind} of ${c.orderId} does not fit`);
  }
  override onLevel(c: LevelChangeRow): void {
    this.log.push(`l${c.symbolId}:${c.side}:${c.priceTicks}:${c.qtyLots}:${c.ordersCount}`);
    this.l2[c.symbolId]!.set(c.side, c.priceTicks, c.qtyLots, c.ordersCount);
  }
  override onBbo(b: BboRow): void {
    this.bbo.set(b.symbolId, { ...b });
  }
  override onReleased(seq: number): void {
    this.releases++;
    this.lastSeq = seq;
  }
}

/** Records the engine's own trade events, the truth for the trade records. */
class TradeEvents {
  readonly trades: string[] = [];
  onEvents(ev: EventBuffer): void {
    for (let i = 0; i < ev.count; i++) {
      if (ev.kind(i) !== EventKind.Trade) continue;
      const r = ev.record(i);
      this.trades.push(
        `${r.tradeId}:${r.book}:${r.priceTicks}:${r.qtyLots}:${r.side}:${r.id}:${r.otherId}:${r.user}:` +
          `${r.otherUser}:${r.seq}:${r.tsUs}`,
      );
    }
  }
}

/** An input log that makes records durable only when the test says so; it keeps them to replay elsewhere. */
class ManualLog implements InputLog {
  onDurable: ((seq: number) => void) | null = null;
  onFailed: ((error: Error) => void) | null = null;
  readonly records: { seq: number; bytes: Uint8Array }[] = [];
  append(seq: number, bytes: Uint8Array, start: number, end: number): boolean {
    this.records.push({ seq, bytes: bytes.slice(start + framePrefixBytes, end) });
    return true;
  }
  flush(): void {}
  hasRoom(): boolean {
    return true;
  }
}

function expectSameBooks(seq: Sequencer, stream: MarketDataStream, sink: RecordingSink | null, label: string): void {
  const e = seq.engine;
  stream.book.validate();
  for (let book = 0; book < flowSymbols.length; book++) {
    for (const side of [Side.Buy, Side.Sell]) {
      const levels = engineLevels(e, book, side);
      const orders = engineOrders(e, book, side);
      expect({ label, book, side, levels: mirrorLevels(stream.book, book, side) }).toEqual({
        label,
        book,
        side,
        levels,
      });
      expect({ label, book, side, orders: mirrorOrders(stream.book, book, side) }).toEqual({
        label,
        book,
        side,
        orders,
      });
      if (sink === null) continue;
      expect({ label, book, side, l2: sink.l2[book]!.top(side) }).toEqual({ label, book, side, l2: levels });
      expect({ label, book, side, l3: sink.l3[book]!.top(side) }).toEqual({ label, book, side, l3: levels });
      const queues = levels.map((l) => sink.l3[book]!.queue(side, l.price).map((o) => o.id));
      expect({ label, book, side, queues }).toEqual({
        label,
        book,
        side,
        queues: levels.map((l) => orders.filter((o) => o.price === l.price).map((o) => o.id)),
      });
    }
    const bbo = sink?.bbo.get(book);
    if (bbo !== undefined) {
      expect([bbo.bidPriceTicks, bbo.askPriceTicks]).toEqual([e.bestBid(book), e.bestAsk(book)]);
    }
  }
}

function run(
  seed: number,
  commands: number,
  batchMax: number,
): { sink: RecordingSink; stream: MarketDataStream; trades: TradeEvents } {
  const seq = new Sequencer(engineConfig, null);
  const flow = new OrderFlow(seed, seq);
  flow.defineSymbols();
  const stream = MarketDataStream.forEngine(seq.engine);
  const sink = new RecordingSink();
  stream.addSink(sink);
  const trades = new TradeEvents();
  seq.addConsumer(stream);
  seq.addConsumer(trades);
  let done = 0;
  while (done < commands) {
    const n = 1 + flow.rng.int(batchMax);
    flow.run(n);
    done += n;
    seq.flush();
    expectSameBooks(seq, stream, sink, `seed ${seed} after ${done} commands`);
  }
  expect(sink.trades).toEqual(trades.trades);
  return { sink, stream, trades };
}

describe("market-data stream", () => {
  test(
    "rebuilds the engine's level-2 and level-3 books from events alone (seeded random flow, " +
      "checked after every batch)",
    () => {
      const commands = process.env.SOAK === "1" ? 100_000 : 6_000;
      for (const seed of [1, 7, 20251204]) {
        const { sink, stream } = run(seed, commands, 40);
        expect(sink.trades.length).toBeGreaterThan(100);
        expect(stream.stats.orderChanges).toBeGreaterThan(1000);
        expect(stream.pending.count).toBe(0);
      }
    },
  );

  test("is deterministic: the same flow gives the same records in the same order", () => {
    const a = run(42, 2_000, 25);
    const b = run(42, 2_000, 25);
    expect(a.sink.log).toEqual(b.sink.log);
    expect(a.sink.trades).toEqual(b.sink.trades);
  });

  test("releases nothing before durability, then exactly the engine's state at the durable seq", () => {
    const log = new ManualLog();
    const live = new Sequencer(engineConfig, log);
    const flow = new OrderFlow(5, live);
    flow.defineSymbols();
    // The replica applies only durable records: its engine is the truth at the durable seq.
    const replica = new Sequencer(engineConfig, null);
    const decoder = new FastInputRecordDecoder();
    const view = new InputRecordView();
    let replayed = 0;
    const replayTo = (seq: number) => {
      while (replayed < log.records.length && log.records[replayed]!.seq <= seq) {
        const r = log.records[replayed++]!;
        expect(decoder.decode(r.bytes, 0, r.bytes.length, view)).toBe(0);
        replica.apply(view);
      }
    };
    replayTo(live.nextSeq - 1);
    const stream = MarketDataStream.forEngine(live.engine);
    const sink = new RecordingSink();
    stream.addSink(sink);
    live.addConsumer(stream);
    let durable = live.nextSeq - 1;
    for (let round = 0; round < 60; round++) {
      flow.run(1 + flow.rng.int(60));
      expect(sink.lastSeq).toBeLessThanOrEqual(durable);
      // Durability arrives for some prefix of what was logged.
      const target = durable + flow.rng.int(live.nextSeq - durable);
      log.onDurable!(target);
      durable = target;
      replayTo(durable);
      expect(sink.lastSeq).toBe(durable);
      expectSameBooks(replica, stream, sink, `durable ${durable}`);
    }
    expect(stream.pending.count).toBeGreaterThanOrEqual(0);
    log.onDurable!(live.nextSeq - 1);
    expectSameBooks(live, stream, sink, "all durable");
  });

  test("a stream attached to a running engine starts from its book and follows it", () => {
    const seq = new Sequencer(engineConfig, null);
    const flow = new OrderFlow(11, seq);
    flow.defineSymbols();
    flow.run(3_000);
    seq.flush();
    const stream = MarketDataStream.forEngine(seq.engine);
    expect(stream.book.ordersLive).toBeGreaterThan(50);
    expectSameBooks(seq, stream, null, "seeded");
    seq.addConsumer(stream);
    for (let i = 0; i < 20; i++) {
      flow.run(100);
      seq.flush();
      expectSameBooks(seq, stream, null, `seeded + ${(i + 1) * 100}`);
    }
  });

  test("the pending ring grows past its first size without losing order", () => {
    const seq = new Sequencer(engineConfig, new ManualLog());
    const flow = new OrderFlow(3, seq);
    flow.defineSymbols();
    const stream = new MarketDataStream(
      {
        symbolsMax: 4,
        ordersMax: engineConfig.ordersMax,
        levelsMax: engineConfig.levelsMax * 2,
        levelsPerSideMax: engineConfig.levelsPerSideMax,
      },
      { rowsInitial: 16, rowsMax: 1 << 20 },
    );
    seq.addConsumer(stream);
    flow.run(2_000);
    expect((stream.pending as PendingEvents).grown).toBeGreaterThan(3);
    stream.release(seq.nextSeq - 1);
    expectSameBooks(seq, stream, null, "after growth");
  });

  test(
    "through the shared ring (the feed worker's path), with the ring too small so rows wait in order on the " +
      "writer's side",
    () => {
      const log = new ManualLog();
      const live = new Sequencer(engineConfig, log);
      const flow = new OrderFlow(13, live);
      flow.defineSymbols();
      log.onDurable!(live.nextSeq - 1);
      const ring = SharedEventRing.allocate(16);
      // The reader side normally lives in the worker; a second view of the same memory stands in for it here.
      const readerRing = new SharedEventRing(ring.buffer);
      const writer = new SharedEventWriter(ring);
      const stream = new MarketDataStream(mirrorLimits(engineConfig), readerRing);
      stream.seed(bookImage(live.engine));
      const sink = new RecordingSink();
      stream.addSink(sink);
      live.addConsumer(writer);
      let durable = live.nextSeq - 1;
      for (let round = 0; round < 80; round++) {
        flow.run(1 + flow.rng.int(40));
        durable = durable + flow.rng.int(live.nextSeq - durable);
        log.onDurable!(durable);
        // What the worker does on a wake: release up to the published durable seq, then free the rows.
        stream.release(readerRing.durableSeq());
        readerRing.publishHead();
        expect(readerRing.durableSeq()).toBeLessThanOrEqual(durable);
      }
      // Drain whatever still waits on the writer's side.
      for (let i = 0; i < 10_000 && readerRing.durableSeq() < live.nextSeq - 1; i++) {
        log.onDurable!(live.nextSeq - 1);
        stream.release(readerRing.durableSeq());
        readerRing.publishHead();
      }
      expect(writer.overflowed).toBeGreaterThan(0);
      expect(readerRing.durableSeq()).toBe(live.nextSeq - 1);
      expectSameBooks(live, stream, sink, "through the shared ring");
      writer.close();
    },
  );
});
