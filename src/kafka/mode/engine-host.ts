// The engine side of Kafka mode in one process: the shards of the `orders`
// partitions this process owns, one consumer (manual assignment at each
// shard's resume offset), one output producer, and a pump on the event loop
// that moves records from the consumer through the shards into the outputs.
//
// Start: recover every shard (snapshot + offset), replay its partition up to
// the end it had when recovery began (outputs are re-sent: consumers drop
// what they have seen by id), define the configured symbols a shard does not
// have yet (by producing them into its own partition, so they are part of its
// history), then take snapshots on the policy. The pump never blocks the
// event loop: it polls without waiting, applies at most `recordsPerPumpMax`
// records, and comes back at once while there is input (1 ms later when idle),
// so the TCP gateway in the same process keeps its turns.

import type { SymbolSpec } from "../../engine/command.ts";
import type { EngineConfig } from "../../engine/config.ts";
import { MarketDataStream } from "../../marketdata/stream.ts";
import { Encoder, InputRecordView } from "../../protocol/index.ts";
import { Command } from "../../protocol/codec.ts";
import { framePrefixBytes } from "../../protocol/constants.ts";
import { type Clock, systemClock } from "../../sequencer/clock.ts";
import { Snapshotter } from "../../sequencer/snapshotter.ts";
import type { SnapshotStore } from "../../snapshot/store.ts";
import type { ConsumedBatch } from "../consumed-batch.ts";
import { Consumer } from "../consumer.ts";
import { ErrorCode, type KafkaError } from "../errors.ts";
import type { ClientHooks } from "../client.ts";
import { DeadLetters } from "./dead-letters.ts";
import { shardsMax } from "./ids.ts";
import { OutputLog } from "./output-log.ts";
import { RecordOutcome, type KafkaShard } from "./shard.ts";
import { ShardOutputs } from "./shard-outputs.ts";
import { recoverShard, partitionIdentity, type ShardRecoveryReport } from "./shard-recovery.ts";
import type { KafkaModeTopics } from "./topics.ts";

export interface KafkaEngineOptions {
  bootstrapServers: string;
  /** client.id of the consumer and producer (suffixed "-engine", "-outputs"). */
  clientId: string;
  topics: KafkaModeTopics;
  /** The `orders` partitions this process runs, each one engine shard. */
  partitions: readonly number[];
  /** Capacities of each shard's engine. */
  engine: Partial<EngineConfig>;
  /** Symbols every shard defines (new ones are added in this order; existing ones keep their definition). */
  symbols: readonly SymbolSpec[];
  clock?: Clock;
  /** The snapshot store of a partition, or null for none. */
  snapshotStore: (partition: number) => SnapshotStore | null;
  snapshotPolicy: { everyCommands: number; everyMs: number };
  /** Output producer: librdkafka linger.ms (latency against batching). */
  outputLingerMs: number;
  /** Output producer queue (messages); shards pause while it is nearly full. */
  outputQueueMessagesMax: number;
  log: (line: string) => void;
  warn: (line: string) => void;
  /** librdkafka's logs and errors (default: warnings to stderr). */
  hooks?: ClientHooks;
}

/** Records applied per pump at most: the event loop's other work (the gateway) gets a turn between. */
const recordsPerPumpMax = 4096;
/** How long the pump waits when there was nothing to do. */
const idleMs = 1;
/** Consumer batch: messages and bytes per poll. */
const batchMessagesMax = 8192;
const batchArenaBytes = 8 << 20;
/** A snapshot waits this long for the outputs of its commands to be acknowledged. */
const outputAckWaitMs = 60_000;
/** Symbol definitions produced at start must be applied within this. */
const symbolDefineMs = 60_000;
/** Unacknowledged outputs per shard at most; and room kept for one command's outputs. */
const ringSlotsMax = 1 << 22;
const commandOutputsReserve = 8192;

export type EngineState = "starting" | "replaying" | "running" | "stopping" | "stopped" | "failed";

