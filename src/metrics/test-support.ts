// Reading exposition text back in tests: the npm parser (parse-prometheus-text-format)
// plus the line grammar of format 0.0.4, which that parser does not enforce
// (it accepts any value token and any TYPE word).

import parsePrometheusTextFormat from "parse-prometheus-text-format";

/** One `name="value"` label; the value escapes backslash, quote and newline. */
const labelPattern = String.raw`[a-zA-Z_][a-zA-Z0-9_]*="(\\\\|\\"|\\n|[^"\\\n])*"`;
const sampleLine = new RegExp(
  String.raw`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(${labelPattern}(,${labelPattern})*)?\})? (\S+)$`,
);
const helpLine = /^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/;
const typeLine = /^# TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped)$/;
const floatText = /^([+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?|[+-]Inf|NaN)$/;

/** Throws on the first line that is not valid exposition 0.0.4; returns the parsed families. */
export function parseExposition(text: string): ReturnType<typeof parsePrometheusTextFormat> {
  if (text.length > 0 && !text.endsWith("\n")) throw new Error("exposition must end with a newline");
  for (const line of text.split("\n").slice(0, -1)) {
    if (line.startsWith("# HELP ")) {
      if (!helpLine.test(line)) throw new Error(`bad HELP line: ${line}`);
    } else if (line.startsWith("# TYPE ")) {
      if (!typeLine.test(line)) throw new Error(`bad TYPE line: ${line}`);
    } else {
      if (!sampleLine.test(line)) throw new Error(`bad sample line: ${line}`);
      if (!floatText.test(line.slice(line.lastIndexOf(" ") + 1))) throw new Error(`bad sample value: ${line}`);
    }
  }
  return parsePrometheusTextFormat(text);
}

/** The value of one series, by name and labels (exact label match), from parsed families. */
export function sampleValue(
  families: ReturnType<typeof parsePrometheusTextFormat>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const family = families.find((f) => f.name === name);
  if (family === undefined) throw new Error(`no metric ${name}`);
  const want = JSON.stringify(Object.entries(labels).sort());
  const sample = family.metrics.find((m) => JSON.stringify(Object.entries(m.labels ?? {}).sort()) === want);
  if (sample === undefined) throw new Error(`no series ${name}${want}`);
  return Number(sample.value ?? sample.count);
}
