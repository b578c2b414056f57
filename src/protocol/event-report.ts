// An engine event as an execution report's fields: what the TCP gateway
// sends a session and what Kafka mode writes to `executions`. A trade makes
// two reports (taker and maker); everything else one, to the event's user.
// Booked events are market data and make none.

import { EventKind } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import type { ExecReport, InputRecordView } from "./messages.ts";

export const Liquidity = { None: 0, Maker: 1, Taker: 2 } as const;

/**
 * Fills `r` for event `i` as seen by one party: `clientId`, `side`, `leaves`
 * and `liquidity` are the taker's or the maker's (for a maker the order id is
 * the event's `otherId`). `cmd` is the command that caused the event (a
 * reject of an unknown symbol echoes the symbol it named).
 */
export function fillExecReport(
  r: ExecReport,
  ev: EventBuffer,
  i: number,
  cmd: InputRecordView,
  kind: number,
  clientId: number,
  side: number,
  leaves: number,
  liquidity: number,
): void {
  r.clear();
  r.kind = kind;
  r.clientOrderId = clientId;
  r.orderId = liquidity === Liquidity.Maker ? ev.otherId(i) : ev.id(i);
  // An unknown symbol is book -1 in the engine: echo the symbol the command named.
  r.symbolId = ev.book(i) >= 0 ? ev.book(i) : cmd.symbolId;
  r.side = side;
  r.engineSeq = ev.seq(i);
  r.timestampNs = ev.tsUs(i) * 1000;
  r.liquidity = liquidity;
  kindFields(r, ev, i, kind, leaves);
}

/** The fields of a report that depend on its kind (the engine writes only the columns a kind uses: RULES.md). */
function kindFields(r: ExecReport, ev: EventBuffer, i: number, kind: number, leaves: number): void {
  switch (kind) {
    case EventKind.Rejected:
      r.rejectReason = ev.code(i);
      break;
    case EventKind.Cancelled:
      r.cancelReason = ev.code(i);
      r.qtyLots = ev.qtyLots(i);
      break;
    case EventKind.Reduced:
      r.cancelReason = ev.code(i);
      r.qtyLots = ev.qtyLots(i);
      r.leavesQtyLots = leaves;
      break;
    case EventKind.Trade:
      r.priceTicks = ev.priceTicks(i);
      r.qtyLots = ev.qtyLots(i);
      r.leavesQtyLots = leaves;
      r.tradeId = ev.tradeId(i);
      break;
    case EventKind.MassCancelled:
      // The summary: how many orders the request cancelled, and why; it names no order.
      r.cancelReason = ev.code(i);
      r.qtyLots = ev.qtyLots(i);
      r.orderId = 0;
      break;
    default:
      // Accepted, Modified, Triggered: price and quantity (remaining) of the order.
      r.priceTicks = ev.priceTicks(i);
      r.qtyLots = ev.qtyLots(i);
      r.leavesQtyLots = ev.qtyLots(i);
      break;
  }
}
