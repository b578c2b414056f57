// Test support: wait for a condition (an event the test can observe) with a
// generous deadline, never a fixed sleep followed by a count.

/** How often a condition is re-checked; short, so a test never waits much past its event. */
const pollMs = 5;

/** Resolves once `pred()` holds; rejects after `timeoutMs` with `what()` in the message. */
export async function waitUntil(pred: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await Bun.sleep(pollMs);
  }
}
