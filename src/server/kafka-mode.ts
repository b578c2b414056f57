// `bun run engine` with mode = "full": Kafka mode. Composes the engine
// shards of the `orders` partitions this process owns (src/kafka/mode), their
// snapshot stores (Redis, or files), the TCP gateway in front of them
// (commands go to Kafka; reports come from the shards' events) and the
// operations listener (metrics, /health, /ready). Embedded mode
// (exchange-server.ts) is unchanged and needs no broker.
//
// Start: topics created if missing (and checked), each shard recovered and
// replayed to the partition's end, the configured symbols defined, then the
// gateway listens ("tcp gateway listening on ..." is the last start line).
// Stop (main.ts: SIGINT/SIGTERM; a second signal exits at once): the gateway logs every
// session out, Kafka acknowledges its last commands, each shard takes its
// final snapshot and flushes its outputs; one "shard P: ..." line each. A
// failed output or command (Kafka did not acknowledge it) ends the process
// with 74: every client first gets what was acknowledged, then Logout, as
// after a failed journal.

import { join } from "node:path";
import { type ExchangeConfig, formatEffectiveConfig, type LoadedConfig, redactedConfig } from "../config/index.ts";
import { TcpGateway } from "../gateway/tcp-gateway.ts";
import { Admin } from "../kafka/admin.ts";
import { KafkaEngine } from "../kafka/mode/engine-host.ts";
import { KafkaIntake } from "../kafka/mode/intake.ts";
import { ensureTopics, type KafkaModeTopics } from "../kafka/mode/topics.ts";
import type { Logger } from "../log/index.ts";
import type { ReadinessCheck, SnapshotStatsView } from "../metrics/index.ts";
import type { Snapshotter } from "../sequencer/snapshotter.ts";
import { FileSnapshotStore } from "../snapshot/file-store.ts";
import { RedisSnapshotStore } from "../snapshot/redis-store.ts";
import type { SnapshotStore } from "../snapshot/store.ts";
import { startOps } from "./exchange-server.ts";
import { Observability } from "./observability.ts";
import { kafkaCheck, lifecycleCheck, type Phase, questdbCheck, snapshotStoreCheck } from "./readiness.ts";
import { type SummaryRow, summaryFields, summaryLines, urlHost } from "./summary.ts";

/** Exit code after Kafka failed to take a command or an output (EX_IOERR, as a failed journal). */
const kafkaFailedExitCode = 74;
/** Topic creation and metadata waits at start. */
const topicsTimeoutMs = 120_000;
/** A graceful stop waits this long for Kafka to acknowledge the gateway's last commands and the outputs. */
const drainTimeoutMs = 30_000;
/** Readiness probes: one round trip each, inside /ready's per-check second. */
const probeTimeoutMs = 900;
/** The gateway's commands produced and not yet acknowledged, at most. */
const intakeInFlightMax = 1 << 18;

export function kafkaTopicsOf(config: ExchangeConfig): KafkaModeTopics {
  const k = config.kafka;
  return {
    orders: { name: k.topics.orders, partitions: k.partitions.orders, compression: k.compression.orders },
    ordersDeadLetter: {
      name: k.topics.ordersDeadLetter,
      partitions: k.partitions.ordersDeadLetter,
      compression: k.compression.ordersDeadLetter,
    },
    executions: {
      name: k.topics.executions,
      partitions: k.partitions.executions,
      compression: k.compression.executions,
    },
    matches: { name: k.topics.matches, partitions: k.partitions.matches, compression: k.compression.matches },
    marketData: {
      name: k.topics.marketData,
      partitions: k.partitions.marketData,
      compression: k.compression.marketData,
    },
  };
}

/**
 * One store per shard: Redis keys `<keyPrefix>:<topic>:<partition>`, or files under
 * `<dataDir>/snapshots/<topic>-<partition>`.
 */
