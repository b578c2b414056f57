// The client's public vocabulary: states, send results, errors, options,
// login information and order parameters (client.ts holds the behaviour).

import type { ExecReport, WireSymbol } from "../protocol/index.ts";
import type { ClientClock } from "./clock.ts";

export const ClientState = {
  Idle: 0,
  Connecting: 1,
  /** TCP open, not logged in. */
  Connected: 2,
  LoggingIn: 3,
  /** Logged in: orders may be sent. */
  Ready: 4,
  /** Connection lost; waiting for the next attempt. */
  Reconnecting: 5,
  Closing: 6,
  /** Final: the object is done. */
  Closed: 7,
} as const;
export type ClientState = (typeof ClientState)[keyof typeof ClientState];
export const clientStateNames = [
  "idle",
  "connecting",
  "connected",
  "logging_in",
  "ready",
  "reconnecting",
  "closing",
  "closed",
] as const;

/** What a send returned. Rejections by the exchange come later, as reports. */
export const SendStatus = {
  /** Queued; written this event-loop turn. */
  Ok: 0,
  /** Not logged in (connecting, reconnecting, closed). */
  NotReady: 1,
  /** The outgoing buffer is full (the exchange reads slower than we send): try again later. */
  BufferFull: 2,
} as const;
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

export const loginRejectReasonNames = [
  "none",
  "bad_api_key",
  "already_logged_in",
  "session_limit",
  "user_disabled",
] as const;
export const logoutReasonNames = [
  "none",
  "client_request",
  "malformed_frame",
  "bad_frame_length",
  "unknown_message",
  "not_logged_in",
  "sequence_gap",
  "rate_limited",
  "heartbeat_timeout",
  "server_shutdown",
  "slow_consumer",
  "login_timeout",
] as const;

export type ClientErrorCode =
  | "connect_failed"
  | "connect_timeout"
  | "login_rejected"
  | "login_timeout"
  /** The server sent an unusable frame or an unexpected message; `reason` is a ProtocolError code or 0. */
  | "protocol_error"
  | "sequence_gap"
  | "idle_timeout"
  /** The server sent Logout; `reason` is its LogoutReason. */
  | "logout"
  | "disconnected"
  | "not_ready"
  | "buffer_full"
  | "too_many_requests"
  /** An app callback threw while a frame was handled; the cause is attached. */
  | "callback_threw"
  | "closed";

export class ClientError extends Error {
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    /** LoginRejectReason, LogoutReason or ProtocolError code, by `code`; else 0. */
    readonly reason = 0,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
    this.name = "ClientError";
  }
}

export interface SessionLimits {
  frameBytesMax: number;
  openOrdersMax: number;
  messagesPerSecondMax: number;
  heartbeatIntervalMs: number;
}

/** LoginAccepted, as plain data the app may keep. */
export interface LoginInfo {
  userId: number;
  sessionId: number;
  symbols: WireSymbol[];
  limits: SessionLimits;
}

export interface NewOrderParams {
  clientOrderId: number;
  symbolId: number;
  side: number;
  /** Ticks; 0 for a market order without protection. */
  priceTicks: number;
  /** Lots. */
  qtyLots: number;
  /** Default Limit. */
  type?: number;
  /** Default Gtc. */
  tif?: number;
  postOnly?: boolean;
  /** Default None. */
  stp?: number;
  stopPriceTicks?: number;
}

export interface CancelParams {
  clientOrderId: number;
  symbolId: number;
}

export interface ModifyParams {
  clientOrderId: number;
  symbolId: number;
  priceTicks: number;
  /** New remaining quantity. */
  qtyLots: number;
}

/** Login options; a reconnect logs in again with the same ones. */
export interface LoginOptions {
  /**
   * Ask the exchange to cancel the user's live orders when this session ends
   * (disconnect, heartbeat timeout, logout) and no session of the user logs in
   * within `graceMs`. Default false.
   */
  cancelOnDisconnect?: boolean;
  /** Grace period for cancel on disconnect, ms (uint32). Default 0: cancel at once. */
  graceMs?: number;
}

/** A mass cancel: the user's live orders (every session's), optionally of one symbol and one side. */
export interface MassCancelParams {
  /** The app's id for the request (a U53), echoed as the MassCancelled summary's clientOrderId. */
  requestId: number;
  /** Only this symbol's orders; every symbol when absent. */
  symbolId?: number;
  /** MassCancelSide: Both (0, the default), Buy (1) or Sell (2). */
  side?: number;
}

export interface ReconnectOptions {
  /** First delay after a loss. */
  delayMsMin: number;
  delayMsMax: number;
  /** Each failed attempt multiplies the delay. */
  factor: number;
  /** Fraction in [0, 1) by which a delay is randomly shortened, so many clients do not retry in step. */
  jitter: number;
  /** Attempts after one loss before giving up (final close). */
  attemptsMax: number;
}

export interface ClientOptions {
  host: string;
  port: number;
  /** Every execution report. The object is reused: valid only during the call. */
  onReport?: (report: ExecReport) => void;
  /** After a reconnect logged in again: re-query open orders here. */
  onReconnect?: (info: LoginInfo) => void;
  /** Each lost connection (a reconnect may follow). */
  onDisconnect?: (error: ClientError) => void;
  /** Once, when the client is done: null after `close()`, else why. */
  onClose?: (error: ClientError | null) => void;
  /** false (default) or backoff settings; only sessions that logged in once reconnect. */
  reconnect?: Partial<ReconnectOptions> | false;
  connectTimeoutMs?: number;
  loginTimeoutMs?: number;
  /** Overrides LoginAccepted's interval when > 0. */
  heartbeatIntervalMs?: number;
  /**
   * Silence from the server this long ends the connection; default 3 of the server's heartbeat intervals, 0 = never.
   */
  idleTimeoutMs?: number;
  /** Outgoing buffer capacity; sends above it return BufferFull. */
  outBytesMax?: number;
  /** Pending bytes that trigger a write before the end of the turn. */
  flushBytes?: number;
  /** `reports()` pauses reading the socket above this many queued reports. */
  reportQueueHighWater?: number;
  /** The time source of every timer of the client; default the system clock. Tests pass a ManualClock. */
  clock?: ClientClock;
}

export const clientDefaults = {
  connectTimeoutMs: 5000,
  loginTimeoutMs: 5000,
  closeTimeoutMs: 2000,
  outBytesMax: 4 << 20,
  flushBytes: 64 << 10,
  reportQueueHighWater: 65536,
  /** Idle timeout, in heartbeat intervals, when none is given. */
  idleHeartbeats: 3,
  /** Outstanding `openOrders()` calls. */
  openOrdersRequestsMax: 16,
  /** Outstanding `deadMansSwitch()` calls. */
  deadMansSwitchRequestsMax: 16,
  reconnect: {
    delayMsMin: 100,
    delayMsMax: 5000,
    factor: 2,
    jitter: 0.2,
    attemptsMax: 1000,
  } satisfies ReconnectOptions,
} as const;

export interface ClientStats {
  framesSent: number;
  bytesWritten: number;
  /** Writes the kernel took only in part (backpressure). */
  shortWrites: number;
  framesReceived: number;
  chunksReceived: number;
  reconnects: number;
}
