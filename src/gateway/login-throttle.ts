// Failed logins per remote address. The first `failuresFree` cost nothing;
// each later one blocks the address for blockMsMin, doubled per further
// failure up to blockMsMax. While blocked, every login from the address is
// refused before its key is even checked (a right key would otherwise tell a
// guesser it was right). An address with no failure for forgetAfterMs starts
// afresh. Each block is logged once, with the counts so far.

import type { LoginThrottleConfig } from "./config.ts";
import type { LogLine } from "./output.ts";

interface AddressRecord {
  failures: number;
  /** Logins refused while blocked. */
  refused: number;
  lastFailureMs: number;
  blockedUntilMs: number;
}

export class LoginThrottle {
  private readonly config: LoginThrottleConfig;
  private readonly log: LogLine;
  /** Least recently failed first (a record is moved to the end on each failure). */
  private readonly records = new Map<string, AddressRecord>();

  constructor(config: LoginThrottleConfig, log: LogLine) {
    this.config = config;
    this.log = log;
  }

  /** How much longer logins from `address` are refused (0: not blocked); counts the refusal. */
  refuseForMs(address: string, nowMs: number): number {
    const r = this.current(address, nowMs);
    if (r === undefined || nowMs >= r.blockedUntilMs) return 0;
    r.refused++;
    return r.blockedUntilMs - nowMs;
  }

  /** A login from `address` failed (bad key). */
  failed(address: string, nowMs: number): void {
    let r = this.current(address, nowMs);
    if (r === undefined) r = { failures: 0, refused: 0, lastFailureMs: 0, blockedUntilMs: 0 };
    else this.records.delete(address);
    this.records.set(address, r);
    r.failures++;
    r.lastFailureMs = nowMs;
    this.trim();
    const over = r.failures - this.config.failuresFree;
    if (over <= 0) return;
    const c = this.config;
    const blockMs = Math.min(c.blockMsMax, c.blockMsMin * 2 ** Math.min(over - 1, 40));
    r.blockedUntilMs = nowMs + blockMs;
    this.log(
      `gateway: ${address}: ${r.failures} failed logins, refused ${r.refused} while blocked; ` +
        `refusing logins from it for ${blockMs} ms`,
      { remote: address, failures: r.failures, refused: r.refused, blockMs },
    );
  }

  /** The address's record, unless it was quiet long enough to be forgotten. */
  private current(address: string, nowMs: number): AddressRecord | undefined {
    const r = this.records.get(address);
    if (r === undefined) return undefined;
    if (nowMs - r.lastFailureMs >= this.config.forgetAfterMs && nowMs >= r.blockedUntilMs) {
      this.records.delete(address);
      return undefined;
    }
    return r;
  }

  private trim(): void {
    while (this.records.size > this.config.addressesMax) {
      const oldest = this.records.keys().next().value as string;
      this.records.delete(oldest);
    }
  }
}
