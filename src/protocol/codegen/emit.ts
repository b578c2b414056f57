// The code generator of the fixed-layout frames: from each frame of frames.ts
// and its template (template.ts) it writes TypeScript with every position a
// constant, which src/protocol/generated/fixed-layout.ts holds (committed;
// scripts/gen-fixed.ts writes it, scripts/gen-schema.sh runs that after
// flatc, and emit.test.ts fails when the committed file differs from what
// this makes today). Generated at build time, not compiled from strings at
// start-up: the code is read, reviewed and type-checked like any other.
//
// Per frame:
// - `<name>Layout`: the frame's size and where each value field lies (tests, tools).
// - `check<Name>`: throws (a caller bug) unless every value fits its wire type.
// - `store<Name>`: stores the whole frame as 32-bit words into an Int32Array
//   and a Uint8Array over one buffer: the template's constant words (length
//   prefix, root offset, vtables, union type and offset, padding, and the
//   words that hold 1-byte fields), the 4- and 8-byte fields, then the 1-byte
//   fields over their words. A U53 or U64 `v` is stored as `w[k] = v;
//   w[k + 1] = v * 2^-32`: an Int32Array store truncates a double to an
//   integer and keeps its low 32 bits, so the first store keeps v's low half
//   and the second, whose product is exact (a power of two), its high half.
//   Every byte of the frame is written, so none depends on the buffer's past.
// - `match<Name>` (frames read back): true when a payload has the template's
//   length and every byte outside the value fields equals the template's.
//   A FlatBuffer's structure (root offset, vtables, table and union offsets,
//   union type) lies entirely in those bytes, so a matching payload has the
//   template's structure, which passed the Verifier; value bytes cannot move
//   a field or lead outside the frame.
// - `read<Name>`: fills a decoder's target from a matching payload, with the
//   decoders' rules (a U53 of 2^53 or above reads as -1).
// Matchers and readers read through a DataView or the bytes themselves, as
// the frame's `readVia` in frames.ts says (why: there).

import { framePrefixBytes } from "../constants.ts";
import { type FrameSpec, frameSpecs, pageHeadSpec, pageOrderSpec, type Source, wireTypeBytes } from "./frames.ts";
import { pageParts, type Region } from "./page.ts";
import { assert, buildTemplate, type FrameTemplate, type ValueField } from "./template.ts";

/** Names the generated functions use for their own parameters; an argument may not take one. */
const reserved = new Set(["w", "f", "i", "p", "o", "b", "s", "e", "out"]);

/** A value field and its source, in template order. */
interface Bound {
  readonly field: ValueField;
  readonly source: Source;
}

/**
 * Pairs each value field of `t` with its source; refuses a spec that does not name exactly
 * those fields at their widths.
 */
function bind(spec: FrameSpec, t: Region): Bound[] {
  const schema = t.valueFields.map((f) => `${f.name}:${f.bytes}`).sort();
  const ours = spec.sources.map((s) => `${s.field}:${wireTypeBytes[s.type]}`).sort();
  assert(
    schema.join(", ") === ours.join(", "),
    `${spec.name}: the schema's value fields are [${schema.join(", ")}], frames.ts names [${ours.join(", ")}]`,
  );
  for (const a of spec.args) assert(/^[a-z][A-Za-z]*$/.test(a) && !reserved.has(a), `${spec.name}: argument name ${a}`);
  return t.valueFields.map((field) => {
    const source = spec.sources.find((s) => s.field === field.name)!;
    const named =
      source.arg !== undefined ? spec.args.includes(source.arg) : /^[a-z][A-Za-z]*$/.test(source.property ?? "");
    assert(
      named && (source.arg === undefined) !== (source.property === undefined),
      `${spec.name}: source of ${field.name}`,
    );
    return { field, source };
  });
}

const lowerFirst = (name: string): string => name[0]!.toLowerCase() + name.slice(1);

/** The wire field's own name, for error messages: `seq`, `client_order_id`. */
const wireName = (field: string): string => field.slice(field.indexOf(".") + 1);

/** The expression a writer stores for `s`. */
const valueOf = (s: Source): string => (s.arg !== undefined ? s.arg : `o.${s.property!}`);

/** A signed 32-bit constant in decimal. */
const int32 = (v: number): string => String(v | 0);

