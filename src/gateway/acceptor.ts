// Connections and logins: who may connect (slots for logged-in sessions and
// for connections still waiting to log in are separate, see
// connection-counts.ts), who may log in (API key, throttled per address, one
// session per user), and the bookkeeping when a session ends.

import type { EngineView } from "../sequencer/intake.ts";
import { Body, type ClientMessage } from "../protocol/index.ts";
import { type Clock, nowMs } from "../sequencer/clock.ts";
import type { CancelTimers } from "./cancel-timers.ts";
import type { GatewayConfig } from "./config.ts";
import { ConnectionCounts } from "./connection-counts.ts";
import { LoginReject } from "./gateway-reject.ts";
import type { LoginHandler } from "./inbound.ts";
import { LoginThrottle } from "./login-throttle.ts";
import type { LogLine, Output } from "./output.ts";
import { type Session, SessionState, Slot } from "./session.ts";
import type { Users } from "./user-state.ts";

export class Acceptor implements LoginHandler {
  private readonly config: GatewayConfig;
  private readonly engine: EngineView;
  private readonly users: Users;
  private readonly output: Output;
  private readonly timers: CancelTimers;
  private readonly clock: Clock;
  /** SHA-256 hex of each API key -> user. */
  private readonly keys = new Map<string, number>();
  readonly counts: ConnectionCounts;
  private readonly throttle: LoginThrottle;
  /** False once the gateway stops: every new connection is refused. */
  accepting = true;

  constructor(
    config: GatewayConfig,
    engine: EngineView,
    users: Users,
    output: Output,
    timers: CancelTimers,
    clock: Clock,
    log: LogLine,
  ) {
    this.config = config;
    this.engine = engine;
    this.users = users;
    this.output = output;
    this.timers = timers;
    this.clock = clock;
    this.counts = new ConnectionCounts(config.tcp);
    this.throttle = new LoginThrottle(config.loginThrottle, log);
    for (const k of config.apiKeys) this.keys.set(k.sha256, k.user);
  }

  /** A new connection: it waits for its Login in the pending pool, or is refused at once. */
  onOpen(s: Session): void {
    const blockedMs = this.throttle.refuseForMs(s.remoteAddress, nowMs(this.clock));
    const why = !this.accepting
      ? "the exchange is shutting down"
      : blockedMs > 0
        ? `too many failed logins from ${s.remoteAddress}; retry in ${Math.ceil(blockedMs)} ms`
        : this.counts.admitPending(s.remoteAddress);
    if (why !== null) return this.output.loginRejected(s, LoginReject.SessionLimit, why, true);
    s.slot = Slot.PendingLogin;
  }

  login(s: Session, m: ClientMessage): boolean {
    const now = nowMs(this.clock);
    const blockedMs = this.throttle.refuseForMs(s.remoteAddress, now);
    if (blockedMs > 0)
      return this.refuse(
        s,
        LoginReject.SessionLimit,
        `too many failed logins from ${s.remoteAddress}; retry in ${Math.ceil(blockedMs)} ms`,
      );
    const user = this.keys.get(new Bun.CryptoHasher("sha256").update(m.apiKey).digest("hex"));
    if (user === undefined) {
      this.throttle.failed(s.remoteAddress, now);
      return this.refuse(s, LoginReject.BadApiKey, "unknown API key");
    }
    const us = this.users.of(user);
    if (us.session !== null) return this.refuse(s, LoginReject.AlreadyLoggedIn, "the user has an active session");
    if (!this.counts.takeSession())
      return this.refuse(s, LoginReject.SessionLimit, `all ${this.config.tcp.sessionsMax} session slots are taken`);
    this.counts.releasePending(s.remoteAddress);
    s.slot = Slot.Session;
    us.session = s;
    s.userState = us;
    s.state = SessionState.Active;
    s.cancelOnDisconnectGraceMs = m.cancelOnDisconnect ? m.cancelOnDisconnectGraceMs : -1;
    this.timers.sessionStarted(us);
    this.loginAccepted(s);
    return true;
  }

  private refuse(s: Session, reason: number, text: string): false {
    this.output.loginRejected(s, reason, text, true);
    return false;
  }

  /** The session ended (Logout sent or socket closed): its user gets reports no more, and may log in again. */
  endSession(s: Session): void {
    if (s.ended) return;
    s.ended = true;
    const us = s.userState;
    if (us === null || us.session !== s) return;
    us.session = null;
    this.timers.sessionEnded(us, s);
  }

  /** The socket is gone: its slot is free. */
  onClose(s: Session): void {
    s.state = SessionState.Closing;
    this.endSession(s);
    if (s.slot === Slot.PendingLogin) this.counts.releasePending(s.remoteAddress);
    else if (s.slot === Slot.Session) this.counts.releaseSession();
    s.slot = Slot.None;
    s.out.discard();
  }

  private loginAccepted(s: Session): void {
    const o = this.output.msg;
    o.body = Body.LoginAccepted;
    o.userId = s.user;
    o.sessionId = s.id;
    const engine = this.engine;
    o.symbols = [];
    for (let book = 0; book < engine.booksCount; book++) o.symbols.push({ symbolId: book, ...engine.symbolSpec(book) });
    const l = this.config.limits;
    o.limits.frameBytesMax = s.splitter.frameBytesMax;
    o.limits.openOrdersMax = l.openOrdersPerUserMax;
    o.limits.messagesPerSecondMax = l.messagesPerSecondMax;
    o.limits.heartbeatIntervalMs = l.heartbeatIntervalMs;
    this.output.sendMessage(s, false);
  }
}
