// Proves that a broker stopped (SIGTERM) or killed (SIGKILL) and restarted while a producer keeps producing loses
// nothing that was acknowledged and duplicates nothing: the idempotent producer and a live consumer reconnect by
// themselves, every message is delivered once at consecutive offsets in produce order, and the outage reaches the
// application as non-fatal typed errors.

import { expect, test } from "bun:test";
import { Consumer, ErrorCode, KafkaError, Offset, Producer, ProduceRecord } from "../src/kafka/index.ts";
import {
  DeliveryLog,
  receive,
  testConsumerOptions,
  testProducerOptions,
  uniqueTopic,
  useTestKafka,
} from "./support/kafka.ts";

/** Deadlines for events that will come (acks, a restart); generous because the machine is shared. */
const eventTimeoutMs = 240_000;
/** Acknowledged messages before the restart, and after it (proof that the producer reconnected). */
const acksBeforeCount = 2_000;
const acksAfterCount = 2_000;
/** Messages offered per loop turn; the loop yields a millisecond between turns so the restart can run. */
const messagesPerTurn = 20;
/**
 * Produced but not yet acknowledged, at most: enough to have thousands queued and in flight across the outage, few
 * enough to keep the test small.
 */
const unacknowledgedMax = 5_000;

// The admin client idles through the restarts; its reconnect logs would only be noise here.
const fixture = useTestKafka({ onLog: () => {} });

function seqOf(value: Uint8Array | null): number {
  return new DataView(value!.buffer, value!.byteOffset, value!.byteLength).getUint32(0, true);
}

/** Messages produced as fast as the broker takes them (numbered in their values) and read back live. */
class RestartLoad {
  readonly seenLive: number[] = [];
  readonly refusals: number[] = [];
  produced = 0;
  producing = true;
  private readonly record = new ProduceRecord();
  // One value buffer rewritten for every message: librdkafka copies it during produce.
  private readonly value = new Uint8Array(new ArrayBuffer(64));
  private readonly valueView = new DataView(this.value.buffer);

  constructor(
    private readonly producer: Producer,
    private readonly consumer: Consumer,
    topic: string,
    private readonly deliveries: DeliveryLog,
  ) {
    this.record.topic = producer.topic(topic);
    this.record.partition = 0;
    this.record.setValue(this.value);
  }

  turn(): void {
    const { record, producer, deliveries } = this;
    for (
      let i = 0;
      this.producing && i < messagesPerTurn && this.produced - deliveries.count < unacknowledgedMax;
      i++
    ) {
      record.opaque = this.produced;
      this.valueView.setUint32(0, this.produced, true);
      const code = producer.produce(record);
      // While the broker is away the queue fills; the same message is offered again next turn.
      if (code === ErrorCode._QUEUE_FULL) break;
      if (code !== 0) this.refusals.push(code);
      this.produced++;
    }
    producer.poll(0);
    const batch = this.consumer.poll(0);
    for (let i = 0; i < batch.count; i++) {
      if (batch.errorCode[i] !== 0) this.refusals.push(batch.errorCode[i]!);
      else this.seenLive.push(seqOf(batch.value(i)));
    }
  }

  async runUntil(done: () => boolean, what: string): Promise<void> {
    const deadline = performance.now() + eventTimeoutMs;
    while (!done()) {
      if (performance.now() > deadline)
        throw new Error(
          `${what}: not reached within ${eventTimeoutMs} ms ` +
            `(produced ${this.produced}, acknowledged ${this.deliveries.count})`,
        );
      this.turn();
      await Bun.sleep(1);
    }
  }
}

async function produceThroughRestart(kill: boolean): Promise<void> {
  const kafka = fixture.kafka;
  const topic = await fixture.createTopic(kill ? "restart-kill" : "restart-term", 1);

  const deliveries = new DeliveryLog();
  const clientErrors: KafkaError[] = [];
  const logsCount = { value: 0 };
  const hooks = { onError: (e: KafkaError) => clientErrors.push(e), onLog: () => void logsCount.value++ };
  const producer = new Producer({ ...testProducerOptions(kafka, deliveries.handler), ...hooks });
  const consumer = new Consumer({ ...testConsumerOptions(kafka, uniqueTopic("g-restart")), ...hooks });
  consumer.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
  const load = new RestartLoad(producer, consumer, topic, deliveries);
  const { seenLive, refusals } = load;
  const runUntil = (done: () => boolean, what: string) => load.runUntil(done, what);

  await runUntil(() => deliveries.count >= acksBeforeCount, "acknowledgements before the restart");
  const restart: { result: "pending" | "done" | Error } = { result: "pending" };
  kafka.restart({ kill }).then(
    () => (restart.result = "done"),
    (error: Error) => (restart.result = error),
  );
  await runUntil(() => restart.result !== "pending", "broker restart");
  if (restart.result instanceof Error) throw restart.result;
  const acksAtRestart = deliveries.count;
  await runUntil(() => deliveries.count >= acksAtRestart + acksAfterCount, "acknowledgements after the restart");
  load.producing = false;
  const produced = load.produced;
  expect(producer.flush(eventTimeoutMs)).toBe(0);

  // Every message acknowledged, once, in order, at consecutive offsets; nothing failed.
  expect(refusals).toEqual([]);
  expect(deliveries.failures()).toEqual([]);
  expect(deliveries.count).toBe(produced);
  expect(deliveries.opaque).toEqual(Array.from({ length: produced }, (_, i) => i));
  expect(deliveries.offset).toEqual(Array.from({ length: produced }, (_, i) => i));
  expect(producer.fatalError).toBeNull();
  // No duplicate was written: the log ends exactly after the last message.
  expect(consumer.watermarks(topic, 0, 30_000)).toEqual({ low: 0, high: produced });

  // The live consumer read through the outage; a fresh one finds the same log.
  await runUntil(() => seenLive.length >= produced, "live consumer catching up");
  expect(seenLive).toEqual(deliveries.opaque);
  const fresh = new Consumer(testConsumerOptions(kafka, uniqueTopic("g-after")));
  fresh.assign([{ topic, partition: 0, offset: Offset.BEGINNING }]);
  const after = receive(fresh, produced, eventTimeoutMs);
  expect(after.map((r) => seqOf(r.value))).toEqual(deliveries.opaque);
  expect(after.map((r) => r.offset)).toEqual(deliveries.offset);
  fresh.close();

  // The outage reached the application as typed, non-fatal errors.
  expect(clientErrors.length).toBeGreaterThan(0);
  for (const error of clientErrors) {
    expect(error).toBeInstanceOf(KafkaError);
    expect(error.fatal).toBe(false);
  }
  console.error(
    `restart (${kill ? "SIGKILL" : "SIGTERM"}): ${produced} messages, ${acksAtRestart} acknowledged by the ` +
      `time it was back; ${clientErrors.length} client errors ` +
      `(${[...new Set(clientErrors.map((e) => e.codeName))].join(", ")}), ${logsCount.value} log lines`,
  );
  consumer.close();
  expect(producer.close(eventTimeoutMs)).toBe(0);
}

test(
  "a broker stopped with SIGTERM and restarted mid-stream: nothing acknowledged is lost, " + "nothing duplicated",
  async () => {
    await produceThroughRestart(false);
  },
  600_000,
);

test(
  "a broker killed with SIGKILL and restarted mid-stream: nothing acknowledged is lost, " + "nothing duplicated",
  async () => {
    await produceThroughRestart(true);
  },
  600_000,
);
