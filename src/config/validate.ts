// Checks a parsed configuration against a schema and fills in defaults. Every
// problem is collected (the validator never stops at the first), each with its
// key path, the expected type or range and the value found. Unknown keys are
// problems too, with the nearest known key as a hint.

import { type ConfigProblem, describeValue, nearest } from "./problems.ts";
import { type Field, type Fields, type ListField, type ScalarField, defaultOf } from "./schema.ts";

export type PathSegment = string | number;

export function pathText(path: readonly PathSegment[]): string {
  let text = "";
  for (const s of path) text += typeof s === "number" ? `[${s}]` : text === "" ? s : `.${s}`;
  return text;
}

export interface ValidateContext {
  /** Whether `mode = "full"` defaults apply. */
  full: boolean;
  problems: ConfigProblem[];
  /** Where the value at a path came from (a file, a variable). */
  sourceOf(path: readonly PathSegment[]): string;
}

/** The value of a table of keys: defaults for what is absent, checked values for what is there. */
export function validateFields(
  fields: Fields,
  input: unknown,
  path: PathSegment[],
  ctx: ValidateContext,
  required = false,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isTable(input)) {
    if (input !== undefined) problem(ctx, path, "a table of keys", input);
    for (const [key, field] of Object.entries(fields)) out[key] = defaultOf(field, ctx.full);
    return out;
  }
  for (const key of Object.keys(input)) {
    if (Object.hasOwn(fields, key)) continue;
    const suggestion = nearest(key, Object.keys(fields));
    ctx.problems.push({
      path: pathText([...path, key]),
      expected: path.length === 0 ? "a known key" : `a key of ${pathText(path)}`,
      found: "an unknown key",
      source: ctx.sourceOf([...path, key]),
      hint:
        suggestion === null
          ? `known keys: ${Object.keys(fields).join(", ")}`
          : `did you mean ${pathText([...path, suggestion])}?`,
    });
  }
  for (const [key, field] of Object.entries(fields)) {
    const value = input[key];
    if (value !== undefined) out[key] = validateField(field, value, [...path, key], ctx);
    else if (required && field.kind !== "object" && field.optional !== true)
      out[key] = problem(ctx, [...path, key], `${expectedOf(field)} (required)`, value);
    else out[key] = defaultOf(field, ctx.full);
  }
  return out;
}

function validateField(field: Field, value: unknown, path: PathSegment[], ctx: ValidateContext): unknown {
  if (field.kind === "object") return validateFields(field.fields, value, path, ctx);
  if (field.kind === "list") return validateList(field, value, path, ctx);
  return scalarOk(field, value) ? value : problem(ctx, path, expectedOf(field), value, defaultOf(field, ctx.full));
}

function validateList(field: ListField, value: unknown, path: PathSegment[], ctx: ValidateContext): unknown {
  if (!Array.isArray(value)) return problem(ctx, path, expectedOf(field), value, defaultOf(field, ctx.full));
  if (value.length < field.itemsMin || value.length > field.itemsMax) problem(ctx, path, expectedOf(field), value);
  const item = field.item;
  return value.map((v, i) =>
    item.kind === "object"
      ? validateFields(item.fields, v, [...path, i], ctx, true)
      : validateField(item, v, [...path, i], ctx),
  );
}

function scalarOk(field: ScalarField, value: unknown): boolean {
  switch (field.kind) {
    case "int":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= field.min && value <= field.max;
    case "bool":
      return typeof value === "boolean";
    case "enum":
      return typeof value === "string" && (field.values as readonly string[]).includes(value);
    case "string":
      return (
        typeof value === "string" &&
        value.length >= field.lengthMin &&
        value.length <= field.lengthMax &&
        (field.pattern === undefined || field.pattern.regex.test(value))
      );
  }
}

/** How the reference and the error messages describe what a key takes. */
export function expectedOf(field: ScalarField | ListField): string {
  switch (field.kind) {
    case "int":
      return `an integer in [${field.min}, ${field.max}]`;
    case "bool":
      return "true or false";
    case "enum":
      return `one of ${field.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "string": {
      const length =
        field.lengthMin === field.lengthMax ? `${field.lengthMin}` : `${field.lengthMin}..${field.lengthMax}`;
      const shape = field.pattern === undefined ? "" : `, ${field.pattern.text}`;
      return `a string of ${length} characters${shape}`;
    }
    case "list": {
      const what = field.item.kind === "object" ? "tables" : "items";
      return `a list of ${field.itemsMin}..${field.itemsMax} ${what}`;
    }
  }
}

function problem(
  ctx: ValidateContext,
  path: readonly PathSegment[],
  expected: string,
  found: unknown,
  fallback?: unknown,
): unknown {
  ctx.problems.push({ path: pathText(path), expected, found: describeValue(found), source: ctx.sourceOf(path) });
  return fallback;
}

export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}