export class KafkaEngine {
  readonly shards: KafkaShard[] = [];
  readonly outputs: OutputLog;
  readonly consumer: Consumer;
  readonly streams: MarketDataStream[] = [];
  readonly shardOutputs: ShardOutputs[] = [];
  readonly recovery: ShardRecoveryReport[] = [];
  readonly snapshotters: (Snapshotter | null)[] = [];
  readonly deadLetters: DeadLetters;
  readonly clock: Clock;
  state: EngineState = "starting";
  failure: Error | null = null;
  /** Called once when the engine can go on no more (an output lost, a partition unreadable). */
  onFailed: (error: Error) => void = (error) => {
    console.error(`kafka engine: ${error.message}`);
  };
  /** Called on every pump (the gateway's intake serves its producer here). */
  readonly pumpHooks: (() => void)[] = [];
  /** Called after every batch of records applied (the gateway's intake releases reports here). */
  readonly batchHooks: (() => void)[] = [];
  readonly stats = { pumps: 0, batches: 0, records: 0, consumerErrors: 0 };

  private readonly options: KafkaEngineOptions;
  private readonly shardOf: (KafkaShard | undefined)[] = new Array(shardsMax);
  private batch: ConsumedBatch;
  private at = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private immediate = false;
  private readonly touched: KafkaShard[] = [];
  private caughtUp: (() => void) | null = null;
  private readonly warnedCodes = new Map<number, number>();
  /** Each shard's snapshot store (asked of the options once). */
  private readonly stores: (SnapshotStore | null)[] = [];

  private constructor(options: KafkaEngineOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    const hooks = options.hooks ?? {};
    this.consumer = new Consumer({
      ...hooks,
      bootstrapServers: options.bootstrapServers,
      clientId: `${options.clientId}-engine`,
      groupId: `${options.clientId}-engine`,
      batchMessagesMax,
      batchArenaBytes,
      batchHeadersMax: batchMessagesMax,
      fetchMaxBytes: 16 << 20,
      partitionFetchMaxBytes: 4 << 20,
      fetchWaitMaxMs: 5,
      queuedMinMessages: 1_000_000,
      queuedMaxKbytes: 131_072,
      // A resume offset the partition no longer holds is a failure, never a silent jump.
      autoOffsetReset: "error",
      sessionTimeoutMs: 10_000,
      maxPollIntervalMs: 300_000,
    });
    this.batch = this.consumer.poll(0);
    this.outputs = new OutputLog({
      shardsCount: options.partitions.length,
      ringSlotsMax,
      commandOutputsReserve,
      producer: {
        ...hooks,
        bootstrapServers: options.bootstrapServers,
        clientId: `${options.clientId}-outputs`,
        lingerMs: options.outputLingerMs,
        batchMessagesMax: 10_000,
        batchBytesMax: 1_000_000,
        queueMessagesMax: options.outputQueueMessagesMax,
        queueKbytesMax: 1_048_576,
        messageBytesMax: 1_000_000,
        // Never given up: an output is retried until the broker has it (or the producer fails for good).
        deliveryTimeoutMs: 0,
        compression: "lz4",
      },
    });
    this.outputs.onFailed = (error) => this.fail(error);
    this.deadLetters = new DeadLetters(this.outputs, options.topics.ordersDeadLetter.name, options.topics.orders.name);
  }

  /** Recovers every shard, replays each partition to its end, defines the configured symbols; resolves once live. */
  static async start(options: KafkaEngineOptions): Promise<KafkaEngine> {
    const partitions = [...options.partitions];
    if (partitions.length === 0) throw new Error("kafka engine: no partition to run");
    if (new Set(partitions).size !== partitions.length)
      throw new Error(`kafka engine: partitions listed twice: ${partitions.join(",")}`);
    for (const p of partitions) {
      if (!(Number.isInteger(p) && p >= 0 && p < options.topics.orders.partitions)) {
        throw new Error(
          `kafka engine: partition ${p} outside [0, ${options.topics.orders.partitions}) ` +
            `of ${options.topics.orders.name}`,
        );
      }
    }
    const engine = new KafkaEngine(options);
    try {
      await engine.recoverShards(partitions);
      await engine.replay();
      await engine.defineSymbols();
      engine.startSnapshots();
      engine.state = "running";
      return engine;
    } catch (error) {
      await engine.stop();
      throw error;
    }
  }

