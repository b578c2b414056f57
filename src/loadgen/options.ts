// Command-line options of the load generator. `parseOptions` returns either
// the options or one clear message naming the offending flag: bad input at
// the edge is a value, not an exception.

export const mixKinds = ["place", "cancel", "modify", "ioc", "market"] as const;
export type MixKind = (typeof mixKinds)[number];
export const MixKind = { place: 0, cancel: 1, modify: 2, ioc: 3, market: 4 } as const satisfies Record<MixKind, number>;

export interface LoadOptions {
  host: string;
  port: number;
  allowNonLoopback: boolean;
  keys: string[];
  /** "open": at `rate` on a fixed schedule; "closed": `window` commands in flight per session. */
  mode: "open" | "closed";
  /** Commands per second over all sessions (open loop). */
  rate: number;
  /** In-flight commands per session (closed loop). */
  window: number;
  durationMs: number;
  /** After the run: how long to wait for outstanding acknowledgements (and again for cleanup cancels). */
  drainMs: number;
  /** Weights by MixKind index. */
  mix: number[];
  /** Symbol name; "" = the first symbol of LoginAccepted. */
  symbol: string;
  /** Starting mid price in ticks of the symbol's unit; 0 = middle of the band. */
  mid: number;
  /** Resting orders spread over this many ticks either side of the mid. */
  levels: number;
  /** Order quantity: 1..maxLots lots. */
  maxLots: number;
  /** Live orders a session keeps at most (bounded further by the session's open-order limit). */
  ordersMax: number;
  seed: number;
  json: string;
  /** Cancel this run's resting orders at the end. */
  cleanup: boolean;
  progress: boolean;
}

export const usage = `bun run loadgen -- [options]

  --host H               exchange host (default 127.0.0.1; loopback only unless --allow-non-loopback)
  --port P               exchange TCP gateway port (default 7001, the embedded exchange's)
  --keys k1,k2,...       API keys, one session each
  --key-prefix S         keys S1..SN with --sessions N (default prefix "loadtest-")
  --sessions N           sessions (default: number of --keys, else 1)
  --rate R               open loop: R commands/s over all sessions on a fixed schedule (default 10000)
  --closed               closed loop instead: keep --window commands in flight per session
  --window W             in-flight commands per session with --closed (default 100)
  --duration D           run time: 500ms, 10s, 2m (default 10s)
  --drain D              wait for outstanding acks after the run (default 5s)
  --mix k=w,...          command weights; kinds: ${mixKinds.join(", ")} (default place=60,cancel=25,modify=10,ioc=5)
  --symbol NAME          symbol (default: the first one the exchange lists)
  --mid PRICE            starting mid in ticks (default: middle of the band)
  --levels N             resting orders within N ticks of the mid (default 20)
  --max-lots N           order size 1..N lots (default 10)
  --orders-max N         live orders per session at most (default 10000)
  --seed N               random seed (default: from the clock; printed)
  --json FILE            write every figure as JSON
  --no-cleanup           leave this run's resting orders in the book
  --no-progress          no line per second
  --allow-non-loopback   permit a host outside 127.0.0.0/8 and ::1 (load tests target loopback only)`;

export type ParseResult =
  { ok: true; options: LoadOptions } | { ok: false; error: string } | { ok: false; help: true; error: "" };

const defaultMix = "place=60,cancel=25,modify=10,ioc=5";

/** Milliseconds from "500ms", "10s", "2m", "1.5s" or a plain number of seconds; NaN when malformed. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) return NaN;
  const n = Number(m[1]);
  const unit = m[2] ?? "s";
  return Math.round(unit === "ms" ? n : unit === "s" ? n * 1000 : n * 60000);
}

/** Weights by MixKind from "place=60,cancel=25"; a string is an error message. */
export function parseMix(text: string): number[] | string {
  const weights = new Array<number>(mixKinds.length).fill(0);
  for (const part of text.split(",")) {
    const m = /^\s*([a-z]+)\s*=\s*(\d+(?:\.\d+)?)\s*$/.exec(part);
    if (m === null) return `--mix: "${part}" is not kind=weight`;
    const kind = m[1] as MixKind;
    if (!(kind in MixKind)) return `--mix: unknown kind "${m[1]}" (kinds: ${mixKinds.join(", ")})`;
    weights[MixKind[kind]] = Number(m[2]);
  }
  const total = weights.reduce((a, b) => a + b, 0);
  if (!(total > 0)) return "--mix: weights add up to 0";
  if (weights[MixKind.place]! + weights[MixKind.ioc]! + weights[MixKind.market]! === 0)
    return "--mix: needs place, ioc or market (cancel and modify need orders)";
  return weights;
}

/** True for 127.0.0.0/8, ::1 and "localhost" (no name lookup: any other name is not loopback). */
export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1" || host === "[::1]") return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return m !== null && m.slice(1).every((x) => Number(x) <= 255);
}

const flags = new Set(["closed", "no-cleanup", "no-progress", "allow-non-loopback", "help"]);
const valued = new Set([
  "host",
  "port",
  "keys",
  "key-prefix",
  "sessions",
  "rate",
  "window",
  "duration",
  "drain",
  "mix",
  "symbol",
  "mid",
  "levels",
  "max-lots",
  "orders-max",
  "seed",
  "json",
]);