function storeFor(config: ExchangeConfig, partition: number, warn: (line: string) => void): SnapshotStore | null {
  const s = config.snapshots;
  if (!s.enabled) return null;
  const topic = config.kafka.topics.orders;
  if (s.store === "file")
    return new FileSnapshotStore({ dir: join(config.dataDir, "snapshots", `${topic}-${partition}`), keep: s.keep });
  return new RedisSnapshotStore({
    host: s.redis.host,
    port: s.redis.port,
    keyPrefix: `${s.redis.keyPrefix}:${topic}:${partition}`,
    keep: s.keep,
    timeoutMs: 5000,
    connectTimeoutMs: 2000,
    reconnectDelayMsMax: 2000,
    warn,
  });
}

/** The shards' snapshot stats as one view: counts summed, the stalest shard's newest snapshot. */
function snapshotsView(snapshotters: readonly (Snapshotter | null)[]): SnapshotStatsView | null {
  const all = snapshotters.filter((s): s is Snapshotter => s !== null).map((s) => s.stats);
  if (all.length === 0) return null;
  const stalest = () => all.reduce((a, b) => ((b.lastSavedAtMs ?? 0) < (a.lastSavedAtMs ?? 0) ? b : a));
  const sum = (f: (s: (typeof all)[number]) => number) => all.reduce((n, s) => n + f(s), 0);
  return {
    get taken() {
      return sum((s) => s.taken);
    },
    get failures() {
      return sum((s) => s.failures);
    },
    get lastSavedSeq() {
      return stalest().lastSavedSeq;
    },
    get lastPauseMs() {
      return Math.max(...all.map((s) => s.lastPauseMs));
    },
    get maxPauseMs() {
      return Math.max(...all.map((s) => s.maxPauseMs));
    },
    get lastEncodeMs() {
      return Math.max(...all.map((s) => s.lastEncodeMs));
    },
    get lastSaveMs() {
      return Math.max(...all.map((s) => s.lastSaveMs));
    },
    get lastBytes() {
      return sum((s) => s.lastBytes);
    },
    get lastSavedAtMs() {
      return stalest().lastSavedAtMs;
    },
  };
}

/** Creates the topics that are missing and checks the partition count of every topic. */
async function createTopics(config: ExchangeConfig, topics: KafkaModeTopics): Promise<void> {
  const k = config.kafka;
  const admin = new Admin({
    bootstrapServers: k.brokers.join(","),
    clientId: `${k.clientId}-admin`,
    operationTimeoutMs: 30_000,
    requestTimeoutMs: 30_000,
  });
  try {
    await ensureTopics(admin, topics, k.replicationFactor, topicsTimeoutMs);
  } finally {
    admin.close();
  }
}

/** The gateway's way into the orders topic: its own producer, every option set here. */
function openIntake(config: ExchangeConfig, engine: KafkaEngine, topics: KafkaModeTopics): KafkaIntake {
  const k = config.kafka;
  return new KafkaIntake(engine, topics.orders.name, topics.orders.partitions, {
    inFlightMax: intakeInFlightMax,
    producer: {
      bootstrapServers: k.brokers.join(","),
      clientId: `${k.clientId}-gateway`,
      lingerMs: 0,
      batchMessagesMax: 10_000,
      batchBytesMax: 1_000_000,
      queueMessagesMax: 2 * intakeInFlightMax,
      queueKbytesMax: 1_048_576,
      messageBytesMax: 1_000_000,
      deliveryTimeoutMs: k.commandDeliveryTimeoutMs,
      compression: "lz4",
    },
  });
}

export class KafkaModeServer {
  readonly config: ExchangeConfig;
  readonly engine: KafkaEngine;
  readonly intake: KafkaIntake;
  readonly gateway: TcpGateway;
  readonly obs: Observability;
  readonly ops: ReturnType<typeof startOps>;
  private readonly log: Logger;
  private readonly stores: SnapshotStore[];
  private phase: Phase = "starting";
  private detail = "recovering";
  private stopping: Promise<void> | null = null;

  private constructor(args: {
    config: ExchangeConfig;
    log: Logger;
    engine: KafkaEngine;
    intake: KafkaIntake;
    gateway: TcpGateway;
    obs: Observability;
    stores: SnapshotStore[];
  }) {
    this.config = args.config;
    this.log = args.log;
    this.engine = args.engine;
    this.intake = args.intake;
    this.gateway = args.gateway;
    this.obs = args.obs;
    this.stores = args.stores;
    this.ops = startOps(this.config, this.obs, null);
  }