  private async recoverShards(partitions: number[]): Promise<void> {
    const o = this.options;
    const topic = o.topics.orders.name;
    const topics = {
      executions: this.outputs.topic(o.topics.executions.name),
      matches: this.outputs.topic(o.topics.matches.name),
      marketData: this.outputs.topic(o.topics.marketData.name),
    };
    this.outputs.topic(topic);
    for (let index = 0; index < partitions.length; index++) {
      const partition = partitions[index]!;
      const watermarks = this.consumer.watermarks(topic, partition, 30_000);
      const store = o.snapshotStore(partition);
      this.stores.push(store);
      const { shard, report } = await recoverShard({
        topic,
        partition,
        index,
        ordersPartitions: o.topics.orders.partitions,
        engine: o.engine,
        clock: this.clock,
        store,
        watermarks,
        warn: o.warn,
      });
      const sequencer = shard.sequencer;
      const outputs = new ShardOutputs({
        log: this.outputs,
        shardIndex: index,
        partition,
        topics,
        symbolsMax: sequencer.engine.config.symbolsMax,
        appliedSeq: () => sequencer.lastSeq,
        symbolKey: shard.symbolKey,
        fromPartitionStart: report.startOffset === 0,
      });
      const stream = MarketDataStream.forEngine(sequencer.engine);
      stream.addSink(outputs);
      sequencer.addConsumer(outputs);
      sequencer.addConsumer(stream);
      this.outputs.rings[index]!.appliedSeq = sequencer.lastSeq;
      this.shards.push(shard);
      this.shardOutputs.push(outputs);
      this.streams.push(stream);
      this.recovery.push(report);
      this.shardOf[partition] = shard;
      o.log(
        `${topic}[${partition}]: ${report.snapshotSeq === 0 ? "no snapshot" : `snapshot seq ${report.snapshotSeq}`}, ` +
          `resuming at offset ${report.startOffset} of ${report.highWatermark}` +
          (report.snapshotsSkipped.length > 0 ? `, ${report.snapshotsSkipped.length} snapshots skipped` : ""),
      );
    }
    this.consumer.assign(this.shards.map((s) => ({ topic, partition: s.partition, offset: s.nextOffset })));
  }

  /** Consumes until every shard reached the partition end it had at recovery. */
  private async replay(): Promise<void> {
    this.state = "replaying";
    const started = performance.now();
    const done = new Promise<void>((resolve) => {
      this.caughtUp = resolve;
    });
    this.checkCaughtUp();
    this.schedule(0);
    await Promise.race([done, this.failed()]);
    const replayed = this.shards.reduce((n, s, i) => n + (s.nextOffset - this.recovery[i]!.startOffset), 0);
    this.options.log(
      `kafka engine: ${this.shards.length} shards replayed ${replayed} records ` +
        `in ${(performance.now() - started).toFixed(0)} ms`,
    );
  }

  private checkCaughtUp(): void {
    if (this.caughtUp === null) return;
    for (let i = 0; i < this.shards.length; i++)
      if (this.shards[i]!.nextOffset < this.recovery[i]!.highWatermark) return;
    const resolve = this.caughtUp;
    this.caughtUp = null;
    resolve();
  }

