// Proves the committed generated code is what scripts/gen-schema.sh makes from schema/exchange.fbs today, that the
// verifier's layout matches the generated tables slot by slot, that no field is 64-bit, and that the wire's
// enum codes equal the engine's.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { CancelReason, EventKind, OrderType, Reject, Side, Stp, Tif } from "../engine/constants.ts";
import { LogoutReason } from "./constants.ts";
import * as wire from "./generated/exchange_generated.ts";
import { ExecutionRecord } from "./generated/wire/execution-record.ts";
import { InputRecord } from "./generated/wire/input-record.ts";
import { MarketDataRecord } from "./generated/wire/market-data-record.ts";
import { TradeRecord } from "./generated/wire/trade-record.ts";
import { FieldKind, type TableLayout } from "./layout.ts";
import * as layout from "./layout.ts";
import { tempDir } from "../../test/support/temp-dir.ts";

const root = join(import.meta.dir, "..", "..");
const committed = join(import.meta.dir, "generated");

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...files(path));
    else out.push(path);
  }
  return out.sort();
}

describe("generated code", () => {
  test(
    "is up to date with schema/exchange.fbs (regenerated into a temp dir and compared)",
    () => {
      const { dir: out, cleanup } = tempDir("gen-schema");
      try {
        const run = Bun.spawnSync(["bash", join(root, "scripts", "gen-schema.sh"), out], {
          stdout: "pipe",
          stderr: "pipe",
        });
        if (run.exitCode !== 0) throw new Error(`gen-schema.sh failed (${run.exitCode}): ${run.stderr.toString()}`);
        const fresh = files(out).map((f) => relative(out, f));
        const old = files(committed).map((f) => relative(committed, f));
        expect(old).toEqual(fresh);
        for (const f of fresh) {
          const same = readFileSync(join(out, f), "utf8") === readFileSync(join(committed, f), "utf8");
          if (!same)
            throw new Error(`src/protocol/generated/${f} is out of date: run scripts/gen-schema.sh and commit`);
        }
      } finally {
        cleanup();
      }
    },
    // A fresh machine installs flatc with apt-get first.
    300_000,
  );
});

/** What a generated `add<Field>` / `end<Table>` call told a builder. */
interface Call {
  method: string;
  slot: number;
}

/** A stand-in Builder that records which method each generated helper calls, with which slot. */
function recorder(calls: Call[], required: number[], slotsCount: { n: number }): unknown {
  const record = (method: string) => (slot: number) => calls.push({ method, slot });
  return {
    startObject: (n: number) => (slotsCount.n = n),
    endObject: () => 0,
    requiredField: (_table: number, vtableOffset: number) => required.push((vtableOffset - 4) / 2),
    addFieldInt8: record("int8"),
    addFieldInt16: record("int16"),
    addFieldInt32: record("int32"),
    addFieldInt64: record("int64"),
    addFieldFloat32: record("float32"),
    addFieldFloat64: record("float64"),
    addFieldOffset: record("offset"),
    addFieldStruct: record("struct"),
  };
}

const camel = (name: string): string => name.replace(/(^|_)([a-z])/g, (_, _u, c: string) => c.toUpperCase());

/**
 * The generated class for each layout (flatc re-exports only what Message reaches; the other roots come on their own).
 */
const generated: Record<string, unknown> = { ...wire, InputRecord, ExecutionRecord, TradeRecord, MarketDataRecord };

