// What the TCP gateway is configured with, its defaults and its checks. The
// server's configuration (src/server/config.ts) holds these parts among
// others and runs the checks at start-up.

export interface ApiKeyEntry {
  /** Hex SHA-256 of the API key: keys are never stored in clear. */
  sha256: string;
  user: number;
  label?: string;
}

export interface SessionLimits {
  /** Commands of one session awaiting durability before further ones are rejected. */
  inFlightMax: number;
  /** Messages one session may send per second (token bucket, this many tokens per second and burst). */
  messagesPerSecondMax: number;
  /** Live orders (resting and stops) one user may have. */
  openOrdersPerUserMax: number;
  /** Heartbeat interval told to clients; the exchange also sends one when idle this long. */
  heartbeatIntervalMs: number;
  /** A session that sends nothing for this long is logged out. */
  idleTimeoutMs: number;
  /** Unsent bytes queued for one client before reading from it pauses. */
  outboundPauseBytes: number;
  /**
   * Bytes a client could read and has not, before it is logged out as a slow
   * consumer; everything queued for it (reports held for durability
   * included) may reach twice this.
   */
  outboundBytesMax: number;
  /** Time to log in after connecting. */
  loginTimeoutMs: number;
  /** Orders listed in OpenOrders answers per second for one session: a greedy client's share of the exchange's time. */
  queryOrdersPerSecondMax: number;
}

export interface TcpConfig {
  host: string;
  port: number;
  /** Logged-in sessions. */
  sessionsMax: number;
  /** Connections that have not logged in yet, in all: a separate pool that never takes a session's slot. */
  pendingLoginsMax: number;
  /** Connections that have not logged in yet, from one remote address. */
  pendingLoginsPerAddressMax: number;
}

/** Failed logins per remote address: a few are free, then the address is refused for a block that doubles. */
export interface LoginThrottleConfig {
  /** Failures before the first block. */
  failuresFree: number;
  /** The first block; each further failure doubles it, up to `blockMsMax`. */
  blockMsMin: number;
  blockMsMax: number;
  /** An address with no failure for this long starts afresh. */
  forgetAfterMs: number;
  /** Addresses remembered at once (the oldest is forgotten first). */
  addressesMax: number;
}

export interface GatewayConfig {
  tcp: TcpConfig;
  limits: SessionLimits;
  loginThrottle: LoginThrottleConfig;
  apiKeys: ApiKeyEntry[];
}

export function defaultTcpConfig(): TcpConfig {
  return { host: "127.0.0.1", port: 7001, sessionsMax: 1024, pendingLoginsMax: 64, pendingLoginsPerAddressMax: 16 };
}

export function defaultSessionLimits(): SessionLimits {
  return {
    inFlightMax: 65536,
    messagesPerSecondMax: 2_000_000,
    openOrdersPerUserMax: 100_000,
    heartbeatIntervalMs: 1000,
    idleTimeoutMs: 10_000,
    outboundPauseBytes: 1 << 20,
    outboundBytesMax: 4 << 20,
    loginTimeoutMs: 5000,
    queryOrdersPerSecondMax: 50_000,
  };
}

export function defaultLoginThrottle(): LoginThrottleConfig {
  return { failuresFree: 5, blockMsMin: 1000, blockMsMax: 60_000, forgetAfterMs: 600_000, addressesMax: 4096 };
}

type IntCheck = (name: string, v: number, lo: number, hi: number) => void;

/** Problems with the gateway's parts of a configuration (none: empty). */
export function gatewayConfigProblems(c: Omit<GatewayConfig, "apiKeys">, ordersMax: number, int: IntCheck): string[] {
  const p: string[] = [];
  const t = c.tcp;
  if (t.host !== "127.0.0.1" && t.host !== "localhost" && t.host !== "::1")
    p.push(`tcp.host=${t.host}: services listen on loopback only in this build`);
  int("tcp.port", t.port, 0, 65535);
  int("tcp.sessionsMax", t.sessionsMax, 1, 1 << 16);
  int("tcp.pendingLoginsMax", t.pendingLoginsMax, 1, 1 << 16);
  int("tcp.pendingLoginsPerAddressMax", t.pendingLoginsPerAddressMax, 1, t.pendingLoginsMax);
  const l = c.limits;
  int("limits.inFlightMax", l.inFlightMax, 1, 1 << 24);
  int("limits.messagesPerSecondMax", l.messagesPerSecondMax, 1, 1 << 30);
  int("limits.openOrdersPerUserMax", l.openOrdersPerUserMax, 1, ordersMax);
  int("limits.heartbeatIntervalMs", l.heartbeatIntervalMs, 10, 3_600_000);
  int("limits.idleTimeoutMs", l.idleTimeoutMs, l.heartbeatIntervalMs, 3_600_000);
  int("limits.outboundPauseBytes", l.outboundPauseBytes, 1 << 16, l.outboundBytesMax);
  int("limits.outboundBytesMax", l.outboundBytesMax, 1 << 17, 1 << 30);
  int("limits.loginTimeoutMs", l.loginTimeoutMs, 10, 600_000);
  int("limits.queryOrdersPerSecondMax", l.queryOrdersPerSecondMax, 1000, 100_000_000);
  const g = c.loginThrottle;
  int("loginThrottle.failuresFree", g.failuresFree, 0, 1 << 30);
  int("loginThrottle.blockMsMin", g.blockMsMin, 1, 86_400_000);
  int("loginThrottle.blockMsMax", g.blockMsMax, g.blockMsMin, 86_400_000);
  int("loginThrottle.forgetAfterMs", g.forgetAfterMs, g.blockMsMax, 7 * 86_400_000);
  int("loginThrottle.addressesMax", g.addressesMax, 1, 1 << 20);
  return p;
}
