// Counters: totals that only go up (reset by a restart). Names end in _total.

import { MetricFamily, type MetricOptions } from "./family.ts";
import type { LabelDeclaration } from "./labels.ts";

export class CounterChild {
  value = 0;

  inc(by = 1): void {
    if (!(by >= 0)) throw new Error(`metrics: a counter cannot go down (inc by ${by})`);
    this.value += by;
  }

  /** Mirrors a total kept elsewhere (e.g. the journal's own stats) at collection time; a lower value is ignored. */
  setTotal(total: number): void {
    if (total > this.value) this.value = total;
  }
}

export class Counter<L extends LabelDeclaration = Record<string, never>> extends MetricFamily<L, CounterChild> {
  readonly type = "counter";

  constructor(options: MetricOptions<L>) {
    if (!options.name.endsWith("_total")) throw new Error(`metrics: counter ${options.name} must end in _total`);
    super(options, [], () => new CounterChild());
  }
}
