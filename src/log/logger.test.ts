// Proves JSON lines carry time, level, component, msg and ids; children bind a component and fields; levels below the
// threshold build nothing; the human format is chosen on a terminal; logging never throws.

import { describe, expect, test } from "bun:test";
import { Logger, type LoggerOptions } from "./logger.ts";

function capture(options: Partial<LoggerOptions> = {}) {
  const lines: { line: string; level: string }[] = [];
  const log = Logger.create({
    level: "debug",
    format: "json",
    nowMs: () => Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    write: (line, level) => lines.push({ line, level }),
    ...options,
  });
  return { log, lines };
}

describe("Logger", () => {
  test("a JSON line with time, level, component, message and the ids that matter", () => {
    const { log, lines } = capture();
    log.child("gateway").info("session logged in", { user: 7, session: 3, remote: "127.0.0.1:5000" });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!.line)).toEqual({
      time: "2025-01-02T03:04:05.678Z",
      level: "info",
      component: "gateway",
      msg: "session logged in",
      user: 7,
      session: 3,
      remote: "127.0.0.1:5000",
    });
    expect(
      lines[0]!.line.startsWith('{"time":"2025-01-02T03:04:05.678Z","level":"info","component":"gateway","msg":'),
    ).toBe(true);
  });

  test("children bind fields; call fields win; reserved names cannot be overwritten", () => {
    const { log, lines } = capture();
    const session = log.child("gateway", { session: 3 }).child("gateway", { user: 7 });
    session.warn("slow consumer", { user: 8, level: "x", queuedBytes: 5 << 20 });
    expect(JSON.parse(lines[0]!.line)).toMatchObject({
      level: "warn",
      component: "gateway",
      session: 3,
      user: 8,
      _level: "x",
      queuedBytes: 5 << 20,
    });
    expect(lines[0]!.level).toBe("warn");
  });

  test("below the level nothing is built: a message function is not even called", () => {
    const { log, lines } = capture({ level: "warn" });
    let built = 0;
    const costly = () => {
      built++;
      return "costly";
    };
    log.debug(costly);
    log.info(costly);
    expect(built).toBe(0);
    expect(lines).toHaveLength(0);
    expect(log.enabled("info")).toBe(false);
    expect(log.enabled("error")).toBe(true);
    log.error(costly);
    expect(built).toBe(1);
    expect(JSON.parse(lines[0]!.line).msg).toBe("costly");
    const off = capture({ level: "off" });
    off.log.error("nothing");
    expect(off.lines).toHaveLength(0);
  });

  test("errors, bigints and nested values serialise; a cycle loses the fields, not the line", () => {
    const { log, lines } = capture();
    log.error("snapshot failed", { error: new Error("redis down"), seq: 12n, parts: [1, 2] });
    const parsed = JSON.parse(lines[0]!.line);
    expect(parsed.error.message).toBe("redis down");
    expect(parsed.seq).toBe("12");
    expect(parsed.parts).toEqual([1, 2]);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    log.info("cycle", { cyclic });
    expect(JSON.parse(lines[1]!.line)).toMatchObject({ msg: "cycle", logError: expect.any(String) });
  });

  test("auto picks human on a terminal and JSON otherwise", () => {
    const tty = capture({ format: "auto", isTty: true });
    tty.log.child("snapshot").info("saved", { seq: 500, store: "redis 127.0.0.1:6390" });
    expect(tty.lines[0]!.line).toMatch(
      /^\d\d:\d\d:\d\d\.678 INFO  snapshot   saved  seq=500 store="redis 127\.0\.0\.1:6390"$/,
    );
    const pipe = capture({ format: "auto", isTty: false });
    pipe.log.info("x");
    expect(() => JSON.parse(pipe.lines[0]!.line)).not.toThrow();
  });

  test("restated fields go to JSON only; a block follows its message on a terminal and is fields only in JSON", () => {
    const tty = capture({ format: "human" });
    tty.log.infoRestated("tcp gateway listening on 127.0.0.1:7001", { port: 7001 });
    tty.log.infoBlock("listening:", ["  a  1", "  b  2"], { a: "1" });
    expect(tty.lines.map((l) => l.line.replace(/^\S+ /, ""))).toEqual([
      "INFO  exchange   tcp gateway listening on 127.0.0.1:7001",
      "INFO  exchange   listening:",
      "  a  1",
      "  b  2",
    ]);
    const json = capture();
    json.log.infoRestated("tcp gateway listening on 127.0.0.1:7001", { port: 7001 });
    json.log.infoBlock("listening:", ["  a  1"], { a: "1" });
    expect(json.lines.map((l) => JSON.parse(l.line))).toMatchObject([
      { msg: "tcp gateway listening on 127.0.0.1:7001", port: 7001 },
      { msg: "listening:", a: "1" },
    ]);
    expect(json.lines).toHaveLength(2);
  });

  test("a failing output or message never throws into the caller", () => {
    const log = Logger.create({
      level: "info",
      format: "json",
      write: () => {
        throw new Error("EPIPE");
      },
    });
    expect(() => log.info("x")).not.toThrow();
    const { log: l2 } = capture();
    expect(() =>
      l2.info(() => {
        throw new Error("bad");
      }),
    ).not.toThrow();
  });
});
