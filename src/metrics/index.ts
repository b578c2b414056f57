export {
  eventLoopDelaySecondsBuckets,
  exponentialBuckets,
  ioSecondsBuckets,
  matchingSecondsBuckets,
  snapshotSecondsBuckets,
} from "./buckets.ts";
export { EventLoopDelayMonitor, type LoopClock, realLoopClock } from "./collectors/event-loop.ts";
export { GcObserver } from "./collectors/gc.ts";
export { type JournalView, registerJournalMetrics } from "./collectors/journal.ts";
export { type BookColumnsView, registerBookMetrics } from "./collectors/books.ts";
export { registerProcessMetrics } from "./collectors/process.ts";
export { registerSnapshotMetrics, type SnapshotStatsView } from "./collectors/snapshot.ts";
export { CommandMetrics, type EventsView } from "./command-metrics.ts";
export { Counter, CounterChild } from "./counter.ts";
export { type ExchangeMetrics, registerExchangeMetrics } from "./exchange-metrics.ts";
export { expositionContentType, writeExposition } from "./exposition.ts";
export { Gauge, GaugeChild } from "./gauge.ts";
export { Histogram, HistogramChild } from "./histogram.ts";
export { type MountedRoutes, type OpsHandler, opsHandler, type RemoteAddressOf, serveOps } from "./http.ts";
export { type CheckResult, type ReadinessCheck, type ReadinessReport, runChecks } from "./readiness.ts";
export { MetricsRegistry } from "./registry.ts";
export {
  type GaugeSource,
  type KafkaGauges,
  type OutputHooks,
  outputHooks,
  type QuestdbGauges,
} from "./output-hooks.ts";
