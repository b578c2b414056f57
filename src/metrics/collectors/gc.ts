// Garbage collection, as far as Bun lets a program see it. JavaScriptCore in
// Bun 1.4 reports no GC events or pause times to JavaScript: `node:perf_hooks`
// has no "gc" entry type here, and `bun:jsc` offers heap sizes only
// (`heapStats()` walks the whole heap: 76 ms at 3M objects, never on a scrape).
// What is observable:
//   - collections: a sentinel object registered with a FinalizationRegistry is
//     freed by the next collection; its callback counts one and arms a new
//     sentinel. At most one per event-loop turn is seen, so it is a lower
//     bound (50 counted against 59 in JSC's own log in a measured run).
//   - heap size after and between collections (`heapSize()`, cheap).
//   - the pauses themselves show up as event-loop delay (event-loop.ts).
// Exact pause times need JSC's own log (BUN_JSC_logGC=1 on stderr).

import { heapSize } from "bun:jsc";
import type { MetricsRegistry } from "../registry.ts";

export class GcObserver {
  private readonly collections;
  private readonly registryOfSentinels: FinalizationRegistry<number>;
  private armed = false;
  private running = false;

  constructor(registry: MetricsRegistry) {
    this.collections = registry
      .counter({
        name: "bun_gc_collections_observed_total",
        help:
          "Garbage collections observed through a finalization sentinel (a lower bound: " +
          "at most one per event-loop turn).",
      })
      .labels();
    const heap = registry
      .gauge({ name: "bun_heap_size_bytes", help: "Bytes of the JavaScriptCore heap in use (bun:jsc heapSize)." })
      .labels();
    registry.onCollect("gc", () => heap.set(heapSize()));
    this.registryOfSentinels = new FinalizationRegistry(() => {
      this.armed = false;
      this.collections.inc();
      if (this.running) this.arm();
    });
  }

  start(): void {
    this.running = true;
    if (!this.armed) this.arm();
  }

  stop(): void {
    this.running = false;
  }

  private arm(): void {
    this.armed = true;
    // An object nothing refers to: the next collection that reaches it frees it.
    this.registryOfSentinels.register({}, 0);
  }
}
