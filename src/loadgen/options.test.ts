// Proves option parsing: defaults, every form of keys and durations, the mix, and a clear error for each kind of bad
// input (loopback rule included).

import { describe, expect, test } from "bun:test";
import { isLoopback, type LoadOptions, MixKind, parseDuration, parseMix, parseOptions } from "./options.ts";

function ok(argv: string[]): LoadOptions {
  const r = parseOptions(argv);
  if (!r.ok) throw new Error(`expected ok, got: ${r.error}`);
  return r.options;
}

function error(argv: string[]): string {
  const r = parseOptions(argv);
  if (r.ok) throw new Error(`expected an error for ${argv.join(" ")}`);
  return r.error;
}

describe("parseOptions", () => {
  test("defaults", () => {
    const o = ok([]);
    expect(o.host).toBe("127.0.0.1");
    expect(o.port).toBe(7001);
    expect(o.keys).toEqual(["loadtest-1"]);
    expect(o.mode).toBe("open");
    expect(o.rate).toBe(10000);
    expect(o.durationMs).toBe(10000);
    expect(o.drainMs).toBe(5000);
    expect(o.mix).toEqual([60, 25, 10, 5, 0]);
    expect(o.cleanup).toBe(true);
    expect(o.json).toBe("");
  });

  test("the brief's examples, both flag forms, and a leading --", () => {
    const o = ok([
      "--",
      "--host",
      "127.0.0.1",
      "--port=7000",
      "--keys",
      "k1,k2",
      "--rate",
      "100000",
      "--duration",
      "10s",
      "--mix",
      "place=60,cancel=25,modify=10,ioc=5",
      "--symbol",
      "ETH-USD",
      "--json",
      "out.json",
      "--seed",
      "42",
    ]);
    expect(o.keys).toEqual(["k1", "k2"]);
    expect(o.rate).toBe(100000);
    expect(o.symbol).toBe("ETH-USD");
    expect(o.json).toBe("out.json");
    expect(o.seed).toBe(42);
    const c = ok([
      "--port",
      "7000",
      "--key-prefix",
      "loadtest-",
      "--sessions",
      "4",
      "--closed",
      "--window",
      "1000",
      "--duration",
      "500ms",
      "--no-cleanup",
    ]);
    expect(c.keys).toEqual(["loadtest-1", "loadtest-2", "loadtest-3", "loadtest-4"]);
    expect(c.mode).toBe("closed");
    expect(c.window).toBe(1000);
    expect(c.durationMs).toBe(500);
    expect(c.cleanup).toBe(false);
  });

  test("bad input gives one clear message", () => {
    expect(error(["--port", "70000"])).toContain("--port: 70000 is outside 1..65535");
    expect(error(["--port", "abc"])).toContain('--port: "abc" is not a positive integer');
    expect(error(["--port"])).toContain("--port needs a value");
    expect(error(["--port", "--rate", "5"])).toContain("--port needs a value");
    expect(error(["--port", "1", "--bogus"])).toContain("unknown option --bogus");
    expect(error(["--port", "1", "stray"])).toContain('unexpected argument "stray"');
    expect(error(["--port", "1", "--port", "2"])).toContain("--port given twice");
    expect(error(["--port", "1", "--duration", "ten"])).toContain("not a duration");
    expect(error(["--port", "1", "--rate", "0"])).toContain("outside 1..");
    expect(error(["--port", "1", "--closed", "--rate", "5"])).toContain("--rate is for the open loop");
    expect(error(["--port", "1", "--window", "5"])).toContain("--window needs --closed");
    expect(error(["--port", "1", "--mix", "place=1,teleport=2"])).toContain('unknown kind "teleport"');
    expect(error(["--port", "1", "--mix", "cancel=5"])).toContain("needs place, ioc or market");
    expect(error(["--port", "1", "--mix", "place"])).toContain("is not kind=weight");
    expect(error(["--port", "1", "--keys", "a,,b"])).toContain("empty key");
    expect(error(["--port", "1", "--keys", "a,b", "--sessions", "3"])).toContain("--sessions 3 but 2 --keys");
    expect(error(["--port", "1", "--keys", "a", "--key-prefix", "x"])).toContain("exclude each other");
    expect(error(["--port", "1", "--closed", "--closed"])).toContain("given twice");
    expect(error(["--port", "1", "--closed=yes"])).toContain("takes no value");
    expect(error(["--port", "1", "--sessions", "3", "--rate", "2"])).toContain(
      "below one command per second per session",
    );
  });

  test("non-loopback hosts are refused unless allowed", () => {
    expect(error(["--port", "1", "--host", "10.0.0.5"])).toContain("not loopback");
    expect(error(["--port", "1", "--host", "exchange.example.com"])).toContain("not loopback");
    expect(ok(["--port", "1", "--host", "10.0.0.5", "--allow-non-loopback"]).host).toBe("10.0.0.5");
    expect(ok(["--port", "1", "--host", "::1"]).host).toBe("::1");
    expect(isLoopback("127.1.2.3")).toBe(true);
    expect(isLoopback("localhost")).toBe(true);
    expect(isLoopback("127.0.0.256")).toBe(false);
    expect(isLoopback("128.0.0.1")).toBe(false);
  });

  test("--help", () => {
    const r = parseOptions(["--help"]);
    expect(r.ok).toBe(false);
    expect("help" in r).toBe(true);
  });
});

test("durations and mixes", () => {
  expect(parseDuration("250ms")).toBe(250);
  expect(parseDuration("1.5s")).toBe(1500);
  expect(parseDuration("2m")).toBe(120000);
  expect(parseDuration("3")).toBe(3000);
  expect(parseDuration("-1s")).toBeNaN();
  expect(parseDuration("1h")).toBeNaN();
  const mix = parseMix("ioc=1, market=2");
  expect(Array.isArray(mix) && mix[MixKind.market]).toBe(2);
  expect(Array.isArray(mix) && mix[MixKind.place]).toBe(0);
});