/** `base + k`, or `base` when k is 0. */
const plus = (base: string, k: number): string => (k === 0 ? base : `${base} + ${k}`);

function hasObject(spec: FrameSpec): boolean {
  return spec.sources.some((s) => s.property !== undefined);
}

function params(spec: FrameSpec): string[] {
  const list = spec.args.map((a) => `${a}: number`);
  if (hasObject(spec)) list.push(`o: ${spec.object}`);
  return list;
}

/** `export function name(params): returns {`, one parameter a line when it would pass 120 columns. */
function signature(name: string, list: readonly string[], returns: string): string[] {
  const line = `export function ${name}(${list.join(", ")}): ${returns} {`;
  if (line.length <= 120) return [line];
  return [`export function ${name}(`, ...list.map((x) => `  ${x},`), `): ${returns} {`];
}

function emitLayout(spec: FrameSpec, t: FrameTemplate): string[] {
  const fields = t.valueFields.map((f) => `    ["${f.name}", ${f.at}, ${f.bytes}],`);
  return [
    `export const ${lowerFirst(spec.name)}Layout: FixedLayout = {`,
    `  name: "${spec.name}",`,
    `  frameBytes: ${t.frameBytes},`,
    "  fields: [",
    ...fields,
    "  ],",
    "};",
  ];
}

/**
 * The wire types' range rules of ranges.ts as inline conditions: a call to
 * the imported isU53 & co. measured 5-7% of a fixed write. emit.test.ts
 * proves every generated check refuses exactly what ranges.ts refuses.
 */
const inRange: Readonly<Record<string, (v: string) => string>> = {
  u53: (v) => `${v} >= 0 && ${v} <= ${2 ** 53 - 1} && Math.floor(${v}) === ${v}`,
  u64: (v) => `${v} >= 0 && ${v} < 18446744073709551616 && Math.floor(${v}) === ${v}`,
  u32: (v) => `${v} >= 0 && ${v} <= ${0xffffffff} && Math.floor(${v}) === ${v}`,
  i32: (v) => `(${v} | 0) === ${v}`,
  u8: (v) => `(${v} & 0xff) === ${v}`,
};

function emitCheck(spec: FrameSpec, bound: readonly Bound[]): string[] {
  const lines = [`/** Throws unless every value of ${spec.name} fits its wire type (a caller bug). */`];
  lines.push(...signature(`check${spec.name}`, params(spec), "void"));
  for (const { source } of bound) {
    if (source.type === "bool") continue;
    const v = valueOf(source);
    const condition = `!(${inRange[source.type]!(v)})`;
    const one = `  if (${condition}) {`;
    lines.push(...(one.length <= 120 ? [one] : ["  if (", `    ${condition}`, "  ) {"]));
    lines.push(`    notWireType("${wireName(source.field)}", ${v});`, "  }");
  }
  lines.push("}");
  return lines;
}

/** Word indexes (frame-relative) holding at least one byte of a 4- or 8-byte value field. */
function wideFieldWords(t: Region): Set<number> {
  const words = new Set<number>();
  for (const f of t.valueFields)
    if (f.bytes !== 1) for (let w = f.at >> 2; w < (f.at + f.bytes) >> 2; w++) words.add(w);
  return words;
}

function emitStore(spec: FrameSpec, t: Region, bound: readonly Bound[]): string[] {
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.frameBytes);
  const lines = [
    `/** Stores a whole ${spec.name} frame at word \`i\` (byte \`p\` = 4i) of \`w\` / \`f\`, ` +
      `two views of one buffer. */`,
  ];
  lines.push(
    ...signature(
      `store${spec.name}`,
      ["w: Int32Array", "f: Uint8Array", "i: number", "p: number", ...params(spec)],
      "void",
    ),
  );
  const wide = wideFieldWords(t);
  for (let w = 0; w < t.frameBytes >> 2; w++) {
    if (!wide.has(w)) lines.push(`  w[${plus("i", w)}] = ${int32(view.getInt32(4 * w, true))};`);
  }
  const bytes: string[] = [];
  for (const { field, source } of bound) {
    const v = valueOf(source);
    const k = field.at >> 2;
    if (field.bytes === 8) lines.push(`  w[${plus("i", k)}] = ${v};`, `  w[${plus("i", k + 1)}] = ${v} * ${2 ** -32};`);
    else if (field.bytes === 4) lines.push(`  w[${plus("i", k)}] = ${v};`);
    else bytes.push(`  f[${plus("p", field.at)}] = ${source.type === "bool" ? "+" : ""}${v};`);
  }
  lines.push(...bytes, "}");
  return lines;
}

