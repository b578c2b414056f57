// The exchange process, composed: recovery (newest snapshot + the journal
// after it), the configured symbols, the TCP gateway, the snapshotter, the
// outputs (feed; the HTTP API's slot), metrics, readiness and the admin API
// on the operations listener. `start` returns once everything listens and
// prints the start-up summary; `stop` is the graceful stop (README,
// Operations): stop accepting, log every session out behind its last
// acknowledgements, make everything durable, take the final snapshot, flush
// the outputs, close.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { AdminApi } from "../admin/api.ts";
import { type ExchangeConfig, formatEffectiveConfig, type LoadedConfig, redactedConfig } from "../config/index.ts";
import { TcpGateway } from "../gateway/tcp-gateway.ts";
import type { Logger } from "../log/index.ts";
import { type MountedRoutes, opsHandler, serveOps } from "../metrics/index.ts";
import { nowNs } from "../sequencer/clock.ts";
import type { JournalLog } from "../sequencer/journal-log.ts";
import { type Recovered, recover, recoveryReportLine } from "../sequencer/recovery.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import { Snapshotter } from "../sequencer/snapshotter.ts";
import type { SnapshotStore } from "../snapshot/store.ts";
import { startHttpApiPart } from "./http-api.ts";
import { Observability } from "./observability.ts";
import { openSnapshotStore } from "./open-store.ts";
import { type Part, startFeedPart } from "./parts.ts";
import { journalCheck, kafkaCheck, lifecycleCheck, type Phase, questdbCheck, snapshotStoreCheck } from "./readiness.ts";
import { type SummaryRow, summaryFields, summaryLines, urlHost } from "./summary.ts";

/** Exit code after the input log failed (EX_IOERR): every client got what was acknowledged, then Logout. */
export const journalFailedExitCode = 74;
/** Exit code after a broken invariant in the gateway (EX_SOFTWARE): recovery restores a consistent state. */
export const fatalExitCode = 70;
/** How long a graceful stop waits for the last commands to become durable. */
const drainTimeoutMs = 30_000;
/** QuestDB's and Kafka's readiness probes: one round trip each, inside /ready's per-check second. */
const probeTimeoutMs = 900;

export class ExchangeServer {
  readonly config: ExchangeConfig;
  readonly sequencer: Sequencer;
  readonly gateway: TcpGateway;
  readonly obs: Observability;
  /** The operations listener (metrics, health, readiness, admin), or null when both metrics and admin are off. */
  readonly ops: ReturnType<typeof serveOps> | null;
  private readonly log: Logger;
  private readonly journal: JournalLog;
  private readonly store: SnapshotStore | null;
  private readonly snapshotter: Snapshotter | null;
  private readonly parts: Part[];
  private readonly admin: AdminApi | null;
  private phase: Phase = "starting";
  private detail = "recovering";
  private journalFailure: Error | null = null;
  private stopping: Promise<void> | null = null;

  private constructor(args: {
    config: ExchangeConfig;
    log: Logger;
    recovered: Recovered;
    store: SnapshotStore | null;
    snapshotter: Snapshotter | null;
    gateway: TcpGateway;
    obs: Observability;
    parts: Part[];
    admin: AdminApi | null;
    ops: ReturnType<typeof serveOps> | null;
  }) {
    this.config = args.config;
    this.log = args.log;
    this.sequencer = args.recovered.exchange;
    this.journal = args.recovered.log;
    this.store = args.store;
    this.snapshotter = args.snapshotter;
    this.gateway = args.gateway;
    this.obs = args.obs;
    this.parts = args.parts;
    this.admin = args.admin;
    this.ops = args.ops;
  }

