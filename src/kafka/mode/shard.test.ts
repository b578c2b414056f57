// Proves an engine shard without a broker: it is a pure function of its records (two shards fed the same records agree
// event for event, and a shard restored from a snapshot plus the records after it ends as one that never stopped);
// client order ids resolve in record order (cancel, duplicate, unknown); and every kind of unusable record is refused
// with its reason while the records around it apply.

import { describe, expect, test } from "bun:test";
import { CancelReason, EventKind, Reject } from "../../engine/constants.ts";
import type { EventRecord } from "../../engine/command.ts";
import { Encoder, fieldAt, InputRecordView, InputRecordWriter, OrderFields } from "../../protocol/index.ts";
import { Command } from "../../protocol/codec.ts";
import { Sequencer } from "../../sequencer/sequencer.ts";
import { encodeSnapshot } from "../../snapshot/format.ts";
import { captureImage } from "../../snapshot/image.ts";
import { KafkaShard, RecordOutcome } from "./shard.ts";
import { partitionIdentity } from "./shard-recovery.ts";
import { partitionOfSymbol } from "./symbol-partition.ts";

const engine = { ordersMax: 4096, levelsMax: 1024, levelsPerSideMax: 256, symbolsMax: 8 };
const partitions = 4;
const symbols = ["BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "ADA-USD", "DOT-USD"];
const appendMs = 1_800_000_000_000;

/** Records of one partition, as Kafka would hold them (value bytes, no prefix). */
class Log {
  readonly records: Uint8Array[] = [];
  private readonly writer = new InputRecordWriter();
  private readonly encoder = new Encoder();
  private readonly buffer = new Uint8Array(4096);

  symbol(name: string, id: number): void {
    const v = new InputRecordView();
    v.command = Command.SymbolDef;
    Object.assign(v.symbol, {
      name,
      tickSize: 1,
      lotSize: 1,
      minPrice: 1,
      maxPrice: 100_000,
      maxQty: 1_000_000,
      symbolId: id,
    });
    const n = this.encoder.inputRecord(v);
    this.records.push(this.encoder.bytes.slice(this.encoder.start + 4, this.encoder.start + n));
  }

  order(command: number, user: number, fill: (o: OrderFields) => void, stampNs = 0): void {
    const o = new OrderFields();
    o.qtyLots = 1;
    o.priceTicks = 100;
    fill(o);
    const w = this.writer;
    const n = w.write(
      this.buffer,
      0,
      Object.assign(new InputRecordView(), o, {
        command,
        userId: user,
        receivedNs: stampNs,
        sessionSeq: this.records.length,
      }),
    );
    this.records.push(this.buffer.slice(4, n));
  }

  raw(bytes: Uint8Array | null): void {
    this.records.push(bytes === null ? (null as unknown as Uint8Array) : bytes);
  }
}

/** A shard of `partition` and the events it emitted. */
function shardOf(partition: number): { shard: KafkaShard; events: EventRecord[] } {
  const shard = KafkaShard.fresh({ partition, index: 0, ordersPartitions: partitions, engine });
  const events: EventRecord[] = [];
  shard.sequencer.addConsumer({
    onEvents: (ev) => {
      for (let i = 0; i < ev.count; i++) events.push(ev.record(i));
    },
  });
  return { shard, events };
}

function feed(shard: KafkaShard, records: readonly (Uint8Array | null)[], from = 0): string[] {
  const refused: string[] = [];
  for (let offset = from; offset < records.length; offset++) {
    const r = records[offset] ?? null;
    const outcome = shard.apply(offset, r ?? new Uint8Array(0), 0, r === null ? -1 : r.length, appendMs + offset);
    if (outcome === RecordOutcome.Refused) refused.push(shard.admission.reason);
  }
  return refused;
}

/** The symbols of `partition` among `symbols` (ids = their index). */
function ownSymbols(partition: number): number[] {
  return symbols.flatMap((name, id) => (partitionOfSymbol(name, partitions) === partition ? [id] : []));
}

const partition = partitionOfSymbol("BTC-USD", partitions);

function tradingLog(count: number, seed: number): Log {
  const log = new Log();
  symbols.forEach((name, id) => log.symbol(name, id));
  const own = ownSymbols(partition);
  let s = seed;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let k = 1; k <= count; k++) {
    const symbolId = own[Math.floor(rnd() * own.length)]!;
    const user = 1 + Math.floor(rnd() * 4);
    if (rnd() < 0.25)
      log.order(
        Command.Cancel,
        user,
        (o) => ((o.clientOrderId = Math.max(1, k - Math.floor(rnd() * 20))), (o.symbolId = symbolId)),
      );
    else
      log.order(
        Command.NewOrder,
        user,
        (o) => (
          (o.clientOrderId = k),
          (o.symbolId = symbolId),
          (o.side = rnd() < 0.5 ? 0 : 1),
          (o.priceTicks = 95 + Math.floor(rnd() * 11)),
          (o.qtyLots = 1 + Math.floor(rnd() * 5))
        ),
        (appendMs + k) * 1e6 - Math.floor(rnd() * 5e6),
      );
  }
  return log;
}

