// Proves the operator's check command: a bad configuration exits 2 naming each key; a good one prints the effective
// configuration with its sources and no API key hash; keygen's entry is accepted by the loader.

import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { sha256Hex } from "./api-keys.ts";
import { loadConfig } from "./load.ts";
import { useTempDir } from "../../test/support/temp-dir.ts";

const dir = useTempDir("exch-config-cli");
const main = join(import.meta.dir, "main.ts");

function run(args: string[], env: Record<string, string> = {}) {
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("EXCHANGE_")) clean[k] = v;
  const p = Bun.spawnSync([process.execPath, main, ...args], {
    env: { ...clean, ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

describe("bun src/config/main.ts", () => {
  test("check: a bad configuration exits 2 and names every key", () => {
    const path = join(dir, "bad.toml");
    writeFileSync(path, `[tcp]\nport = 99999\nhots = "x"\n`);
    const r = run(["check", "--config", path], { EXCHANGE_JOURNAL_POLICY: "maybe" });
    expect(r.code).toBe(2);
    expect(r.err).toContain("configuration: 3 problems");
    expect(r.err).toContain(`tcp.port: expected an integer in [0, 65535], found 99999 (file ${path})`);
    expect(r.err).toContain("tcp.hots: expected a key of tcp, found an unknown key");
    expect(r.err).toContain("did you mean tcp.host?");
    expect(r.err).toContain("(env EXCHANGE_JOURNAL_POLICY)");
  });

  test("check: a good configuration prints every key with its source and no key hash", () => {
    const keys = join(dir, "keys.toml");
    writeFileSync(keys, `[[keys]]\nsha256 = "${sha256Hex("secret-key")}"\nuser = 7\nlabel = "desk 7"\n`);
    const path = join(dir, "good.toml");
    writeFileSync(path, `apiKeysFile = "keys.toml"\n[tcp]\nport = 7101\n`);
    const r = run(["check", "--config", path], { EXCHANGE_METRICS_PORT: "9999" });
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/tcp\.port = 7101 +\(file .*good\.toml\)/);
    expect(r.out).toMatch(/metrics\.port = 9999 +\(env EXCHANGE_METRICS_PORT\)/);
    expect(r.out).toMatch(/apiKeys = 1 keys +\(.*keys\.toml\)/);
    expect(r.out).not.toContain(sha256Hex("secret-key"));
    expect(r.out).not.toContain(sha256Hex("dev-key-1"));
  });

  test("keygen: prints a key once and an entry the loader accepts for that key", () => {
    const r = run(["keygen", "--user", "42", "--label", "desk 42"]);
    expect(r.code).toBe(0);
    const key = /key \(give it to the user once; it is not stored\): (\S+)/.exec(r.out)![1]!;
    const entry = r.out.slice(r.out.indexOf("[[keys]]"));
    const keys = join(dir, "gen.toml");
    writeFileSync(keys, entry);
    const result = loadConfig([], { EXCHANGE_API_KEYS_FILE: keys });
    expect(result.ok && result.loaded.config.apiKeys).toEqual([{ sha256: sha256Hex(key), user: 42, label: "desk 42" }]);
    expect(run(["keygen"]).code).toBe(2);
  });
});