  /**
   * Creates the topics, recovers the shards, starts the gateway and the operations listener; the last line is "tcp
   * gateway listening on …".
   */
  static async start(loaded: LoadedConfig, log: Logger): Promise<KafkaModeServer> {
    const config = loaded.config;
    const [header = "configuration", ...rest] = formatEffectiveConfig(loaded).split("\n");
    log
      .child("config")
      .infoBlock(header, rest, { config: redactedConfig(config) as unknown as Record<string, unknown> });
    const k = config.kafka;
    const kLog = log.child("kafka");
    const topics = kafkaTopicsOf(config);
    const bootstrapServers = k.brokers.join(",");
    await createTopics(config, topics);
    const partitions = k.shards.length > 0 ? k.shards : Array.from({ length: k.partitions.orders }, (_, p) => p);
    kLog.info(
      `kafka mode: brokers ${bootstrapServers}; shards ${partitions.join(",")} of ${topics.orders.name} ` +
        `(${topics.orders.partitions} partitions)`,
    );
    const snapLog = log.child("snapshot");
    const stores: SnapshotStore[] = [];
    const engine = await KafkaEngine.start({
      bootstrapServers,
      clientId: k.clientId,
      topics,
      partitions,
      engine: config.engine,
      symbols: config.symbols,
      snapshotStore: (p) => {
        const store = storeFor(config, p, (line) => snapLog.warn(line));
        if (store !== null) stores.push(store);
        return store;
      },
      snapshotPolicy: { everyCommands: config.snapshots.everyCommands, everyMs: config.snapshots.everyMs },
      outputLingerMs: k.producerLingerMs,
      outputQueueMessagesMax: k.producerQueueMessagesMax,
      log: (line) => kLog.info(line),
      warn: (line) => kLog.warn(line),
    });
    let intake: KafkaIntake;
    try {
      intake = openIntake(config, engine, topics);
    } catch (error) {
      await engine.stop();
      throw error;
    }
    const gwLog = log.child("gateway");
    const gateway = new TcpGateway(intake, config, {
      log: (line, fields) => gwLog.info(line, fields),
      warn: (line, fields) => gwLog.warn(line, fields),
    });
    const obs = new Observability(config, log);
    const server = new KafkaModeServer({ config, log, engine, intake, gateway, obs, stores });
    server.wire(topics);
    gateway.start();
    obs.start(engine.shards[0]!.sequencer);
    // One probe for every shard: the matching thread is one.
    for (const s of engine.shards) s.sequencer.probe = engine.shards[0]!.sequencer.probe;
    server.phase = "running";
    server.detail = `${engine.shards.length} shards live; taking orders`;
    server.printSummary();
    return server;
  }

  /** Metrics and readiness sources, and what a failure does. */
  private wire(topics: KafkaModeTopics): void {
    const { obs, engine, intake, gateway, config } = this;
    obs.sources.gateway = gateway;
    obs.sources.snapshots = snapshotsView(engine.snapshotters);
    obs.checks.push(lifecycleCheck(() => ({ phase: this.phase, detail: this.detail })));
    obs.checks.push(storesCheck(this.stores));
    const broker = kafkaCheck(config.kafka.brokers[0]!, probeTimeoutMs);
    obs.hooks.readiness({
      name: "kafka",
      check: async () => {
        const failed = engine.failure ?? intake.failure;
        if (failed !== null) return { ready: false, reason: `failed: ${failed.message}` };
        return await broker.check();
      },
    });
    const q = config.questdb.http;
    obs.checks.push(questdbCheck(q.host, q.port, probeTimeoutMs));
    obs.hooks.kafka(() => {
      const lag = new Array<number>(topics.orders.partitions).fill(0);
      for (const s of engine.shards) {
        const high = engine.consumer.cachedHighWatermark(topics.orders.name, s.partition);
        lag[s.partition] = high < 0 ? 0 : Math.max(0, high - s.nextOffset);
      }
      return { consumerLagMessages: lag, producerQueueMessages: engine.outputs.producer.inFlight() };
    });
    const failed = (what: string) => (error: Error) => {
      this.log
        .child("kafka")
        .error(`${what}: ${error.message}; closing every session and exiting (${kafkaFailedExitCode})`);
      gateway.abort("the exchange's input log failed; commands not acknowledged may be lost");
      process.exit(kafkaFailedExitCode);
    };
    engine.onFailed = failed("kafka engine");
    intake.onFailed = failed("kafka order intake");
    gateway.onFatal = (error) => {
      this.log
        .child("gateway")
        .error("gateway: fatal error, exiting so recovery can restore a consistent state", { error: error as Error });
      process.exit(70);
    };
  }

