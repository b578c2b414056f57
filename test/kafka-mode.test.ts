// Proves Kafka mode with a real broker: an engine shard applies its `orders` partition in partition order (engine seq =
// position, client ids resolved in that order whoever produced), restarts from a snapshot's stored offset to the state
// of an engine that never stopped, loses no output when the producer's queue overflows, sends every hostile record to
// `orders.dlq` with its reason without stalling, and serves TCP clients through Kafka.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CancelReason, EventKind, Reject } from "../src/engine/constants.ts";
import { GatewayReject } from "../src/gateway/tcp-gateway.ts";
import { KafkaEngine, type KafkaEngineOptions } from "../src/kafka/mode/engine-host.ts";
import { ExecutionRecordWriter } from "../src/kafka/mode/records.ts";
import { ensureTopics, type KafkaModeTopics } from "../src/kafka/mode/topics.ts";
import { Body, fieldAt, InputRecordView, InputRecordWriter, OrderFields } from "../src/protocol/index.ts";
import { Command } from "../src/protocol/codec.ts";
import { ExecReport } from "../src/protocol/messages.ts";
import { KafkaModeServer } from "../src/server/kafka-mode.ts";
import { FileSnapshotStore } from "../src/snapshot/file-store.ts";
import { Consumer } from "../src/kafka/index.ts";
import { FastInputRecordDecoder } from "../src/protocol/fixed-read.ts";
import { testConsumerOptions, useTestKafka } from "./support/kafka.ts";
import {
  fullModeConfig,
  OrderProducer,
  OutputCollector,
  quietLog,
  referenceShard,
  symbolDefRecord,
  testEngine,
  testSymbols,
  testTopics,
} from "./support/kafka-mode.ts";
import { RawSession } from "./support/raw-session.ts";
import { waitFor } from "./support/wait.ts";

const testTimeoutMs = 180_000;
const cleanups: (() => Promise<void> | void)[] = [];
// Registered before the broker's own hooks: engines and clients close while it still runs.
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});
const fixture = useTestKafka();

async function topicsFor(prefix: string, partitions: number): Promise<KafkaModeTopics> {
  const topics = testTopics(prefix, partitions);
  await ensureTopics(fixture.admin, topics, 1, 60_000);
  return topics;
}

function engineOptions(
  topics: KafkaModeTopics,
  partitions: number[],
  extra: Partial<KafkaEngineOptions> = {},
): KafkaEngineOptions {
  return {
    bootstrapServers: fixture.kafka.bootstrapServers,
    clientId: `test-engine-${process.pid}`,
    topics,
    partitions,
    engine: testEngine,
    symbols: testSymbols,
    snapshotStore: () => null,
    snapshotPolicy: { everyCommands: 0, everyMs: 0 },
    outputLingerMs: 1,
    outputQueueMessagesMax: 100_000,
    log: () => {},
    warn: (line) => console.warn(`warning: ${line}`),
    ...extra,
  };
}

async function startEngine(options: KafkaEngineOptions): Promise<KafkaEngine> {
  const engine = await KafkaEngine.start(options);
  cleanups.push(() => engine.stop());
  return engine;
}

function collector(topics: KafkaModeTopics): OutputCollector {
  const c = new OutputCollector(fixture.kafka, topics);
  cleanups.push(() => c.close());
  return c;
}

function orders(topics: KafkaModeTopics): OrderProducer {
  const p = new OrderProducer(fixture.kafka, topics);
  cleanups.push(() => p.close());
  return p;
}

/**
 * Every record of a partition: offset, user, session seq (the test's reference for a record), command, client order id.
 */
function partitionRecords(
  topics: KafkaModeTopics,
  partition: number,
): { offset: number; user: number; ref: number; command: number; clientOrderId: number }[] {
  const consumer = new Consumer(testConsumerOptions(fixture.kafka, `read-back-${process.pid}`));
  const decoder = new FastInputRecordDecoder();
  const v = new InputRecordView();
  try {
    const end = consumer.watermarks(topics.orders.name, partition, 30_000).high;
    consumer.assign([{ topic: topics.orders.name, partition, offset: 0 }]);
    const out: { offset: number; user: number; ref: number; command: number; clientOrderId: number }[] = [];
    while (out.length < end) {
      const b = consumer.poll(100);
      for (let i = 0; i < b.count; i++) {
        expect(decoder.decode(b.bytes, b.valueStart[i]!, b.valueStart[i]! + b.valueBytes[i]!, v)).toBe(0);
        out.push({
          offset: b.offset[i]!,
          user: v.userId,
          ref: v.sessionSeq,
          command: v.command,
          clientOrderId: v.clientOrderId,
        });
      }
    }
    return out;
  } finally {
    consumer.close();
  }
}