  /** Produces the configured symbols each shard lacks into its own partition and waits until they are applied. */
  private async defineSymbols(): Promise<void> {
    const o = this.options;
    const encoder = new Encoder();
    const view = new InputRecordView();
    const topic = this.outputs.topic(o.topics.orders.name);
    let produced = 0;
    for (const shard of this.shards) {
      const engine = shard.sequencer.engine;
      let next = engine.booksCount;
      for (const spec of o.symbols) {
        if (engine.bookOf(spec.name) >= 0) continue;
        const error = engine.symbolError(spec);
        if (error !== null) throw new Error(`symbol ${spec.name}: ${error}`);
        view.clearOrder();
        view.command = Command.SymbolDef;
        view.receivedNs = this.clock.nowNs();
        Object.assign(view.symbol, spec, { symbolId: next++ });
        const n = encoder.inputRecord(view);
        const r = this.outputs.record;
        r.topic = topic;
        r.partition = shard.partition;
        r.headers = null;
        r.setValue(encoder.bytes, encoder.start + framePrefixBytes, n - framePrefixBytes);
        r.setKey(new TextEncoder().encode(spec.name));
        this.outputs.send(shard.index, shard.sequencer.lastSeq);
        produced++;
      }
    }
    if (produced === 0) return;
    const deadline = performance.now() + symbolDefineMs;
    for (;;) {
      const missing = this.shards.flatMap((s) =>
        o.symbols
          .filter((spec) => s.sequencer.engine.bookOf(spec.name) < 0)
          .map((spec) => `${spec.name} in partition ${s.partition}`),
      );
      if (missing.length === 0) break;
      if (this.failure !== null) throw this.failure;
      if (performance.now() > deadline)
        throw new Error(
          `symbol definitions not applied within ${symbolDefineMs} ms: ${missing.join(", ")} ` +
            `(see ${o.topics.ordersDeadLetter.name})`,
        );
      await Bun.sleep(5);
    }
    o.log(`kafka engine: ${produced} symbol definitions applied`);
  }

  private startSnapshots(): void {
    const o = this.options;
    for (const shard of this.shards) {
      const store = this.stores[shard.index]!;
      if (store === null) {
        this.snapshotters.push(null);
        continue;
      }
      const s = new Snapshotter(
        shard.sequencer,
        store,
        partitionIdentity(o.topics.orders.name, shard.partition),
        { ...o.snapshotPolicy, retryMsMin: 200, retryMsMax: 30_000 },
        o.log,
        o.warn,
        {
          inputOffset: () => shard.nextOffset,
          beforeSave: (seq) => this.outputs.untilAcked(shard.index, seq, outputAckWaitMs),
        },
      );
      s.start();
      this.snapshotters.push(s);
    }
  }

  // ---- the pump ----

  private schedule(delayMs: number): void {
    if (this.timer !== null || this.immediate) return;
    if (delayMs === 0) {
      this.immediate = true;
      setImmediate(this.pump);
    } else this.timer = setTimeout(this.pump, delayMs);
  }

  private readonly pump = (): void => {
    this.immediate = false;
    this.timer = null;
    if (this.state !== "replaying" && this.state !== "running" && this.state !== "starting") return;
    try {
      this.stats.pumps++;
      this.outputs.poll();
      const hooks = this.pumpHooks;
      for (let k = 0; k < hooks.length; k++) hooks[k]!();
      const worked = this.consume();
      if (this.failure === null) this.schedule(worked ? 0 : idleMs);
    } catch (error) {
      this.fail(error as Error);
    }
  };

  /** Applies up to recordsPerPumpMax records; true when it applied any. */
  private consume(): boolean {
    let b = this.batch;
    if (this.at >= b.count) {
      b = this.batch = this.consumer.poll(0);
      this.at = 0;
      if (b.count === 0) return false;
    }
    const first = this.at;
    const end = Math.min(b.count, first + recordsPerPumpMax);
    let i = first;
    for (; i < end; i++) {
      const shard = this.shardOf[b.partition[i]!];
      if (shard === undefined) continue;
      if (!this.outputs.hasRoom(shard.index)) break;
      this.record(shard, b, i);
      if (!shard.touched) {
        shard.touched = true;
        this.touched.push(shard);
      }
    }
    this.at = i;
    this.endBatch();
    this.stats.records += i - first;
    return i > first;
  }

  private record(shard: KafkaShard, b: ConsumedBatch, i: number): void {
    if (b.errorCode[i] !== 0) return this.consumerError(shard, b, i);
    const offset = b.offset[i]!;
    // A record before the resume point cannot come from a consumer that only moves forward; never apply it twice.
    if (offset < shard.nextOffset) return;
    const outcome = shard.apply(offset, b.bytes, b.valueStart[i]!, b.valueBytes[i]!, b.timestampMs[i]!);
    if (outcome === RecordOutcome.Refused)
      this.deadLetters.send(shard.index, shard.sequencer.lastSeq, b, i, shard.admission.reason, shard.admission.detail);
    this.outputs.rings[shard.index]!.appliedSeq = shard.sequencer.lastSeq;
  }

