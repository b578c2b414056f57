// Order entry: a logged-in session's commands, checked against the session's
// limits and turned into input-log commands (NewOrder, Cancel, Modify,
// MassCancel) through the sequencer. A client order id is translated to the
// exchange's order id with the user's map (learnt from events, reports.ts),
// unless the intake resolves client ids itself (Kafka mode: the engine shard,
// in partition order, so a Cancel right behind its NewOrder finds it).
// What fails a check here is answered at once and never reaches the log.

import { CancelReason, EventKind, Reject, Side } from "../engine/constants.ts";
import { Body, type ClientMessage } from "../protocol/index.ts";
import type { CommandIntake } from "../sequencer/intake.ts";
import type { CancelTimers } from "./cancel-timers.ts";
import type { SessionLimits } from "./config.ts";
import type { DurabilityGate } from "./durability.ts";
import { GatewayReject } from "./gateway-reject.ts";
import type { Output } from "./output.ts";
import type { Session } from "./session.ts";

export class OrderEntry {
  private readonly sequencer: CommandIntake;
  private readonly output: Output;
  private readonly gate: DurabilityGate;
  private readonly timers: CancelTimers;
  private readonly limits: SessionLimits;

  constructor(
    sequencer: CommandIntake,
    output: Output,
    gate: DurabilityGate,
    timers: CancelTimers,
    limits: SessionLimits,
  ) {
    this.sequencer = sequencer;
    this.output = output;
    this.gate = gate;
    this.timers = timers;
    this.limits = limits;
  }

  /** NewOrder, Cancel, Modify or MassCancel from a logged-in session. */
  command(s: Session, m: ClientMessage): void {
    if (m.reject !== 0) return this.reject(s, m, m.reject);
    if (!s.messages.take(s.lastRecvMs)) return this.reject(s, m, GatewayReject.RateLimited);
    if (s.inFlight >= this.limits.inFlightMax) return this.reject(s, m, GatewayReject.InFlightLimit);
    const us = s.userState!;
    const seq = this.sequencer;
    let ok: boolean;
    if (m.body === Body.NewOrder) {
      if (!seq.resolvesClientIds && us.orders.has(m.clientOrderId)) return this.reject(s, m, Reject.DuplicateOrderId);
      if (us.orders.size >= this.limits.openOrdersPerUserMax) return this.reject(s, m, GatewayReject.OpenOrdersLimit);
      ok = seq.submitNew(us.user, s.id, m.seq, m, s.chunkReceivedNs);
    } else if (m.body === Body.MassCancel) {
      // The reason is the exchange's to set, whatever the client sent.
      m.cancelReason = CancelReason.MassCancel;
      ok = seq.submitMassCancel(us.user, s.id, m.seq, m, s.chunkReceivedNs);
    } else {
      let orderId = us.orders.get(m.clientOrderId);
      if (orderId < 0) {
        if (!seq.resolvesClientIds) return this.reject(s, m, Reject.UnknownOrder);
        // The engine shard resolves it in log order: it may name an order this map has not heard of yet.
        orderId = 0;
      }
      ok =
        m.body === Body.Cancel
          ? seq.submitCancel(us.user, s.id, m.seq, orderId, m, s.chunkReceivedNs)
          : seq.submitModify(us.user, s.id, m.seq, orderId, m, s.chunkReceivedNs);
    }
    if (ok) this.gate.countCommand(s);
    else this.reject(s, m, GatewayReject.Unavailable);
  }

  /** Arms, renews or (0) disarms the user's dead-man's switch; answered with the timeout now in force. */
  deadMansSwitch(s: Session, m: ClientMessage): void {
    if (!s.messages.take(s.lastRecvMs)) return this.reject(s, m, GatewayReject.RateLimited);
    const timeoutMs = this.timers.setDeadMansSwitch(s.userState!, m.timeoutMs, s.id);
    this.output.deadMansSwitchStatus(s, timeoutMs);
  }

  /** A reject decided here, before the log: answered at once, it has no engine seq. */
  private reject(s: Session, m: ClientMessage, reason: number): void {
    const r = this.output.report();
    r.kind = EventKind.Rejected;
    r.rejectReason = reason;
    this.output.gatewayRejects[reason]!++;
    r.clientOrderId = m.clientOrderId >= 0 ? m.clientOrderId : 0;
    r.symbolId = m.symbolId;
    r.side = m.side <= Side.Sell ? m.side : 0;
    r.priceTicks = m.priceTicks;
    r.qtyLots = m.qtyLots >= 0 ? m.qtyLots : 0;
    this.output.sendReport(s, false);
  }
}
