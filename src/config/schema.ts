// The building blocks of a configuration schema: each key declares its type,
// default, allowed range or values and a one-line doc. The loader, the
// environment overrides, the validator, the effective-config printer and the
// generated reference all read the same declaration, so none of them can
// disagree with another about a key.

/** What every leaf key declares. */
interface LeafBase<T> {
  /** One line for the reference: what the key does, in a full sentence. */
  readonly doc: string;
  readonly default: T;
  /** The default in `mode = "full"` where it differs from the embedded one. */
  readonly fullDefault?: T;
  /** Older environment variable names still accepted for this key (documented as aliases). */
  readonly envAliases?: readonly string[];
  /** In a table inside a list (a symbol, a key), keys are required unless marked optional. */
  readonly optional?: boolean;
}

export interface IntField extends LeafBase<number> {
  readonly kind: "int";
  readonly min: number;
  readonly max: number;
}

export interface StringField extends LeafBase<string> {
  readonly kind: "string";
  readonly lengthMin: number;
  readonly lengthMax: number;
  /** The shape a value must have, and how the reference describes it. */
  readonly pattern?: { readonly regex: RegExp; readonly text: string };
}

export interface BoolField extends LeafBase<boolean> {
  readonly kind: "bool";
}

export interface EnumField<V extends string = string> extends LeafBase<V> {
  readonly kind: "enum";
  readonly values: readonly V[];
}

export type ScalarField = IntField | StringField | BoolField | EnumField;

export interface ObjectField<F extends Fields = Fields> {
  readonly kind: "object";
  readonly doc: string;
  readonly fields: F;
}

export interface ListField<I extends ScalarField | ObjectField = ScalarField | ObjectField> {
  readonly kind: "list";
  readonly doc: string;
  readonly item: I;
  readonly itemsMin: number;
  readonly itemsMax: number;
  readonly default: readonly unknown[];
  readonly fullDefault?: readonly unknown[];
  readonly envAliases?: readonly string[];
  readonly optional?: boolean;
}

export type Field = ScalarField | ObjectField | ListField;
export type Fields = { readonly [key: string]: Field };

/** The TypeScript type of the value a field resolves to. */
export type Infer<F> = F extends IntField
  ? number
  : F extends BoolField
    ? boolean
    : F extends EnumField<infer V>
      ? V
      : F extends StringField
        ? string
        : F extends ObjectField<infer O>
          ? { -readonly [K in keyof O]: Infer<O[K]> }
          : F extends ListField<infer I>
            ? Infer<I>[]
            : never;

type LeafOptions<T> = Omit<LeafBase<T>, "default"> & { default: T };

export function int(options: LeafOptions<number> & { min: number; max: number }): IntField {
  if (!(Number.isSafeInteger(options.min) && Number.isSafeInteger(options.max) && options.min <= options.max)) {
    throw new Error(`schema: bad integer range [${options.min}, ${options.max}]`);
  }
  return { kind: "int", ...options };
}

export function string(
  options: LeafOptions<string> & { lengthMin?: number; lengthMax?: number; pattern?: StringField["pattern"] },
): StringField {
  return { kind: "string", lengthMin: 0, lengthMax: 4096, ...options };
}

export function bool(options: LeafOptions<boolean>): BoolField {
  return { kind: "bool", ...options };
}

export function oneOf<const V extends string>(values: readonly V[], options: LeafOptions<NoInfer<V>>): EnumField<V> {
  return { kind: "enum", values, ...options };
}

export function object<const F extends Fields>(doc: string, fields: F): ObjectField<F> {
  return { kind: "object", doc, fields };
}

export function list<I extends ScalarField | ObjectField>(
  item: I,
  options: {
    doc: string;
    itemsMin: number;
    itemsMax: number;
    default: readonly Infer<I>[];
    fullDefault?: readonly Infer<I>[];
    envAliases?: readonly string[];
  },
): ListField<I> {
  return { kind: "list", item, ...options };
}

/** Every key of a schema with its dotted path, depth first in declaration order. Lists are leaves. */
export function* leaves(
  fields: Fields,
  prefix: readonly string[] = [],
): Generator<{ path: string[]; field: ScalarField | ListField }> {
  for (const [key, field] of Object.entries(fields)) {
    const path = [...prefix, key];
    if (field.kind === "object") yield* leaves(field.fields, path);
    else yield { path, field };
  }
}

/** The default value of a field for a mode; objects are built from their keys' defaults. */
export function defaultOf(field: Field, full: boolean): unknown {
  if (field.kind === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, f] of Object.entries(field.fields)) out[key] = defaultOf(f, full);
    return out;
  }
  const value = full && field.fullDefault !== undefined ? field.fullDefault : field.default;
  // Lists and their items are copied so a caller's change cannot reach the schema.
  return structuredClone(value);
}