function emitMatch(spec: FrameSpec, t: FrameTemplate): string[] {
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.frameBytes);
  const isValue = new Uint8Array(t.frameBytes);
  for (const f of t.valueFields) isValue.fill(1, f.at, f.at + f.bytes);
  const terms = [`e - s === ${t.frameBytes - framePrefixBytes}`];
  // Word 0 is the length prefix: not part of the payload, its value is the length compared above.
  for (let w = 1; w < t.frameBytes >> 2; w++) {
    let mask = 0;
    for (let k = 0; k < 4; k++) if (isValue[4 * w + k] === 0) mask |= 0xff << (8 * k);
    if (mask === 0) continue;
    const at = 4 * w - framePrefixBytes;
    const word = spec.readVia === "view" ? `v.getInt32(${plus("s", at)}, true)` : `readI32(b, ${plus("s", at)})`;
    const expected = int32(view.getInt32(4 * w, true) & mask);
    terms.push(mask === -1 ? `${word} === ${expected}` : `(${word} & ${int32(mask)}) === ${expected}`);
  }
  return [
    `/** True when the payload at \`[s, e)\` is laid out exactly as ${spec.name} frames are (see emit.ts). */`,
    `export function match${spec.name}(${accessParam(spec)}, s: number, e: number): boolean {`,
    "  return (",
    ...terms.map((term, k) => `    ${term}${k < terms.length - 1 ? " &&" : ""}`),
    "  );",
    "}",
  ];
}

/** `b: Uint8Array` or `v: DataView`: what a frame's matcher and reader read through. */
function accessParam(spec: FrameSpec): string {
  return spec.readVia === "view" ? "v: DataView" : "b: Uint8Array";
}

const readOfBytes: Readonly<Record<string, (at: string) => string>> = {
  u53: (at) => `readU53(b, ${at})`,
  u64: (at) => `readU64(b, ${at})`,
  u32: (at) => `readU32(b, ${at})`,
  i32: (at) => `readI32(b, ${at})`,
  u8: (at) => `b[${at}]!`,
  bool: (at) => `b[${at}] !== 0`,
};

const readOfView: Readonly<Record<string, (at: string) => string>> = {
  u53: (at) => `viewU53(v, ${at})`,
  u64: (at) => `viewU64(v, ${at})`,
  u32: (at) => `v.getUint32(${at}, true)`,
  i32: (at) => `v.getInt32(${at}, true)`,
  u8: (at) => `v.getUint8(${at})`,
  bool: (at) => `v.getUint8(${at}) !== 0`,
};

function emitRead(spec: FrameSpec, bound: readonly Bound[]): string[] {
  const lines = [`/** Reads every value of the ${spec.name} payload at \`s\` (one that matched) into \`out\`. */`];
  lines.push(`export function read${spec.name}(${accessParam(spec)}, s: number, out: ${spec.reads!}): void {`);
  const readOf = spec.readVia === "view" ? readOfView : readOfBytes;
  for (const { field, source } of bound) {
    const target = source.arg !== undefined ? `out.${source.arg}` : `out.${spec.readPrefix}${source.property!}`;
    lines.push(`  ${target} = ${readOf[source.type]!(plus("s", field.at - framePrefixBytes))};`);
  }
  lines.push("}");
  return lines;
}

function emitFrame(spec: FrameSpec): string[] {
  const t = buildTemplate(spec.envelope, spec.member);
  const bound = bind(spec, t);
  const lines = [
    `// ---- ${spec.name}: ${spec.what} ${"-".repeat(Math.max(4, 100 - spec.name.length - spec.what.length))}`,
    "",
  ];
  lines.push(...emitLayout(spec, t), "", ...emitCheck(spec, bound), "", ...emitStore(spec, t, bound), "");
  if (spec.reads !== null) lines.push(...emitMatch(spec, t), "", ...emitRead(spec, bound), "");
  return lines;
}

/**
 * The OpenOrders page's parts (page.ts, which checked them against the
 * Builder's page of every count): the parts' sizes, a check and a store for
 * the head and for one order, and a store of the shared vtable.
 */
