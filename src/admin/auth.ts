// Admin authentication: `Authorization: Bearer <key>`, the key hashed
// (SHA-256) and looked up among the admin keys (never the trading API keys).
// A missing or unknown key is 401; a read key on a state-changing action 403.
// Bad keys are counted per minute; past `failuresFreePerMinute` each further
// bad key is answered one second late (a good key is never delayed or locked
// out), so guessing costs time.

import type { AdminKeyEntry, AdminRole } from "../config/index.ts";

export interface Operator {
  name: string;
  role: AdminRole;
}

/** Bad keys in one minute before answers to bad keys are slowed down. */
export const failuresFreePerMinute = 10;
/** How late an answer to a bad key is, once past the free failures. */
export const failureDelayMs = 1000;
/** Longest key read from the header: longer is not a key. */
const keyCharsMax = 512;

export class AdminAuth {
  private readonly keys = new Map<string, Operator>();
  private windowStartMs = 0;
  private failuresInWindow = 0;
  private readonly nowMs: () => number;

  constructor(keys: readonly AdminKeyEntry[], nowMs: () => number = Date.now) {
    for (const k of keys) this.keys.set(k.sha256, { name: k.operator, role: k.role });
    this.nowMs = nowMs;
  }

  /** The operator of the request's key, or null (missing, malformed or unknown). */
  operatorOf(request: Request): Operator | null {
    const header = request.headers.get("authorization");
    if (header === null || header.length > keyCharsMax + 7) return null;
    const m = /^Bearer ([\x21-\x7e]+)$/.exec(header);
    if (m === null) return null;
    return this.keys.get(new Bun.CryptoHasher("sha256").update(m[1]!).digest("hex")) ?? null;
  }

  /** Counts a bad key; returns how long its answer waits. */
  failed(): number {
    const now = this.nowMs();
    if (now - this.windowStartMs >= 60_000) {
      this.windowStartMs = now;
      this.failuresInWindow = 0;
    }
    this.failuresInWindow++;
    return this.failuresInWindow > failuresFreePerMinute ? failureDelayMs : 0;
  }
}
