// Proves the environment naming rule, value conversion by key kind, the older alias names, and that unknown or
// conflicting EXCHANGE_ variables are errors.

import { describe, expect, test } from "bun:test";
import { applyEnv, envBindings, envNameOf } from "./env.ts";
import { exchangeSchema } from "./exchange-schema.ts";
import type { ConfigProblem } from "./problems.ts";

function apply(env: Record<string, string>) {
  const raw: Record<string, unknown> = {};
  const problems: ConfigProblem[] = [];
  const { sources } = applyEnv(raw, env, exchangeSchema.fields, problems);
  return { raw, problems, sources };
}

describe("environment overrides", () => {
  test("the rule: EXCHANGE_ + the key path in upper snake case", () => {
    expect(envNameOf(["tcp", "port"])).toBe("EXCHANGE_TCP_PORT");
    expect(envNameOf(["snapshots", "redis", "keyPrefix"])).toBe("EXCHANGE_SNAPSHOTS_REDIS_KEY_PREFIX");
    expect(envNameOf(["dataDir"])).toBe("EXCHANGE_DATA_DIR");
  });

  test("every variable names one key; symbols (a list of tables) has none", () => {
    const names = envBindings(exchangeSchema.fields).map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.some((n) => n.startsWith("EXCHANGE_SYMBOLS"))).toBe(false);
    expect(names).toContain("EXCHANGE_KAFKA_BROKERS");
  });

  test("values are converted by kind; what cannot convert stays a string for the validator to name", () => {
    const { raw, problems, sources } = apply({
      EXCHANGE_TCP_PORT: "7100",
      EXCHANGE_JOURNAL_ENABLED: "0",
      EXCHANGE_METRICS_ENABLED: "true",
      EXCHANGE_KAFKA_BROKERS: "a:9092, b:9093",
      EXCHANGE_LIMITS_IDLE_TIMEOUT_MS: "10s",
      EXCHANGE_MODE: "full",
      PATH: "/usr/bin",
    });
    expect(problems).toEqual([]);
    expect(raw).toEqual({
      tcp: { port: 7100 },
      journal: { enabled: false },
      metrics: { enabled: true },
      kafka: { brokers: ["a:9092", "b:9093"] },
      limits: { idleTimeoutMs: "10s" },
      mode: "full",
    });
    expect(sources.get("tcp.port")).toBe("EXCHANGE_TCP_PORT");
  });

  test("older names still work as aliases", () => {
    const { raw, problems } = apply({
      EXCHANGE_SNAPSHOT_STORE: "redis",
      EXCHANGE_REDIS_PORT: "6390",
      EXCHANGE_SNAPSHOT_EVERY_MS: "5",
    });
    expect(problems).toEqual([]);
    expect(raw).toEqual({ snapshots: { store: "redis", everyMs: 5, redis: { port: 6390 } } });
    // The feed's own switch before the schema: EXCHANGE_FEED=off.
    expect(apply({ EXCHANGE_FEED: "off", EXCHANGE_FEED_PORT: "0" }).raw).toEqual({ feed: { enabled: false, port: 0 } });
    expect(apply({ EXCHANGE_FEED_ENABLED: "on" }).raw).toEqual({ feed: { enabled: true } });
  });

  test("an alias and the canonical name with different values is an error; equal values are fine", () => {
    expect(apply({ EXCHANGE_REDIS_PORT: "6390", EXCHANGE_SNAPSHOTS_REDIS_PORT: "6390" }).problems).toEqual([]);
    const { problems } = apply({ EXCHANGE_REDIS_PORT: "6390", EXCHANGE_SNAPSHOTS_REDIS_PORT: "6391" });
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe("snapshots.redis.port");
    expect(problems[0]!.found).toBe('"6390" and "6391"');
  });

  test("an unknown EXCHANGE_ variable is an error with a suggestion; EXCHANGE_CONFIG is not a key", () => {
    const { problems } = apply({
      EXCHANGE_TCP_PROT: "1",
      EXCHANGE_CONFIG: "x.toml",
      EXCHANGE_NOTHING_LIKE_IT_AT_ALL: "1",
    });
    expect(problems.map((p) => `${p.path} ${p.hint}`)).toEqual([
      "EXCHANGE_NOTHING_LIKE_IT_AT_ALL docs/configuration.md lists them",
      "EXCHANGE_TCP_PROT did you mean EXCHANGE_TCP_PORT?",
    ]);
  });
});
