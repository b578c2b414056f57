// Proves the folders of src/ import each other as the README's flow diagram draws them (engine <- protocol <- journal /
// snapshot <- sequencer <- gateway <- server; nothing imports server/), with no cycle, and that the checker itself
// catches a cycle and a forbidden edge.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { findCycle, folderEdges, importSpecifiers, layeringViolations } from "./support/folder-graph.ts";

const srcDir = join(import.meta.dir, "../src");

test("every import between folders of src/ follows the layering, and the folder graph has no cycle", () => {
  const edges = folderEdges(srcDir);
  expect(edges.length).toBeGreaterThan(20);
  expect(layeringViolations(edges)).toEqual([]);
  expect(findCycle(edges)).toBeNull();
  expect(edges.filter((e) => e.to === "server")).toEqual([]);
});

test("the checker finds what it must: each kind of import, a cycle, a forbidden or unknown folder", () => {
  const text = [
    `import { a } from "../engine/a.ts";`,
    `import type { B } from "../protocol/b.ts";`,
    `export * from "./local.ts";`,
    `export { c } from "../journal/c.ts";`,
    `import {\n  d,\n  e,\n} from "../sequencer/d.ts";`,
    `const m = await import("../snapshot/m.ts");`,
    `new Worker(new URL("../snapshot/w.ts", import.meta.url).href);`,
    `import "../gateway/side-effect.ts";`,
    `import { x } from "flatbuffers";`,
  ].join("\n");
  expect(importSpecifiers(text).sort()).toEqual(
    [
      "../engine/a.ts",
      "../protocol/b.ts",
      "./local.ts",
      "../journal/c.ts",
      "../sequencer/d.ts",
      "../snapshot/m.ts",
      "../snapshot/w.ts",
      "../gateway/side-effect.ts",
    ].sort(),
  );
  expect(
    findCycle([
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "c", to: "a" },
    ]),
  ).toEqual(["a", "b", "c", "a"]);
  expect(
    findCycle([
      { from: "a", to: "b" },
      { from: "a", to: "c" },
      { from: "b", to: "c" },
    ]),
  ).toBeNull();
  const edge = (from: string, to: string) => ({ from, to, file: `${from}/x.ts`, specifier: `../${to}/y.ts` });
  expect(
    layeringViolations([
      edge("gateway", "sequencer"),
      edge("engine", "protocol"),
      edge("sequencer", "server"),
      edge("newthing", "engine"),
    ]),
  ).toEqual([
    `engine may not import protocol: engine/x.ts imports "../protocol/y.ts"`,
    `sequencer may not import server: sequencer/x.ts imports "../server/y.ts"`,
    "src/newthing/ is not in the folder table (test/support/folder-graph.ts, CONTRACTS.md): newthing/x.ts",
  ]);
});
