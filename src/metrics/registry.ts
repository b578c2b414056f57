// The set of metrics one process exposes. Metrics are registered once at
// start-up (names unique); collection hooks refresh values that are cheaper
// to read at scrape time than to push on every event (open orders, stats
// kept by the journal or the snapshotter).

import { Counter } from "./counter.ts";
import { type AnyFamily, writeExposition } from "./exposition.ts";
import type { MetricOptions } from "./family.ts";
import { Gauge } from "./gauge.ts";
import { Histogram, type HistogramOptions } from "./histogram.ts";
import type { LabelDeclaration } from "./labels.ts";

export type CollectHook = () => void;
/** A value kept in another thread (a worker's stats) or behind I/O: read before each scrape, bounded by a timeout. */
export type AsyncCollectHook = () => Promise<void>;

/** An async hook that has not finished in this long is skipped for the scrape (and counted as an error). */
export const asyncCollectTimeoutMsDefault = 500;

export class MetricsRegistry {
  private readonly families: AnyFamily[] = [];
  private readonly names = new Set<string>();
  private readonly hooks: { name: string; hook: CollectHook }[] = [];
  private readonly asyncHooks: { name: string; hook: AsyncCollectHook }[] = [];
  private readonly collectErrors: Counter;
  private readonly onCollectError: (name: string, error: Error) => void;

  /** `onCollectError` hears of a hook that threw; the scrape still answers with the other metrics. */
  constructor(onCollectError: (name: string, error: Error) => void = () => {}) {
    this.onCollectError = onCollectError;
    this.collectErrors = this.counter({
      name: "metrics_collect_errors_total",
      help: "Collection hooks that threw during a scrape.",
    });
  }

  counter<const L extends LabelDeclaration = Record<string, never>>(options: MetricOptions<L>): Counter<L> {
    return this.add(new Counter(options));
  }

  gauge<const L extends LabelDeclaration = Record<string, never>>(options: MetricOptions<L>): Gauge<L> {
    return this.add(new Gauge(options));
  }

  histogram<const L extends LabelDeclaration = Record<string, never>>(options: HistogramOptions<L>): Histogram<L> {
    return this.add(new Histogram(options));
  }

  /** Runs before every exposition, in the order added. */
  onCollect(name: string, hook: CollectHook): void {
    this.hooks.push({ name, hook });
  }

  /**
   * Runs before every scrape that calls `collect` (the /metrics handler does), all at once, each bounded by a timeout.
   */
  onCollectAsync(name: string, hook: AsyncCollectHook): void {
    this.asyncHooks.push({ name, hook });
  }

  /** Runs the async hooks; one that throws or times out leaves its metrics at their last values. */
  async collect(timeoutMs = asyncCollectTimeoutMsDefault): Promise<void> {
    await Promise.all(this.asyncHooks.map(({ name, hook }) => this.runAsync(name, hook, timeoutMs)));
  }

  private async runAsync(name: string, hook: AsyncCollectHook, timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      await Promise.race([hook(), late]);
    } catch (error) {
      this.collectErrors.labels().inc();
      this.onCollectError(name, error as Error);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Runs the hooks, then writes every metric in registration order. */
  expose(): string {
    for (const { name, hook } of this.hooks) {
      try {
        hook();
      } catch (error) {
        this.collectErrors.labels().inc();
        this.onCollectError(name, error as Error);
      }
    }
    return writeExposition(this.families);
  }

  private add<F extends AnyFamily>(family: F): F {
    // Histograms also own name_bucket, name_sum and name_count.
    const owned =
      family.type === "histogram"
        ? [family.name, `${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`]
        : [family.name];
    for (const n of owned) if (this.names.has(n)) throw new Error(`metrics: ${n} is registered twice`);
    for (const n of owned) this.names.add(n);
    this.families.push(family);
    return family;
  }
}
