// Proves the code keeps its house rules (TigerBeetle's tidy.zig in spirit), and that every check can fail.
//
// The rules, over every non-generated .ts file under src/, scripts/, bench/ and test/ (`generated/` folders
// are the generators' output, checked by their own drift tests):
// - No line wider than 120 columns (code points). `./bunw x prettier --write FILE` wraps code; comments and
//   strings are wrapped by hand.
// - No function longer than 70 lines, counted from its first line to its closing brace, nested functions
//   included. In a test file the callback of `describe(...)` only groups tests and is exempt; the body of a
//   `test(...)`/`it(...)` is a function like any other and counts.
// - Every test file opens with a `// ` comment on what it proves (the sentence may wrap onto more lines).
// - The folders of src/ import each other as the README's flow diagram draws them (engine <- protocol <-
//   journal / snapshot <- sequencer <- gateway <- server; nothing imports server/), with no cycle
//   (table: test/support/folder-graph.ts).
// - Nothing in src/ compiles code from strings at run time (`eval`, `new Function`, `Function(...)`): codecs
//   are generated at build time.
// - The README's numbers that name a limit or a default (frame limits, the snapshot header, the malformed-frame
//   limit, the OpenOrders page, heartbeat and idle times, login and session pools, outbound bytes) equal the
//   exported constants and configuration defaults they describe.

import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { resolveConfigOrThrow } from "../src/config/index.ts";
import { malformedMessagesMax, queryPageOrdersMax } from "../src/gateway/constants.ts";
import { clientFrameBytesMax, serverFrameBytesMax } from "../src/protocol/index.ts";
import { HEADER_BYTES as snapshotHeaderBytes } from "../src/snapshot/format.ts";
import { findCycle, folderEdges, importSpecifiers, layeringViolations } from "./support/folder-graph.ts";
import {
  checkFiles,
  dynamicCode,
  type Finding,
  formatFinding,
  longFunctionAllowedLinesMax,
  longFunctions,
  longLines,
  type ReadmeClaim,
  readmeMismatches,
  readmeNumber,
  sourceFiles,
  testFileOpening,
} from "./support/tidy.ts";

const root = join(import.meta.dir, "..");
const defaults = resolveConfigOrThrow({});

/** What the READMEs state, sentence by sentence, and the code's value for each number. */
const readmeClaims: readonly ReadmeClaim[] = [
  {
    what: "frame limits (client, exchange)",
    pattern: /Client frames are at most ([\d,]+) bytes, exchange frames ([\d,]+)/,
    actual: [clientFrameBytesMax, serverFrameBytesMax],
  },
  { what: "snapshot header", pattern: /an (\d+)-byte header/, actual: [snapshotHeaderBytes] },
  {
    what: "malformed messages that end a session",
    pattern: /the (\d+)th ends it with `Logout MalformedFrame`/,
    actual: [malformedMessagesMax],
  },
  {
    what: "OpenOrders page",
    pattern: /`OpenOrders \{ orders\[\], more \}` pages of up to (\d+)/,
    actual: [queryPageOrdersMax],
  },
  {
    what: "heartbeat interval and idle timeout defaults",
    pattern:
      /`heartbeat_interval_ms` \(from `LoginAccepted\.limits`, default ([\d,]+)\) of silence .*? after (\d+ s) without/,
    actual: [defaults.limits.heartbeatIntervalMs, defaults.limits.idleTimeoutMs],
  },
  {
    what: "pending-login pools and session slots",
    pattern: /a pool of their own \((\d+), (\d+) per remote address\) apart from the ([\d,]+) session slots/,
    actual: [defaults.tcp.pendingLoginsMax, defaults.tcp.pendingLoginsPerAddressMax, defaults.tcp.sessionsMax],
  },
  {
    what: "outbound pause and slow-consumer limits",
    pattern: /`outboundPauseBytes` \((\d+ MiB)\)\. A client with more than `outboundBytesMax` \((\d+ MiB)\)/,
    actual: [defaults.limits.outboundPauseBytes, defaults.limits.outboundBytesMax],
  },
];

