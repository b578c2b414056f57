// `bun run engine` with mode = "full": Kafka mode. Composes the engine
// shards of the `orders` partitions this process owns (src/kafka/mode), their
// snapshot stores (Redis, or files), and the TCP gateway in front of them
// (commands go to Kafka; reports come from the shards' events). Embedded mode
// (src/server/main.ts's own path) is unchanged and needs no broker.
//
// Start: topics created if missing (and checked), each shard recovered and
// replayed to the partition's end, the configured symbols defined, then the
// gateway listens. Stop (SIGINT/SIGTERM): the gateway logs every session out,
// its last commands are acknowledged by Kafka, the shards apply what is
// there, take their final snapshots and flush their outputs. A failed output
// or command log (Kafka did not acknowledge) ends the process with 74: every
// client first gets what was acknowledged, then Logout, as a failed journal.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { configPathOf, type ExchangeConfig, formatProblems, loadConfig } from "../config/index.ts";
import { TcpGateway } from "../gateway/tcp-gateway.ts";
import { Admin } from "../kafka/admin.ts";
import { KafkaEngine } from "../kafka/mode/engine-host.ts";
import { KafkaIntake } from "../kafka/mode/intake.ts";
import { ensureTopics, type KafkaModeTopics } from "../kafka/mode/topics.ts";
import { FileSnapshotStore } from "../snapshot/file-store.ts";
import { RedisSnapshotStore } from "../snapshot/redis-store.ts";
import type { SnapshotStore } from "../snapshot/store.ts";

/** Exit code after Kafka failed to take a command or an output (EX_IOERR, as a failed journal). */
const kafkaFailedExitCode = 74;
/** Topic creation and metadata waits at start. */
const topicsTimeoutMs = 120_000;
/** A graceful stop waits this long for Kafka to acknowledge the gateway's last commands and the outputs. */
const drainTimeoutMs = 30_000;

/**
 * Whether the configuration asks for Kafka mode (mode = "full"). A
 * configuration with problems that says mode = "full" (in the environment or
 * the file) counts too, so its problems are reported by Kafka mode's checks.
 */
