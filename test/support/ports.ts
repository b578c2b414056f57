// Test support: the one way a test or benchmark picks a loopback port for a
// server it starts (never a fixed one). Every helper is racy by nature:
// another process may take a port between our probe and the server's bind,
// so whoever starts a server retries on another port when the bind fails.

/** Probes for a pair before giving up: adjacent free ports are common, this is only a bound. */
const pairAttemptsMax = 50;

/**
 * `count` ports that were free a moment ago, all different: each bound on
 * port 0 of 127.0.0.1 and read, all released only after the last is read (so
 * the kernel cannot hand out the same port twice).
 */
export function freePorts(count: number): number[] {
  const listeners: { port: number; stop(closeActiveConnections?: boolean): void }[] = [];
  try {
    for (let i = 0; i < count; i++) {
      listeners.push(Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } }));
    }
    return listeners.map((l) => l.port);
  } finally {
    for (const l of listeners) l.stop(true);
  }
}

/** A port that was free a moment ago. */
export function freePort(): number {
  return freePorts(1)[0]!;
}

/** Whether `port` on 127.0.0.1 can be bound right now. */
export function portFree(port: number): boolean {
  try {
    Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
    return true;
  } catch {
    return false;
  }
}

/** A free port whose next port is free too: for a server that takes both (a broker, its controller on port + 1). */
export function freePortPair(): number {
  for (let attempt = 0; attempt < pairAttemptsMax; attempt++) {
    const port = freePort();
    if (port < 65535 && portFree(port + 1)) return port;
  }
  throw new Error(`no two adjacent free ports in ${pairAttemptsMax} probes`);
}
