// Proves the committed feed code is what scripts/gen-feed-schema.sh makes from schema/feed.fbs today, that the request
// verifier's layouts match the generated client tables slot by slot, that the feed schema has no 64-bit scalar, and
// that its enum codes equal the stream's and the engine's.

import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { Side } from "../engine/constants.ts";
import { OrderChangeKind } from "../marketdata/rows.ts";
import { FieldKind, type TableLayout } from "../protocol/layout.ts";
import { ClientFrame } from "./generated/feed/client-frame.ts";
import * as feed from "./generated/feed_generated.ts";
import { ClientFrameLayout, PingLayout, SubscribeLayout, UnsubscribeLayout } from "./requests.ts";
import { tempDir } from "../../test/support/temp-dir.ts";

const root = join(import.meta.dir, "..", "..");
const committed = join(import.meta.dir, "generated");

function files(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]))
    .sort();
}

test("generated code is up to date with schema/feed.fbs (regenerated into a temp dir and compared)", () => {
  const { dir: out, cleanup } = tempDir("gen-feed");
  try {
    const run = Bun.spawnSync(["bash", join(root, "scripts", "gen-feed-schema.sh"), out], {
      stdout: "pipe",
      stderr: "pipe",
    });
    if (run.exitCode !== 0) throw new Error(`gen-feed-schema.sh failed (${run.exitCode}): ${run.stderr.toString()}`);
    const fresh = files(out).map((f) => relative(out, f));
    expect(files(committed).map((f) => relative(committed, f))).toEqual(fresh);
    for (const f of fresh) {
      if (readFileSync(join(out, f), "utf8") !== readFileSync(join(committed, f), "utf8"))
        throw new Error(`src/feed/generated/${f} is out of date: run scripts/gen-feed-schema.sh and commit`);
    }
  } finally {
    cleanup();
  }
}, 300_000);

/** Which builder method (and slot) each generated `add<Field>` calls, and which slots its `end` requires. */
function probe(table: TableLayout): { slots: number; calls: { method: string; slot: number }[]; required: number[] } {
  const calls: { method: string; slot: number }[] = [];
  const required: number[] = [];
  let slots = -1;
  const rec = (method: string) => (slot: number) => calls.push({ method, slot });
  const b = {
    startObject: (n: number) => (slots = n),
    endObject: () => 0,
    requiredField: (_t: number, vtableOffset: number) => required.push((vtableOffset - 4) / 2),
    addFieldInt8: rec("int8"),
    addFieldInt16: rec("int16"),
    addFieldInt32: rec("int32"),
    addFieldOffset: rec("offset"),
    addFieldStruct: rec("struct"),
  };
  // The barrel file leaves out the root tables; ClientFrame comes from its own module.
  const classes = { ...feed, ClientFrame } as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
  const cls = classes[table.name]!;
  cls[`start${table.name}`]!(b);
  const camel = (n: string) => n.replace(/(^|_)([a-z])/g, (_m, _u, c: string) => c.toUpperCase());
  for (const f of table.fields) cls[`add${camel(f.name)}`]!(b, 0);
  cls[`end${table.name}`]!(b);
  return { slots, calls, required };
}

describe("request layouts match the generated tables", () => {
  for (const table of [SubscribeLayout, UnsubscribeLayout, PingLayout, ClientFrameLayout]) {
    test(table.name, () => {
      const p = probe(table);
      expect(p.slots).toBe(table.fields.length);
      const want = table.fields.map((f, slot) => ({
        slot,
        method:
          f.kind === FieldKind.Scalar || f.kind === FieldKind.UnionType
            ? ({ 1: "int8", 4: "int32" } as Record<number, string>)[f.bytes]!
            : "offset",
      }));
      expect(p.calls).toEqual(want);
      expect(p.required).toEqual(table.fields.flatMap((f, slot) => (f.required ? [slot] : [])));
    });
  }

  test("the Request union's members are in layout order", () => {
    const members = ClientFrameLayout.fields[0]!.union!.members.map((t) => t?.name ?? "NONE");
    expect(members).toEqual(Object.keys(feed.Request).filter((k) => Number.isNaN(Number(k))));
  });
});

describe("feed schema rules", () => {
  test("no 64-bit scalar (the runtime reads them as BigInt)", () => {
    const schema = readFileSync(join(root, "schema", "feed.fbs"), "utf8").replace(/\/\/.*$/gm, "");
    expect(schema).not.toMatch(/:\s*\[?\s*(long|ulong|int64|uint64|double|float64)\b/);
  });

  test("enum codes equal the stream's and the engine's", () => {
    expect([feed.OrderChangeKind.Add, feed.OrderChangeKind.Change, feed.OrderChangeKind.Remove]).toEqual([
      OrderChangeKind.Add,
      OrderChangeKind.Change,
      OrderChangeKind.Remove,
    ]);
    expect([feed.Side.Buy, feed.Side.Sell]).toEqual([Side.Buy, Side.Sell]);
  });

  test("struct sizes the encoder's vectors rely on", () => {
    expect(feed.Level.sizeOf()).toBe(16);
    expect(feed.LevelChange.sizeOf()).toBe(20);
    expect(feed.OrderChange.sizeOf()).toBe(24);
  });
});