  /**
   * An error in a batch slot: a record too large for the arena is dead-lettered; an
   * unreadable position fails the engine.
   */
  private consumerError(shard: KafkaShard, b: ConsumedBatch, i: number): void {
    const code = b.errorCode[i]!;
    this.stats.consumerErrors++;
    if (code === ErrorCode.MSG_SIZE_TOO_LARGE && b.offset[i]! >= shard.nextOffset) {
      shard.skip(b.offset[i]!, b.errorText[i] ?? "larger than the consumer's batch arena");
      this.deadLetters.send(shard.index, shard.sequencer.lastSeq, b, i, shard.admission.reason, shard.admission.detail);
      return;
    }
    const error = b.error(i)!;
    if (code === ErrorCode.OFFSET_OUT_OF_RANGE || code === -140 /* _AUTO_OFFSET_RESET */) {
      throw new Error(`partition ${shard.partition} cannot be read at offset ${shard.nextOffset}: ${error.message}`);
    }
    this.warnOnce(error);
  }

  /** Transient consumer errors (a broker restarting) repeat; one line per code per 10 s. */
  private warnOnce(error: KafkaError): void {
    const now = performance.now();
    const last = this.warnedCodes.get(error.code) ?? -Infinity;
    if (now - last < 10_000) return;
    this.warnedCodes.set(error.code, now);
    this.options.warn(`kafka engine: consumer: ${error.message}`);
  }

  /**
   * After records were applied: each touched shard releases its outputs (everything applied
   * is durable), then the hooks.
   */
  private endBatch(): void {
    const touched = this.touched;
    for (let k = 0; k < touched.length; k++) {
      const shard = touched[k]!;
      shard.touched = false;
      shard.sequencer.flush();
    }
    if (touched.length > 0) {
      touched.length = 0;
      this.stats.batches++;
      const hooks = this.batchHooks;
      for (let k = 0; k < hooks.length; k++) hooks[k]!();
      this.outputs.wake();
    }
    this.checkCaughtUp();
  }

  // ---- failure and stop ----

  private failedPromise: Promise<never> | null = null;
  private rejectFailed: ((error: Error) => void) | null = null;

  /** Rejects when the engine fails (a wait that must not outlive a failure races against it). */
  private failed(): Promise<never> {
    if (this.failedPromise === null) {
      this.failedPromise = new Promise<never>((_, reject) => {
        this.rejectFailed = reject;
        if (this.failure !== null) reject(this.failure);
      });
      // A failure after the waits are over is reported by onFailed, not as an unhandled rejection.
      this.failedPromise.catch(() => {});
    }
    return this.failedPromise;
  }

  private fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.state = "failed";
    this.cancelPump();
    this.rejectFailed?.(error);
    this.onFailed(error);
  }

  private cancelPump(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Stops consuming, takes each shard's final snapshot, flushes the outputs (up to `timeoutMs`) and closes. */
  async stop(timeoutMs = 30_000): Promise<void> {
    if (this.state === "stopped" || this.state === "stopping") return;
    const wasFailed = this.state === "failed";
    this.state = "stopping";
    this.cancelPump();
    // Delivery reports keep coming while the final snapshots wait for them.
    const serve = setInterval(() => {
      try {
        this.outputs.poll();
      } catch {
        // A failed log: the snapshots waiting on it give up by their own timeout.
      }
    }, 5);
    try {
      if (!wasFailed) for (const s of this.snapshotters) await s?.stop();
      else for (const s of this.snapshotters) s?.stop().catch(() => {});
    } finally {
      clearInterval(serve);
    }
    const left = this.outputs.close(timeoutMs);
    if (left > 0)
      this.options.warn(
        `kafka engine: ${left} outputs not acknowledged at stop (a restart re-sends them from the last snapshot)`,
      );
    this.consumer.close();
    for (const store of this.stores) await store?.close();
    this.state = "stopped";
  }
}
