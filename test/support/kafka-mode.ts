// Test support for Kafka mode: topics with names no other test uses, a
// producer of `orders` records (InputRecords, or any bytes), a collector of
// everything the engine writes (executions, trades, market data, dead
// letters) that polls without blocking the event loop, and the reference: a
// shard fed the whole partition offline, i.e. an engine that never stopped.

import { type LoadedConfig, resolveConfig } from "../../src/config/index.ts";
import type { SymbolSpec } from "../../src/engine/command.ts";
import { Logger } from "../../src/log/index.ts";
import type { EngineConfig } from "../../src/engine/config.ts";
import { Consumer, Producer, ProduceRecord } from "../../src/kafka/index.ts";
import {
  type ExecutionRecordValues,
  type MarketDataValues,
  OutputRecordReader,
  type TradeRecordValues,
} from "../../src/kafka/mode/records.ts";
import { KafkaShard, RecordOutcome } from "../../src/kafka/mode/shard.ts";
import { partitionOfSymbol } from "../../src/kafka/mode/symbol-partition.ts";
import { defaultTopics, type KafkaModeTopics } from "../../src/kafka/mode/topics.ts";
import { EventKind } from "../../src/engine/constants.ts";
import { Encoder, InputRecordView, InputRecordWriter, OrderFields } from "../../src/protocol/index.ts";
import { Command } from "../../src/protocol/codec.ts";
import { framePrefixBytes } from "../../src/protocol/constants.ts";
import { type TestKafka, testConsumerOptions, testProducerOptions, uniqueTopic } from "./kafka.ts";
import { waitFor } from "./wait.ts";

/** Warnings and errors only: the exchange's start and stop lines are for people. */
export const quietLog = Logger.create({ level: "warn", format: "human" });

/** A checked configuration, as `bun run engine` loads it. */
export function loadedConfig(input: unknown): LoadedConfig {
  const result = resolveConfig(input);
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.loaded;
}

/** Kafka mode's configuration keys for `topics`, as a config file or `resolveConfig` takes them. */
export function kafkaConfigOf(
  kafka: TestKafka,
  topics: KafkaModeTopics,
  clientId: string,
  shards: number[] = [],
): Record<string, unknown> {
  return {
    brokers: [kafka.bootstrapServers],
    clientId,
    topics: {
      orders: topics.orders.name,
      ordersDeadLetter: topics.ordersDeadLetter.name,
      executions: topics.executions.name,
      matches: topics.matches.name,
      marketData: topics.marketData.name,
    },
    partitions: {
      orders: topics.orders.partitions,
      ordersDeadLetter: topics.ordersDeadLetter.partitions,
      executions: topics.executions.partitions,
      matches: topics.matches.partitions,
      marketData: topics.marketData.partitions,
    },
    shards,
  };
}

/**
 * A full-mode (Kafka mode) configuration on `topics` for an in-process
 * KafkaModeServer: free ports, no snapshots, small engines, the test symbols;
 * `limits` and `shards` as given.
 */
export function fullModeConfig(
  kafka: TestKafka,
  topics: KafkaModeTopics,
  clientId: string,
  o: { limits?: Record<string, number>; shards?: number[] } = {},
): LoadedConfig {
  return loadedConfig({
    mode: "full",
    tcp: { port: 0 },
    feed: { port: 0 },
    http: { port: 0 },
    metrics: { port: 0 },
    snapshots: { enabled: false },
    engine: testEngine,
    limits: { openOrdersPerUserMax: 1000, ...o.limits },
    symbols: testSymbols,
    kafka: kafkaConfigOf(kafka, topics, clientId, o.shards ?? []),
  });
}

/** Small engines: a test process may run several shards. */
export const testEngine: Partial<EngineConfig> = {
  ordersMax: 1 << 16,
  levelsMax: 1 << 13,
  levelsPerSideMax: 1 << 11,
  symbolsMax: 8,
};