describe("a shard is a pure function of its partition", () => {
  test("two shards fed the same records agree event for event", () => {
    const log = tradingLog(3000, 7);
    const a = shardOf(partition);
    const b = shardOf(partition);
    expect(feed(a.shard, log.records)).toEqual([]);
    feed(b.shard, log.records);
    expect(a.events.length).toBeGreaterThan(3000);
    expect(a.events.some((e) => e.kind === EventKind.Trade)).toBe(true);
    expect(b.events).toEqual(a.events);
    expect(b.shard.sequencer.engine.stateHash()).toBe(a.shard.sequencer.engine.stateHash());
    expect(a.shard.sequencer.lastSeq).toBe(log.records.length);
  });

  test(
    "restored from a snapshot at any offset plus the records after it, " +
      "it ends as one that never stopped (client ids included)",
    () => {
      const log = tradingLog(2000, 11);
      const whole = shardOf(partition);
      feed(whole.shard, log.records);
      for (const at of [6, 500, 1333, log.records.length]) {
        const first = shardOf(partition);
        feed(first.shard, log.records.slice(0, at));
        const s = first.shard;
        const image = captureImage(
          s.sequencer.engine,
          s.sequencer.nextOrderId,
          0,
          partitionIdentity("orders", partition),
          s.nextOffset,
        );
        const bytes = encodeSnapshot(image);
        const restored = new Sequencer(engine, null);
        const header = restored.restoreSnapshot(bytes, partitionIdentity("orders", partition));
        if (typeof header === "string") throw new Error(header);
        expect(header.inputOffset).toBe(at);
        const second = new KafkaShard({
          partition,
          index: 0,
          ordersPartitions: partitions,
          sequencer: restored,
          nextOffset: header.inputOffset,
        });
        feed(second, log.records, at);
        expect({ at, hash: second.sequencer.engine.stateHash() }).toEqual({
          at,
          hash: whole.shard.sequencer.engine.stateHash(),
        });
      }
      // Another partition's identity does not restore.
      const s = whole.shard;
      const bytes = encodeSnapshot(
        captureImage(s.sequencer.engine, 1, 0, partitionIdentity("orders", partition), s.nextOffset),
      );
      expect(
        typeof new Sequencer(engine, null).restoreSnapshot(bytes, partitionIdentity("orders", partition + 1)),
      ).toBe("string");
      expect(typeof new Sequencer(engine, null).restoreSnapshot(bytes, partitionIdentity("orders2", partition))).toBe(
        "string",
      );
    },
  );
});

