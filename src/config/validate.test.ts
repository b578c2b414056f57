// Proves the validator reports every problem at once, each with its key path, the expected type or range and the value
// found, and fills defaults.

import { describe, expect, test } from "bun:test";
import { editDistance, formatProblem, nearest } from "./problems.ts";
import { bool, int, list, object, oneOf, string } from "./schema.ts";
import { validateFields } from "./validate.ts";

const schema = object("test", {
  port: int({ default: 7001, min: 0, max: 65535, doc: "p" }),
  on: bool({ default: true, doc: "b" }),
  policy: oneOf(["fsync", "write"], { default: "write", doc: "e" }),
  name: string({
    default: "x",
    lengthMin: 1,
    lengthMax: 4,
    pattern: { regex: /^[a-z]+$/, text: "lower-case letters" },
    doc: "s",
  }),
  redis: object("r", { port: int({ default: 6379, fullDefault: 6390, min: 1, max: 65535, doc: "rp" }) }),
  items: list(
    object("i", {
      a: int({ default: 0, min: 0, max: 9, doc: "a" }),
      b: int({ default: 5, min: 0, max: 9, optional: true, doc: "b" }),
    }),
    {
      doc: "l",
      itemsMin: 1,
      itemsMax: 2,
      default: [{ a: 1, b: 2 }],
    },
  ),
});

function run(input: unknown, full = false) {
  const problems: ReturnType<typeof formatProblem>[] = [];
  const raw: Parameters<typeof formatProblem>[0][] = [];
  const value = validateFields(schema.fields, input, [], { full, problems: raw, sourceOf: () => "test" });
  for (const p of raw) problems.push(formatProblem(p));
  return { value, problems, raw };
}

describe("validateFields", () => {
  test("an empty table gets every default; full mode gets the full defaults", () => {
    expect(run({}).value).toEqual({
      port: 7001,
      on: true,
      policy: "write",
      name: "x",
      redis: { port: 6379 },
      items: [{ a: 1, b: 2 }],
    });
    expect((run({}, true).value.redis as { port: number }).port).toBe(6390);
    expect(run({}).problems).toEqual([]);
  });

  test("every problem is reported, not only the first", () => {
    const { problems } = run({ port: 70000, on: "yes", policy: "fsnyc", name: "ABC", redis: { port: 0 } });
    expect(problems).toEqual([
      "port: expected an integer in [0, 65535], found 70000 (test)",
      'on: expected true or false, found the string "yes" (test)',
      'policy: expected one of "fsync", "write", found the string "fsnyc" (test)',
      'name: expected a string of 1..4 characters, lower-case letters, found the string "ABC" (test)',
      "redis.port: expected an integer in [1, 65535], found 0 (test)",
    ]);
  });

  test("wrong types are named: a string for an integer, a fraction, a table for a scalar", () => {
    const { problems } = run({ port: "7001", redis: 5, items: { a: 1 } });
    expect(problems).toEqual([
      'port: expected an integer in [0, 65535], found the string "7001" (test)',
      "redis: expected a table of keys, found 5 (test)",
      "items: expected a list of 1..2 tables, found a table with keys a (test)",
    ]);
    expect(run({ port: 1.5 }).problems).toEqual(["port: expected an integer in [0, 65535], found 1.5 (test)"]);
  });

  test("unknown keys are errors with the nearest known key as a hint", () => {
    const { problems } = run({ prot: 1, redis: { prt: 2 }, zzzzzzzz: 1 });
    expect(problems[0]).toBe("prot: expected a known key, found an unknown key (test); did you mean port?");
    expect(problems[1]).toStartWith(
      "zzzzzzzz: expected a known key, found an unknown key (test); known keys: port, on,",
    );
    expect(problems[2]).toBe(
      "redis.prt: expected a key of redis, found an unknown key (test); did you mean redis.port?",
    );
  });

  test("list items: length bounds, required keys, optional keys defaulted, problems indexed", () => {
    expect(run({ items: [] }).problems).toEqual([
      "items: expected a list of 1..2 tables, found a list of 0 items (test)",
    ]);
    const { value, problems } = run({ items: [{ a: 3 }, { b: 1 }] });
    expect(problems).toEqual(["items[1].a: expected an integer in [0, 9] (required), found nothing (test)"]);
    expect((value.items as { b: number }[])[0]!.b).toBe(5);
    expect(run({ items: [{ a: 1, c: 1 }] }).problems[0]).toBe(
      "items[0].c: expected a key of items[0], found an unknown key (test); known keys: a, b",
    );
  });

  test("a top level that is not a table is one problem and defaults stand", () => {
    const { value, problems } = run([1, 2]);
    expect(problems).toEqual([": expected a table of keys, found a list of 2 items (test)"]);
    expect(value.port).toBe(7001);
  });

  test("long found values are clipped", () => {
    const { raw } = run({ name: "y".repeat(500) });
    expect(raw[0]!.found.length).toBeLessThanOrEqual(100);
  });
});

describe("nearest", () => {
  test("swaps, slips and case count as typos; unrelated words do not", () => {
    expect(editDistance("prot", "port")).toBe(1);
    expect(nearest("everyMS", ["everyMs", "everyCommands"])).toBe("everyMs");
    expect(nearest("batchBytesMx", ["batchBytesMax", "enabled"])).toBe("batchBytesMax");
    expect(nearest("c", ["a", "b"])).toBeNull();
    expect(nearest("colour", ["port", "host"])).toBeNull();
  });
});
