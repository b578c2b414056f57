// Proves Kafka mode survives its broker restarting (SIGTERM, then SIGKILL) while orders flow from a Kafka producer and
// a TCP session: the engine waits and reconnects, every acknowledged order is applied exactly once, and each shard ends
// with the state hash of an engine fed its partition without interruption.

import { afterAll, expect, test } from "bun:test";
import { EventKind } from "../src/engine/constants.ts";
import { ensureTopics } from "../src/kafka/mode/topics.ts";
import { Body } from "../src/protocol/index.ts";
import { KafkaModeServer } from "../src/server/kafka-mode.ts";
import { useTestKafka } from "./support/kafka.ts";
import {
  fullModeConfig,
  OrderProducer,
  OutputCollector,
  quietLog,
  referenceShard,
  testTopics,
} from "./support/kafka-mode.ts";
import { RawSession } from "./support/raw-session.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
}, 120_000);
const fixture = useTestKafka();

/** Input in phases: Kafka orders (users 2..7) and TCP orders (user 1), in small slices. */
class PhasedInput {
  next = 1;
  tcpNext = 1;

  constructor(
    private readonly p: OrderProducer,
    private readonly s: RawSession,
  ) {}

  async phase(count: number): Promise<void> {
    const { p, s } = this;
    for (let sent = 0; sent < count; sent += 50) {
      for (let k = this.next; k < this.next + 50; k++) {
        p.newOrder({
          user: 2 + (k % 6),
          clientOrderId: k,
          symbol: k % 3,
          side: Math.floor(k / 3) % 2,
          priceTicks: 995 + ((k * 7) % 11),
          qtyLots: 1 + (k % 3),
          sessionSeq: k,
        });
      }
      this.next += 50;
      s.write(s.orderFrame(this.tcpNext++, { symbolId: this.tcpNext % 3, side: 0, priceTicks: 900, qtyLots: 1 }));
      p.producer.poll(0);
      await Bun.sleep(5);
    }
  }
}

test(
  "the broker restarts twice while orders flow: nothing acknowledged is lost, " + "nothing is applied twice",
  async () => {
    const partitions = 2;
    const topics = testTopics("restart", partitions);
    await ensureTopics(fixture.admin, topics, 1, 60_000);
    // The raw session sends no heartbeats: it must outlive the broker restarts.
    const config = fullModeConfig(fixture.kafka, topics, `test-restart-${process.pid}`, {
      limits: { openOrdersPerUserMax: 10_000, idleTimeoutMs: 600_000 },
    });
    const server = await KafkaModeServer.start(config, quietLog);
    cleanups.push(() => server.stop("test end"));
    const out = new OutputCollector(fixture.kafka, topics);
    cleanups.push(() => out.close());
    const p = new OrderProducer(fixture.kafka, topics);
    cleanups.push(() => p.close());
    const s = await RawSession.open(server.gateway.port);
    cleanups.push(() => s.destroy());
    expect((await s.login("dev-key-1")).body).toBe(Body.LoginAccepted);

    const perPhase = 600;
    const input = new PhasedInput(p, s);
    const flow = (count: number) => input.phase(count);
    await flow(perPhase);
    // Orders go on flowing while the broker stops and comes back.
    await Promise.all([flow(perPhase), fixture.kafka.restart()]);
    await Promise.all([flow(perPhase), fixture.kafka.restart({ kill: true })]);
    await flow(perPhase);
    await p.acknowledgedAll(120_000);
    const kafkaOrders = input.next - 1;
    const tcpOrders = input.tcpNext - 1;
    await out.until(
      (c) =>
        new Set(c.executions.filter((e) => e.userId >= 2 && e.kind === EventKind.Accepted).map((e) => e.sessionSeq))
          .size === kafkaOrders,
      `all ${kafkaOrders} Kafka orders accepted`,
      120_000,
    );
    await s.waitFor(
      () => s.received.filter((r) => r.kind === EventKind.Accepted).length === tcpOrders,
      `all ${tcpOrders} TCP orders accepted`,
      120_000,
    );
    // The TCP orders' reports reach the session at once and `executions` a little later.
    const acceptedOnTopic = () => out.uniqueExecutions().filter((e) => e.kind === EventKind.Accepted);
    await out.until(() => acceptedOnTopic().length >= kafkaOrders + tcpOrders, "every Accepted on executions", 120_000);
    // Exactly once: one Accepted per order, none applied twice (a second copy would be accepted again
    // or rejected as a duplicate).
    const accepted = acceptedOnTopic();
    expect(accepted.length).toBe(kafkaOrders + tcpOrders);
    expect(new Set(accepted.map((e) => `${e.userId}:${e.clientOrderId}`)).size).toBe(kafkaOrders + tcpOrders);
    expect(out.uniqueExecutions().filter((e) => e.kind === EventKind.Rejected)).toEqual([]);
    expect(out.deadLetters).toEqual([]);
    expect(new Set(s.received.filter((r) => r.kind === EventKind.Accepted).map((r) => r.clientOrderId)).size).toBe(
      tcpOrders,
    );
    for (const shard of server.engine.shards) {
      const reference = referenceShard(fixture.kafka, topics, shard.partition, shard.nextOffset);
      expect({ partition: shard.partition, hash: shard.sequencer.engine.stateHash() }).toEqual({
        partition: shard.partition,
        hash: reference.stateHash,
      });
    }
    expect(server.engine.state).toBe("running");
    console.error(`broker restarts: ${kafkaOrders} Kafka orders and ${tcpOrders} TCP orders, each applied once`);
  },
  600_000,
);
