// Engine events to execution reports, each to the session of the user it
// concerns (a trade: both sides). Reports are gated: they leave once the
// command that caused them is durable (durability.ts). The user's client-id
// map is learnt here from the events themselves: an Accepted adds the order,
// a Cancelled or a fill that leaves nothing removes it, and nothing else
// (above all no reject) touches it. The logged command comes with its events,
// so a reject can echo what the client sent.

import { EventKind, Side } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import { Command, type InputRecordView } from "../protocol/index.ts";
import type { DurabilityGate } from "./durability.ts";
import type { Output } from "./output.ts";
import { SessionState } from "./session.ts";
import type { UserState, Users } from "./user-state.ts";

const Liquidity = { None: 0, Maker: 1, Taker: 2 } as const;
/** Kinds after this one (Booked) describe the book for market data; they are not execution reports. */
const reportKindLast = EventKind.MassCancelled;

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
      if (kind > reportKindLast) continue;
      if (kind === EventKind.Trade) {
        this.tradeReports(events, i, cmd);
        continue;
      }
      const us = this.users.of(events.user[i]!);
      let clientId = events.clientId[i]!;
      if (kind === EventKind.Accepted) us.add(clientId, events.id[i]!);
      else if (kind === EventKind.Cancelled) us.forget(clientId, events.id[i]!);
      else if (kind === EventKind.Rejected && cmd.command !== Command.NewOrder) clientId = cmd.clientOrderId;
      else if (kind === EventKind.MassCancelled) clientId = cmd.clientOrderId;
      this.report(us, events, i, cmd, kind, clientId, events.side[i]!, events.leaves[i]!, Liquidity.None);
    }
  }

  private tradeReports(events: EventBuffer, i: number, cmd: InputRecordView): void {
    const taker = this.users.of(events.user[i]!);
    if (events.leaves[i] === 0) taker.forget(events.clientId[i]!, events.id[i]!);
    this.report(taker, events, i, cmd, EventKind.Trade, events.clientId[i]!, events.side[i]!, events.leaves[i]!, Liquidity.Taker);
    const maker = this.users.of(events.otherUser[i]!);
    if (events.otherLeaves[i] === 0) maker.forget(events.otherClientId[i]!, events.otherId[i]!);
    const side = events.side[i] === Side.Buy ? Side.Sell : Side.Buy;
    this.report(maker, events, i, cmd, EventKind.Trade, events.otherClientId[i]!, side, events.otherLeaves[i]!, Liquidity.Maker);
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
    kindFields(r, ev, i, kind, leaves, cmd);
    this.gate.touch(s);
    this.output.sendReport(s, true);
  }
}

/** The fields of a report that depend on its kind. */
function kindFields(r: ReturnType<Output["report"]>, ev: EventBuffer, i: number, kind: number, leaves: number, cmd: InputRecordView): void {
  switch (kind) {
    case EventKind.Rejected:
      r.rejectReason = ev.code[i]!;
      break;
    case EventKind.Cancelled:
      r.cancelReason = ev.code[i]!;
      r.qtyLots = ev.qty[i]!;
      break;
    case EventKind.Reduced:
      r.cancelReason = ev.code[i]!;
      r.qtyLots = ev.qty[i]!;
      r.leavesQtyLots = leaves;
      break;
    case EventKind.Trade:
      r.priceTicks = ev.price[i]!;
      r.qtyLots = ev.qty[i]!;
      r.leavesQtyLots = leaves;
      r.tradeId = ev.tradeId[i]!;
      break;
    case EventKind.MassCancelled:
      // The summary: how many orders the request cancelled, and why.
      r.cancelReason = cmd.cancelReason;
      r.qtyLots = ev.qty[i]!;
      r.orderId = 0;
      break;
    default:
      // Accepted, Modified, Triggered: price and quantity (remaining) of the order.
      r.priceTicks = ev.price[i]!;
      r.qtyLots = ev.qty[i]!;
      r.leavesQtyLots = ev.qty[i]!;
      break;
  }
}