  private printSummary(): void {
    const log = this.log.child("server");
    this.printShards(log);
    const c = this.config;
    const ops = this.ops === null ? null : `http://${urlHost(c.metrics.host)}:${this.ops.port}`;
    const rows: SummaryRow[] = [
      ["order entry (TCP)", `${urlHost(c.tcp.host)}:${this.gateway.port}`],
      ["orders in", `kafka ${c.kafka.topics.orders} (shards ${this.engine.shards.map((s) => s.partition).join(",")})`],
      [
        "outputs",
        `kafka ${c.kafka.topics.executions}, ${c.kafka.topics.matches}, ${c.kafka.topics.marketData}; ` +
          `dead letters ${c.kafka.topics.ordersDeadLetter}`,
      ],
      [
        "snapshots",
        this.stores.length === 0
          ? "off"
          : this.stores.length === 1
            ? this.stores[0]!.description
            : `${this.stores[0]!.description} and ${this.stores.length - 1} more`,
      ],
      [
        "metrics",
        ops !== null && c.metrics.enabled
          ? `${ops}/metrics  (${ops}/health, ${ops}/ready)`
          : "off (metrics.enabled = false)",
      ],
    ];
    log.infoBlock(`full mode (Kafka), ${this.engine.shards.length} shards; listening:`, summaryLines(rows), {
      mode: c.mode,
      ...summaryFields(rows),
    });
    log.infoRestated(`tcp gateway listening on ${c.tcp.host}:${this.gateway.port}`, { port: this.gateway.port });
  }

  /** One line per shard: where it is and its state hash (tests and operators compare these). */
  printShards(log: Logger): void {
    for (const s of this.engine.shards) {
      const e = s.sequencer.engine;
      const hash = e.stateHash();
      log.infoRestated(
        `shard ${s.partition}: ${e.booksCount} symbols, ${e.ordersLive} live orders, ` +
          `seq ${s.sequencer.lastSeq}, offset ${s.nextOffset}, state hash ${hash}`,
        {
          partition: s.partition,
          seq: s.sequencer.lastSeq,
          offset: s.nextOffset,
          stateHash: hash,
        },
      );
    }
  }

  /** The graceful stop; later calls return the same promise. Ends with one "shard P: ..." line per shard. */
  stop(signal: string): Promise<void> {
    this.stopping ??= (async () => {
      const log = this.log.child("server");
      this.phase = "stopping";
      this.detail = `${signal}: graceful stop`;
      log.info(`${signal}: stopping`, { signal });
      await this.gateway.stop();
      const left = this.intake.close(drainTimeoutMs);
      if (left > 0) log.warn(`${left} gateway commands not acknowledged by Kafka at stop`);
      await this.engine.stop(drainTimeoutMs);
      this.obs.stop(this.engine.shards[0]!.sequencer);
      await this.ops?.stop(true);
      this.printShards(log);
    })();
    return this.stopping;
  }
}

/** Every shard's store answers (a Redis store is probed; files are always ready). */
function storesCheck(stores: readonly SnapshotStore[]): ReadinessCheck {
  if (stores.length === 0) return snapshotStoreCheck(null);
  const checks = stores.map((s) => snapshotStoreCheck(s));
  return {
    name: "snapshots",
    check: async () => {
      const results = await Promise.all(checks.map((c) => c.check()));
      const bad = results.find((r) => !r.ready);
      return (
        bad ?? {
          ready: true,
          reason: results[0]!.reason + (results.length > 1 ? ` and ${results.length - 1} more` : ""),
        }
      );
    },
  };
}