describe("an engine shard and its partition", () => {
  test(
    "applies records in partition order: engine seq is the position, " +
      "and a Cancel from another producer finds its order only if it came after it",
    async () => {
      const topics = await topicsFor("order", 2);
      const out = collector(topics);
      const engine = await startEngine(engineOptions(topics, [0, 1]));
      const a = orders(topics);
      const b = orders(topics);
      const symbol = 0;
      const n = 400;
      // Two producers race: a's NewOrders and b's Cancels of the same client ids interleave in the partition as the
      // broker appends them.
      for (let k = 1; k <= n; k++) {
        a.newOrder({
          user: 7,
          clientOrderId: k,
          symbol,
          side: 0,
          priceTicks: 1000 + (k % 50),
          qtyLots: 1,
          sessionSeq: k,
        });
        b.cancel({ user: 7, clientOrderId: k, symbol });
        if (k % 50 === 0) await Promise.all([a.acknowledgedAll(), b.acknowledgedAll()]);
      }
      await Promise.all([a.acknowledgedAll(), b.acknowledgedAll()]);
      const partition = a.partitionOf(symbol);
      const records = partitionRecords(topics, partition);
      await out.until(
        (c) => c.uniqueExecutions().filter((e) => e.shard === partition && e.engineSeq >= records.length).length > 0,
        "the partition's last record applied",
      );
      const bySeq = new Map<number, typeof out.executions>();
      for (const e of out.uniqueExecutions().filter((e) => e.shard === partition))
        bySeq.set(e.engineSeq, [...(bySeq.get(e.engineSeq) ?? []), e]);
      const newAt = new Map<number, number>();
      let cancelled = 0;
      let unknown = 0;
      for (const r of records) {
        // Every record of the partition was applied: its engine seq is its offset + 1.
        const reports = bySeq.get(r.offset + 1) ?? [];
        if (r.command === Command.SymbolDef) continue;
        expect(reports.length).toBeGreaterThan(0);
        const report = reports[0]!;
        expect({ user: report.userId, clientOrderId: report.clientOrderId }).toEqual({
          user: r.user,
          clientOrderId: r.clientOrderId,
        });
        if (r.command === Command.NewOrder) {
          expect(report.kind).toBe(EventKind.Accepted);
          newAt.set(r.clientOrderId, r.offset);
        } else {
          const before = newAt.has(r.clientOrderId);
          expect({
            k: r.clientOrderId,
            kind: report.kind,
            reason: report.kind === EventKind.Rejected ? report.rejectReason : report.cancelReason,
          }).toEqual({
            k: r.clientOrderId,
            kind: before ? EventKind.Cancelled : EventKind.Rejected,
            reason: before ? CancelReason.User : Reject.UnknownOrder,
          });
          if (before) cancelled++;
          else unknown++;
        }
      }
      expect(cancelled + unknown).toBe(n);
      // Live orders are exactly the NewOrders whose Cancel came first.
      expect(engine.shards.find((s) => s.partition === partition)!.sequencer.engine.ordersLive).toBe(unknown);
      console.error(`ordering: ${cancelled} cancels after their order, ${unknown} before it`);
    },
    testTimeoutMs,
  );

  test(
    "restarts from the offset its snapshot stored and reaches the state hash of an engine that never stopped",
    async () => {
      const topics = await topicsFor("restart", 1);
      const dir = mkdtempSync(join(tmpdir(), "kafka-mode-snap-"));
      cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
      const store = () => new FileSnapshotStore({ dir, keep: 3 });
      const options = engineOptions(topics, [0], {
        snapshotStore: store,
        snapshotPolicy: { everyCommands: 100, everyMs: 0 },
      });
      const first = await KafkaEngine.start(options);
      const p = orders(topics);
      const burst = (from: number, count: number) => {
        for (let k = from; k < from + count; k++) {
          // Crossing buys and sells around 1000: trades, partial fills, resting orders.
          p.newOrder({
            user: 1 + (k % 5),
            clientOrderId: k,
            symbol: k % 3,
            side: k % 2,
            priceTicks: 990 + ((k * 7) % 21),
            qtyLots: 1 + (k % 4),
          });
          if (k % 7 === 0) p.cancel({ user: 1 + ((k - 3) % 5), clientOrderId: k - 3, symbol: (k - 3) % 3 });
        }
      };
      burst(1, 600);
      await p.acknowledgedAll();
      const endFirst = first.consumer.watermarks(topics.orders.name, 0, 30_000).high;
      await waitFor(() => first.shards[0]!.nextOffset >= endFirst, {
        timeoutMs: 60_000,
        what: () => `first engine at ${first.shards[0]!.nextOffset} of ${endFirst}`,
      });
      await first.stop();
      const stored = await store().list();
      expect(stored.length).toBeGreaterThan(0);
      // More input while no engine runs.
      burst(601, 400);
      await p.acknowledgedAll();
      const second = await startEngine(options);
      const report = second.recovery[0]!;
      expect(report.snapshotSeq).toBe(stored[0]!.seq);
      expect(report.startOffset).toBe(endFirst);
      const endSecond = second.consumer.watermarks(topics.orders.name, 0, 30_000).high;
      await waitFor(() => second.shards[0]!.nextOffset >= endSecond, {
        timeoutMs: 60_000,
        what: () => `second engine at ${second.shards[0]!.nextOffset} of ${endSecond}`,
      });
      const reference = referenceShard(fixture.kafka, topics, 0, endSecond);
      expect(reference.trades).toBeGreaterThan(0);
      expect(second.shards[0]!.sequencer.lastSeq).toBe(reference.seq);
      expect(second.shards[0]!.sequencer.engine.stateHash()).toBe(reference.stateHash);
    },
    testTimeoutMs,
  );
});

