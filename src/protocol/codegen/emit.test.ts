// Proves the committed generated/fixed-layout.ts is exactly what the generator makes from today's layout.ts and
// frames.ts, that every template has every field of its tables once, aligned, inside a verified frame, that a frames.ts
// out of step with the schema stops generation, and that the protocol and client code compile nothing from strings.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { framePrefixBytes } from "../constants.ts";
import * as generated from "../generated/fixed-layout.ts";
import { ExecReport, OrderFields } from "../messages.ts";
import { isByte, isI32, isU32, isU53, isU64 } from "../ranges.ts";
import { generateFixedLayouts } from "./emit.ts";
import { type FrameSpec, frameSpecs } from "./frames.ts";
import { buildTemplate, envelopes } from "./template.ts";

const committed = join(import.meta.dir, "..", "generated", "fixed-layout.ts");

describe("generated code", () => {
  test("src/protocol/generated/fixed-layout.ts is up to date with layout.ts and frames.ts", () => {
    const fresh = generateFixedLayouts();
    if (readFileSync(committed, "utf8") !== fresh) {
      throw new Error(
        "src/protocol/generated/fixed-layout.ts is out of date: run scripts/gen-schema.sh (or ./bunw " +
          "scripts/gen-fixed.ts) and commit",
      );
    }
  });

  test("reads like the rest of the code: lines of at most 120 columns, functions of at most 70 lines", () => {
    const lines = generateFixedLayouts().split("\n");
    expect(lines.filter((l) => l.length > 120)).toEqual([]);
    let start = -1;
    lines.forEach((l, i) => {
      if (l.startsWith("export function ")) start = i;
      if (l === "}" && start >= 0) {
        expect({ function: lines[start], lines: i - start + 1 <= 70 }).toEqual({ function: lines[start], lines: true });
        start = -1;
      }
    });
  });
});

describe("generated checks", () => {
  const rules = { u53: isU53, u64: isU64, u32: isU32, i32: isI32, u8: isByte } as const;
  const edges = [0, 1, -1, 0.5, -0.5, 255, 256, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32];
  const values = [...edges, 2 ** 53 - 1, 2 ** 53, 2 ** 64 - 2 ** 11, 2 ** 64, Number.NaN, Number.POSITIVE_INFINITY, -0];

  test("refuse exactly the values ranges.ts refuses, field by field, in every frame", () => {
    for (const spec of frameSpecs) {
      const check = (generated as unknown as Record<string, (...args: unknown[]) => void>)[`check${spec.name}`]!;
      for (const source of spec.sources) {
        if (source.type === "bool") continue;
        for (const v of values) {
          const args: unknown[] = spec.args.map((a) => (a === source.arg ? v : 1));
          const o = spec.object === "ExecReport" ? new ExecReport() : new OrderFields();
          if (source.property !== undefined) (o as unknown as Record<string, number>)[source.property] = v;
          let threw = false;
          try {
            check(...args, o);
          } catch {
            threw = true;
          }
          expect({ frame: spec.name, field: source.field, v, threw }).toEqual({
            frame: spec.name,
            field: source.field,
            v,
            threw: !rules[source.type](v),
          });
        }
      }
    }
  });
});

describe("templates", () => {
  test("every field of each table is present, once, aligned, inside a verified frame", () => {
    for (const spec of frameSpecs) {
      const t = buildTemplate(spec.envelope, spec.member);
      const e = envelopes[spec.envelope];
      expect(t.frameBytes % 4).toBe(0);
      const seen = new Set<number>();
      for (const table of [e.root, e.union.members[spec.member]!]) {
        for (const f of table.fields) {
          const at = t.at(`${table.name}.${f.name}`);
          expect(at).toBeGreaterThanOrEqual(framePrefixBytes);
          expect(at + f.bytes).toBeLessThanOrEqual(t.frameBytes);
          expect(at % f.align).toBe(0);
          expect(seen.has(at)).toBe(false);
          seen.add(at);
        }
      }
    }
  });

  test("a member the envelope does not carry has no template", () => {
    expect(() => buildTemplate("client", 10)).toThrow(/not one a client frame carries/);
    expect(() => buildTemplate("record", 4)).toThrow(/SymbolDef.name .* has no fixed layout/);
    expect(() => buildTemplate("client", 1)).toThrow(/Login.api_key .* has no fixed layout/);
  });
});

describe("frames.ts out of step with the schema stops generation", () => {
  const base = frameSpecs.find((s) => s.name === "RecordNewOrder")!;
  const variant = (change: (s: FrameSpec) => Partial<FrameSpec>): FrameSpec[] => [{ ...base, ...change(base) }];

  test("a value field the spec does not name (a field the schema gained)", () => {
    const missing = variant((s) => ({ sources: s.sources.filter((x) => x.field !== "NewOrder.stop_price") }));
    expect(() => generateFixedLayouts(missing)).toThrow(/the schema's value fields are .* frames.ts names/);
  });

  test("a field the schema does not have, or one of the wrong width", () => {
    const extra = variant((s) => ({
      sources: [...s.sources, { field: "NewOrder.added_later", type: "u8", property: "side" }],
    }));
    expect(() => generateFixedLayouts(extra)).toThrow(/frames.ts names/);
    const wide = variant((s) => ({
      sources: s.sources.map((x) => (x.field === "NewOrder.price" ? { ...x, type: "u53" as const } : x)),
    }));
    expect(() => generateFixedLayouts(wide)).toThrow(/frames.ts names/);
  });

  test("a source that names an argument the writer does not take, or a reserved name", () => {
    const stray = variant((s) => ({ args: s.args.filter((a) => a !== "orderId") }));
    expect(() => generateFixedLayouts(stray)).toThrow(/source of InputRecord.order_id/);
    const reserved = variant((s) => ({ args: [...s.args, "out"] }));
    expect(() => generateFixedLayouts(reserved)).toThrow(/argument name out/);
    expect(() => generateFixedLayouts([base, base])).toThrow(/unique/);
  });
});

test("no code of src/protocol or src/client is compiled from a string (new Function, eval)", () => {
  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory()
        ? files(path)
        : path.endsWith(".ts") && !path.endsWith(".test.ts")
          ? [path]
          : [];
    });
  const src = join(import.meta.dir, "..", "..");
  for (const path of [...files(join(src, "protocol")), ...files(join(src, "client"))]) {
    const text = readFileSync(path, "utf8");
    expect({ path, compiles: /new Function\s*\(|\beval\s*\(/.test(text) }).toEqual({ path, compiles: false });
  }
});