/** Splits argv into flag → value ("" for boolean flags); a string is an error message. */
function tokenize(argv: readonly string[]): Map<string, string> | string {
  const seen = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") continue;
    if (!arg.startsWith("--")) return `unexpected argument "${arg}"`;
    const eq = arg.indexOf("=");
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    if (seen.has(name)) return `--${name} given twice`;
    if (flags.has(name)) {
      if (eq >= 0) return `--${name} takes no value`;
      seen.set(name, "");
    } else if (valued.has(name)) {
      const value = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined || value === "" || (eq < 0 && value.startsWith("--"))) return `--${name} needs a value`;
      seen.set(name, value);
    } else {
      return `unknown option --${name} (see --help)`;
    }
  }
  return seen;
}

function positiveInt(
  args: Map<string, string>,
  name: string,
  fallback: number,
  max = Number.MAX_SAFE_INTEGER,
): number | string {
  const text = args.get(name);
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text)) return `--${name}: "${text}" is not a positive integer`;
  const n = Number(text);
  if (!(n >= 1 && n <= max)) return `--${name}: ${n} is outside 1..${max}`;
  return n;
}

function durationOf(args: Map<string, string>, name: string, fallback: number): number | string {
  const text = args.get(name);
  if (text === undefined) return fallback;
  const ms = parseDuration(text);
  if (!(ms > 0)) return `--${name}: "${text}" is not a duration like 500ms, 10s or 2m`;
  return ms;
}

/** The integer flags: name, default, largest value. */
const integerFlags: [string, number, number?][] = [
  ["port", 7001, 65535],
  ["rate", 10000, 10_000_000],
  ["window", 100, 1_000_000],
  ["levels", 20, 1_000_000],
  ["max-lots", 10, 1_000_000],
  ["orders-max", 10000, 1_000_000],
  ["mid", 0, 0x7fffffff],
  ["seed", 0, 0xffffffff],
];

/** Every integer flag's value (or its default), or the first problem. */
function integersOf(args: Map<string, string>): Record<string, number> | string {
  const ints: Record<string, number> = {};
  for (const [name, fallback, max] of integerFlags) {
    const n = positiveInt(args, name, fallback, max);
    if (typeof n === "string") return n;
    ints[name] = n;
  }
  return ints;
}

export function parseOptions(argv: readonly string[]): ParseResult {
  const args = tokenize(argv);
  if (typeof args === "string") return { ok: false, error: args };
  if (args.has("help")) return { ok: false, help: true, error: "" };
  const ints = integersOf(args);
  if (typeof ints === "string") return { ok: false, error: ints };
  const host = args.get("host") ?? "127.0.0.1";
  const allowNonLoopback = args.has("allow-non-loopback");
  if (!isLoopback(host) && !allowNonLoopback) {
    return {
      ok: false,
      error: `--host ${host} is not loopback: load tests target 127.0.0.1 / ::1 only (--allow-non-loopback overrides)`,
    };
  }
  const closed = args.has("closed");
  if (closed && args.has("rate")) return { ok: false, error: "--rate is for the open loop; --closed uses --window" };
  if (!closed && args.has("window")) return { ok: false, error: "--window needs --closed" };
  const keys = keysOf(args);
  if (typeof keys === "string") return { ok: false, error: keys };
  const durationMs = durationOf(args, "duration", 10000);
  if (typeof durationMs === "string") return { ok: false, error: durationMs };
  const drainMs = durationOf(args, "drain", 5000);
  if (typeof drainMs === "string") return { ok: false, error: drainMs };
  const mix = parseMix(args.get("mix") ?? defaultMix);
  if (typeof mix === "string") return { ok: false, error: mix };
  if (!closed && ints.rate! < keys.length)
    return {
      ok: false,
      error: `--rate ${ints.rate} is below one command per second per session (${keys.length} sessions)`,
    };
  if (closed && ints.window! > ints["orders-max"]!)
    return { ok: false, error: `--window ${ints.window} above --orders-max ${ints["orders-max"]}` };
  return {
    ok: true,
    options: {
      host,
      port: ints.port!,
      allowNonLoopback,
      keys,
      mode: closed ? "closed" : "open",
      rate: ints.rate!,
      window: ints.window!,
      durationMs,
      drainMs,
      mix,
      symbol: args.get("symbol") ?? "",
      mid: args.has("mid") ? ints.mid! : 0,
      levels: ints.levels!,
      maxLots: ints["max-lots"]!,
      ordersMax: ints["orders-max"]!,
      seed: args.has("seed") ? ints.seed! : Date.now() % 0xffffffff,
      json: args.get("json") ?? "",
      cleanup: !args.has("no-cleanup"),
      progress: !args.has("no-progress"),
    },
  };
}

function keysOf(args: Map<string, string>): string[] | string {
  const sessions = positiveInt(args, "sessions", 0, 10000);
  if (typeof sessions === "string") return sessions;
  const list = args.get("keys");
  if (list !== undefined) {
    if (args.has("key-prefix")) return "--keys and --key-prefix exclude each other";
    const keys = list.split(",").map((k) => k.trim());
    if (keys.some((k) => k === "")) return `--keys: empty key in "${list}"`;
    if (sessions !== 0 && sessions !== keys.length) return `--sessions ${sessions} but ${keys.length} --keys`;
    return keys;
  }
  const prefix = args.get("key-prefix") ?? "loadtest-";
  return Array.from({ length: sessions === 0 ? 1 : sessions }, (_, i) => `${prefix}${i + 1}`);
}
