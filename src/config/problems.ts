// A configuration problem names the key, what it expects, what it found and
// where that value came from, so an operator can fix it without reading code.

export interface ConfigProblem {
  /** Dotted key path (`tcp.port`, `symbols[1].tickSize`), or the file / variable for problems above the keys. */
  path: string;
  /** What the key takes: a type, a range, a list of values, or a rule between keys. */
  expected: string;
  /** The value found, rendered short. */
  found: string;
  /** Where the value came from: `file x.toml`, `env EXCHANGE_TCP_PORT`, `default`. */
  source: string;
  /** Extra help, e.g. "did you mean tcp.port?". */
  hint?: string;
}

export function formatProblem(p: ConfigProblem): string {
  const hint = p.hint === undefined ? "" : `; ${p.hint}`;
  return `${p.path}: expected ${p.expected}, found ${p.found} (${p.source})${hint}`;
}

/** The message a failed start prints: every problem on a line of its own. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  const noun = problems.length === 1 ? "problem" : "problems";
  return `configuration: ${problems.length} ${noun}\n${problems.map((p) => `  ${formatProblem(p)}`).join("\n")}`;
}

/** Longest rendering of a found value; a pasted blob must not flood the terminal. */
const foundCharsMax = 80;

/** A value as an operator would recognise it in the file, with its kind where the kind is the problem. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return `a list of ${value.length} items`;
  if (value instanceof Date) return `a date ${clip(value.toISOString())}`;
  if (typeof value === "object") return `a table with keys ${clip(Object.keys(value).join(", ") || "(none)")}`;
  if (typeof value === "string") return `the string ${clip(JSON.stringify(value))}`;
  if (typeof value === "bigint") return `the integer ${clip(String(value))}`;
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return clip(String(value));
}

function clip(text: string): string {
  return text.length <= foundCharsMax ? text : `${text.slice(0, foundCharsMax - 1)}…`;
}

/**
 * Edit distance with adjacent swaps counted as one edit (optimal string alignment),
 * case-insensitive. Inputs are key names.
 */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= x.length; i++) rows.push(new Array<number>(y.length + 1).fill(0));
  for (let i = 0; i <= x.length; i++) rows[i]![0] = i;
  for (let j = 0; j <= y.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let d = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) d = Math.min(d, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = d;
    }
  }
  return rows[x.length]![y.length]!;
}

/** The nearest of `candidates` to `name` when it is close enough to be a typo, else null. */
export function nearest(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(name, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  // One edit in three characters catches swaps, slips and missing letters, not unrelated words.
  const allowed = Math.max(1, Math.floor(name.length / 3));
  return best !== null && bestDistance <= allowed && bestDistance < name.length ? best : null;
}
