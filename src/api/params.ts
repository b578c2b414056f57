// Query parameters of the API, read strictly: every parameter a route does not
// declare, given twice, empty, too long or of the wrong type is a 400 naming
// it. Integers are decimal digits only (no sign unless allowed, no exponent,
// no spaces), so nothing a client sends reaches a query unvalidated.

import { badParameter } from "./errors.ts";

/** A parameter value longer than this is refused before it is looked at (symbol names are at most 32). */
export const paramBytesMax = 64;

export class Params {
  private readonly values = new Map<string, string>();

  /** Reads `search` (the URL's query) for a route declaring `allowed`; throws ApiError on anything else. */
  constructor(search: URLSearchParams, allowed: readonly string[]) {
    for (const [name, value] of search) {
      if (!allowed.includes(name)) {
        const shown = name.length > paramBytesMax ? `${name.slice(0, paramBytesMax)}...` : name;
        throw badParameter(
          shown,
          allowed.length === 0
            ? "this route takes no parameters"
            : `unknown parameter; this route takes ${allowed.join(", ")}`,
        );
      }
      if (this.values.has(name)) throw badParameter(name, "given more than once");
      if (value.length === 0) throw badParameter(name, "empty");
      if (value.length > paramBytesMax) throw badParameter(name, `longer than ${paramBytesMax} characters`);
      this.values.set(name, value);
    }
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  string(name: string): string | null {
    return this.values.get(name) ?? null;
  }

  required(name: string): string {
    const v = this.values.get(name);
    if (v === undefined) throw badParameter(name, "required");
    return v;
  }

  /** An integer in [min, max] (safe integers only), or `fallback` when absent. */
  int(name: string, min: number, max: number, fallback: number): number;
  int(name: string, min: number, max: number, fallback: null): number | null;
  int(name: string, min: number, max: number, fallback: number | null): number | null {
    const v = this.values.get(name);
    if (v === undefined) return fallback;
    return parseInteger(name, v, min, max);
  }

  /** One of `names` (exact, case-sensitive), or null when absent. */
  oneOf<T extends string>(name: string, names: readonly T[]): T | null {
    const v = this.values.get(name);
    if (v === undefined) return null;
    if (!(names as readonly string[]).includes(v)) throw badParameter(name, `must be one of ${names.join(", ")}`);
    return v as T;
  }
}

/** A decimal integer in [min, max]; throws a 400 naming `name` otherwise. */
export function parseInteger(name: string, text: string, min: number, max: number): number {
  if (!/^-?[0-9]{1,16}$/.test(text)) throw badParameter(name, `must be an integer in [${min}, ${max}]`);
  const n = Number(text);
  if (!(Number.isSafeInteger(n) && n >= min && n <= max))
    throw badParameter(name, `must be an integer in [${min}, ${max}]`);
  return n;
}
