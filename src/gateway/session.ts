// One TCP order-entry session: its framing state, sequence numbers, limits
// and outbound queue. The gateway drives it; this file holds only its state
// and the small rules that are the session's own (rate limit, sequence check).

import type { Socket } from "bun";
import { clientFrameBytesMax, FrameSplitter } from "../protocol/index.ts";
import type { SessionLimits } from "./config.ts";
import { Outbound } from "./outbound.ts";

export const SessionState = { AwaitLogin: 0, Active: 1, Closing: 2 } as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** What the gateway keeps per user across sessions: live orders by client order id. */
export class UserState {
  readonly user: number;
  session: Session | null = null;
  /** Client order id -> exchange order id, for live orders (resting, stops, in flight). */
  readonly orders = new Map<number, number>();
  constructor(user: number) {
    this.user = user;
  }
}

export class Session {
  readonly id: number;
  readonly socket: Socket<Session>;
  state: SessionState = SessionState.AwaitLogin;
  userState: UserState | null = null;
  readonly splitter = new FrameSplitter(clientFrameBytesMax);
  readonly out: Outbound;
  /** Last sequence number received from the client, and sent to it. */
  inSeq = 0;
  outSeq = 0;
  readonly openedMs: number;
  lastRecvMs: number;
  lastSendMs: number;
  /** Output backed up past outboundPauseBytes. */
  paused = false;
  /** Input waits for room in the input log; chunks Bun delivered meanwhile wait here. */
  inputHeld = false;
  readonly heldChunks: Uint8Array[] = [];
  /** Whether the socket is paused now (for either reason). */
  readingPaused = false;
  /** Receive time of the chunk whose frames are being handled. */
  chunkReceivedNs = 0;
  /** Malformed messages received (see TcpGateway.badMessage). */
  malformedCount = 0;
  /** When a closing session is cut off if it has not read its last messages. */
  closeAtMs = 0;
  /** Commands submitted and not yet durable (their reports are held). */
  inFlight = 0;
  /** Commands in the batch being collected, and the batch id it was last counted in. */
  batchCommands = 0;
  batchId = -1;
  /** Queued in the gateway's send list this turn. */
  sendQueued = false;
  private tokens: number;
  private tokensAtMs: number;
  private readonly limits: SessionLimits;

  constructor(id: number, socket: Socket<Session>, limits: SessionLimits, nowMs: number) {
    this.id = id;
    this.socket = socket;
    this.limits = limits;
    this.out = new Outbound(limits.outboundBytesMax);
    this.openedMs = nowMs;
    this.lastRecvMs = nowMs;
    this.lastSendMs = nowMs;
    this.tokens = limits.messagesPerSecondMax;
    this.tokensAtMs = nowMs;
  }

  get user(): number {
    return this.userState === null ? -1 : this.userState.user;
  }

  /** Takes one token of the session's message budget; false when the budget is spent. */
  takeToken(nowMs: number): boolean {
    const perSecond = this.limits.messagesPerSecondMax;
    if (nowMs > this.tokensAtMs) {
      this.tokens = Math.min(perSecond, this.tokens + ((nowMs - this.tokensAtMs) * perSecond) / 1000);
      this.tokensAtMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }

  /** The next outbound sequence number. */
  nextOutSeq(): number {
    return ++this.outSeq;
  }
}
