// The start-up summary: what listens where, in one place, for the newcomer
// who just typed `bun run engine` and for the operator reading the log.

/** [what, where] rows in the order they are listed. */
export type SummaryRow = [string, string];

/** Aligned lines for a terminal. */
export function summaryLines(rows: readonly SummaryRow[]): string[] {
  const width = Math.max(...rows.map(([what]) => what.length));
  return rows.map(([what, where]) => `  ${what.padEnd(width)}  ${where}`);
}

/** The same rows as one object for a JSON log line: keys in snake case. */
export function summaryFields(rows: readonly SummaryRow[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [what, where] of rows)
    out[
      what
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, "_")
        .replace(/^_|_$/g, "")
    ] = where;
  return out;
}

/** Host as it goes in a URL (IPv6 in brackets). */
export function urlHost(host: string): string {
  return host.includes(":") ? `[${host}]` : host;
}
