// The order stream of the Kafka-mode benchmark, encoded once before timing:
// InputRecord values as any producer would write them (fixed layouts, no
// stamp: the broker's append time is the receive time), spread evenly over
// symbols chosen to fall on distinct `orders` partitions, so every shard
// works. Per order: 55% a passive limit order a few ticks off the mid, 35% a
// cancel of the symbol's oldest passive order (some were filled meanwhile: an
// unknown_order reject), 10% an IOC that crosses the spread and trades.
// The count of execution reports it causes is computed offline by engine
// shards fed the same records (the benchmark's end condition).

import { EventKind, Tif } from "../../src/engine/constants.ts";
import type { SymbolSpec } from "../../src/engine/command.ts";
import type { EngineConfig } from "../../src/engine/config.ts";
import type { EventBuffer } from "../../src/engine/events.ts";
import { KafkaShard } from "../../src/kafka/mode/shard.ts";
import { partitionOfSymbol } from "../../src/kafka/mode/symbol-partition.ts";
import { Encoder, InputRecordView, InputRecordWriter, OrderFields } from "../../src/protocol/index.ts";
import { Command } from "../../src/protocol/codec.ts";
import { framePrefixBytes } from "../../src/protocol/constants.ts";

export const benchEngine: Partial<EngineConfig> = {
  ordersMax: 1 << 18,
  levelsMax: 1 << 14,
  levelsPerSideMax: 1 << 12,
  symbolsMax: 16,
};
const mid = 100_000;

/** One symbol per partition (the first names "K<n>-USD" that land on each), so every shard gets an equal share. */
export function benchSymbols(partitions: number): SymbolSpec[] {
  const byPartition = new Map<number, string>();
  for (let n = 0; byPartition.size < partitions; n++) {
    const name = `K${n}-USD`;
    const p = partitionOfSymbol(name, partitions);
    if (!byPartition.has(p)) byPartition.set(p, name);
  }
  return [...byPartition.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([, name]) => ({ name, tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 }));
}

export interface Workload {
  count: number;
  /** Record k is bytes[start[k], start[k] + length[k]). */
  bytes: Uint8Array;
  start: Uint32Array;
  length: Uint16Array;
  partition: Uint16Array;
  symbols: SymbolSpec[];
  /** Execution reports (records on `executions`) the stream causes. */
  executions: number;
  trades: number;
}

export function buildWorkload(count: number, partitions: number, usersCount: number): Workload {
  const symbols = benchSymbols(partitions);
  const writer = new InputRecordWriter();
  const o = new OrderFields();
  const frame = new Uint8Array(512);
  const bytes = new Uint8Array(count * Math.max(writer.newOrderBytes, writer.cancelBytes));
  const start = new Uint32Array(count);
  const length = new Uint16Array(count);
  const partition = new Uint16Array(count);
  const resting = symbols.map(() => [] as [number, number][]);
  let at = 0;
  let h = 0x12345678;
  for (let k = 0; k < count; k++) {
    h = (Math.imul(h, 1103515245) + 12345) >>> 0;
    const r = h % 100;
    const s = k % symbols.length;
    const user = 1 + ((k * 7) % usersCount);
    o.clearOrder();
    o.symbolId = s;
    let n: number;
    const queue = resting[s]!;
    if (r < 35 && queue.length > 0) {
      const [owner, coid] = queue.shift()!;
      o.clientOrderId = coid;
      n = writer.writeCancel(frame, 0, 0, 0, owner, 0, k + 1, 0, o);
    } else if (r >= 90) {
      o.clientOrderId = k + 1;
      o.side = (k >> 4) & 1;
      o.tif = Tif.Ioc;
      o.priceTicks = o.side === 0 ? mid + 25 : mid - 25;
      o.qtyLots = 1 + (h % 3);
      n = writer.writeNewOrder(frame, 0, 0, 0, user, 0, k + 1, 0, o);
    } else {
      o.clientOrderId = k + 1;
      o.side = (h >>> 8) & 1;
      o.priceTicks = o.side === 0 ? mid - 1 - ((h >>> 9) % 20) : mid + 1 + ((h >>> 9) % 20);
      o.qtyLots = 1 + ((h >>> 14) % 5);
      n = writer.writeNewOrder(frame, 0, 0, 0, user, 0, k + 1, 0, o);
      queue.push([user, k + 1]);
    }
    bytes.set(frame.subarray(framePrefixBytes, n), at);
    start[k] = at;
    length[k] = n - framePrefixBytes;
    partition[k] = partitionOfSymbol(symbols[s]!.name, partitions);
    at += n - framePrefixBytes;
  }
  const w: Workload = { count, bytes, start, length, partition, symbols, executions: 0, trades: 0 };
  countOutputs(w, partitions);
  return w;
}

/**
 * Feeds the stream to offline shards (after the symbol definitions the exchange writes at
 * start) and counts their reports.
 */
function countOutputs(w: Workload, partitions: number): void {
  const encoder = new Encoder();
  const view = new InputRecordView();
  const shards = new Map<number, KafkaShard>();
  let executions = 0;
  let trades = 0;
  const counter = {
    onEvents(events: EventBuffer) {
      for (let i = 0; i < events.count; i++) {
        const kind = events.kind(i);
        if (kind === EventKind.Trade) {
          executions += 2;
          trades++;
        } else if (kind !== EventKind.Booked) executions++;
      }
    },
  };
  for (let p = 0; p < partitions; p++) {
    const shard = KafkaShard.fresh({ partition: p, index: p, ordersPartitions: partitions, engine: benchEngine });
    shard.sequencer.addConsumer(counter);
    w.symbols.forEach((spec, id) => {
      view.clearOrder();
      view.command = Command.SymbolDef;
      Object.assign(view.symbol, spec, { symbolId: id });
      const n = encoder.inputRecord(view);
      shard.apply(shard.nextOffset, encoder.bytes, encoder.start + framePrefixBytes, n - framePrefixBytes, 0);
    });
    shards.set(p, shard);
  }
  // Symbol definitions cause no reports; count only the stream's.
  executions = 0;
  for (let k = 0; k < w.count; k++) {
    const shard = shards.get(w.partition[k]!)!;
    shard.apply(shard.nextOffset, w.bytes, w.start[k]!, w.length[k]!, 0);
  }
  w.executions = executions;
  w.trades = trades;
}
