// A token bucket: `perSecond` tokens a second, at most `burst` saved up (by
// default one second's worth). Time is in milliseconds of the caller's clock.

export class TokenBucket {
  private readonly perSecond: number;
  private readonly burst: number;
  private tokens: number;
  private atMs: number;

  constructor(perSecond: number, nowMs: number, burst = perSecond) {
    if (!(perSecond > 0)) throw new Error(`token rate ${perSecond} must be positive`);
    if (!(burst >= 1)) throw new Error(`token burst ${burst} must be at least 1`);
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.atMs = nowMs;
  }

  /** Takes one token; false when none is left. */
  take(nowMs: number): boolean {
    if (nowMs > this.atMs) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.atMs) * this.perSecond) / 1000);
      this.atMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
