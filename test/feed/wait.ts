// Waiting for a condition with a generous deadline instead of sleeping and
// counting: the condition is polled on every event-loop turn (at most every
// few ms), and a timeout names what never happened.

export async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