describe("client order ids", () => {
  test(
    "resolve in record order: a cancel finds its order, a live id again is a duplicate, " +
      "an unknown id is unknown_order",
    () => {
      const log = new Log();
      symbols.forEach((name, id) => log.symbol(name, id));
      const sym = ownSymbols(partition)[0]!;
      log.order(Command.Cancel, 1, (o) => ((o.clientOrderId = 5), (o.symbolId = sym)));
      log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = 5), (o.symbolId = sym)));
      log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = 5), (o.symbolId = sym)));
      // Another user's id 5 is another order.
      log.order(Command.NewOrder, 2, (o) => ((o.clientOrderId = 5), (o.symbolId = sym), (o.priceTicks = 90)));
      log.order(Command.Cancel, 1, (o) => ((o.clientOrderId = 5), (o.symbolId = sym)));
      log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = 5), (o.symbolId = sym)));
      log.order(Command.MassCancel, 1, () => {});
      const { shard, events } = shardOf(partition);
      expect(feed(shard, log.records)).toEqual([]);
      const own = events.filter((e) => e.user === 1 && e.kind !== EventKind.Booked).map((e) => [e.kind, e.code]);
      expect(own).toEqual([
        [EventKind.Rejected, Reject.UnknownOrder],
        [EventKind.Accepted, 0],
        [EventKind.Rejected, Reject.DuplicateOrderId],
        [EventKind.Cancelled, CancelReason.User],
        [EventKind.Accepted, 0],
        [EventKind.Cancelled, CancelReason.MassCancel],
        [EventKind.MassCancelled, CancelReason.MassCancel],
      ]);
      expect(shard.sequencer.engine.ordersLive).toBe(1);
    },
  );
});

describe("records a shard refuses", () => {
  test("each with its reason; the records around them apply and the partition moves past them", () => {
    const log = new Log();
    symbols.forEach((name, id) => log.symbol(name, id));
    const sym = ownSymbols(partition)[0]!;
    const foreign = symbols.findIndex((name) => partitionOfSymbol(name, partitions) !== partition);
    const good = (k: number) => log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = k), (o.symbolId = sym)));
    good(1);
    const valid = log.records.at(-1)!;
    const hugeUser = valid.slice();
    new DataView(hugeUser.buffer).setUint32(
      fieldAt(new InputRecordWriter().layoutOf(Command.NewOrder), "InputRecord.user_id") - 4 + 4,
      0x200000,
      true,
    );
    const refusedExpected = [
      "no_value",
      "oversized",
      "undecodable",
      "undecodable",
      "invalid_value",
      "invalid_value",
      "invalid_value",
      "invalid_value",
      "invalid_value",
      "wrong_partition",
      "bad_symbol_def",
      "bad_symbol_def",
      "bad_symbol_def",
    ];
    log.raw(null);
    log.raw(new Uint8Array(4093));
    log.raw(valid.subarray(0, valid.length - 8));
    log.raw(new Uint8Array(64).fill(0xa5));
    log.raw(hugeUser);
    log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = 2), (o.symbolId = sym), (o.stp = 9)));
    log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = 3), (o.symbolId = sym), (o.qtyLots = 0)));
    log.order(Command.Modify, 1, (o) => ((o.clientOrderId = 1), (o.symbolId = sym), (o.priceTicks = -1)));
    log.order(Command.MassCancel, 1, (o) => (o.cancelReason = CancelReason.Capacity));
    log.order(Command.NewOrder, 1, (o) => ((o.clientOrderId = 4), (o.symbolId = foreign)));
    log.symbol("BTC-USD", symbols.length);
    log.symbol("NEW-USD", symbols.length + 1);
    const bad = new Log();
    bad.symbol("", symbols.length);
    log.raw(bad.records[0]!);
    good(5);
    const { shard, events } = shardOf(partition);
    expect(feed(shard, log.records)).toEqual(refusedExpected);
    expect(shard.nextOffset).toBe(log.records.length);
    expect(shard.stats.deadLettered).toBe(refusedExpected.length);
    expect(events.filter((e) => e.kind === EventKind.Accepted).map((e) => e.clientId)).toEqual([1, 5]);
    // Refused records take no seq: the engine's seqs stay gapless.
    expect(shard.sequencer.lastSeq).toBe(symbols.length + 2);
  });
});
