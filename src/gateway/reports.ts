// Engine events to execution reports, each to the session of the user it
// concerns (a trade: both sides). Reports are gated: they leave once the
// command that caused them is durable (durability.ts). The user's client-id
// map is learnt here from the events themselves: an Accepted adds the order,
// a Cancelled or a fill that leaves nothing removes it, and nothing else
// (above all no reject) touches it. The logged command comes with its events
// (a reject of an unknown symbol echoes the symbol it named).

import { EventKind, Side } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import type { InputRecordView } from "../protocol/index.ts";
import type { DurabilityGate } from "./durability.ts";
import type { Output } from "./output.ts";
import { SessionState } from "./session.ts";
import type { UserState, Users } from "./user-state.ts";

const Liquidity = { None: 0, Maker: 1, Taker: 2 } as const;

export class Reports {
  private readonly users: Users;
  private readonly output: Output;
  private readonly gate: DurabilityGate;

  constructor(users: Users, output: Output, gate: DurabilityGate) {
    this.users = users;
    this.output = output;
    this.gate = gate;
  }

  onEvents(events: EventBuffer, cmd: InputRecordView): void {
    for (let i = 0; i < events.count; i++) {
      const kind = events.kind[i]!;
      // Booked is market data (the order joined a level), not an execution report.
      if (kind === EventKind.Booked) continue;
      if (kind === EventKind.Trade) {
        this.tradeReports(events, i, cmd);
        continue;
      }
      const us = this.users.of(events.user[i]!);
      // Every event carries the client id of its order (a reject: the command's; a mass cancel: the request's).
      const clientId = events.clientId[i]!;
      if (kind === EventKind.Accepted) us.add(clientId, events.id[i]!);
      else if (kind === EventKind.Cancelled) us.forget(clientId, events.id[i]!);
      this.report(us, events, i, cmd, kind, clientId, events.side[i]!, events.leavesQtyLots[i]!, Liquidity.None);
    }
  }

  private tradeReports(events: EventBuffer, i: number, cmd: InputRecordView): void {
    const taker = this.users.of(events.user[i]!);
    const takerLeaves = events.leavesQtyLots[i]!;
    if (takerLeaves === 0) taker.forget(events.clientId[i]!, events.id[i]!);
    this.report(
      taker,
      events,
      i,
      cmd,
      EventKind.Trade,
      events.clientId[i]!,
      events.side[i]!,
      takerLeaves,
      Liquidity.Taker,
    );
    const maker = this.users.of(events.otherUser[i]!);
    const makerLeaves = events.otherLeavesQtyLots[i]!;
    if (makerLeaves === 0) maker.forget(events.otherClientId[i]!, events.otherId[i]!);
    const side = events.side[i] === Side.Buy ? Side.Sell : Side.Buy;
    this.report(maker, events, i, cmd, EventKind.Trade, events.otherClientId[i]!, side, makerLeaves, Liquidity.Maker);
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
    const r = this.output.report();
    r.kind = kind;
    r.clientOrderId = clientId;
    r.orderId = liquidity === Liquidity.Maker ? ev.otherId[i]! : ev.id[i]!;
    // An unknown symbol is book -1 in the engine: echo the symbol the command named.
    r.symbolId = ev.book[i]! >= 0 ? ev.book[i]! : cmd.symbolId;
    r.side = side;
    r.engineSeq = ev.seq[i]!;
    r.timestampNs = ev.tsUs[i]! * 1000;
    r.liquidity = liquidity;
    kindFields(r, ev, i, kind, leaves);
    this.gate.touch(s);
    this.output.sendReport(s, true);
  }
}

/** The fields of a report that depend on its kind (the engine writes only the columns a kind uses: RULES.md). */
function kindFields(r: ReturnType<Output["report"]>, ev: EventBuffer, i: number, kind: number, leaves: number): void {
  switch (kind) {
    case EventKind.Rejected:
      r.rejectReason = ev.code[i]!;
      break;
    case EventKind.Cancelled:
      r.cancelReason = ev.code[i]!;
      r.qtyLots = ev.qtyLots[i]!;
      break;
    case EventKind.Reduced:
      r.cancelReason = ev.code[i]!;
      r.qtyLots = ev.qtyLots[i]!;
      r.leavesQtyLots = leaves;
      break;
    case EventKind.Trade:
      r.priceTicks = ev.priceTicks[i]!;
      r.qtyLots = ev.qtyLots[i]!;
      r.leavesQtyLots = leaves;
      r.tradeId = ev.tradeId[i]!;
      break;
    case EventKind.MassCancelled:
      // The summary: how many orders the request cancelled, and why; it names no order.
      r.cancelReason = ev.code[i]!;
      r.qtyLots = ev.qtyLots[i]!;
      r.orderId = 0;
      break;
    default:
      // Accepted, Modified, Triggered: price and quantity (remaining) of the order.
      r.priceTicks = ev.priceTicks[i]!;
      r.qtyLots = ev.qtyLots[i]!;
      r.leavesQtyLots = ev.qtyLots[i]!;
      break;
  }
}