  /** Recovers, starts every part and prints the start-up summary; the last line is "tcp gateway listening on …". */
  static async start(loaded: LoadedConfig, log: Logger): Promise<ExchangeServer> {
    const config = loaded.config;
    if (!config.journal.enabled)
      throw new Error("journal.enabled=false is for benchmarks only; bun run engine always logs");
    const [header = "configuration", ...rest] = formatEffectiveConfig(loaded).split("\n");
    log
      .child("config")
      .infoBlock(header, rest, { config: redactedConfig(config) as unknown as Record<string, unknown> });
    mkdirSync(config.dataDir, { recursive: true });
    const snapLog = log.child("snapshot");
    const store = openSnapshotStore(config, (line) => snapLog.warn(line));
    const recovered = await recoverWithStore(config, store, log.child("recovery"));
    const { exchange, log: journal } = recovered;
    for (const spec of config.symbols) {
      if (exchange.engine.bookOf(spec.name) >= 0) continue;
      const error = exchange.defineSymbol(spec, nowNs());
      if (error !== null) throw new Error(`symbol ${spec.name}: ${error}`);
    }
    await journal.writer.sync();
    const obs = new Observability(config, log);
    const journalId = { createdAtNs: journal.writer.header.createdAtNs, shardId: journal.writer.header.shardId };
    const snapshotter =
      store === null
        ? null
        : new Snapshotter(
            exchange,
            store,
            journalId,
            { ...config.snapshots, retryMsMin: 200, retryMsMax: 30_000 },
            (line) => snapLog.info(line),
            (line) => snapLog.warn(line),
          );
    const gwLog = log.child("gateway");
    const gateway = new TcpGateway(exchange, config, {
      log: (line, fields) => gwLog.info(line, fields),
      warn: (line, fields) => gwLog.warn(line, fields),
    });
    // Outputs start after recovery, before new input: they begin from the engine's state as it is now.
    const parts = [
      await startFeedPart(config, exchange, obs, log.child("feed")),
      await startHttpApiPart(config, exchange, obs, log.child("api")),
    ];
    const admin = config.admin.enabled
      ? new AdminApi({
          config,
          sequencer: exchange,
          gateway,
          snapshotter,
          log: log.child("admin"),
          metrics: obs.registry,
        })
      : null;
    const ops = startOps(config, obs, admin);
    const server = new ExchangeServer({ config, log, recovered, store, snapshotter, gateway, obs, parts, admin, ops });
    server.wire();
    snapshotter?.start();
    gateway.start();
    obs.start(exchange);
    server.phase = "running";
    server.detail = `recovered to seq ${exchange.lastSeq}; taking orders`;
    server.printSummary(store);
    return server;
  }

  /** Sources of metrics and readiness, and what a failure does. */
  private wire(): void {
    const { obs, journal, gateway } = this;
    obs.sources.engine = this.sequencer.engine;
    obs.sources.gateway = gateway;
    obs.sources.journal = journal.writer;
    obs.sources.snapshots = this.snapshotter?.stats ?? null;
    obs.checks.push(lifecycleCheck(() => ({ phase: this.phase, detail: this.detail })));
    const w = journal.writer;
    obs.checks.push(
      journalCheck(() => ({ failed: this.journalFailure, durableSeq: w.durableSeq, pendingRecords: w.pendingRecords })),
    );
    obs.checks.push(snapshotStoreCheck(this.store));
    if (this.config.mode === "full") {
      // A running output's own check (registered when it started) stands instead of the plain probe.
      const has = (name: string) => obs.checks.some((c) => c.name === name);
      const q = this.config.questdb.http;
      if (!has("kafka")) obs.checks.push(kafkaCheck(this.config.kafka.brokers[0]!, probeTimeoutMs));
      if (!has("questdb")) obs.checks.push(questdbCheck(q.host, q.port, probeTimeoutMs));
    }
    // A failed journal takes nothing more: every client gets what was acknowledged, then Logout, then the close.
    journal.onFailed = (error) => {
      this.journalFailure = error;
      this.log
        .child("journal")
        .error(
          `${error.message}; the input log takes nothing more: closing every session and exiting ` +
            `(${journalFailedExitCode})`,
        );
      gateway.abort("the exchange's input log failed; commands not acknowledged may be lost");
      process.exit(journalFailedExitCode);
    };
    gateway.onFatal = (error) => {
      this.log
        .child("gateway")
        .error("gateway: fatal error, exiting so recovery can restore a consistent state", { error: error as Error });
      process.exit(fatalExitCode);
    };
  }

  private printSummary(store: SnapshotStore | null): void {
    const e = this.sequencer.engine;
    const log = this.log.child("server");
    const hash = e.stateHash();
    log.infoRestated(
      `engine: ${e.booksCount} symbols, ${e.ordersLive} live orders, next seq ${this.sequencer.nextSeq}, ` +
        `state hash ${hash}`,
      {
        symbols: e.booksCount,
        liveOrders: e.ordersLive,
        nextSeq: this.sequencer.nextSeq,
        stateHash: hash,
      },
    );
    const c = this.config;
    log.infoRestated(
      `journal: ${c.dataDir}/journal.bin, policy ${c.journal.policy}; snapshots: ${store?.description ?? "off"}`,
      {
        journal: join(c.dataDir, "journal.bin"),
        policy: c.journal.policy,
        snapshots: store?.description ?? "off",
      },
    );
    const rows = this.summaryRows();
    log.infoBlock(`${c.mode} mode, ${e.booksCount} symbols; listening:`, summaryLines(rows), {
      mode: c.mode,
      ...summaryFields(rows),
    });
    log.infoRestated(`tcp gateway listening on ${c.tcp.host}:${this.gateway.port}`, { port: this.gateway.port });
  }

