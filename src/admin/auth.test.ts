// Proves admin authentication: only a Bearer key whose SHA-256 is an admin key opens the API (with its operator and
// role), malformed headers are refused, and past ten bad keys a minute each further bad key waits a second
// while a good key never does.
import { describe, expect, test } from "bun:test";
import { sha256Hex } from "../config/index.ts";
import { AdminAuth, failureDelayMs, failuresFreePerMinute } from "./auth.ts";

const keys = [
  { sha256: sha256Hex("alpha-key"), operator: "alice", role: "operate" as const },
  { sha256: sha256Hex("beta-key"), operator: "bob", role: "read" as const },
];

const req = (authorization?: string) =>
  new Request("http://x/admin/v1/symbols", { headers: authorization === undefined ? {} : { authorization } });

describe("AdminAuth", () => {
  test("a known key gives its operator and role; anything else gives nobody", () => {
    const auth = new AdminAuth(keys);
    expect(auth.operatorOf(req("Bearer alpha-key"))).toEqual({ name: "alice", role: "operate" });
    expect(auth.operatorOf(req("Bearer beta-key"))).toEqual({ name: "bob", role: "read" });
    for (const h of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      "bearer alpha-key",
      "Basic alpha-key",
      "Bearer alpha key",
      `Bearer ${"a".repeat(600)}`,
      "Bearer gamma-key",
    ]) {
      expect(auth.operatorOf(req(h))).toBeNull();
    }
  });

  test("bad keys are free up to the limit per minute, then each waits a second; a new minute starts afresh", () => {
    let now = 1_000_000;
    const auth = new AdminAuth(keys, () => now);
    for (let i = 0; i < failuresFreePerMinute; i++) expect(auth.failed()).toBe(0);
    expect(auth.failed()).toBe(failureDelayMs);
    now += 59_000;
    expect(auth.failed()).toBe(failureDelayMs);
    now += 1_000;
    expect(auth.failed()).toBe(0);
  });
});
