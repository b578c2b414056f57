// The two line formats. JSON lines for machines (one object per line: time,
// level, component, msg, then the fields); a short human line on a terminal.

import type { LevelName } from "./levels.ts";

export type FieldValue =
  | string
  | number
  | boolean
  | null
  | undefined
  | bigint
  | Error
  | readonly unknown[]
  | { readonly [key: string]: unknown };
export type Fields = Readonly<Record<string, FieldValue>>;

/** Keys every JSON line starts with; a field with one of these names is written with a leading underscore. */
const reservedKeys = new Set(["time", "level", "component", "msg"]);

export interface LogRecord {
  timeMs: number;
  level: LevelName;
  component: string;
  msg: string;
  /** The logger's own fields (from `child`), then the call's. */
  bound: Fields | null;
  fields: Fields | null;
}

export function jsonLine(r: LogRecord): string {
  const out: Record<string, unknown> = {
    time: new Date(r.timeMs).toISOString(),
    level: r.level,
    component: r.component,
    msg: r.msg,
  };
  copyFields(out, r.bound);
  copyFields(out, r.fields);
  try {
    return JSON.stringify(out, jsonValue);
  } catch (error) {
    // A field that cannot be serialised (a cycle) must not lose the line.
    return JSON.stringify({
      time: out.time,
      level: r.level,
      component: r.component,
      msg: r.msg,
      logError: (error as Error).message,
    });
  }
}

const levelTags: Record<LevelName, string> = { debug: "DEBUG", info: "INFO ", warn: "WARN ", error: "ERROR" };

export function humanLine(r: LogRecord): string {
  const t = new Date(r.timeMs);
  const hms = `${pad(t.getHours(), 2)}:${pad(t.getMinutes(), 2)}:${pad(t.getSeconds(), 2)}`;
  const clock = `${hms}.${pad(t.getMilliseconds(), 3)}`;
  const parts: string[] = [];
  for (const fields of [r.bound, r.fields]) {
    if (fields === null) continue;
    for (const [k, v] of Object.entries(fields)) if (v !== undefined) parts.push(`${k}=${humanValue(v)}`);
  }
  const tail = parts.length === 0 ? "" : `  ${parts.join(" ")}`;
  return `${clock} ${levelTags[r.level]} ${r.component.padEnd(10)} ${r.msg}${tail}`;
}

function copyFields(out: Record<string, unknown>, fields: Fields | null): void {
  if (fields === null) return;
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    out[reservedKeys.has(k) ? `_${k}` : k] = v;
  }
}

function jsonValue(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}

function humanValue(v: FieldValue): string {
  if (typeof v === "string") return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  if (v instanceof Error) return JSON.stringify(v.message);
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "object" && v !== null) {
    try {
      return JSON.stringify(v, jsonValue);
    } catch {
      return "[unserialisable]";
    }
  }
  return String(v);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}