  summaryRows(): SummaryRow[] {
    const c = this.config;
    const rows: SummaryRow[] = [["order entry (TCP)", `${urlHost(c.tcp.host)}:${this.gateway.port}`]];
    for (const part of this.parts) rows.push(...part.endpoints);
    const ops = this.ops === null ? null : `http://${urlHost(c.metrics.host)}:${this.ops.port}`;
    rows.push([
      "metrics",
      ops !== null && c.metrics.enabled
        ? `${ops}/metrics  (${ops}/health, ${ops}/ready)`
        : "off (metrics.enabled = false)",
    ]);
    rows.push([
      "admin",
      ops !== null && this.admin !== null ? `${ops}/admin/v1  (bun run admin)` : "off (admin.enabled = false)",
    ]);
    return rows;
  }

  /**
   * The graceful stop. Later calls return the same promise. Ends with
   * "stopped at seq N, state hash H"; a restart then replays nothing.
   */
  stop(signal: string): Promise<void> {
    this.stopping ??= this.stopGracefully(signal);
    return this.stopping;
  }

  private async stopGracefully(signal: string): Promise<void> {
    const log = this.log.child("server");
    this.phase = "stopping";
    this.detail = `${signal}: graceful stop`;
    log.infoRestated(`${signal}: stopping`, { signal });
    this.admin?.close();
    // No new connection or command; each session is logged out once the reports of its last commands left.
    await this.gateway.stop();
    await this.drain(log);
    // The final snapshot: the restart starts from here and replays nothing.
    await this.snapshotter?.stop();
    const s = this.snapshotter?.stats;
    if (s !== undefined)
      log.infoRestated(
        `final snapshot: seq ${s.lastSavedSeq}${s.lastError === null ? "" : ` (last attempt failed: ${s.lastError})`}`,
        { seq: s.lastSavedSeq },
      );
    // Outputs release everything up to the last durable seq, then stop.
    for (const part of this.parts) await part.stop();
    this.obs.stop(this.sequencer);
    await this.journal.close();
    await this.store?.close();
    await this.ops?.stop(true);
    const e = this.sequencer.engine;
    log.infoRestated(`stopped at seq ${this.sequencer.lastSeq}, state hash ${e.stateHash()}`, {
      seq: this.sequencer.lastSeq,
      stateHash: e.stateHash(),
    });
  }

  /** Every command applied becomes durable (bounded: a stuck disk must not hang the stop forever). */
  private async drain(log: Logger): Promise<void> {
    const target = this.sequencer.lastSeq;
    this.sequencer.flush();
    const timedOut = Symbol("timeout");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const outcome = await Promise.race([
      this.journal.writer.sync().then(() => null),
      new Promise<symbol>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), drainTimeoutMs);
      }),
    ]);
    clearTimeout(timer);
    if (outcome === timedOut)
      log.warn(`drain: seq ${target} not durable after ${drainTimeoutMs} ms; stopping anyway`, { seq: target });
  }
}

async function recoverWithStore(config: ExchangeConfig, store: SnapshotStore | null, log: Logger): Promise<Recovered> {
  const warn = (line: string) => log.warn(line);
  let recovered: Recovered;
  try {
    recovered = await recover(config.engine, config.dataDir, config.journal, store, warn);
  } catch (error) {
    if (store === null || !/redis|ECONNREFUSED|not connected|timed out/i.test((error as Error).message)) throw error;
    // The journal alone gives the same state, only slower.
    log.warn(
      `snapshot store ${store.description} unreachable (${(error as Error).message}); ` +
        `recovering from the journal alone`,
    );
    recovered = await recover(config.engine, config.dataDir, config.journal, null, warn);
  }
  const r = recovered.report;
  log.infoRestated(recoveryReportLine(r), {
    snapshotSeq: r.snapshotSeq,
    commandsReplayed: r.commandsReplayed,
    snapshotsSkipped: r.snapshotsSkipped.length,
    totalMs: Math.round(r.totalMs),
  });
  if (r.journalWarning !== null) log.warn(`journal: ${r.journalWarning}`);
  return recovered;
}

/** The operations listener: /metrics, /health, /ready and the admin API. */
export function startOps(
  config: ExchangeConfig,
  obs: Observability,
  admin: AdminApi | null,
): ReturnType<typeof serveOps> | null {
  if (!config.metrics.enabled && admin === null) return null;
  const routes: MountedRoutes[] = admin === null ? [] : [admin.routes()];
  const handler = opsHandler({ registry: config.metrics.enabled ? obs.registry : null, checks: obs.checks, routes });
  try {
    return serveOps(handler, config.metrics.host, config.metrics.port);
  } catch (error) {
    throw new Error(
      `metrics.host/metrics.port ${config.metrics.host}:${config.metrics.port}: ${(error as Error).message}`,
    );
  }
}
