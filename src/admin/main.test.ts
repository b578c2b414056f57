// Proves `bun run admin` outside the exchange: usage mistakes exit 2 with the usage, an unreachable exchange exits 3,
// the URL comes from the configuration (and a free port 0 is refused), and the key comes from a file, never the command
// line. (Answers of a real exchange: test/operations.test.ts.)
import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ExitCode, main } from "./main.ts";
import { useTempDir } from "../../test/support/temp-dir.ts";

const dir = useTempDir("exch-admin-cli");

async function run(argv: string[], env: Record<string, string> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(
    argv,
    env,
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

describe("bun run admin", () => {
  test("usage mistakes exit 2 and say what is wrong", async () => {
    expect((await run([])).code).toBe(ExitCode.Done);
    for (const [argv, says] of [
      [["frobnicate", "--url", "http://127.0.0.1:1"], "unknown command frobnicate"],
      [["halt", "--url", "http://127.0.0.1:1"], "halt takes one SYMBOL"],
      [["cancel", "--url", "http://127.0.0.1:1"], "cancel needs --user, --symbol or both"],
      [["cancel", "--user", "-1", "--url", "http://127.0.0.1:1"], "--user takes an integer >= 0"],
      [["cancel", "--user", "1", "--side", "up", "--url", "http://127.0.0.1:1"], "--side is buy, sell or both"],
      [["halt", "BTC-USD", "--key"], "unknown option --key"],
      [["halt", "BTC-USD", "--reason"], "--reason needs a value"],
    ] as const) {
      const r = await run([...argv]);
      expect({ argv, code: r.code }).toEqual({ argv, code: ExitCode.Usage });
      expect(r.err).toContain(says);
    }
  });

  test("an exchange that does not answer exits 3", async () => {
    const r = await run(["symbols", "--url", "http://127.0.0.1:1"]);
    expect(r.code).toBe(ExitCode.Unreachable);
    expect(r.err).toContain("could not be reached");
  });

  test("the URL comes from the configuration; a free port cannot be found again", async () => {
    const config = join(dir, "c.toml");
    writeFileSync(config, "[metrics]\nport = 1\n");
    expect((await run(["symbols", "--config", config])).code).toBe(ExitCode.Unreachable);
    const r = await run(["symbols"], { EXCHANGE_METRICS_PORT: "0" });
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain("metrics.port is 0");
    expect((await run(["symbols"], { EXCHANGE_METRICS_PROT: "1" })).err).toContain(
      "did you mean EXCHANGE_METRICS_PORT",
    );
  });

  test("the key is read from --key-file or ADMIN_KEY_FILE; an empty file is refused", async () => {
    const empty = join(dir, "empty.key");
    writeFileSync(empty, "\n");
    const r = await run(["symbols", "--url", "http://127.0.0.1:1", "--key-file", empty]);
    expect(r.code).toBe(ExitCode.Usage);
    expect(r.err).toContain("is empty");
    expect((await run(["symbols", "--url", "http://127.0.0.1:1"], { ADMIN_KEY_FILE: empty })).err).toContain(
      "is empty",
    );
  });
});
