// Prometheus text exposition format 0.0.4: `# HELP`, `# TYPE`, then one line
// per series; histograms as cumulative `_bucket{le=…}` lines, `_sum`, `_count`.

import { Counter } from "./counter.ts";
import { Gauge } from "./gauge.ts";
import { Histogram } from "./histogram.ts";
import { escapeHelp } from "./labels.ts";

export const expositionContentType = "text/plain; version=0.0.4; charset=utf-8";

// Families are stored together whatever their labels; `any` stands for "some label declaration".
export type AnyFamily = Counter<any> | Gauge<any> | Histogram<any>;

/** A sample value as Prometheus writes it: integers plainly, +Inf / -Inf / NaN spelled out. */
export function formatSample(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

export function writeExposition(families: readonly AnyFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    if (family instanceof Histogram) writeHistogram(family, lines);
    else writeValues(family, lines);
  }
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

function writeValues(family: Counter<any> | Gauge<any>, lines: string[]): void {
  family.children.forEach((child, i) => {
    const labels = family.renderedLabels[i]!;
    lines.push(`${family.name}${labels === "" ? "" : `{${labels}}`} ${formatSample(child.value)}`);
  });
}

function writeHistogram(family: Histogram<any>, lines: string[]): void {
  const les = [...family.bounds].map(formatSample);
  les.push("+Inf");
  family.children.forEach((child, i) => {
    const labels = family.renderedLabels[i]!;
    const prefix = labels === "" ? "" : `${labels},`;
    let cumulative = 0;
    for (let b = 0; b < les.length; b++) {
      cumulative += child.counts[b]!;
      lines.push(`${family.name}_bucket{${prefix}le="${les[b]}"} ${formatSample(cumulative)}`);
    }
    const braces = labels === "" ? "" : `{${labels}}`;
    lines.push(
      `${family.name}_sum${braces} ${formatSample(child.sum)}`,
      `${family.name}_count${braces} ${formatSample(child.count)}`,
    );
  });
}
