// Event-loop delay: a timer asks to run every `sampleMs`; how late it runs is
// the time the loop was busy (matching, I/O callbacks, GC pauses) beyond the
// period. Observed into a histogram, and the largest since the last scrape as
// a gauge (a histogram keeps no maximum). Clock and timer are injected so
// tests drive it without sleeping.

import { eventLoopDelaySecondsBuckets } from "../buckets.ts";
import type { MetricsRegistry } from "../registry.ts";

export interface LoopClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Runs `fn` once after `ms`; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realLoopClock: LoopClock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    // The probe alone must not keep a process alive.
    timer.unref();
    return () => clearTimeout(timer);
  },
};

export class EventLoopDelayMonitor {
  private readonly delay;
  private readonly sampleMs: number;
  private readonly clock: LoopClock;
  private scheduledAtMs = 0;
  private maxSinceScrapeS = 0;
  private cancel: (() => void) | null = null;
  private readonly tick = (): void => this.onTick();

  constructor(registry: MetricsRegistry, sampleMs: number, clock: LoopClock = realLoopClock) {
    if (!(Number.isInteger(sampleMs) && sampleMs >= 1))
      throw new Error(`event-loop monitor: sampleMs ${sampleMs} must be an integer >= 1`);
    this.sampleMs = sampleMs;
    this.clock = clock;
    this.delay = registry
      .histogram({
        name: "event_loop_delay_seconds",
        help:
          `How late a timer due every ${sampleMs} ms ran: time the event loop was blocked (work, ` +
          `GC pauses) beyond the period.`,
        buckets: eventLoopDelaySecondsBuckets,
      })
      .labels();
    const max = registry
      .gauge({ name: "event_loop_delay_max_seconds", help: "Largest event-loop delay since the previous scrape." })
      .labels();
    registry.onCollect("event-loop", () => {
      max.set(this.maxSinceScrapeS);
      this.maxSinceScrapeS = 0;
    });
  }

  start(): void {
    if (this.cancel !== null) return;
    this.schedule();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  private schedule(): void {
    this.scheduledAtMs = this.clock.now();
    this.cancel = this.clock.after(this.sampleMs, this.tick);
  }

  private onTick(): void {
    const lateS = Math.max(0, this.clock.now() - this.scheduledAtMs - this.sampleMs) / 1000;
    this.delay.observe(lateS);
    if (lateS > this.maxSinceScrapeS) this.maxSinceScrapeS = lateS;
    this.schedule();
  }
}
