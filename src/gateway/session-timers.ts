// The session clock: heartbeats after a quiet heartbeat interval, logout
// after idleTimeoutMs without a message (HeartbeatTimeout) or loginTimeoutMs
// without a Login (LoginTimeout), and the hard close of a session told to go
// that does not read its Logout. Runs every sweepMs on the gateway's clock.

import { Body, LogoutReason } from "../protocol/index.ts";
import { type Clock, nowMs } from "../sequencer/clock.ts";
import type { SessionLimits } from "./config.ts";
import type { Output } from "./output.ts";
import { type Session, SessionState } from "./session.ts";

export class SessionTimers {
  private readonly sessions: ReadonlySet<Session>;
  private readonly output: Output;
  private readonly limits: SessionLimits;
  private readonly clock: Clock;

  constructor(sessions: ReadonlySet<Session>, output: Output, limits: SessionLimits, clock: Clock) {
    this.sessions = sessions;
    this.output = output;
    this.limits = limits;
    this.clock = clock;
  }

  sweep(): void {
    const now = nowMs(this.clock);
    const l = this.limits;
    for (const s of this.sessions) {
      if (s.state === SessionState.Closing) {
        if (now >= s.closeAtMs) s.socket.terminate();
      } else if (s.state === SessionState.AwaitLogin) {
        if (now - s.openedMs > l.loginTimeoutMs) this.output.logout(s, LogoutReason.LoginTimeout, "no Login in time");
      } else if (now - s.lastRecvMs > l.idleTimeoutMs) {
        this.output.logout(
          s,
          LogoutReason.HeartbeatTimeout,
          `nothing received for ${Math.round(now - s.lastRecvMs)} ms`,
        );
      } else if (now - s.lastSendMs >= l.heartbeatIntervalMs && s.out.queued === 0) {
        this.output.msg.body = Body.Heartbeat;
        this.output.sendMessage(s, false);
      }
    }
    this.output.sendAll();
  }
}
