// The exchange's metrics and readiness, wired to their sources: the
// sequencer's per-command probe (commands by type and result, rejects by
// reason, sampled matching time), the gateway (sessions, its own rejects),
// the books (open orders, levels per symbol), the journal and snapshot stats,
// the feed worker (clients), the process (GC, heap, event-loop delay), and the
// hooks Kafka and QuestDB register with (src/metrics/output-hooks.ts).
// Everything but the probe is read at scrape time.

import type { ExchangeConfig } from "../config/index.ts";
import type { Engine } from "../engine/engine.ts";
import type { TcpGateway } from "../gateway/tcp-gateway.ts";
import {
  CommandMetrics,
  EventLoopDelayMonitor,
  type ExchangeMetrics,
  GcObserver,
  type JournalView,
  MetricsRegistry,
  type OutputHooks,
  outputHooks,
  type ReadinessCheck,
  registerBookMetrics,
  registerExchangeMetrics,
  registerJournalMetrics,
  registerProcessMetrics,
  registerSnapshotMetrics,
  type SnapshotStatsView,
} from "../metrics/index.ts";
import type { Logger } from "../log/index.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";

/** What the collectors read; each part is null until it exists (and after it stopped). */
export interface Sources {
  engine: Engine | null;
  gateway: TcpGateway | null;
  journal: JournalView | null;
  snapshots: SnapshotStatsView | null;
  feedClients: (() => Promise<number>) | null;
}

export class Observability {
  readonly registry: MetricsRegistry;
  readonly metrics: ExchangeMetrics;
  /** Read by /ready at every request; parts add theirs as they start. */
  readonly checks: ReadinessCheck[] = [];
  readonly hooks: OutputHooks;
  readonly sources: Sources = { engine: null, gateway: null, journal: null, snapshots: null, feedClients: null };
  /** metrics.enabled: with false, /metrics is not served and nothing is measured on the matching path. */
  readonly enabled: boolean;
  private readonly commandMetrics: CommandMetrics;
  private readonly loop: EventLoopDelayMonitor;
  private readonly gc: GcObserver;
  /** The gateway's reject totals as last mirrored, per code. */
  private readonly mirrored = new Float64Array(256);

  constructor(config: ExchangeConfig, log: Logger) {
    const m = config.metrics;
    this.enabled = m.enabled;
    const registry = (this.registry = new MetricsRegistry((name, error) =>
      log.warn(`metrics: collector ${name} failed: ${error.message}`, { collector: name }),
    ));
    const symbols = config.symbols.map((s) => s.name);
    const metrics = (this.metrics = registerExchangeMetrics(registry, {
      symbols,
      kafkaPartitions: config.kafka.partitions.orders,
    }));
    this.commandMetrics = new CommandMetrics(registry, metrics, m.matchingSampleEvery);
    this.hooks = outputHooks(registry, metrics, this.checks, config.kafka.partitions.orders);
    registerProcessMetrics(registry);
    this.loop = new EventLoopDelayMonitor(registry, m.eventLoopSampleMs);
    this.gc = new GcObserver(registry);
    registerJournalMetrics(registry, () => this.sources.journal);
    registerSnapshotMetrics(registry, () => this.sources.snapshots);
    registerBookMetrics(registry, metrics, () => this.sources.engine);
    registry.onCollect("gateway", () => {
      const g = this.sources.gateway;
      if (g === null) return;
      metrics.sessions.set(g.activeSessionsCount);
      // The gateway keeps its own reject totals; what it added since the last scrape joins the engine's rejects.
      const totals = g.gatewayRejects;
      for (let code = 0; code < totals.length; code++) {
        const added = totals[code]! - this.mirrored[code]!;
        if (added > 0) metrics.rejectChild(code).inc(added);
        this.mirrored[code] = totals[code]!;
      }
    });
    registry.onCollectAsync("feed", async () => {
      const read = this.sources.feedClients;
      if (read !== null) metrics.feedClients.set(await read());
    });
  }

  /** Starts counting commands (after recovery: replayed commands are not counted) and the process probes. */
  start(sequencer: Sequencer): void {
    if (!this.enabled) return;
    sequencer.probe = this.commandMetrics;
    this.loop.start();
    this.gc.start();
  }

  stop(sequencer: Sequencer): void {
    sequencer.probe = null;
    this.loop.stop();
    this.gc.stop();
  }
}
