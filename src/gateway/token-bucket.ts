// A token bucket: `perSecond` tokens a second, at most `perSecond` saved up
// (a burst of one second's worth). Time is in milliseconds of the caller's clock.

export class TokenBucket {
  private readonly perSecond: number;
  private tokens: number;
  private atMs: number;

  constructor(perSecond: number, nowMs: number) {
    if (!(perSecond > 0)) throw new Error(`token rate ${perSecond} must be positive`);
    this.perSecond = perSecond;
    this.tokens = perSecond;
    this.atMs = nowMs;
  }

  /** Takes one token; false when none is left. */
  take(nowMs: number): boolean {
    if (nowMs > this.atMs) {
      this.tokens = Math.min(this.perSecond, this.tokens + ((nowMs - this.atMs) * this.perSecond) / 1000);
      this.atMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
