// Bytes from a client to messages: frames cut from the stream, decoded (fast
// path for our own layout, verifier for the rest), checked for sequence, and
// handed to the part that answers them. Input waits, in order, while the
// input log has no room (fsync: a batch syncing and the next one full) and
// while the session's OpenOrders answer is being written: reading stops and
// what Bun already delivered waits. Commands are delayed, never refused for it.

import { type Clock, nowMs } from "../sequencer/clock.ts";
import type { CommandIntake } from "../sequencer/intake.ts";
import { EventKind } from "../engine/constants.ts";
import { FastClientDecoder } from "../protocol/fixed-read.ts";
import {
  Body,
  ClientMessage,
  FrameStatus,
  LogoutReason,
  logoutReasonOf,
  ProtocolError,
  protocolErrorNames,
} from "../protocol/index.ts";
import { malformedMessagesMax } from "./constants.ts";
import type { DurabilityGate } from "./durability.ts";
import { GatewayReject, LoginReject } from "./gateway-reject.ts";
import type { OpenOrdersQueries } from "./open-orders-queries.ts";
import type { OrderEntry } from "./order-entry.ts";
import type { Output } from "./output.ts";
import { InputHold, type Session, SessionState } from "./session.ts";

/** Logs a session in from its Login message; false when the session ends. */
export interface LoginHandler {
  login(s: Session, m: ClientMessage): boolean;
}

export class Inbound {
  private readonly sequencer: CommandIntake;
  private readonly clock: Clock;
  private readonly output: Output;
  private readonly gate: DurabilityGate;
  private readonly entry: OrderEntry;
  private readonly queries: OpenOrdersQueries;
  private readonly decoder = new FastClientDecoder();
  private readonly msg = new ClientMessage();
  /** Sessions whose input waits for room in the log, oldest first. */
  private readonly heldSessions: Session[] = [];
  login: LoginHandler | null = null;

  constructor(
    sequencer: CommandIntake,
    output: Output,
    gate: DurabilityGate,
    entry: OrderEntry,
    queries: OpenOrdersQueries,
  ) {
    this.sequencer = sequencer;
    this.clock = sequencer.clock;
    this.output = output;
    this.gate = gate;
    this.entry = entry;
    this.queries = queries;
  }

  onData(s: Session, chunk: Uint8Array): void {
    if (s.state === SessionState.Closing) return;
    s.lastRecvMs = nowMs(this.clock);
    if (s.inputHold !== 0) {
      // Bun may deliver what it read before the pause: keep it, in order, for when the log has room.
      s.heldChunks.push(chunk);
      return;
    }
    // Every frame of a chunk arrived together: one receive time stamps them all.
    s.chunkReceivedNs = this.clock.nowNs();
    s.splitter.push(chunk);
    this.drainFrames(s);
    this.gate.flushInput();
  }

  /** Goes on with sessions whose input waited for room in the log. */
  resumeHeld(): void {
    if (this.heldSessions.length === 0) return;
    while (this.heldSessions.length > 0 && this.sequencer.hasRoom())
      this.release(this.heldSessions.shift()!, InputHold.Log);
    this.gate.schedule();
  }

  /** The session's OpenOrders answer is written: its input goes on. */
  queryDone(s: Session): void {
    this.release(s, InputHold.Query);
    this.gate.schedule();
  }

  private release(s: Session, hold: number): void {
    if ((s.inputHold & hold) === 0) return;
    s.inputHold &= ~hold;
    if (s.state === SessionState.Closing) return;
    if (s.inputHold === 0) this.drainFrames(s);
    s.updateReading();
  }

  /** Handles the session's received frames while nothing holds its input. */
  private drainFrames(s: Session): void {
    const sp = s.splitter;
    for (;;) {
      if (s.queryActive) return this.hold(s, InputHold.Query);
      if (!this.sequencer.hasRoom()) return this.hold(s, InputHold.Log);
      const status = sp.next();
      if (status === FrameStatus.NeedMore) {
        const chunk = s.heldChunks.shift();
        if (chunk === undefined) return;
        sp.push(chunk);
        continue;
      }
      if (status === FrameStatus.Error) {
        this.output.logout(s, logoutReasonOf(sp.error), `${protocolErrorNames[sp.error]}: length ${sp.errorLength}`);
        return;
      }
      if (!this.onFrame(s, sp.bytes, sp.start, sp.end)) return;
      if (s.state === SessionState.Closing) return;
    }
  }

  private hold(s: Session, hold: number): void {
    if ((s.inputHold & hold) !== 0) return;
    s.inputHold |= hold;
    if (hold === InputHold.Log) this.heldSessions.push(s);
    s.updateReading();
  }

  /** Handles one frame; false when the session ended and the rest of the chunk must be dropped. */
  private onFrame(s: Session, bytes: Uint8Array, start: number, end: number): boolean {
    const m = this.msg;
    const code = this.decoder.decode(bytes, start, end, m);
    if (code !== 0) return this.badMessage(s, code);
    if (m.seq !== s.inSeq + 1) {
      this.output.logout(s, LogoutReason.SequenceGap, `expected seq ${s.inSeq + 1}, got ${m.seq}`);
      return false;
    }
    s.inSeq = m.seq;
    if (s.state === SessionState.AwaitLogin) {
      if (m.body !== Body.Login) {
        this.output.logout(s, LogoutReason.NotLoggedIn, "the first message must be Login");
        return false;
      }
      return this.login!.login(s, m);
    }
    return this.dispatch(s, m);
  }

  /** A logged-in session's message; false when the session ends. */
  private dispatch(s: Session, m: ClientMessage): boolean {
    switch (m.body) {
      case Body.NewOrder:
      case Body.Cancel:
      case Body.Modify:
      case Body.MassCancel:
        this.entry.command(s, m);
        return true;
      case Body.DeadMansSwitch:
        this.entry.deadMansSwitch(s, m);
        return true;
      case Body.OpenOrdersRequest:
        this.queries.request(s);
        return true;
      case Body.Login:
        this.output.loginRejected(s, LoginReject.AlreadyLoggedIn, "this session is already logged in", false);
        return true;
      case Body.Logout:
        this.output.logout(s, LogoutReason.ClientRequest, "");
        return false;
      default:
        // Heartbeat: receiving it already refreshed lastRecvMs.
        return true;
    }
  }

  /**
   * A whole frame whose FlatBuffer failed verification. Framing is intact, so
   * the session goes on: the frame counts as one message (its seq cannot be
   * trusted) and gets a reject naming the problem. The malformedMessagesMax-th
   * ends the session, as does one before logging in.
   */
  private badMessage(s: Session, code: number): boolean {
    const name = protocolErrorNames[code] ?? "malformed";
    if (s.state !== SessionState.Active || ++s.malformedCount >= malformedMessagesMax) {
      this.output.logout(s, logoutReasonOf(code), name);
      return false;
    }
    s.inSeq++;
    const r = this.output.report();
    r.kind = EventKind.Rejected;
    r.rejectReason =
      code === ProtocolError.UnknownMessageType ? GatewayReject.UnknownMessage : GatewayReject.MalformedMessage;
    this.output.gatewayRejects[r.rejectReason]!++;
    this.output.sendReport(s, false);
    return true;
  }
}