/** The gateway README's limits table. */
const gatewayReadmeClaims: readonly ReadmeClaim[] = [
  { what: "session slots", pattern: /`tcp\.sessionsMax` (\d+)/, actual: [defaults.tcp.sessionsMax] },
  {
    what: "pending-login pools",
    pattern: /`tcp\.pendingLoginsMax` (\d+) in all, `tcp\.pendingLoginsPerAddressMax` (\d+) per remote address/,
    actual: [defaults.tcp.pendingLoginsMax, defaults.tcp.pendingLoginsPerAddressMax],
  },
  { what: "login timeout", pattern: /`limits\.loginTimeoutMs` (\d+)/, actual: [defaults.limits.loginTimeoutMs] },
  { what: "malformed messages", pattern: /the (\d+)th ends the session/, actual: [malformedMessagesMax] },
  { what: "in-flight commands", pattern: /`limits\.inFlightMax` (\d+)/, actual: [defaults.limits.inFlightMax] },
  {
    what: "live orders per user",
    pattern: /`limits\.openOrdersPerUserMax` (\d+)/,
    actual: [defaults.limits.openOrdersPerUserMax],
  },
  { what: "OpenOrders page", pattern: /pages of up to (\d+) orders/, actual: [queryPageOrdersMax] },
];

function expectNone(findings: Finding[]): void {
  expect(findings.map(formatFinding)).toEqual([]);
}

describe("the codebase", () => {
  const files = sourceFiles(root);

  // Parsing ~500 files takes 1-2 s alone and several times that on a loaded machine: a deadline, not a measurement.
  test("line width, function length and test-file openings, over every checked file", () => {
    expect(files.length).toBeGreaterThan(300);
    expectNone(checkFiles(root, files));
  }, 120_000);

  test("the folders of src/ import each other as the flow diagram draws them, with no cycle", () => {
    const edges = folderEdges(join(root, "src"));
    expect(edges.length).toBeGreaterThan(20);
    expect(layeringViolations(edges)).toEqual([]);
    expect(findCycle(edges)).toBeNull();
    expect(edges.filter((e) => e.to === "server")).toEqual([]);
  });

  test("the README's limits and defaults are the code's", () => {
    expectNone(readmeMismatches("README.md", readFileSync(join(root, "README.md"), "utf8"), readmeClaims));
    const gateway = readFileSync(join(root, "src/gateway/README.md"), "utf8");
    expectNone(readmeMismatches("src/gateway/README.md", gateway, gatewayReadmeClaims));
  });
});