/** A NewOrder record's bytes from the fixed writer (no length prefix), for mutation. */
function newOrderRecord(fill: (o: OrderFields) => void, user = 9): Uint8Array {
  const w = new InputRecordWriter();
  const o = new OrderFields();
  o.clientOrderId = 1;
  o.qtyLots = 1;
  o.priceTicks = 1000;
  fill(o);
  const buffer = new Uint8Array(4096);
  const n = w.writeNewOrder(buffer, 0, 0, 0, user, 0, 0, 0, o);
  return buffer.slice(4, n);
}

describe("topic setup", () => {
  test(
    "bun run kafka:topics creates the topics with their counts, compression and retention, again is a no-op, " +
      "and refuses a count that differs",
    async () => {
      const base = testTopics("setup", 3);
      const env = (partitions: number) => ({
        ...process.env,
        EXCHANGE_KAFKA_BROKERS: fixture.kafka.bootstrapServers,
        EXCHANGE_KAFKA_TOPICS_ORDERS: base.orders.name,
        EXCHANGE_KAFKA_TOPICS_ORDERS_DEAD_LETTER: base.ordersDeadLetter.name,
        EXCHANGE_KAFKA_TOPICS_EXECUTIONS: base.executions.name,
        EXCHANGE_KAFKA_TOPICS_MATCHES: base.matches.name,
        EXCHANGE_KAFKA_TOPICS_MARKET_DATA: base.marketData.name,
        EXCHANGE_KAFKA_PARTITIONS_ORDERS: String(partitions),
      });
      const run = (partitions: number) =>
        Bun.spawnSync([process.execPath, join(import.meta.dir, "../scripts/kafka-topics.ts")], {
          env: env(partitions),
          stdout: "pipe",
          stderr: "pipe",
        });
      const first = run(3);
      expect(first.exitCode).toBe(0);
      const lines = first.stdout.toString().trim().split("\n");
      expect(lines.find((l) => l.startsWith(base.orders.name))).toMatch(
        / 3 partitions +compression lz4 +retention\.ms -1 +timestamps LogAppendTime$/,
      );
      expect(lines.find((l) => l.startsWith(base.marketData.name))).toMatch(/ 6 partitions +compression snappy/);
      expect(run(3).exitCode).toBe(0);
      const differs = run(4);
      expect(differs.exitCode).toBe(1);
      expect(differs.stderr.toString()).toContain(
        `${base.orders.name} (orders) has 3 partitions, the configuration says 4`,
      );
    },
    testTimeoutMs,
  );
});

