// Exchange configuration: defaults for a newcomer's embedded run, a JSON file
// (EXCHANGE_CONFIG or --config) for anything else, and a few environment
// overrides. Checked once at start-up; a bad value stops the process with a reason.

import { type EngineConfig, resolveEngineConfig, symbolSpecError } from "../engine/config.ts";
import type { SymbolSpec } from "../engine/command.ts";
import {
  type ApiKeyEntry,
  defaultLoginThrottle,
  defaultSessionLimits,
  defaultTcpConfig,
  gatewayConfigProblems,
  type LoginThrottleConfig,
  type SessionLimits,
  type TcpConfig,
} from "../gateway/config.ts";
import type { SyncPolicy } from "../journal/index.ts";

export type { ApiKeyEntry, SessionLimits };

export type JournalPolicy = SyncPolicy;

export interface SnapshotConfig {
  enabled: boolean;
  /** "file": <dataDir>/snapshots (embedded mode); "redis": a Redis server. */
  store: "file" | "redis";
  /** Take one after this many commands (0 = not by count). */
  everyCommands: number;
  /** Take one after this long if anything changed (0 = not by time). */
  everyMs: number;
  /** Snapshots kept by the store. */
  keep: number;
  redis: { host: string; port: number; keyPrefix: string };
}

export interface ExchangeConfig {
  /** Journal and snapshots live here. */
  dataDir: string;
  journal: { enabled: boolean; policy: JournalPolicy; batchBytesMax: number };
  snapshots: SnapshotConfig;
  tcp: TcpConfig;
  limits: SessionLimits;
  loginThrottle: LoginThrottleConfig;
  symbols: SymbolSpec[];
  apiKeys: ApiKeyEntry[];
  engine: EngineConfig;
}

export function sha256Hex(text: string): string {
  return new Bun.CryptoHasher("sha256").update(text).digest("hex");
}

/** Development keys: dev-key-N for users 1..8 and loadtest-N for users 1001..1064 (README, Configuration). */
function devApiKeys(): ApiKeyEntry[] {
  const keys: ApiKeyEntry[] = [];
  for (let n = 1; n <= 8; n++) keys.push({ sha256: sha256Hex(`dev-key-${n}`), user: n, label: `dev-key-${n}` });
  for (let n = 1; n <= 64; n++)
    keys.push({ sha256: sha256Hex(`loadtest-${n}`), user: 1000 + n, label: `loadtest-${n}` });
  return keys;
}

export function defaultConfig(): ExchangeConfig {
  return {
    dataDir: ".data",
    journal: { enabled: true, policy: "write", batchBytesMax: 1 << 20 },
    snapshots: {
      enabled: true,
      store: "file",
      everyCommands: 1_000_000,
      everyMs: 60_000,
      keep: 3,
      redis: { host: "127.0.0.1", port: 6379, keyPrefix: "exch:0" },
    },
    tcp: defaultTcpConfig(),
    limits: defaultSessionLimits(),
    loginThrottle: defaultLoginThrottle(),
    symbols: [
      // Prices in cents, quantities in 1e-8 of the base asset (satoshi-like units).
      { name: "BTC-USD", tickSize: 1, lotSize: 1000, minPrice: 1, maxPrice: 100_000_000, maxQty: 1_000_000_000 },
      { name: "ETH-USD", tickSize: 1, lotSize: 10_000, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000_000 },
      { name: "SOL-USD", tickSize: 1, lotSize: 100_000, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000_000 },
    ],
    apiKeys: devApiKeys(),
    engine: resolveEngineConfig({}),
  };
}

type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends object ? (T[K] extends unknown[] ? T[K] : DeepPartial<T[K]>) : T[K];
};
export type ExchangeConfigInput = DeepPartial<ExchangeConfig>;

/** Defaults overlaid with `input`, checked. Throws with every problem found. */
export function resolveConfig(input: ExchangeConfigInput = {}): ExchangeConfig {
  const d = defaultConfig();
  const c: ExchangeConfig = {
    dataDir: input.dataDir ?? d.dataDir,
    journal: { ...d.journal, ...input.journal },
    snapshots: { ...d.snapshots, ...input.snapshots, redis: { ...d.snapshots.redis, ...input.snapshots?.redis } },
    tcp: { ...d.tcp, ...input.tcp },
    limits: { ...d.limits, ...input.limits },
    loginThrottle: { ...d.loginThrottle, ...input.loginThrottle },
    symbols: (input.symbols as SymbolSpec[] | undefined) ?? d.symbols,
    apiKeys: (input.apiKeys as ApiKeyEntry[] | undefined) ?? d.apiKeys,
    engine: resolveEngineConfig({ ...d.engine, ...input.engine }),
  };
  const problems = configProblems(c);
  if (problems.length > 0) throw new Error(`bad configuration:\n  ${problems.join("\n  ")}`);
  return c;
}

