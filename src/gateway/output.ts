// Everything the gateway sends: messages encoded into a session's outbound
// queue, one socket write per session per event-loop turn, reading paused
// while a client's output backs up, and the end of a session (Logout, then
// close after the client read it or a grace period passed). A client whose
// unread bytes pass outboundBytesMax (outbound.ts) is a slow consumer: its unsent frames are
// dropped, it gets Logout(SlowConsumer) behind the frame it is reading, and
// the exchange logs it once.

import { type Clock, nowMs } from "../sequencer/clock.ts";
import {
  Body,
  Encoder,
  type ExecReport,
  ExecReportWriter,
  LogoutReason,
  type OpenOrderInfo,
  OpenOrdersPageWriter,
  openOrdersPageBytes,
  ServerMessage,
} from "../protocol/index.ts";
import type { SessionLimits } from "./config.ts";
import { closeGraceMs, logoutTextLengthMax } from "./constants.ts";
import type { Fields } from "../log/index.ts";
import { type Session, SessionState } from "./session.ts";

/** A log line for operators: the message, and the ids that matter as fields (structured logs keep them apart). */
export type LogLine = (line: string, fields?: Fields) => void;

export class Output {
  /** Scratch message: fill it, then `sendMessage` (or `report` + `sendReport`). */
  readonly msg = new ServerMessage();
  private readonly encoder = new Encoder();
  private readonly reportWriter = new ExecReportWriter();
  private readonly pageWriter = new OpenOrdersPageWriter();
  private readonly sendList: Session[] = [];
  private readonly limits: SessionLimits;
  private readonly clock: Clock;
  private readonly log: LogLine;
  /** Rejects the gateway decided itself (never logged), by RejectReason code: metrics read them. */
  readonly gatewayRejects = new Float64Array(256);
  /** Called once per session when it ends (Logout sent, slow consumer, or closed): the acceptor's bookkeeping. */
  onSessionEnd: (s: Session) => void = () => {};

  constructor(limits: SessionLimits, clock: Clock, log: LogLine) {
    this.limits = limits;
    this.clock = clock;
    this.log = log;
  }

  /** The scratch report, cleared. */
  report(): ExecReport {
    const r = this.msg.report;
    r.clear();
    return r;
  }

  /** Writes the scratch report with the session's next seq into its queue (the hot path). */
  sendReport(s: Session, gated: boolean): void {
    const room = s.out.reserve(this.reportWriter.frameBytes);
    if (room === null) return this.slowConsumer(s);
    const n = this.reportWriter.write(room.bytes, room.at, s.nextOutSeq(), this.msg.report);
    s.out.commit(n, gated);
    if (!gated) this.queueSend(s);
  }

  /** Writes an OpenOrders page of `orders[0, count)` into the session's queue (not gated: no command's result). */
  openOrdersPage(s: Session, orders: readonly OpenOrderInfo[], count: number, more: boolean): void {
    const room = s.out.reserve(openOrdersPageBytes(count));
    if (room === null) return this.slowConsumer(s);
    const n = this.pageWriter.write(room.bytes, room.at, s.nextOutSeq(), orders, count, more);
    s.out.commit(n, false);
    this.queueSend(s);
  }

  /** Encodes the scratch message (any exchange message) with the session's next seq into its queue. */
  sendMessage(s: Session, gated: boolean): void {
    const m = this.msg;
    m.seq = s.outSeq + 1;
    const n = this.encoder.server(m);
    const room = s.out.reserve(n);
    if (room === null) return this.slowConsumer(s);
    s.nextOutSeq();
    const e = this.encoder;
    room.bytes.set(e.bytes.subarray(e.start, e.end), room.at);
    s.out.commit(n, gated);
    if (!gated) this.queueSend(s);
  }

  /** Sends Logout and closes once the client has read it (or after the close grace). */
  logout(s: Session, reason: number, text: string): void {
    if (s.state === SessionState.Closing) return;
    const m = this.msg;
    m.body = Body.Logout;
    m.reason = reason;
    m.text = text.length > logoutTextLengthMax ? text.slice(0, logoutTextLengthMax) : text;
    this.sendMessage(s, false);
    this.closeAfterSend(s);
  }

  /** The answer to a DeadMansSwitch: the timeout now in force (0 = disarmed). */
  deadMansSwitchStatus(s: Session, timeoutMs: number): void {
    const m = this.msg;
    m.body = Body.DeadMansSwitchStatus;
    m.timeoutMs = timeoutMs;
    this.sendMessage(s, false);
  }

  loginRejected(s: Session, reason: number, text: string, close: boolean): void {
    const m = this.msg;
    m.body = Body.LoginRejected;
    m.reason = reason;
    m.text = text;
    this.sendMessage(s, false);
    if (close) this.closeAfterSend(s);
  }

  closeAfterSend(s: Session): void {
    if (s.state === SessionState.Closing) return;
    s.state = SessionState.Closing;
    s.closeAtMs = nowMs(this.clock) + closeGraceMs;
    this.onSessionEnd(s);
    this.queueSend(s);
  }

  /**
   * The client does not read and its queue passed the bound. Unsent frames
   * are dropped (it is cut off anyway; memory must not wait for it), the
   * Logout goes right behind the frame it is reading, with the next seq
   * after the last frame kept, and the session closes after the grace.
   */
  private slowConsumer(s: Session): void {
    if (s.state === SessionState.Closing) return;
    const pending = s.out.queued;
    s.outSeq = s.out.dropUnsent();
    this.log(
      `gateway: session ${s.id} (user ${s.user}, ${s.remoteAddress}) slow consumer: ` +
        `${pending} bytes pending; logged out`,
      { session: s.id, user: s.user, remote: s.remoteAddress, pendingBytes: pending },
    );
    this.logout(
      s,
      LogoutReason.SlowConsumer,
      `${pending} unsent bytes: past the limit of ${this.limits.outboundBytesMax}`,
    );
  }

  queueSend(s: Session): void {
    if (s.sendQueued) return;
    s.sendQueued = true;
    this.sendList.push(s);
  }

  sendAll(): void {
    const list = this.sendList;
    for (let k = 0; k < list.length; k++) {
      const s = list[k]!;
      s.sendQueued = false;
      this.send(s);
    }
    list.length = 0;
  }

  /** Writes what may leave, chunk by chunk, until the socket takes no more; then backpressure and close. */
  send(s: Session): void {
    const out = s.out;
    while (out.sendableBytes > 0) {
      const bytes = out.headBytes;
      const n = s.socket.write(out.headBuffer, out.headStart, bytes);
      // The connection is gone (reset). Bun reports the close of a socket whose reading is paused
      // only once it reads again, which a session whose input is held never does: close it here.
      if (n < 0) return s.socket.terminate();
      if (n > 0) {
        out.consume(n);
        s.lastSendMs = nowMs(this.clock);
      }
      if (n < bytes) break;
    }
    const queued = out.queued;
    const pauseBytes = this.limits.outboundPauseBytes;
    if (!s.outputPaused && queued > pauseBytes) {
      s.outputPaused = true;
      s.updateReading();
    } else if (s.outputPaused && queued < pauseBytes / 2) {
      s.outputPaused = false;
      s.updateReading();
    }
    if (s.state === SessionState.Closing && queued === 0) s.socket.end();
  }
}