describe("verifier layout matches the generated tables", () => {
  for (const table of layout.allTables) {
    test(table.name, () => {
      const cls = generated[table.name] as Record<string, (...args: unknown[]) => unknown>;
      expect(cls).toBeDefined();
      const calls: Call[] = [];
      const required: number[] = [];
      const slots = { n: -1 };
      const b = recorder(calls, required, slots);
      cls[`start${table.name}`]!(b);
      expect(slots.n).toBe(table.fields.length);
      table.fields.forEach((f, slot) => {
        const add = cls[`add${camel(f.name)}`];
        if (add === undefined) throw new Error(`${table.name}.${f.name}: no generated add${camel(f.name)}`);
        calls.length = 0;
        add(b, 0);
        expect(calls.length).toBe(1);
        const call = calls[0]!;
        expect({ field: f.name, slot: call.slot }).toEqual({ field: f.name, slot });
        const kind =
          f.kind === FieldKind.Struct
            ? "struct"
            : f.kind === FieldKind.Scalar || f.kind === FieldKind.UnionType
              ? ({ 1: "int8", 2: "int16", 4: "int32" } as Record<number, string>)[f.bytes]
              : "offset";
        expect({ field: f.name, method: call.method }).toEqual({ field: f.name, method: kind! });
      });
      cls[`end${table.name}`]!(b);
      const expectedRequired = table.fields.flatMap((f, slot) => (f.required ? [slot] : []));
      expect(required.sort((a, b) => a - b)).toEqual(expectedRequired);
    });
  }

  test("every generated table has a layout", () => {
    const tables = Object.entries(generated)
      .filter(
        ([, v]) =>
          typeof v === "function" && typeof (v as { prototype: { __init?: unknown } }).prototype.__init === "function",
      )
      .filter(([name]) => name !== "U53" && name !== "U64")
      .map(([name]) => name)
      .sort();
    const laid = [...new Set(layout.allTables.map((t) => t.name))].sort();
    expect(laid).toEqual(tables);
  });

  test("structs are 8 bytes, as the layout assumes", () => {
    expect(wire.U53.sizeOf()).toBe(8);
    expect(wire.U64.sizeOf()).toBe(8);
  });

  test("union members in layout order equal the generated union codes", () => {
    const names = (members: readonly (TableLayout | null)[]): string[] => members.map((t) => t?.name ?? "NONE");
    expect(names(layout.AnyBody.members)).toEqual(Object.keys(wire.Body).filter((k) => Number.isNaN(Number(k))));
    expect(names(layout.CommandUnion.members)).toEqual(
      Object.keys(wire.Command).filter((k) => Number.isNaN(Number(k))),
    );
    expect(names(layout.MarketDataUnion.members)).toEqual(
      Object.keys(wire.MarketData).filter((k) => Number.isNaN(Number(k))),
    );
  });

  test("no 64-bit scalar anywhere (the runtime reads them as BigInt)", () => {
    const schema = readFileSync(join(root, "schema", "exchange.fbs"), "utf8").replace(/\/\/.*$/gm, "");
    expect(schema).not.toMatch(/:\s*\[?\s*(long|ulong|int64|uint64|double|float64)\b/);
  });
});

describe("enum codes equal the engine's", () => {
  const same = (
    engine: Record<string, number>,
    wireEnum: Record<string, unknown>,
    rename: Record<string, string> = {},
  ) => {
    for (const [name, code] of Object.entries(engine))
      expect({ name, code: wireEnum[rename[name] ?? name] }).toEqual({ name, code });
  };
  test("Side, OrderType, Tif, Stp", () => {
    same(Side, wire.Side);
    same(OrderType, wire.OrderType);
    same(Tif, wire.Tif);
    same(Stp, wire.Stp);
  });
  test("EventKind = ExecKind (Trade is Fill on the wire; Booked feeds market data and is never reported)", () => {
    const { Booked, ...reported } = EventKind;
    same(reported, wire.ExecKind, { Trade: "Fill" });
    expect(Object.values(wire.ExecKind)).not.toContain(Booked);
  });
  test("Reject = RejectReason, CancelReason = CancelReason", () => {
    same(Reject, wire.RejectReason);
    same(CancelReason, wire.CancelReason);
  });
  test("protocol LogoutReason = schema LogoutReason", () => {
    same(LogoutReason, wire.LogoutReason);
    expect(Object.keys(wire.LogoutReason).filter((k) => Number.isNaN(Number(k))).length).toBe(
      Object.keys(LogoutReason).length,
    );
  });
});
