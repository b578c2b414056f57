// The client's time source. Every timer of the client (connect and login
// timeouts, the heartbeat and idle tick, reconnect backoff, the close
// deadline) and every "last sent / last received" stamp go through one
// ClientClock, so a test drives them with a ManualClock (manual-clock.ts) by
// advancing it, instead of sleeping and counting; applications use the
// system clock (the default).

/** A scheduled call; `cancel` is idempotent. */
export interface ClientTimer {
  cancel(): void;
}

export interface ClientClock {
  /** Monotonic milliseconds (any origin). */
  nowMs(): number;
  /** Calls `fn` once, `delayMs` from now. */
  after(delayMs: number, fn: () => void): ClientTimer;
  /** Calls `fn` every `periodMs` until cancelled. */
  every(periodMs: number, fn: () => void): ClientTimer;
}

/** performance.now() and the event loop's timers. */
export const systemClock: ClientClock = {
  nowMs: () => performance.now(),
  after(delayMs, fn) {
    const timer = setTimeout(fn, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
  every(periodMs, fn) {
    const timer = setInterval(fn, periodMs);
    return { cancel: () => clearInterval(timer) };
  },
};