export function kafkaModeRequested(argv: readonly string[], env: Record<string, string | undefined>): boolean {
  const result = loadConfig(argv, env);
  if (result.ok) return result.loaded.config.mode === "full";
  if (env.EXCHANGE_MODE !== undefined) return env.EXCHANGE_MODE === "full";
  const path = configPathOf(argv, env).path;
  return path !== null && existsSync(path) && /["']?mode["']?\s*[:=]\s*["']full["']/.test(readFileSync(path, "utf8"));
}

export function kafkaTopicsOf(config: ExchangeConfig): KafkaModeTopics {
  const k = config.kafka;
  return {
    orders: { name: k.topics.orders, partitions: k.partitions.orders, compression: k.compression.orders },
    ordersDeadLetter: { name: k.topics.ordersDeadLetter, partitions: k.partitions.ordersDeadLetter, compression: k.compression.ordersDeadLetter },
    executions: { name: k.topics.executions, partitions: k.partitions.executions, compression: k.compression.executions },
    matches: { name: k.topics.matches, partitions: k.partitions.matches, compression: k.compression.matches },
    marketData: { name: k.topics.marketData, partitions: k.partitions.marketData, compression: k.compression.marketData },
  };
}

/** One store per shard: Redis keys `<keyPrefix>:<topic>:<partition>`, or files under `<dataDir>/snapshots/<topic>-<partition>`. */
function storeFor(config: ExchangeConfig, partition: number, warn: (line: string) => void): SnapshotStore | null {
  const s = config.snapshots;
  if (!s.enabled) return null;
  const topic = config.kafka.topics.orders;
  if (s.store === "file") return new FileSnapshotStore({ dir: join(config.dataDir, "snapshots", `${topic}-${partition}`), keep: s.keep });
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

export class KafkaModeServer {
  readonly engine: KafkaEngine;
  readonly intake: KafkaIntake;
  readonly gateway: TcpGateway;
  private stopping: Promise<void> | null = null;

  private constructor(engine: KafkaEngine, intake: KafkaIntake, gateway: TcpGateway) {
    this.engine = engine;
    this.intake = intake;
    this.gateway = gateway;
  }

  static async start(config: ExchangeConfig, log: (line: string) => void, warn: (line: string) => void): Promise<KafkaModeServer> {
    const k = config.kafka;
    const topics = kafkaTopicsOf(config);
    const bootstrapServers = k.brokers.join(",");
    const admin = new Admin({ bootstrapServers, clientId: `${k.clientId}-admin`, operationTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
    try {
      await ensureTopics(admin, topics, k.replicationFactor, topicsTimeoutMs);
    } finally {
      admin.close();
    }
    const partitions = k.shards.length > 0 ? k.shards : Array.from({ length: k.partitions.orders }, (_, p) => p);
    log(`kafka mode: brokers ${bootstrapServers}; shards ${partitions.join(",")} of ${topics.orders.name} (${topics.orders.partitions} partitions)`);
    const engine = await KafkaEngine.start({
      bootstrapServers,
      clientId: k.clientId,
      topics,
      partitions,
      engine: config.engine,
      symbols: config.symbols,
      snapshotStore: (p) => storeFor(config, p, warn),
      snapshotPolicy: { everyCommands: config.snapshots.everyCommands, everyMs: config.snapshots.everyMs },
      outputLingerMs: k.producerLingerMs,
      outputQueueMessagesMax: k.producerQueueMessagesMax,
      log,
      warn,
    });
    let intake: KafkaIntake;
    try {
      intake = new KafkaIntake(engine, topics.orders.name, topics.orders.partitions, {
        inFlightMax: 1 << 18,
        producer: {
          bootstrapServers,
          clientId: `${k.clientId}-gateway`,
          lingerMs: 0,
          batchMessagesMax: 10_000,
          batchBytesMax: 1_000_000,
          queueMessagesMax: 1 << 19,
          queueKbytesMax: 1_048_576,
          messageBytesMax: 1_000_000,
          deliveryTimeoutMs: k.commandDeliveryTimeoutMs,
          compression: "lz4",
        },
      });
    } catch (error) {
      await engine.stop();
      throw error;
    }
    const gateway = new TcpGateway(intake, config);
    const server = new KafkaModeServer(engine, intake, gateway);
    const failed = (what: string) => (error: Error) => {
      console.error(`${what}: ${error.message}; closing every session and exiting (${kafkaFailedExitCode})`);
      gateway.abort("the exchange's input log failed; commands not acknowledged may be lost");
      process.exit(kafkaFailedExitCode);
    };
    engine.onFailed = failed("kafka engine");
    intake.onFailed = failed("kafka order intake");
    gateway.start();
    server.printState(log);
    log(`tcp gateway listening on ${config.tcp.host}:${gateway.port}`);
    return server;
  }

  /** One line per shard: where it is and its state hash (tests and operators compare these). */
  printState(log: (line: string) => void): void {
    for (const s of this.engine.shards) {
      const e = s.sequencer.engine;
      log(`shard ${s.partition}: ${e.booksCount} symbols, ${e.ordersLive} live orders, seq ${s.sequencer.lastSeq}, offset ${s.nextOffset}, state hash ${e.stateHash()}`);
    }
  }

  stop(log: (line: string) => void): Promise<void> {
    this.stopping ??= (async () => {
      await this.gateway.stop();
      const left = this.intake.close(drainTimeoutMs);
      if (left > 0) log(`kafka mode: ${left} gateway commands not acknowledged at stop`);
      await this.engine.stop(drainTimeoutMs);
      this.printState(log);
    })();
    return this.stopping;
  }
}

/** The Kafka-mode process: start, then stop on SIGINT/SIGTERM (a second signal exits at once). */
export async function runKafkaMode(argv: readonly string[], env: Record<string, string | undefined>): Promise<void> {
  const result = loadConfig(argv, env);
  if (!result.ok) {
    console.error(formatProblems(result.problems));
    process.exit(2);
  }
  const log = (line: string) => console.log(line);
  const warn = (line: string) => console.warn(`warning: ${line}`);
  let server: KafkaModeServer | null = null;
  let signalled: string | null = null;
  const stop = (signal: string) => {
    log(`${signal}: stopping`);
    server!.stop(log).then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  const onSignal = (signal: string) => {
    if (signalled !== null) process.exit(128 + (signal === "SIGINT" ? 2 : 15));
    signalled = signal;
    if (server !== null) stop(signal);
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  server = await KafkaModeServer.start(result.loaded.config, log, warn);
  if (signalled !== null) stop(signalled);
}
