// Connection slots: logged-in sessions and connections still waiting to log
// in are counted apart, each against its own limit, and the waiting ones also
// per remote address. A flood of idle connections fills only the waiting pool
// (its share of it, from one address) and never a logged-in session's slot.

import type { TcpConfig } from "./config.ts";

export class ConnectionCounts {
  private readonly config: TcpConfig;
  pending = 0;
  sessions = 0;
  private readonly pendingByAddress = new Map<string, number>();

  constructor(config: TcpConfig) {
    this.config = config;
  }

  /** Takes a place among the connections waiting to log in; null when admitted, else why not. */
  admitPending(address: string): string | null {
    if (this.pending >= this.config.pendingLoginsMax) return `${this.pending} connections are waiting to log in`;
    const fromAddress = this.pendingByAddress.get(address) ?? 0;
    if (fromAddress >= this.config.pendingLoginsPerAddressMax)
      return `${fromAddress} connections from ${address} are waiting to log in`;
    this.pending++;
    this.pendingByAddress.set(address, fromAddress + 1);
    return null;
  }

  releasePending(address: string): void {
    const fromAddress = this.pendingByAddress.get(address) ?? 0;
    if (!(fromAddress > 0 && this.pending > 0)) throw new Error(`no pending connection from ${address} to release`);
    this.pending--;
    if (fromAddress === 1) this.pendingByAddress.delete(address);
    else this.pendingByAddress.set(address, fromAddress - 1);
  }

  /** Takes a logged-in session's slot; false when all are taken. */
  takeSession(): boolean {
    if (this.sessions >= this.config.sessionsMax) return false;
    this.sessions++;
    return true;
  }

  releaseSession(): void {
    if (!(this.sessions > 0)) throw new Error("no session slot to release");
    this.sessions--;
  }
}
