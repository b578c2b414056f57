// Engine events to execution reports, each to the session of the user it
// concerns (a trade: both sides). Reports are gated: they leave once the
// command that caused them is durable (durability.ts); in Kafka mode every
// event is of a command already durable, and its report leaves at once. The user's client-id
// map is learnt here from the events themselves: an Accepted adds the order,
// a Cancelled or a fill that leaves nothing removes it, and nothing else
// (above all no reject) touches it. The logged command comes with its events
// (a reject of an unknown symbol echoes the symbol it named).

import { EventKind, Side } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import { fillExecReport, Liquidity } from "../protocol/event-report.ts";
import type { InputRecordView } from "../protocol/index.ts";
import type { DurabilityGate } from "./durability.ts";
import type { Output } from "./output.ts";
import { SessionState } from "./session.ts";
import type { UserState, Users } from "./user-state.ts";

export class Reports {
  private readonly users: Users;
  private readonly output: Output;
  private readonly gate: DurabilityGate;
  /**
   * Reports wait for their command's durability (journal); false when every event is of a durable command (Kafka mode).
   */
  private readonly gated: boolean;

  constructor(users: Users, output: Output, gate: DurabilityGate, gated: boolean) {
    this.users = users;
    this.output = output;
    this.gate = gate;
    this.gated = gated;
  }

  onEvents(events: EventBuffer, cmd: InputRecordView): void {
    for (let i = 0; i < events.count; i++) {
      const kind = events.kind(i);
      // Booked is market data (the order joined a level), not an execution report.
      if (kind === EventKind.Booked) continue;
      if (kind === EventKind.Trade) {
        this.tradeReports(events, i, cmd);
        continue;
      }
      const us = this.users.of(events.user(i));
      // Every event carries the client id of its order (a reject: the command's; a mass cancel: the request's).
      const clientId = events.clientId(i);
      if (kind === EventKind.Accepted) us.add(clientId, events.id(i));
      else if (kind === EventKind.Cancelled) us.forget(clientId, events.id(i));
      this.report(us, events, i, cmd, kind, clientId, events.side(i), events.leavesQtyLots(i), Liquidity.None);
    }
  }

  private tradeReports(events: EventBuffer, i: number, cmd: InputRecordView): void {
    const taker = this.users.of(events.user(i));
    const takerLeaves = events.leavesQtyLots(i);
    if (takerLeaves === 0) taker.forget(events.clientId(i), events.id(i));
    this.report(
      taker,
      events,
      i,
      cmd,
      EventKind.Trade,
      events.clientId(i),
      events.side(i),
      takerLeaves,
      Liquidity.Taker,
    );
    const maker = this.users.of(events.otherUser(i));
    const makerLeaves = events.otherLeavesQtyLots(i);
    if (makerLeaves === 0) maker.forget(events.otherClientId(i), events.otherId(i));
    const side = events.side(i) === Side.Buy ? Side.Sell : Side.Buy;
    this.report(maker, events, i, cmd, EventKind.Trade, events.otherClientId(i), side, makerLeaves, Liquidity.Maker);
  }

  private report(
    us: UserState,
    ev: EventBuffer,
    i: number,
    cmd: InputRecordView,
    kind: number,
    clientId: number,
    side: number,
    leaves: number,
    liquidity: number,
  ): void {
    const s = us.session;
    if (s === null || s.state !== SessionState.Active) return;
    fillExecReport(this.output.report(), ev, i, cmd, kind, clientId, side, leaves, liquidity);
    if (this.gated) this.gate.touch(s);
    this.output.sendReport(s, this.gated);
  }
}
