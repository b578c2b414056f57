// What the TCP gateway is configured with. The server's configuration
// (src/server/config.ts) holds these parts among others and checks them.

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
  /** Unsent bytes queued for one client before it is disconnected as too slow. */
  outboundBytesMax: number;
  /** Time to log in after connecting. */
  loginTimeoutMs: number;
}

export interface GatewayConfig {
  tcp: { host: string; port: number; sessionsMax: number };
  limits: SessionLimits;
  apiKeys: ApiKeyEntry[];
}
