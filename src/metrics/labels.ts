// Label sets are declared up front with every value they may take, so the
// number of series a metric can have is known at start and bounded: no label
// ever carries an order id, a user or anything else a client controls. The
// children of a metric (one per combination of values) are all created at
// registration; hot paths hold a child and update it without a lookup.

/** Values one label may take. A symbol label is the largest expected (one per configured symbol). */
export const labelValuesMax = 1 << 16;
/** Series one metric may have: the product of its labels' value counts. Beyond this a label is the wrong tool. */
export const seriesPerMetricMax = 1 << 16;

const metricNamePattern = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelNamePattern = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export type LabelDeclaration = Readonly<Record<string, readonly string[]>>;
export type LabelValues<L extends LabelDeclaration> = { readonly [K in keyof L]: L[K][number] };

export function checkMetricName(name: string): void {
  if (!metricNamePattern.test(name)) throw new Error(`metrics: bad metric name ${JSON.stringify(name)}`);
}

/**
 * Label names, then each child's rendered `{a="x",b="y"}` in index order (mixed radix, first label most significant).
 */
export function labelSeries(
  metric: string,
  labels: LabelDeclaration,
  reserved: readonly string[],
): { names: string[]; rendered: string[] } {
  const names = Object.keys(labels);
  for (const name of names) {
    if (!labelNamePattern.test(name) || name.startsWith("__"))
      throw new Error(`metrics: ${metric}: bad label name ${JSON.stringify(name)}`);
    if (reserved.includes(name)) throw new Error(`metrics: ${metric}: label ${name} is reserved`);
    const values = labels[name]!;
    if (values.length === 0 || values.length > labelValuesMax)
      throw new Error(`metrics: ${metric}: label ${name} needs 1..${labelValuesMax} values, has ${values.length}`);
    if (new Set(values).size !== values.length)
      throw new Error(`metrics: ${metric}: label ${name} lists a value twice`);
  }
  let series = 1;
  for (const name of names) series *= labels[name]!.length;
  if (series > seriesPerMetricMax) throw new Error(`metrics: ${metric}: ${series} series, above ${seriesPerMetricMax}`);
  const rendered: string[] = [];
  for (let index = 0; index < series; index++) {
    const parts: string[] = [];
    let rest = index;
    for (let i = names.length - 1; i >= 0; i--) {
      const values = labels[names[i]!]!;
      parts.unshift(`${names[i]}="${escapeLabelValue(values[rest % values.length]!)}"`);
      rest = Math.floor(rest / values.length);
    }
    rendered.push(parts.join(","));
  }
  return { names, rendered };
}

/** The child index of a set of label values; throws on a value that was not declared (a programmer error). */
export function seriesIndex(
  metric: string,
  labels: LabelDeclaration,
  values: Readonly<Record<string, string>>,
): number {
  let index = 0;
  for (const name of Object.keys(labels)) {
    const declared = labels[name]!;
    const value = values[name];
    const at = value === undefined ? -1 : declared.indexOf(value);
    if (at < 0)
      throw new Error(`metrics: ${metric}: label ${name}=${JSON.stringify(value)} is not one of its declared values`);
    index = index * declared.length + at;
  }
  for (const name of Object.keys(values))
    if (!Object.hasOwn(labels, name)) throw new Error(`metrics: ${metric}: no label ${name}`);
  return index;
}

export function escapeLabelValue(value: string): string {
  return value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");
}

export function escapeHelp(text: string): string {
  return text.replaceAll("\\", "\\\\").replaceAll("\n", "\\n");
}
