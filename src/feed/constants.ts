// The feed's limits and codes, with their units and reasons. Shared by the
// server, the client and the page (no Node or Bun APIs here). docs/feed.md
// states each of them; a change here is a change of the protocol's contract.

import { Channel } from "./generated/feed/channel.ts";
import { CloseCode } from "./generated/feed/close-code.ts";
import { ErrorCode } from "./generated/feed/error-code.ts";

export { Channel, CloseCode, ErrorCode };

/** Bumped on an incompatible change of schema/feed.fbs or of these rules. */
export const protocolVersion = 1;

/** WebSocket close code = closeCodeBase + CloseCode. */
export const closeCodeBase = 4000;

export interface FeedLimits {
  /** Subscriptions one connection may hold at once. */
  subscriptionsMax: number;
  /** Requests per second a connection may send on average ... */
  requestsPerSecond: number;
  /** ... and in one burst. Requests beyond get ErrorCode.RateLimited and are dropped. */
  requestBurst: number;
  /** A connection whose dropped requests pass this many is closed (CloseCode.RateLimitAbuse). */
  rateLimitedMax: number;
  /** Malformed or text frames before the connection is closed (CloseCode.ProtocolAbuse). */
  malformedMax: number;
  /** Largest client message; a bigger one closes the connection (WebSocket 1009). */
  clientFrameBytesMax: number;
  /**
   * Bytes the server may hold unsent for one connection (Bun's backpressure
   * limit, with close on limit). A connection found above half of it (after a
   * flush that published to it, or at a sweep) is closed with
   * CloseCode.SlowConsumer; one that reaches it between checks is dropped by
   * the WebSocket layer at once (1006).
   */
  backpressureBytesMax: number;
  /** How often connections are checked for backpressure. */
  sweepMs: number;
  /** Heartbeat period. */
  heartbeatMs: number;
  /** Connections the server holds; further upgrade requests get HTTP 503. */
  connectionsMax: number;
  /** Book, order and BBO frames of a symbol go out at most this often (changes wait at most this long). */
  frameMs: number;
  /** Trades and candle frames of a symbol go out at most this often. */
  tradesFrameMs: number;
  /** Depth channel: one frame per symbol per period at most, with `depthLevels` levels per side. */
  depthPeriodMs: number;
  depthLevels: number;
  /** Trades a Trades subscription starts with. */
  recentTrades: number;
  /** Candles a Candles subscription starts with. */
  recentCandles: number;
  /**
   * Snapshot parts go out at most this many bytes per event-loop turn, and wait for `drain`
   * while more than this is unread.
   */
  snapshotPumpBytes: number;
  /** Published frames kept per channel for connections still receiving a snapshot. */
  retainBytesMax: number;
  /** Snapshot restarts of one subscription before CloseCode.SnapshotTooSlow. */
  snapshotRestartsMax: number;
  /** Seconds without any frame from a client (its pongs count) before Bun closes it. */
  idleTimeoutS: number;
}

export const feedLimitsDefault: Readonly<FeedLimits> = {
  subscriptionsMax: 64,
  requestsPerSecond: 20,
  requestBurst: 40,
  rateLimitedMax: 100,
  malformedMax: 10,
  clientFrameBytesMax: 1024,
  backpressureBytesMax: 1 << 20,
  sweepMs: 250,
  heartbeatMs: 1000,
  connectionsMax: 20_000,
  frameMs: 5,
  tradesFrameMs: 20,
  depthPeriodMs: 100,
  depthLevels: 20,
  recentTrades: 50,
  recentCandles: 500,
  snapshotPumpBytes: 64 << 10,
  retainBytesMax: 4 << 20,
  snapshotRestartsMax: 3,
  idleTimeoutS: 60,
};

/** Entries per frame of an incremental or snapshot vector: keeps every frame under `serverFrameBytesMax`. */
export const frameEntriesMax = 2048;
/** Largest server frame: frameEntriesMax entries of the largest struct (CandleBar, 64 bytes) plus headers. */
export const serverFrameBytesMax = 160 << 10;
/** Longest symbol name (the engine's limit). */
export const symbolNameBytesMax = 32;
/** Longest error reason text. */
export const reasonBytesMax = 256;

export function checkFeedLimits(l: FeedLimits): FeedLimits {
  const int = (name: keyof FeedLimits, lo: number, hi: number) => {
    const v = l[name];
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`feed: ${name}=${v} must be an integer in [${lo}, ${hi}]`);
  };
  int("subscriptionsMax", 1, 4096);
  int("requestsPerSecond", 1, 10_000);
  int("requestBurst", 1, 100_000);
  int("rateLimitedMax", 1, 1_000_000);
  int("malformedMax", 1, 1_000_000);
  int("clientFrameBytesMax", 64, 1 << 16);
  // The range: 256 KiB to 1 MiB. Bun's default (16 MiB) would let 1,000 stalled clients pin 16 GB.
  int("backpressureBytesMax", 256 << 10, 1 << 20);
  int("sweepMs", 10, 10_000);
  int("heartbeatMs", 100, 60_000);
  int("connectionsMax", 1, 1 << 20);
  int("frameMs", 1, 1000);
  int("tradesFrameMs", 1, 1000);
  int("depthPeriodMs", 10, 10_000);
  int("depthLevels", 10, 1000);
  int("recentTrades", 0, frameEntriesMax);
  int("recentCandles", 0, frameEntriesMax);
  int("snapshotPumpBytes", 16 << 10, l.backpressureBytesMax / 2);
  int("retainBytesMax", 1 << 16, 1 << 30);
  int("snapshotRestartsMax", 0, 100);
  int("idleTimeoutS", 0, 960);
  return l;
}

/** The channels a connection may subscribe to, with their names as the page and docs print them. */
export const channelNames = ["", "trades", "book", "bbo", "candles", "orders", "depth"] as const;
export const closeCodeNames: Record<number, string> = {
  [CloseCode.SlowConsumer]: "slow_consumer",
  [CloseCode.RateLimitAbuse]: "rate_limit_abuse",
  [CloseCode.ProtocolAbuse]: "protocol_abuse",
  [CloseCode.ServerShutdown]: "server_shutdown",
  [CloseCode.SnapshotTooSlow]: "snapshot_too_slow",
  [CloseCode.TooManyConnections]: "too_many_connections",
};

/** Splits an integer below 2^53 into the wire's two uint32 halves. */
export function lo32(v: number): number {
  return v >>> 0;
}

export function hi32(v: number): number {
  return Math.floor(v / 4294967296);
}

/** Joins two uint32 halves. */
export function join53(lo: number, hi: number): number {
  return hi * 4294967296 + lo;
}
