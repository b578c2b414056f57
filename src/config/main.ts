// Configuration tools for operators:
//
//   bun src/config/main.ts check [--config FILE]      the checks `bun run engine` makes, and the
//                                                     effective configuration; exit 2 on a problem
//   bun src/config/main.ts keygen --user N [--label TEXT]
//                                                     a new random API key, and its keys-file entry
//   bun src/config/main.ts keygen --operator NAME [--role operate|read]
//                                                     a new random admin key, and its admin keys-file entry
//
// The environment's EXCHANGE_ variables apply as they do for the engine.

import { randomBytes } from "node:crypto";
import { adminRoles } from "./admin-keys.ts";
import { sha256Hex } from "./api-keys.ts";
import { formatEffectiveConfig } from "./effective.ts";
import { loadConfig } from "./load.ts";
import { formatProblems } from "./problems.ts";

/** Exit code of a configuration that does not pass its checks (1 stays "the exchange failed"). */
export const configExitCode = 2;
/** 32 random bytes: as strong as the SHA-256 that stores them. */
const keyBytes = 32;

function check(argv: string[]): number {
  const result = loadConfig(argv, process.env);
  if (!result.ok) {
    console.error(formatProblems(result.problems));
    return configExitCode;
  }
  console.log(formatEffectiveConfig(result.loaded));
  return 0;
}

function flag(argv: string[], name: string): string | null {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? "") : null;
}

function adminKeygen(argv: string[], operator: string): number {
  const role = flag(argv, "--role") ?? "operate";
  if (!/^[\x21-\x7e]{1,64}$/.test(operator) || !(adminRoles as readonly string[]).includes(role)) {
    console.error("keygen: --operator NAME (1..64 printable characters, no spaces) and --role operate|read");
    return configExitCode;
  }
  const key = randomBytes(keyBytes).toString("base64url");
  console.log(`admin key (give it to the operator once; it is not stored): ${key}`);
  console.log(`\n[[keys]]\nsha256 = "${sha256Hex(key)}"\noperator = ${JSON.stringify(operator)}\nrole = "${role}"`);
  return 0;
}

function keygen(argv: string[]): number {
  const operator = flag(argv, "--operator");
  if (operator !== null) return adminKeygen(argv, operator);
  const userAt = argv.indexOf("--user");
  const user = userAt >= 0 ? Number(argv[userAt + 1]) : Number.NaN;
  const labelAt = argv.indexOf("--label");
  const label = labelAt >= 0 ? (argv[labelAt + 1] ?? "") : "";
  if (!Number.isSafeInteger(user) || user < 0) {
    console.error("keygen: --user N (an integer >= 0) is required");
    return configExitCode;
  }
  const key = randomBytes(keyBytes).toString("base64url");
  console.log(`key (give it to the user once; it is not stored): ${key}`);
  console.log(`\n[[keys]]\nsha256 = "${sha256Hex(key)}"\nuser = ${user}\nlabel = ${JSON.stringify(label)}`);
  return 0;
}

if (import.meta.main) {
  const [command, ...rest] = process.argv.slice(2);
  if (command === "check") process.exitCode = check(rest);
  else if (command === "keygen") process.exitCode = keygen(rest);
  else {
    console.error(
      "usage: bun src/config/main.ts check [--config FILE] | keygen --user N [--label TEXT] | keygen " +
        "--operator NAME [--role operate|read]",
    );
    process.exitCode = configExitCode;
  }
}
