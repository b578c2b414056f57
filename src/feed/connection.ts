// One feed connection's state: its subscriptions, its request budget (a token
// bucket), its strikes, and the snapshots it is still being sent.

export interface CatchUp {
  symbol: number;
  slot: number;
  /** The channel frame number the snapshot includes. */
  seq: number;
  parts: Uint8Array[];
  /** Parts already sent. */
  sent: number;
  restarts: number;
}

export class Connection {
  readonly id: number;
  /** symbol * slotsPerSymbol + slot of every subscription, catching-up ones included. */
  readonly subscriptions = new Set<number>();
  /** Snapshots being sent, oldest first: the connection joins each topic when its snapshot is through. */
  readonly catchUps: CatchUp[] = [];
  tokens: number;
  private refilledMs: number;
  rateLimited = 0;
  malformed = 0;
  closing = false;
  /** A pump of the snapshot parts is due on the next event-loop turn. */
  pumpScheduled = false;

  constructor(id: number, burst: number, nowMs: number) {
    this.id = id;
    this.tokens = burst;
    this.refilledMs = nowMs;
  }

  /** Takes one request's token; false when the connection is over its rate. */
  takeToken(nowMs: number, perSecond: number, burst: number): boolean {
    const elapsed = nowMs - this.refilledMs;
    if (elapsed > 0) {
      this.tokens = Math.min(burst, this.tokens + (elapsed * perSecond) / 1000);
      this.refilledMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  catchUpOf(key: number, slotsPerSymbol: number): number {
    for (let i = 0; i < this.catchUps.length; i++) {
      const c = this.catchUps[i]!;
      if (c.symbol * slotsPerSymbol + c.slot === key) return i;
    }
    return -1;
  }
}