function emitPage(): string[] {
  const parts = pageParts();
  const head = bind(pageHeadSpec, parts.head);
  const order = bind(pageOrderSpec, parts.order);
  const vtable = new DataView(parts.vtable.buffer);
  const fields = (r: Region) => r.valueFields.map((f) => `    ["${f.name}", ${f.at}, ${f.bytes}],`);
  return [
    `// ---- OpenOrders page: Message{seq, OpenOrders{orders, more}}, ` +
      `exchange to client (codegen/page.ts) ${"-".repeat(17)}`,
    "",
    "/** The parts of an OpenOrders page; field positions relative to the head's and to an order's start. */",
    "export const openOrdersPageLayout = {",
    `  headBytes: ${parts.head.frameBytes},`,
    `  vtableBytes: ${parts.vtable.length},`,
    `  orderBytes: ${parts.order.frameBytes},`,
    "  headFields: [",
    ...fields(parts.head),
    "  ],",
    "  orderFields: [",
    ...fields(parts.order),
    "  ],",
    "} as const;",
    "",
    ...emitCheck(pageHeadSpec, head),
    "",
    ...emitStore(pageHeadSpec, parts.head, head),
    "",
    "/** Stores the vtable a page's orders share at word `i` of `w`. */",
    "export function storeOpenOrderVtable(w: Int32Array, i: number): void {",
    ...Array.from(
      { length: parts.vtable.length >> 2 },
      (_, k) => `  w[${plus("i", k)}] = ${int32(vtable.getInt32(4 * k, true))};`,
    ),
    "}",
    "",
    ...emitCheck(pageOrderSpec, order),
    "",
    ...emitStore(pageOrderSpec, parts.order, order),
    "",
  ];
}

const header = [
  "// GENERATED by scripts/gen-fixed.ts (src/protocol/codegen/emit.ts) from src/protocol/layout.ts and",
  "// src/protocol/codegen/frames.ts. Do not edit: run scripts/gen-schema.sh (or ./bunw scripts/gen-fixed.ts).",
  "//",
  "// The fixed-layout frames: per frame its layout, a check of its values, a store of the whole frame, and",
  "// for frames read back a matcher and a reader. src/protocol/codegen/emit.ts explains the code.",
  "",
  "IMPORTS",
  "",
  "/** A fixed frame's size and value fields: `Table.field`, frame-relative position (prefix included), bytes. */",
  "export interface FixedLayout {",
  "  readonly name: string;",
  "  readonly frameBytes: number;",
  "  readonly fields: readonly (readonly [name: string, at: number, bytes: number])[];",
  "}",
  "",
];

/** The import lines for the names `code` uses, each module's names sorted. */
function imports(code: string): string[] {
  const modules: [from: string, names: string[], typeOnly: boolean][] = [
    [
      "../messages.ts",
      ["ClientMessage", "ExecReport", "InputRecordView", "OpenOrderInfo", "OrderFields", "ServerMessage"],
      true,
    ],
    ["../ranges.ts", ["isByte", "isI32", "isU32", "isU53", "isU64", "notWireType"], false],
    ["../wire-read.ts", ["readI32", "readU32", "readU53", "readU64", "viewU53", "viewU64"], false],
  ];
  return modules.flatMap(([from, names, typeOnly]) => {
    const used = names.filter((n) => new RegExp(`\\b${n}\\b`).test(code));
    if (used.length === 0) return [];
    const kind = typeOnly ? "type " : "";
    const line = `import ${kind}{ ${used.join(", ")} } from "${from}";`;
    return line.length <= 120 ? [line] : [`import ${kind}{`, ...used.map((n) => `  ${n},`), `} from "${from}";`];
  });
}

/** The source text of src/protocol/generated/fixed-layout.ts. */
export function generateFixedLayouts(specs: readonly FrameSpec[] = frameSpecs): string {
  const names = new Set(specs.map((s) => s.name));
  assert(names.size === specs.length, "frame names are unique");
  const body: string[] = [];
  for (const spec of specs) body.push(...emitFrame(spec));
  body.push(...emitPage());
  // One trailing newline.
  while (body[body.length - 1] === "") body.pop();
  const code = body.join("\n");
  const lines = header.flatMap((l) => (l === "IMPORTS" ? imports(code) : [l]));
  return `${lines.join("\n")}\n${code}\n`;
}