describe("each check can fail (tiny synthetic inputs)", () => {
  const body = (lines: number) => Array.from({ length: lines }, (_, i) => `  const v${i} = ${i};`).join("\n");

  test("line width: 121 columns is one too many; 120 and wide characters counted once are fine", () => {
    const text = ["x".repeat(120), "y".repeat(121), "é".repeat(120)].join("\n");
    expect(longLines("a.ts", text).map((f) => f.line)).toEqual([2]);
  });

  test("function length: 71 lines fail wherever the function is, and a string or comment cannot hide a brace", () => {
    const fits = `function f() {\n${body(68)}\n}`;
    const tooLong = `function f() {\n${body(69)}\n}`;
    expect(longFunctions("a.ts", fits)).toEqual([]);
    expect(longFunctions("a.ts", tooLong).map((f) => f.what)).toEqual(["f: 71 lines (at most 70)"]);
    const method = `class C {\n  m(): void {\n    const s = "}"; // }\n${body(68)}\n  }\n}`;
    expect(longFunctions("a.ts", method).map((f) => f.what)).toEqual(["m: 71 lines (at most 70)"]);
    const arrow = `export const g = async () => {\n  const r = /\\}/;\n${body(68)}\n};`;
    expect(longFunctions("a.ts", arrow).map((f) => f.line)).toEqual([1]);
  });

  test("function length: a `tidy: long (reason)` mark allows up to a cap; a short reason or more lines do not", () => {
    const marked = (reason: string, lines: number) =>
      `// x\n/**\n * A hot path.\n * tidy: long (${reason})\n */\nfunction hot() {\n${body(lines)}\n}\n`;
    expect(longFunctions("src/a.ts", marked("written out for JSC's inliner, measured", 100))).toEqual([]);
    expect(longFunctions("src/a.ts", marked("too short", 100))).toHaveLength(1);
    expect(
      longFunctions("src/a.ts", marked("written out for JSC's inliner, measured", longFunctionAllowedLinesMax)),
    ).toHaveLength(1);
    const unmarked =
      "// tidy: long (a mark that is not right above the function)\nconst x = 1;\n" +
      `function f() {\n${body(80)}\n}\n`;
    expect(longFunctions("src/a.ts", unmarked)).toHaveLength(1);
  });

  test("function length in tests: a describe callback is exempt, a test body counts", () => {
    const text = `describe("d", () => {\n  test("t", () => {\n${body(70)}\n  });\n});`;
    expect(longFunctions("x.test.ts", text).map((f) => f.what)).toEqual(["callback of test(): 72 lines (at most 70)"]);
    const grouped = `describe("d", () => {\n${body(80)}\n});`;
    expect(longFunctions("x.test.ts", grouped)).toEqual([]);
    expect(longFunctions("x.ts", grouped).length).toBe(1);
  });

  test("dynamic code: eval, new Function and Function(...) are found; the words in strings and names are not", () => {
    const text = [
      `const a = eval("1");`,
      `const b = new Function("return 1");`,
      `const c = globalThis.Function("x", "return x");`,
      `const d = "new Function(";`,
      `const evaluate = (x: number) => x;`,
      `evaluate(1);`,
    ].join("\n");
    expect(dynamicCode("a.ts", text).map((f) => f.line)).toEqual([1, 2, 3]);
  });

  test("test-file opening: a test file must open with a comment; other files need not", () => {
    expect(testFileOpening("x.test.ts", `import { test } from "bun:test";\n`).length).toBe(1);
    expect(testFileOpening("x.test.ts", `// Proves x.\nimport { test } from "bun:test";\n`)).toEqual([]);
    expect(testFileOpening("x.ts", `import { y } from "./y.ts";\n`)).toEqual([]);
  });

  test("README numbers: a wrong number and a claim the text no longer makes are both reported", () => {
    const claims: ReadmeClaim[] = [
      { what: "frames", pattern: /frames are at most ([\d,]+) bytes/, actual: [4096] },
      { what: "pause", pattern: /pauses past \((\d+ MiB)\)/, actual: [1 << 20] },
      { what: "gone", pattern: /a sentence that is not there (\d+)/, actual: [1] },
    ];
    const readme = "Client\nframes are at most 4,000 bytes.\nReading pauses past (1 MiB).\n";
    const found = readmeMismatches("R.md", readme, claims);
    expect(found.map((f) => [f.line, f.what.split(":")[0]])).toEqual([
      [2, "frames"],
      [0, "gone"],
    ]);
    expect(readmeNumber("65,536")).toBe(65536);
    expect(readmeNumber("10 s")).toBe(10_000);
    expect(readmeNumber("64 KiB")).toBe(65536);
  });

  test("folder rules: each kind of import is seen, a cycle and a forbidden or unknown folder are reported", () => {
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
    const seen = importSpecifiers(text).sort();
    expect(seen).toEqual(
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
    const edge = (from: string, to: string) => ({ from, to });
    expect(findCycle([edge("a", "b"), edge("b", "c"), edge("c", "a")])).toEqual(["a", "b", "c", "a"]);
    expect(findCycle([edge("a", "b"), edge("a", "c"), edge("b", "c")])).toBeNull();
    const named = (from: string, to: string) => ({ from, to, file: `${from}/x.ts`, specifier: `../${to}/y.ts` });
    const violations = layeringViolations([
      named("gateway", "sequencer"),
      named("engine", "protocol"),
      named("sequencer", "server"),
      named("newthing", "engine"),
    ]);
    expect(violations).toEqual([
      `engine may not import protocol: engine/x.ts imports "../protocol/y.ts"`,
      `sequencer may not import server: sequencer/x.ts imports "../server/y.ts"`,
      "src/newthing/ is not in the folder table (test/support/folder-graph.ts, CONTRACTS.md): newthing/x.ts",
    ]);
  });
});