describe("outputs", () => {
  test(
    "a mass cancel with more reports than the producer's queue holds spills and loses none, in order",
    async () => {
      const topics = await topicsFor("spill", 1);
      const out = collector(topics);
      // A queue of 20,000 messages: the 25,001 reports of one mass cancel cannot all be queued at once.
      const engine = await startEngine(engineOptions(topics, [0], { outputQueueMessagesMax: 20_000 }));
      const p = orders(topics);
      const count = 25_000;
      for (let k = 1; k <= count; k++)
        p.newOrder({ user: 3, clientOrderId: k, symbol: k % 3, side: 0, priceTicks: 100 + (k % 50), qtyLots: 1 });
      await p.acknowledgedAll();
      await out.until((c) => c.executions.length >= count, "every order accepted", 120_000);
      p.massCancel({ user: 3, requestId: 99, partition: 0 });
      await p.acknowledgedAll();
      await out.until((c) => c.executions.length >= 2 * count + 1, "every cancel and the summary", 120_000);
      const reports = out.executions.slice(count);
      expect(reports.map((r) => r.reportIndex)).toEqual(Array.from({ length: count + 1 }, (_, i) => i));
      expect(
        reports
          .slice(0, count)
          .every((r) => r.kind === EventKind.Cancelled && r.cancelReason === CancelReason.MassCancel),
      ).toBe(true);
      expect({ kind: reports[count]!.kind, qty: reports[count]!.qtyLots }).toEqual({
        kind: EventKind.MassCancelled,
        qty: count,
      });
      expect(engine.outputs.stats.spilled).toBeGreaterThan(0);
      expect(engine.shards[0]!.sequencer.engine.ordersLive).toBe(0);
    },
    testTimeoutMs,
  );
});

/**
 * The hostile records sent to `btc` (and one to `other`, the wrong partition), each with the dead-letter reason it
 * must get; `valid` is the good record the first one is cut from.
 */
function hostileRecords(p: OrderProducer, btc: number, other: number) {
  const valid = newOrderRecord(() => {});
  const userField = fieldAt(new InputRecordWriter().layoutOf(Command.NewOrder), "InputRecord.user_id") - 4;
  const hugeUser = valid.slice();
  new DataView(hugeUser.buffer).setUint32(userField + 4, 0x200000, true);
  const report = new ExecReport();
  report.clientOrderId = 1;
  report.engineSeq = 1;
  const executionWriter = new ExecutionRecordWriter();
  executionWriter.write(1, 0, 0, 0, 0, report);
  const wrongSchema = executionWriter.frame.bytes.slice(
    executionWriter.frame.valueStart,
    executionWriter.frame.frameBytes,
  );
  let garbled = valid.slice();
  // Structure bytes changed: the root offset points outside the record.
  new DataView(garbled.buffer).setUint32(0, 60_000, true);
  const random = new Uint8Array(97);
  for (let i = 0; i < random.length; i++) random[i] = (i * 131 + 17) & 0xff;
  const expected: [string, () => void][] = [
    ["undecodable", () => p.raw(btc, null, valid.subarray(0, 10))],
    ["oversized", () => p.raw(btc, null, new Uint8Array(5000).fill(7))],
    ["undecodable", () => p.raw(btc, null, garbled)],
    ["undecodable", () => p.raw(btc, null, random)],
    ["undecodable", () => p.raw(btc, null, wrongSchema)],
    ["no_value", () => p.raw(btc, null, null)],
    ["invalid_value", () => p.raw(btc, null, hugeUser)],
    [
      "invalid_value",
      () =>
        p.raw(
          btc,
          null,
          newOrderRecord((o) => (o.side = 9)),
        ),
    ],
    [
      "invalid_value",
      () =>
        p.raw(
          btc,
          null,
          newOrderRecord((o) => (o.qtyLots = 0)),
        ),
    ],
    ["invalid_value", () => p.massCancel({ user: 5, requestId: 1, partition: btc, reason: CancelReason.SelfTrade })],
    ["wrong_partition", () => p.raw(other, null, valid)],
    ["bad_symbol_def", () => p.encoded(symbolDefRecord(testSymbols[0]!, 3), btc)],
    ["bad_symbol_def", () => p.encoded(symbolDefRecord({ ...testSymbols[0]!, name: "NEW-USD" }, 7), btc)],
  ];
  return { expected, valid };
}

