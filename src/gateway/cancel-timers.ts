// Cancels the exchange makes on a user's behalf when time runs out:
// - cancel on disconnect: a session that logged in with the option ends
//   (disconnect, heartbeat timeout, logout) and no new session of the user
//   logs in within the grace it chose;
// - the dead-man's switch: DeadMansSwitch{timeout_ms} was not renewed in time
//   (it is the user's, so it runs on after a disconnect; it fires once).
// Either way the cancel is a MassCancel command in the input log (reason
// Disconnect or DeadMansSwitch), so replay and recovery reproduce it. Neither
// timer is in the log itself: after a restart none is armed.

import { CancelReason, MassCancelSide } from "../engine/constants.ts";
import { OrderFields } from "../protocol/index.ts";
import { type Clock, nowMs } from "../sequencer/clock.ts";
import type { CommandIntake } from "../sequencer/intake.ts";
import type { DurabilityGate } from "./durability.ts";
import type { LogLine } from "./output.ts";
import type { Session } from "./session.ts";
import type { UserState } from "./user-state.ts";

export class CancelTimers {
  private readonly sequencer: CommandIntake;
  private readonly gate: DurabilityGate;
  private readonly clock: Clock;
  private readonly log: LogLine;
  /** Users with a deadline set (cancel on disconnect or dead-man's switch). */
  private readonly armed = new Set<UserState>();
  /** The session each user's dead-man's switch was last set from (logged with its cancel). */
  private readonly dmsSession = new Map<UserState, number>();
  private readonly fields = new OrderFields();
  /** Cancels fired (tests, stats). */
  firedCount = 0;

  constructor(sequencer: CommandIntake, gate: DurabilityGate, log: LogLine) {
    this.sequencer = sequencer;
    this.gate = gate;
    this.clock = sequencer.clock;
    this.log = log;
  }

  /** A session of the user logged in: a pending cancel on disconnect is called off. */
  sessionStarted(us: UserState): void {
    us.cancelOnDisconnectAtMs = 0;
    this.disarmIfIdle(us);
  }

  /** The user's session ended: with the option, its orders go after the grace (on the next tick at the earliest). */
  sessionEnded(us: UserState, s: Session): void {
    if (s.cancelOnDisconnectGraceMs < 0) return;
    us.cancelOnDisconnectAtMs = nowMs(this.clock) + s.cancelOnDisconnectGraceMs;
    this.armed.add(us);
  }

  /** Sets the dead-man's switch (0 disarms); returns the timeout now in force. */
  setDeadMansSwitch(us: UserState, timeoutMs: number, sessionId: number): number {
    us.deadMansSwitchTimeoutMs = timeoutMs;
    us.deadMansSwitchAtMs = timeoutMs === 0 ? 0 : nowMs(this.clock) + timeoutMs;
    if (timeoutMs === 0) this.disarmIfIdle(us);
    else {
      this.armed.add(us);
      this.dmsSession.set(us, sessionId);
    }
    return timeoutMs;
  }

  /** Fires the deadlines that have passed. A cancel the log cannot take now is tried again on the next tick. */
  tick(): void {
    if (this.armed.size === 0) return;
    const now = nowMs(this.clock);
    for (const us of this.armed) {
      if (us.cancelOnDisconnectAtMs !== 0 && now >= us.cancelOnDisconnectAtMs) this.cancelOnDisconnect(us);
      if (us.deadMansSwitchAtMs !== 0 && now >= us.deadMansSwitchAtMs) this.deadMansSwitch(us);
      this.disarmIfIdle(us);
    }
  }

  private cancelOnDisconnect(us: UserState): void {
    const count = us.orders.size;
    // Nothing to cancel is nothing to log.
    if (count > 0 && !this.fire(us, CancelReason.Disconnect, 0)) return;
    us.cancelOnDisconnectAtMs = 0;
    if (count > 0)
      this.log(
        `gateway: user ${us.user}: no session within the cancel-on-disconnect grace; ${count} orders cancelled`,
        {
          user: us.user,
          orders: count,
          engineSeq: this.sequencer.lastSeq,
        },
      );
  }

  private deadMansSwitch(us: UserState): void {
    const count = us.orders.size;
    if (!this.fire(us, CancelReason.DeadMansSwitch, this.dmsSession.get(us) ?? 0)) return;
    this.log(
      `gateway: user ${us.user}: dead-man's switch of ${us.deadMansSwitchTimeoutMs} ms ran out; ` +
        `${count} orders cancelled`,
      { user: us.user, orders: count, engineSeq: this.sequencer.lastSeq },
    );
    us.deadMansSwitchAtMs = 0;
    us.deadMansSwitchTimeoutMs = 0;
  }

  /** A MassCancel of all the user's orders through the log; false when the log has no room now. */
  private fire(us: UserState, reason: number, sessionId: number): boolean {
    if (!this.sequencer.hasRoom()) return false;
    const f = this.fields;
    f.clearOrder();
    f.oneSymbol = false;
    f.massSide = MassCancelSide.Both;
    f.cancelReason = reason;
    const ok = this.sequencer.submitMassCancel(us.user, sessionId, 0, f, this.clock.nowNs());
    if (!ok) return false;
    this.firedCount++;
    // Its reports (if the user is connected) leave with the batch of this turn.
    if (us.session !== null) this.gate.touch(us.session);
    this.gate.schedule();
    return true;
  }

  private disarmIfIdle(us: UserState): void {
    if (us.cancelOnDisconnectAtMs !== 0 || us.deadMansSwitchAtMs !== 0) return;
    this.armed.delete(us);
    this.dmsSession.delete(us);
  }
}
