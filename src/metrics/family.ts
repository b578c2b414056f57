// What every metric family shares: a name, a help line, its declared labels and
// one child per combination of label values, all made at registration.

import { type LabelDeclaration, type LabelValues, checkMetricName, labelSeries, seriesIndex } from "./labels.ts";

export type MetricType = "counter" | "gauge" | "histogram";

export interface MetricOptions<L extends LabelDeclaration> {
  name: string;
  help: string;
  /** Every label with every value it may take. Omit for a metric without labels. */
  labels?: L;
}

export abstract class MetricFamily<L extends LabelDeclaration, C> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** `a="x",b="y"` per child, in child order; "" without labels. */
  readonly renderedLabels: readonly string[];
  readonly children: readonly C[];
  private readonly declared: LabelDeclaration;

  protected constructor(options: MetricOptions<L>, reservedLabels: readonly string[], makeChild: () => C) {
    checkMetricName(options.name);
    if (options.help.length === 0) throw new Error(`metrics: ${options.name} needs a help line`);
    this.name = options.name;
    this.help = options.help;
    this.declared = options.labels ?? {};
    const { names, rendered } = labelSeries(options.name, this.declared, reservedLabels);
    this.labelNames = names;
    this.renderedLabels = rendered;
    this.children = rendered.map(() => makeChild());
  }

  /** The child for these label values. Resolve once at start-up and keep it; the lookup is not for hot paths. */
  labels(values: LabelValues<L>): C;
  labels(this: MetricFamily<Record<string, never>, C>): C;
  labels(values: Readonly<Record<string, string>> = {}): C {
    return this.children[seriesIndex(this.name, this.declared, values)]!;
  }

  /** Child by index (mixed radix of the declared value positions, first label most significant). */
  at(index: number): C {
    const child = this.children[index];
    if (child === undefined) throw new Error(`metrics: ${this.name}: no child ${index}`);
    return child;
  }
}