export const testSymbols: SymbolSpec[] = [
  { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
  { name: "ETH-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
  { name: "SOL-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000 },
];

/** The mode's topics under a unique prefix, `partitions` for orders and the outputs. */
export function testTopics(prefix: string, partitions: number): KafkaModeTopics {
  const base = uniqueTopic(prefix);
  const t = defaultTopics();
  for (const s of Object.values(t)) {
    s.name = `${base}.${s.name}`;
    s.partitions = s.name.endsWith(".dlq") ? 1 : partitions;
  }
  return t;
}

export interface OrderSpec {
  user: number;
  clientOrderId: number;
  symbol: number;
  side?: number;
  priceTicks?: number;
  qtyLots?: number;
  tif?: number;
  type?: number;
  /** The producer's receive stamp, ns (0: the broker's time). */
  stampNs?: number;
  sessionId?: number;
  sessionSeq?: number;
}

/** Produces `orders` records with the symbol's key to the symbol's partition; counts acknowledgements. */
export class OrderProducer {
  readonly producer: Producer;
  readonly record = new ProduceRecord();
  private readonly writer = new InputRecordWriter();
  private readonly encoder = new Encoder();
  private readonly buffer = new Uint8Array(new ArrayBuffer(8192));
  private readonly fields = new OrderFields();
  private readonly keys: Uint8Array[];
  private readonly partitions: number;
  produced = 0;
  acknowledged = 0;
  failures: string[] = [];
  /** Offset of each acknowledged record by its opaque (produce order). */
  readonly offsets: number[] = [];

  constructor(
    kafka: TestKafka,
    topics: KafkaModeTopics,
    readonly symbols: readonly SymbolSpec[] = testSymbols,
  ) {
    this.partitions = topics.orders.partitions;
    this.producer = new Producer({
      ...testProducerOptions(kafka, (opaque, _partition, offset, error) => {
        if (error !== 0) this.failures.push(`${opaque}:${error}`);
        else {
          this.acknowledged++;
          this.offsets[opaque] = offset;
        }
      }),
      clientId: `test-orders-${process.pid}`,
    });
    this.record.topic = this.producer.topic(topics.orders.name);
    this.keys = symbols.map((s) => new TextEncoder().encode(s.name));
  }

  partitionOf(symbol: number): number {
    return partitionOfSymbol(this.symbols[symbol]!.name, this.partitions);
  }

  newOrder(o: OrderSpec): void {
    const f = this.fill(o);
    const n = this.writer.writeNewOrder(
      this.buffer,
      0,
      0,
      o.stampNs ?? 0,
      o.user,
      o.sessionId ?? 0,
      o.sessionSeq ?? o.clientOrderId,
      0,
      f,
    );
    this.send(o.symbol, framePrefixBytes, n - framePrefixBytes);
  }

  cancel(o: { user: number; clientOrderId: number; symbol: number; stampNs?: number }): void {
    const f = this.fill(o);
    const n = this.writer.writeCancel(this.buffer, 0, 0, o.stampNs ?? 0, o.user, 0, 0, 0, f);
    this.send(o.symbol, framePrefixBytes, n - framePrefixBytes);
  }

  massCancel(o: { user: number; requestId: number; partition: number; reason?: number }): void {
    const f = this.fields;
    f.clearOrder();
    f.clientOrderId = o.requestId;
    f.cancelReason = o.reason ?? 0;
    const n = this.writer.writeMassCancel(this.buffer, 0, 0, 0, o.user, 0, 0, 0, f);
    this.raw(o.partition, null, this.buffer.subarray(framePrefixBytes, n));
  }

  /** A record as the generic Encoder writes it (optional zero fields left out: another producer's layout). */
  encoded(r: InputRecordView, partition: number): void {
    const n = this.encoder.inputRecord(r);
    this.raw(
      partition,
      null,
      this.encoder.bytes.subarray(this.encoder.start + framePrefixBytes, this.encoder.start + n),
    );
  }

  /** Any value (null: a tombstone) to `partition`. */
  raw(partition: number, key: Uint8Array | null, value: Uint8Array | null): void {
    const r = this.record;
    r.partition = partition;
    r.setKey(key).setValue(value);
    r.opaque = this.produced++;
    const code = this.producer.produce(r);
    if (code !== 0) throw new Error(`produce refused: ${code}`);
  }

  private fill(o: Partial<OrderSpec> & { clientOrderId: number; symbol: number }): OrderFields {
    const f = this.fields;
    f.clearOrder();
    f.clientOrderId = o.clientOrderId;
    f.symbolId = o.symbol;
    f.side = o.side ?? 0;
    f.type = o.type ?? 0;
    f.tif = o.tif ?? 0;
    f.priceTicks = o.priceTicks ?? 1000;
    f.qtyLots = o.qtyLots ?? 1;
    return f;
  }

  private send(symbol: number, start: number, length: number): void {
    this.raw(this.partitionOf(symbol), this.keys[symbol]!, this.buffer.subarray(start, start + length));
  }

  /** Waits until every record produced so far is acknowledged (polling, not blocking). */
  async acknowledgedAll(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        this.producer.poll(0);
        if (this.failures.length > 0)
          throw new Error(`orders not acknowledged: ${this.failures.slice(0, 5).join(", ")}`);
        return this.acknowledged === this.produced;
      },
      {
        timeoutMs,
        what: () => `${this.produced - this.acknowledged} of ${this.produced} orders acknowledged`,
      },
    );
  }

  close(): void {
    this.producer.close(10_000);
  }
}

export interface DeadLetter {
  partition: number;
  offset: number;
  reason: string;
  detail: string;
  sourcePartition: number;
  sourceOffset: number;
  value: Uint8Array | null;
}

/** Everything the engine wrote, read from offset 0 of every output topic; raw counts keep duplicates. */
export class OutputCollector {
  readonly executions: ExecutionRecordValues[] = [];
  readonly trades: TradeRecordValues[] = [];
  readonly marketData: MarketDataValues[] = [];
  readonly deadLetters: DeadLetter[] = [];
  /** Raw trade record bytes by "shard:tradeId": a re-sent trade must be identical. */
  readonly tradeBytes = new Map<string, string>();
  readonly differingDuplicates: string[] = [];
  private readonly consumer: Consumer;
  private readonly reader = new OutputRecordReader();
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly topics: KafkaModeTopics;

  constructor(kafka: TestKafka, topics: KafkaModeTopics) {
    this.topics = topics;
    this.consumer = new Consumer({
      ...testConsumerOptions(kafka, `collector-${process.pid}-${topics.orders.name}`),
      clientId: "test-collector",
    });
    const assignment = [topics.executions, topics.matches, topics.marketData, topics.ordersDeadLetter].flatMap((t) =>
      Array.from({ length: t.partitions }, (_, partition) => ({ topic: t.name, partition, offset: 0 })),
    );
    this.consumer.assign(assignment);
    this.timer = setInterval(() => this.poll(), 5);
  }

  poll(): void {
    for (;;) {
      const b = this.consumer.poll(0);
      if (b.count === 0) return;
      for (let i = 0; i < b.count; i++) {
        if (b.errorCode[i] !== 0) continue;
        const topic = this.consumer.topicName(b.topicIndex[i]!);
        const value = b.value(i);
        if (topic === this.topics.executions.name) this.executions.push(this.reader.execution(value!));
        else if (topic === this.topics.matches.name) this.trade(value!);
        else if (topic === this.topics.marketData.name) this.marketData.push(this.reader.marketData(value!));
        else this.deadLetters.push(deadLetter(b, i, value));
      }
    }
  }

  private trade(value: Uint8Array): void {
    const t = this.reader.trade(value);
    const id = `${t.shard}:${t.tradeId}`;
    const hex = Buffer.from(value).toString("hex");
    const seen = this.tradeBytes.get(id);
    if (seen !== undefined && seen !== hex) this.differingDuplicates.push(id);
    this.tradeBytes.set(id, hex);
    this.trades.push(t);
  }

  /** Executions with duplicates dropped by their id (shard, engine seq, report index), in arrival order. */
  uniqueExecutions(): ExecutionRecordValues[] {
    const seen = new Set<string>();
    return this.executions.filter((e) => {
      const id = `${e.shard}:${e.engineSeq}:${e.reportIndex}`;
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    });
  }

  async until(pred: (c: OutputCollector) => boolean, what: string, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => pred(this), {
      timeoutMs,
      what: () =>
        `${what} (executions ${this.executions.length}, trades ${this.trades.length}, ` +
        `dead letters ${this.deadLetters.length})`,
    });
  }

  close(): void {
    clearInterval(this.timer);
    this.consumer.close();
  }
}

