// Readiness: named checks, each answering ready or not with a reason
// ("recovered", "redis: connection refused"). `/ready` runs them all, each
// bounded by a timeout so one hung dependency cannot hang the probe.

export interface CheckResult {
  ready: boolean;
  /** Why, in a few words: what an operator reads first. */
  reason: string;
}

export interface ReadinessCheck {
  name: string;
  check(): CheckResult | Promise<CheckResult>;
}

export interface ReadinessReport {
  ready: boolean;
  checks: { name: string; ready: boolean; reason: string }[];
}

/** A check that has not answered in this long is not ready. */
export const checkTimeoutMsDefault = 1000;

export async function runChecks(
  checks: readonly ReadinessCheck[],
  timeoutMs = checkTimeoutMsDefault,
): Promise<ReadinessReport> {
  const results = await Promise.all(checks.map((c) => runOne(c, timeoutMs)));
  return { ready: results.every((r) => r.ready), checks: results };
}

async function runOne(c: ReadinessCheck, timeoutMs: number): Promise<{ name: string; ready: boolean; reason: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<CheckResult>((resolve) => {
    timer = setTimeout(() => resolve({ ready: false, reason: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
  try {
    const result = await Promise.race([Promise.resolve().then(() => c.check()), timeout]);
    return { name: c.name, ready: result.ready === true, reason: String(result.reason) };
  } catch (error) {
    return { name: c.name, ready: false, reason: `check failed: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