describe("hostile records on orders", () => {
  test(
    "truncated, oversized, garbled, wrong-schema, null and invalid records go to orders.dlq with their " +
      "reason; good records around them are applied; unknown symbols are the engine's rejects",
    async () => {
      const topics = await topicsFor("dlq", 2);
      const out = collector(topics);
      const engine = await startEngine(engineOptions(topics, [0, 1]));
      const p = orders(topics);
      const btc = p.partitionOf(0);
      const other = [0, 1, 2].map((s) => p.partitionOf(s)).find((q) => q !== btc) ?? (btc + 1) % 2;
      const good = (k: number) =>
        p.newOrder({ user: 5, clientOrderId: k, symbol: 0, priceTicks: 1000, qtyLots: 1, sessionSeq: k });
      const { expected, valid } = hostileRecords(p, btc, other);
      good(1);
      for (const [, send] of expected) send();
      // An unknown symbol is not a dead letter: the engine rejects it and the user hears of it.
      p.raw(
        btc,
        null,
        newOrderRecord((o) => ((o.symbolId = 6), (o.clientOrderId = 77)), 5),
      );
      good(2);
      await p.acknowledgedAll();
      await out.until(
        (c) => c.deadLetters.length >= expected.length && c.executions.some((e) => e.sessionSeq === 2),
        "every dead letter and the last good order",
      );
      // One dead-letter partition, two source partitions: compare each source's letters in its own order.
      const reasonsFrom = (partition: number) =>
        out.deadLetters.filter((d) => d.sourcePartition === partition).map((d) => d.reason);
      expect(reasonsFrom(btc)).toEqual(expected.map(([reason]) => reason).filter((r) => r !== "wrong_partition"));
      expect(reasonsFrom(other)).toEqual(["wrong_partition"]);
      for (const d of out.deadLetters) expect(d.detail.length).toBeGreaterThan(0);
      // The original bytes travel with the dead letter.
      const fromBtc = out.deadLetters.filter((d) => d.sourcePartition === btc);
      expect(fromBtc[0]!.value).toEqual(valid.subarray(0, 10));
      expect(fromBtc[5]!.value).toBeNull();
      const accepted = out.executions
        .filter((e) => e.userId === 5 && e.kind === EventKind.Accepted)
        .map((e) => e.sessionSeq);
      expect(accepted).toEqual([1, 2]);
      const unknown = out.executions.find((e) => e.clientOrderId === 77)!;
      expect({ kind: unknown.kind, reason: unknown.rejectReason, symbol: unknown.symbolId }).toEqual({
        kind: EventKind.Rejected,
        reason: Reject.UnknownSymbol,
        symbol: 6,
      });
      const counted = engine.shards.reduce((n, s) => n + s.stats.deadLettered, 0);
      expect(counted).toBe(expected.length);
      expect(engine.shards.find((s) => s.partition === btc)!.stats.deadLetterReasons.undecodable).toBe(4);
      expect(engine.state).toBe("running");
    },
    testTimeoutMs,
  );
});

