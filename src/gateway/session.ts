// One TCP order-entry session: its framing state, sequence numbers, limits,
// outbound queue and the bookkeeping each part of the gateway keeps on it.
// The parts drive it; this file holds only its state and the small rules that
// are the session's own (reading on or off).

import type { Socket } from "bun";
import { clientFrameBytesMax, FrameSplitter } from "../protocol/index.ts";
import type { SessionLimits } from "./config.ts";
import { type ChunkPool, Outbound } from "./outbound.ts";
import { queryPageOrdersMax } from "./constants.ts";
import { TokenBucket } from "./token-bucket.ts";
import type { UserState } from "./user-state.ts";

export const SessionState = { AwaitLogin: 0, Active: 1, Closing: 2 } as const;
export type SessionState = (typeof SessionState)[keyof typeof SessionState];

/** Why a session's input waits (bits): the input log is full, or its OpenOrders answer is being written. */
export const InputHold = { None: 0, Log: 1, Query: 2 } as const;

/** Which connection pool a session's socket is counted in (acceptor). */
export const Slot = { None: 0, PendingLogin: 1, Session: 2 } as const;
export type Slot = (typeof Slot)[keyof typeof Slot];

export class Session {
  readonly id: number;
  readonly socket: Socket<Session>;
  readonly remoteAddress: string;
  state: SessionState = SessionState.AwaitLogin;
  slot: Slot = Slot.None;
  /** The user's session ended (logout, close): its user no longer routes reports here. */
  ended = false;
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
  outputPaused = false;
  /** InputHold bits: why the session's input waits; chunks Bun delivered meanwhile wait here. */
  inputHold = 0;
  readonly heldChunks: Uint8Array[] = [];
  /** Whether the socket is paused now (for either reason). */
  readingPaused = false;
  /** Receive time of the chunk whose frames are being handled. */
  chunkReceivedNs = 0;
  /** Malformed messages received (see FrameReader.badMessage). */
  malformedCount = 0;
  /** When a closing session is cut off if it has not read its last messages. */
  closeAtMs = 0;
  /** Commands submitted and not yet durable (their reports are held). */
  inFlight = 0;
  /** Commands in the batch being collected, and the batch id it was last counted in. */
  batchCommands = 0;
  batchId = -1;
  /** Queued in the output's send list this turn. */
  sendQueued = false;
  /** Login option: cancel the user's orders when this session ends, after this grace (-1 = off). */
  cancelOnDisconnectGraceMs = -1;
  /** An OpenOrders answer is being written (see OpenOrdersQueries). */
  queryActive = false;
  /** The highest order id the answer being written covers (its place in the user's orders: ClientOrders.cursor). */
  queryCeilingId = 0;
  /** The session's budgets: messages it sends, OpenOrders pages written for it. */
  readonly messages: TokenBucket;
  readonly queryPages: TokenBucket;

  constructor(id: number, socket: Socket<Session>, limits: SessionLimits, pool: ChunkPool, nowMs: number) {
    this.id = id;
    this.socket = socket;
    this.remoteAddress = socket.remoteAddress;
    this.out = new Outbound(pool, limits.outboundBytesMax);
    this.openedMs = nowMs;
    this.lastRecvMs = nowMs;
    this.lastSendMs = nowMs;
    this.messages = new TokenBucket(limits.messagesPerSecondMax, nowMs);
    // Pages of one answer are spread out: at most a tenth of a second's budget at once.
    const pagesPerSecond = Math.max(1, Math.floor(limits.queryOrdersPerSecondMax / queryPageOrdersMax));
    this.queryPages = new TokenBucket(pagesPerSecond, nowMs, Math.max(1, Math.ceil(pagesPerSecond / 10)));
  }

  get user(): number {
    return this.userState === null ? -1 : this.userState.user;
  }

  /** The next outbound sequence number. */
  nextOutSeq(): number {
    return ++this.outSeq;
  }

  /** Reads from the socket unless its output is backed up or its input waits. */
  updateReading(): void {
    const pause = this.outputPaused || this.inputHold !== 0;
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) this.socket.pause();
    else this.socket.resume();
  }
}
