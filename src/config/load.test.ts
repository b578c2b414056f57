// Proves the loader: JSON and TOML files by --config, --config= and EXCHANGE_CONFIG, environment over file, full-mode
// defaults, the API keys file, rules between keys, and that every problem comes back named instead of thrown.

import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "./api-keys.ts";
import { type ConfigResult, configPathOf, loadConfig, resolveConfig, resolveConfigOrThrow } from "./load.ts";
import { formatProblem } from "./problems.ts";
import { useTempDir } from "../../test/support/temp-dir.ts";

const dir = useTempDir("exch-config");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problemsOf(result: ConfigResult): string[] {
  if (result.ok) throw new Error("expected problems, the configuration loaded");
  return result.problems.map(formatProblem);
}

function configOf(result: ConfigResult) {
  if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.loaded;
}

const keysToml =
  `[[keys]]\nsha256 = "${sha256Hex("k1")}"\nuser = 1\nlabel = "desk 1"\n\n[[keys]]\nsha256 = ` +
  `"${sha256Hex("k2")}"\nuser = 2\n`;

describe("loadConfig", () => {
  test("no file: defaults, development keys, sources say default", () => {
    const loaded = configOf(loadConfig([], {}));
    expect(loaded.file).toBeNull();
    expect(loaded.config.tcp.port).toBe(7001);
    expect(loaded.config.apiKeys).toHaveLength(72);
    expect(loaded.config.apiKeys[0]).toEqual({ sha256: sha256Hex("dev-key-1"), user: 1, label: "dev-key-1" });
    expect(loaded.sourceOf(["tcp", "port"])).toBe("default");
  });

  test("a TOML file given with --config, overridden by the environment", () => {
    const path = file("a.toml", `dataDir = "/var/lib/exch"\n[tcp]\nport = 7100\n[journal]\npolicy = "fsync"\n`);
    const loaded = configOf(loadConfig(["--config", path], { EXCHANGE_TCP_PORT: "7200" }));
    expect(loaded.config.dataDir).toBe("/var/lib/exch");
    expect(loaded.config.journal.policy).toBe("fsync");
    expect(loaded.config.tcp.port).toBe(7200);
    expect(loaded.sourceOf(["tcp", "port"])).toBe("env EXCHANGE_TCP_PORT");
    expect(loaded.sourceOf(["journal", "policy"])).toBe(`file ${path}`);
    expect(loaded.sourceOf(["journal", "batchBytesMax"])).toBe("default");
  });

  test("a JSON file by --config= and by EXCHANGE_CONFIG; the flag wins over the variable", () => {
    const a = file("a.json", JSON.stringify({ tcp: { port: 7300 } }));
    const b = file("b.json", JSON.stringify({ tcp: { port: 7400 } }));
    expect(configOf(loadConfig([`--config=${a}`], {})).config.tcp.port).toBe(7300);
    expect(configOf(loadConfig([], { EXCHANGE_CONFIG: b })).config.tcp.port).toBe(7400);
    expect(configOf(loadConfig(["--config", a], { EXCHANGE_CONFIG: b })).config.tcp.port).toBe(7300);
    expect(configPathOf(["--config"], {}).problem?.expected).toBe("a file path after --config");
    expect(configPathOf(["--config", "--other"], {}).problem).not.toBeNull();
  });

  test("a missing file, a bad extension and syntax errors are named problems with the position", () => {
    expect(problemsOf(loadConfig(["--config", join(dir, "nope.toml")], {}))[0]).toContain(
      "expected an existing file, found no such file",
    );
    expect(problemsOf(loadConfig(["--config", file("c.yaml", "a: 1")], {}))[0]).toContain(
      "expected a file name ending in .json or .toml",
    );
    const toml = problemsOf(loadConfig(["--config", file("bad.toml", "[tcp]\nport = = 1\n")], {}));
    expect(toml[0]).toMatch(/expected valid TOML, found .* at line 2, column \d+ \(config file /);
    expect(problemsOf(loadConfig(["--config", file("bad.json", "{ tcp: }")], {}))[0]).toContain("expected valid JSON");
    expect(problemsOf(loadConfig(["--config", file("list.json", "[1]")], {}))[0]).toContain(
      "expected a table of keys at the top, found a list",
    );
  });

  test("every problem of file and environment together, with sources", () => {
    const path = file("many.toml", `[tcp]\nprot = 7100\n[limits]\nidleTimeoutMs = "10s"\n[snapshots]\nkeep = 0\n`);
    const problems = problemsOf(
      loadConfig(["--config", path], { EXCHANGE_JOURNAL_POLICY: "sometimes", EXCHANGE_TCP_PROT: "1" }),
    );
    expect(problems).toEqual([
      "EXCHANGE_TCP_PROT: expected a known EXCHANGE_ variable, found an unknown variable (environment); " +
        "did you mean EXCHANGE_TCP_PORT?",
      `journal.policy: expected one of "fsync", "write", "none", found the string "sometimes" (env ` +
        `EXCHANGE_JOURNAL_POLICY)`,
      `snapshots.keep: expected an integer in [1, 1000], found 0 (file ${path})`,
      `tcp.prot: expected a key of tcp, found an unknown key (file ${path}); did you mean tcp.port?`,
      `limits.idleTimeoutMs: expected an integer in [10, 3600000], found the string "10s" (file ${path})`,
    ]);
  });

  test("full mode changes the defaults that differ (snapshots in Redis on 6390); explicit values still win", () => {
    const full = configOf(loadConfig([], { EXCHANGE_MODE: "full" })).config;
    expect(full.snapshots.store).toBe("redis");
    expect(full.snapshots.redis.port).toBe(6390);
    const path = file("full.json", JSON.stringify({ mode: "full", snapshots: { store: "file" } }));
    expect(configOf(loadConfig(["--config", path], {})).config.snapshots.store).toBe("file");
  });

  test("the API keys file is read relative to the config file, TOML or JSON", () => {
    file("keys.toml", keysToml);
    const path = file("with-keys.toml", `apiKeysFile = "keys.toml"\n`);
    const loaded = configOf(loadConfig(["--config", path], {}));
    expect(loaded.config.apiKeys).toEqual([
      { sha256: sha256Hex("k1"), user: 1, label: "desk 1" },
      { sha256: sha256Hex("k2"), user: 2, label: "" },
    ]);
    expect(loaded.config.apiKeysFile).toBe(join(dir, "keys.toml"));
    file("keys.json", JSON.stringify({ keys: [{ sha256: sha256Hex("k3"), user: 3 }] }));
    expect(configOf(loadConfig([], { EXCHANGE_API_KEYS_FILE: join(dir, "keys.json") })).config.apiKeys).toHaveLength(1);
  });

  test("a bad keys file lists each bad key; a missing one is named", () => {
    const keys = file(
      "bad-keys.toml",
      `[[keys]]\nsha256 = "ABC"\nuser = 1\n[[keys]]\nsha256 = "${sha256Hex("x")}"\nuser = 1\n[[keys]]\nsha256 ` +
        `= "${sha256Hex("x")}"\nuser = 2\nsecret = "k"\n`,
    );
    const problems = problemsOf(loadConfig([], { EXCHANGE_API_KEYS_FILE: keys }));
    expect(problems).toEqual([
      `keys[0].sha256: expected a string of 64 characters, lower-case hex, found the string "ABC" (keys file ${keys})`,
      `keys[2].secret: expected a key of keys[2], found an unknown key (keys file ${keys}); known keys: ` +
        `sha256, user, label`,
      `keys[1].user: expected one key per user (one session per user), ` +
        `found user 1 again (first at keys[0]) (keys file ${keys})`,
      `keys[2].sha256: expected a key used once, found the hash of keys[1] again (keys file ${keys})`,
    ]);
    expect(problemsOf(loadConfig([], { EXCHANGE_API_KEYS_FILE: join(dir, "absent.toml") }))[0]).toContain(
      "expected an existing file",
    );
  });

  test("rules between keys name the key to change", () => {
    const input = {
      journal: { enabled: false },
      limits: {
        heartbeatIntervalMs: 5000,
        idleTimeoutMs: 1000,
        outboundPauseBytes: 1 << 21,
        outboundBytesMax: 1 << 20,
        openOrdersPerUserMax: 2000,
      },
      engine: { ordersMax: 1000, symbolsMax: 1 },
      symbols: [
        { name: "A", tickSize: 1, lotSize: 1, minPrice: 10, maxPrice: 5, maxQty: 10 },
        { name: "A", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 5, maxQty: 10 },
      ],
      http: { port: 7001 },
    };
    const problems = problemsOf(resolveConfig(input));
    expect(problems).toEqual([
      "journal.enabled: expected true while snapshots.enabled (a snapshot alone cannot recover what came " +
        "after it), found false (input)",
      "limits.idleTimeoutMs: expected at least limits.heartbeatIntervalMs (5000), found 1000 (input)",
      "limits.outboundPauseBytes: expected at most limits.outboundBytesMax (1048576), found 2097152 (input)",
      "limits.openOrdersPerUserMax: expected at most engine.ordersMax (1000), found 2000 (input)",
      "symbols: expected at most engine.symbolsMax (1) symbols, found 2 (input)",
      "symbols[0]: expected a usable symbol, found A: maxPrice must be an integer in [minPrice, 2147483647] (input)",
      "symbols[1].name: expected a name used once, found A again (first at symbols[0]) (input)",
      "http.port: expected a port no other listener uses, found 7001, also tcp.port (input)",
    ]);
  });

  test("engine capacities that do not fit together are one problem", () => {
    const problems = problemsOf(resolveConfig({ engine: { symbolsMax: 65536, levelsPerSideMax: 1 << 20 } }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toStartWith("engine: expected capacities that fit together, found ladders would take");
  });

  test("programmatic use: given keys instead of a file, and an exception listing every problem", () => {
    const c = resolveConfigOrThrow({ tcp: { port: 0 } }, { apiKeys: [{ sha256: sha256Hex("t"), user: 9 }] });
    expect(c.apiKeys).toEqual([{ sha256: sha256Hex("t"), user: 9 }]);
    expect(() => resolveConfigOrThrow({ tcp: { port: -1, host: "0.0.0.0" } })).toThrow(
      /2 problems[\s\S]*tcp\.host[\s\S]*tcp\.port/,
    );
  });
});
