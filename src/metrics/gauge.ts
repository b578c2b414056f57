// Gauges: values that go up and down (open orders, sessions, backlog).

import { MetricFamily, type MetricOptions } from "./family.ts";
import type { LabelDeclaration } from "./labels.ts";

export class GaugeChild {
  value = 0;

  set(value: number): void {
    this.value = value;
  }

  inc(by = 1): void {
    this.value += by;
  }

  dec(by = 1): void {
    this.value -= by;
  }
}

export class Gauge<L extends LabelDeclaration = Record<string, never>> extends MetricFamily<L, GaugeChild> {
  readonly type = "gauge";

  constructor(options: MetricOptions<L>) {
    super(options, [], () => new GaugeChild());
  }
}
