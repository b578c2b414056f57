// Test support: the operations listener's /ready as a test reads it, and a wait for a readiness state.

/** Readiness as /ready answers it. */
export interface Ready {
  status: number;
  checks: Record<string, { ready: boolean; reason: string }>;
}

export async function ready(url: string): Promise<Ready> {
  const res = await fetch(`${url}/ready`, { signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { checks: { name: string; ready: boolean; reason: string }[] };
  return {
    status: res.status,
    checks: Object.fromEntries(body.checks.map((c) => [c.name, { ready: c.ready, reason: c.reason }])),
  };
}

/**
 * Polls /ready until `pred` holds (a reconnect or a probe timeout is an event we wait for, with a generous deadline).
 */
export async function readyUntil(
  url: string,
  pred: (r: Ready) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<Ready> {
  const deadline = Date.now() + timeoutMs;
  let last: Ready | string = "no answer yet";
  for (;;) {
    try {
      const r = await ready(url);
      if (pred(r)) return r;
      last = r;
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() > deadline)
      throw new Error(`/ready never showed ${what} within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    await Bun.sleep(50);
  }
}