describe("the TCP gateway in Kafka mode", () => {
  test(
    "reports come from the shard after Kafka has the command; a Cancel right behind its order finds it; " +
      "fills from Kafka producers reach the session; symbols of other shards are refused",
    async () => {
      const partitions = 3;
      const topics = await topicsFor("tcp", partitions);
      const p = orders(topics);
      const btc = p.partitionOf(0);
      const foreign = [1, 2].find((s) => p.partitionOf(s) !== btc);
      const config = fullModeConfig(fixture.kafka, topics, `test-tcp-${process.pid}`, { shards: [btc] });
      const server = await KafkaModeServer.start(config, quietLog);
      cleanups.push(() => server.stop("test end"));
      const s = await RawSession.open(server.gateway.port);
      cleanups.push(() => s.destroy());
      const login = await s.login("dev-key-1");
      expect(login.body).toBe(Body.LoginAccepted);
      const reportsOf = (coid: number) =>
        s.received.filter((r) => r.body === Body.ExecutionReport && r.clientOrderId === coid);
      // A NewOrder and its Cancel in one write: the shard resolves the client id in partition order.
      const both = new Uint8Array([
        ...s.orderFrame(1, { symbolId: 0, side: 0, priceTicks: 1000, qtyLots: 5 }),
        ...s.cancelFrame(1, 0),
      ]);
      s.write(both);
      await s.waitFor(() => reportsOf(1).length >= 2, "Accepted and Cancelled of order 1");
      expect(reportsOf(1).map((r) => r.kind)).toEqual([EventKind.Accepted, EventKind.Cancelled]);
      // A resting TCP order filled by a Kafka producer's order.
      s.write(s.orderFrame(2, { symbolId: 0, side: 0, priceTicks: 1000, qtyLots: 5 }));
      await s.waitFor(() => reportsOf(2).length >= 1, "Accepted of order 2");
      p.newOrder({ user: 2, clientOrderId: 1, symbol: 0, side: 1, priceTicks: 1000, qtyLots: 3 });
      await s.waitFor(() => reportsOf(2).some((r) => r.kind === EventKind.Trade), "a fill of order 2");
      expect(reportsOf(2).find((r) => r.kind === EventKind.Trade)!.qtyLots).toBe(3);
      // An order the user entered over Kafka is reported to the session, and the session cancels it by its client id.
      p.newOrder({ user: 1, clientOrderId: 50, symbol: 0, side: 0, priceTicks: 900, qtyLots: 1 });
      await s.waitFor(() => reportsOf(50).length >= 1, "Accepted of the Kafka order 50");
      s.write(s.cancelFrame(50, 0));
      await s.waitFor(() => reportsOf(50).some((r) => r.kind === EventKind.Cancelled), "Cancelled of order 50");
      if (foreign !== undefined) {
        s.write(s.orderFrame(3, { symbolId: foreign, side: 0, priceTicks: 1000, qtyLots: 1 }));
        await s.waitFor(() => reportsOf(3).length >= 1, "the answer to an order of another shard");
        expect({ kind: reportsOf(3)[0]!.kind, reason: reportsOf(3)[0]!.rejectReason }).toEqual({
          kind: EventKind.Rejected,
          reason: GatewayReject.Unavailable,
        });
      }
      // A mass cancel of every symbol: one record per partition; this process's shard answers for its orders.
      s.write(s.frame((m) => ((m.body = Body.MassCancel), (m.clientOrderId = 99))));
      await s.waitFor(() => reportsOf(99).some((r) => r.kind === EventKind.MassCancelled), "the mass cancel's summary");
      expect(reportsOf(2).at(-1)!.kind).toBe(EventKind.Cancelled);
      expect(reportsOf(99).find((r) => r.kind === EventKind.MassCancelled)!.qtyLots).toBe(1);
      expect(s.decodeError).toBe(0);
      // The operations listener of Kafka mode: ready, and the shard's consumer lag (caught up: 0).
      const ops = `http://127.0.0.1:${server.ops!.port}`;
      const ready = (await (await fetch(`${ops}/ready`)).json()) as { checks: { name: string; ready: boolean }[] };
      // (No QuestDB runs here: its check is the only one not ready.)
      expect(ready.checks.map((c) => [c.name, c.ready])).toEqual([
        ["exchange", true],
        ["snapshots", true],
        ["kafka", true],
        ["questdb", false],
      ]);
      const metrics = await (await fetch(`${ops}/metrics`)).text();
      expect(metrics).toContain(`exchange_kafka_consumer_lag_messages{partition="${btc}"} 0`);
    },
    testTimeoutMs,
  );
});
