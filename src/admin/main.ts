// `bun run admin`: operator commands against a running exchange (docs/admin.md).
//
//   bun run admin halt SYMBOL [--reason TEXT]      new orders and modifies refused, cancels taken
//   bun run admin resume SYMBOL
//   bun run admin cancel --user N [--symbol S] [--side buy|sell]
//   bun run admin cancel --symbol S [--side buy|sell]   every user's orders in the symbol
//   bun run admin snapshot                          take a snapshot now
//   bun run admin book SYMBOL [--levels N]          the top of the book
//   bun run admin sessions                          the TCP sessions
//   bun run admin symbols                           symbols and their status
//
// Options: --url URL (default: the configuration's metrics.host and
// metrics.port, read as the engine reads it: --config FILE, EXCHANGE_ variables),
// --key-file FILE (else the file named by ADMIN_KEY_FILE; else the development
// key dev-admin), --json (the exchange's answer as it is). The key is read from
// a file, never from the command line, where `ps` would show it.
// Exit codes: 0 done, 1 refused by the exchange (the reason is printed),
// 2 bad usage, 3 the exchange could not be reached.

import { readFileSync } from "node:fs";
import { devAdminKey, formatProblems, loadConfig } from "../config/index.ts";
import { type AdminAnswer, AdminClient, AdminUnreachable } from "./client.ts";
import { formatAnswer } from "./format.ts";

const usage = `usage: bun run admin <command> [options]
  halt SYMBOL [--reason TEXT] | resume SYMBOL
  cancel --user N [--symbol S] [--side buy|sell] | cancel --symbol S [--side buy|sell]
  snapshot | book SYMBOL [--levels N] | sessions | symbols
options: --url URL  --config FILE  --key-file FILE (or ADMIN_KEY_FILE; default: the development key)  --json`;

export const ExitCode = { Done: 0, Refused: 1, Usage: 2, Unreachable: 3 } as const;

interface Args {
  command: string;
  positional: string[];
  flags: Map<string, string>;
  json: boolean;
}

const valueFlags = new Set(["--url", "--config", "--key-file", "--reason", "--user", "--symbol", "--side", "--levels"]);

function parseArgs(argv: string[]): Args | string {
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) return usage;
  const positional: string[] = [];
  const flags = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--json") json = true;
    else if (valueFlags.has(a)) {
      const v = argv[++i];
      if (v === undefined) return `${a} needs a value\n${usage}`;
      flags.set(a, v);
    } else if (a.startsWith("--")) return `unknown option ${a}\n${usage}`;
    else positional.push(a);
  }
  const [command, ...rest] = positional;
  if (command === undefined) return `no command\n${usage}`;
  return { command, positional: rest, flags, json };
}

function urlOf(args: Args, env: Record<string, string | undefined>): string {
  const given = args.flags.get("--url");
  if (given !== undefined) return given;
  const argv = args.flags.has("--config") ? ["--config", args.flags.get("--config")!] : [];
  const loaded = loadConfig(argv, env);
  if (!loaded.ok) throw new Error(`${formatProblems(loaded.problems)}\n(--url URL skips the configuration)`);
  const m = loaded.loaded.config.metrics;
  if (m.port === 0)
    throw new Error("metrics.port is 0 (a free port): give the exchange's --url, as its start-up summary printed it");
  return `http://${m.host.includes(":") ? `[${m.host}]` : m.host}:${m.port}`;
}

function keyOf(args: Args, env: Record<string, string | undefined>): string {
  const file = args.flags.get("--key-file") ?? env.ADMIN_KEY_FILE;
  if (file === undefined || file === "") return devAdminKey;
  const key = readFileSync(file, "utf8").trim();
  if (key === "") throw new Error(`admin key file ${file} is empty`);
  return key;
}

async function send(c: AdminClient, args: Args): Promise<AdminAnswer | string> {
  const p = args.positional;
  const f = args.flags;
  const needSymbol = () => (p.length === 1 ? null : `${args.command} takes one SYMBOL\n${usage}`);
  switch (args.command) {
    case "halt":
      return needSymbol() ?? (await c.halt(p[0]!, f.get("--reason") ?? ""));
    case "resume":
      return needSymbol() ?? (await c.resume(p[0]!));
    case "cancel": {
      const side = f.get("--side") ?? "both";
      if (side !== "buy" && side !== "sell" && side !== "both") return `--side is buy, sell or both\n${usage}`;
      const userText = f.get("--user");
      const user = userText === undefined ? undefined : Number(userText);
      if (user !== undefined && !(Number.isSafeInteger(user) && user >= 0))
        return `--user takes an integer >= 0\n${usage}`;
      if (user === undefined && !f.has("--symbol")) return `cancel needs --user, --symbol or both\n${usage}`;
      return await c.cancel({ user, symbol: f.get("--symbol"), side });
    }
    case "snapshot":
      return await c.snapshot();
    case "book": {
      const levels = f.has("--levels") ? Number(f.get("--levels")) : undefined;
      return needSymbol() ?? (await c.book(p[0]!, levels));
    }
    case "sessions":
      return await c.sessions();
    case "symbols":
      return await c.symbols();
    default:
      return `unknown command ${args.command}\n${usage}`;
  }
}

export async function main(
  argv: string[],
  env: Record<string, string | undefined>,
  out: (line: string) => void,
  err: (line: string) => void,
): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === "string") {
    (args === usage ? out : err)(args);
    return args === usage ? ExitCode.Done : ExitCode.Usage;
  }
  let client: AdminClient;
  try {
    client = new AdminClient({ url: urlOf(args, env), key: keyOf(args, env) });
  } catch (error) {
    err(`admin: ${(error as Error).message}`);
    return ExitCode.Usage;
  }
  let answer: AdminAnswer | string;
  try {
    answer = await send(client, args);
  } catch (error) {
    if (!(error instanceof AdminUnreachable)) throw error;
    err(`admin: the exchange could not be reached: ${error.message}`);
    return ExitCode.Unreachable;
  }
  if (typeof answer === "string") {
    err(answer);
    return ExitCode.Usage;
  }
  if (args.json) out(JSON.stringify(answer.body));
  if (answer.status >= 300) {
    err(`admin: ${args.command} refused (HTTP ${answer.status}): ${String(answer.body.error ?? "no reason given")}`);
    return ExitCode.Refused;
  }
  if (!args.json) for (const line of formatAnswer(args.command, answer.body)) out(line);
  return ExitCode.Done;
}

if (import.meta.main) {
  process.exitCode = await main(
    process.argv.slice(2),
    process.env,
    (l) => console.log(l),
    (l) => console.error(l),
  );
}
