// Test support: the one way a test waits for a condition (an event it can
// observe) with a generous deadline, never a fixed sleep followed by a count.
// A timeout names what never happened.

/** How often a condition is re-checked; short, so a test never waits much past its event. */
const pollMs = 2;

export interface WaitOptions {
  /** Generous: these tests run on machines with a load average of 8 and more. */
  timeoutMs: number;
  /** What is awaited, for the timeout's message (a function when it should show the state at the timeout). */
  what: string | (() => string);
}

function timedOut(options: WaitOptions): Error {
  const what = typeof options.what === "string" ? options.what : options.what();
  return new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
}

/** Resolves once `check()` holds; rejects after `timeoutMs` naming `what`. */
export async function waitFor(check: () => boolean, options: WaitOptions): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) throw timedOut(options);
    await Bun.sleep(pollMs);
  }
}

/** The first value `probe()` returns other than null (probes may be async); rejects after `timeoutMs` naming `what`. */
export async function waitForValue<T>(probe: () => Promise<T | null> | T | null, options: WaitOptions): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (performance.now() > deadline) throw timedOut(options);
    await Bun.sleep(pollMs);
  }
}