function configProblems(c: ExchangeConfig): string[] {
  const p: string[] = [];
  const int = (name: string, v: number, lo: number, hi: number) => {
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) p.push(`${name}=${v} must be an integer in [${lo}, ${hi}]`);
  };
  if (!["fsync", "write", "none"].includes(c.journal.policy)) p.push(`journal.policy must be fsync, write or none`);
  int("journal.batchBytesMax", c.journal.batchBytesMax, 1 << 16, 1 << 28);
  const sn = c.snapshots;
  if (sn.store !== "file" && sn.store !== "redis") p.push("snapshots.store must be file or redis");
  int("snapshots.everyCommands", sn.everyCommands, 0, Number.MAX_SAFE_INTEGER);
  int("snapshots.everyMs", sn.everyMs, 0, 86_400_000);
  int("snapshots.keep", sn.keep, 1, 1000);
  int("snapshots.redis.port", sn.redis.port, 1, 65535);
  if (sn.enabled && !c.journal.enabled)
    p.push("snapshots need the journal: a snapshot alone cannot recover what came after it");
  p.push(...gatewayConfigProblems(c, c.engine.ordersMax, int));
  if (c.symbols.length === 0) p.push("symbols: at least one symbol is needed");
  if (c.symbols.length > c.engine.symbolsMax)
    p.push(`symbols: ${c.symbols.length} above engine.symbolsMax ${c.engine.symbolsMax}`);
  const names = new Set<string>();
  for (const s of c.symbols) {
    const e = symbolSpecError(s, c.engine);
    if (e !== null) p.push(`symbol ${s.name}: ${e}`);
    if (names.has(s.name)) p.push(`symbol ${s.name} listed twice`);
    names.add(s.name);
  }
  const users = new Set<number>();
  for (const k of c.apiKeys) {
    if (!/^[0-9a-f]{64}$/.test(k.sha256)) p.push(`apiKeys: ${k.label ?? k.user}: sha256 must be 64 hex digits`);
    int(`apiKeys user`, k.user, 0, Number.MAX_SAFE_INTEGER);
    if (users.has(k.user)) p.push(`apiKeys: user ${k.user} has two keys (one session per user)`);
    users.add(k.user);
  }
  return p;
}

/** The configuration of `bun run engine`: --config FILE or EXCHANGE_CONFIG, then environment overrides. */
export async function loadConfig(argv: string[], env: Record<string, string | undefined>): Promise<ExchangeConfig> {
  const at = argv.indexOf("--config");
  const path = at >= 0 ? argv[at + 1] : env.EXCHANGE_CONFIG;
  let input: ExchangeConfigInput = {};
  if (path !== undefined) {
    const file = Bun.file(path);
    if (!(await file.exists())) throw new Error(`config file not found: ${path}`);
    try {
      input = JSON.parse(await file.text()) as ExchangeConfigInput;
    } catch (e) {
      throw new Error(`config file ${path} is not valid JSON: ${(e as Error).message}`);
    }
  }
  input.tcp = { ...input.tcp };
  input.journal = { ...input.journal };
  input.snapshots = { ...input.snapshots, redis: { ...input.snapshots?.redis } };
  if (env.EXCHANGE_TCP_PORT !== undefined) input.tcp.port = Number(env.EXCHANGE_TCP_PORT);
  if (env.EXCHANGE_DATA_DIR !== undefined) input.dataDir = env.EXCHANGE_DATA_DIR;
  if (env.EXCHANGE_JOURNAL_POLICY !== undefined) input.journal.policy = env.EXCHANGE_JOURNAL_POLICY as JournalPolicy;
  if (env.EXCHANGE_SNAPSHOT_STORE !== undefined)
    input.snapshots.store = env.EXCHANGE_SNAPSHOT_STORE as "file" | "redis";
  if (env.EXCHANGE_SNAPSHOT_EVERY_COMMANDS !== undefined)
    input.snapshots.everyCommands = Number(env.EXCHANGE_SNAPSHOT_EVERY_COMMANDS);
  if (env.EXCHANGE_SNAPSHOT_EVERY_MS !== undefined) input.snapshots.everyMs = Number(env.EXCHANGE_SNAPSHOT_EVERY_MS);
  if (env.EXCHANGE_REDIS_PORT !== undefined) input.snapshots.redis!.port = Number(env.EXCHANGE_REDIS_PORT);
  return resolveConfig(input);
}
