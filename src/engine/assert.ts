// Assertions that stay on in production, as TigerBeetle keeps them: each
// checks one fact (split, so a failure names it) and costs a compare and a
// branch. A failure is a programmer error: the engine's state can no longer be
// trusted, so it throws rather than carry on. The message is a constant string
// so that a passing assert builds nothing.

export function assert(ok: boolean, fact: string): void {
  if (!ok) throw new Error(`engine assertion failed: ${fact}`);
}