function deadLetter(b: ReturnType<Consumer["poll"]>, i: number, value: Uint8Array | null): DeadLetter {
  const text = (name: string) => new TextDecoder().decode(b.header(i, name) ?? new Uint8Array(0));
  return {
    partition: b.partition[i]!,
    offset: b.offset[i]!,
    reason: text("dlq.reason"),
    detail: text("dlq.detail"),
    sourcePartition: Number(text("dlq.partition")),
    sourceOffset: Number(text("dlq.offset")),
    value: value === null ? null : value.slice(),
  };
}

export interface Reference {
  stateHash: string;
  seq: number;
  trades: number;
  deadLetters: number;
}

/**
 * The engine that never stopped: a fresh shard fed partition `partition` of
 * `orders` from offset 0 up to `endOffset` (the partition's end by default), offline.
 */
export function referenceShard(
  kafka: TestKafka,
  topics: KafkaModeTopics,
  partition: number,
  endOffset = -1,
): Reference {
  const consumer = new Consumer({
    ...testConsumerOptions(kafka, `reference-${process.pid}`),
    clientId: "test-reference",
  });
  try {
    const end = endOffset >= 0 ? endOffset : consumer.watermarks(topics.orders.name, partition, 30_000).high;
    const shard = KafkaShard.fresh({
      partition,
      index: 0,
      ordersPartitions: topics.orders.partitions,
      engine: testEngine,
    });
    let trades = 0;
    shard.sequencer.addConsumer({
      onEvents(events) {
        for (let i = 0; i < events.count; i++) if (events.kind(i) === EventKind.Trade) trades++;
      },
    });
    let deadLetters = 0;
    consumer.assign([{ topic: topics.orders.name, partition, offset: 0 }]);
    const deadline = performance.now() + 60_000;
    while (shard.nextOffset < end) {
      if (performance.now() > deadline)
        throw new Error(`reference: partition ${partition} read to ${shard.nextOffset} of ${end}`);
      const b = consumer.poll(100);
      for (let i = 0; i < b.count && b.offset[i]! < end; i++) {
        if (b.errorCode[i] !== 0) throw new Error(`reference: ${b.error(i)!.message}`);
        if (
          shard.apply(b.offset[i]!, b.bytes, b.valueStart[i]!, b.valueBytes[i]!, b.timestampMs[i]!) ===
          RecordOutcome.Refused
        )
          deadLetters++;
      }
    }
    return { stateHash: shard.sequencer.engine.stateHash(), seq: shard.sequencer.lastSeq, trades, deadLetters };
  } finally {
    consumer.close();
  }
}

/** A SymbolDef record (bad ones for the dead-letter tests). */
export function symbolDefRecord(spec: SymbolSpec, symbolId: number): InputRecordView {
  const v = new InputRecordView();
  v.command = Command.SymbolDef;
  Object.assign(v.symbol, spec, { symbolId });
  return v;
}
