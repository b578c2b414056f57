// Engine events to the replay tool's NDJSON lines (README, Replay tool). Field
// names follow the published format; extra fields give downstream tools what
// they need without a second lookup: every event that changes a book names its
// symbol, side and price level, so a level-2 or level-3 book can be rebuilt
// from the lines alone.

import { cancelReasonNames, EventKind, rejectNames, sideNames } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";

/** Formats row `i` of the buffer; `names[book]` is the symbol of a book. */
export function formatEvent(ev: EventBuffer, i: number, names: readonly string[]): string {
  const seq = ev.seq(i);
  const id = ev.id(i);
  const book = ev.book(i);
  const sym = book >= 0 ? JSON.stringify(names[book] ?? "") : "null";
  const side = sideNames[ev.side(i)];
  const price = ev.priceTicks(i);
  const qty = ev.qtyLots(i);
  switch (ev.kind(i)) {
    case EventKind.Accepted:
      return (
        `{"ev":"accepted","seq":${seq},"id":${id},"sym":${sym},"user":${ev.user(i)},"side":"` +
        `${sideNames[ev.code(i)]}","price":${price},"qty":${qty}}`
      );
    case EventKind.Rejected:
      return `{"ev":"rejected","seq":${seq},"id":${id},"user":${ev.user(i)},"reason":"${rejectNames[ev.code(i)]}"}`;
    case EventKind.Trade:
      return (
        `{"ev":"trade","seq":${seq},"sym":${sym},"tradeId":${ev.tradeId(i)},"price":${price},"qty":${qty},` +
        `"maker":${ev.otherId(i)},"taker":${id},"makerUser":${ev.otherUser(i)},"takerUser":${ev.user(i)},` +
        `"takerSide":"${sideNames[ev.code(i)]}","makerLeaves":${ev.otherLeavesQtyLots(i)},"takerLeaves":` +
        `${ev.leavesQtyLots(i)}}`
      );
    case EventKind.Cancelled:
      return (
        `{"ev":"cancelled","seq":${seq},"id":${id},"sym":${sym},"side":"` +
        `${side}","price":${price},"qty":${qty},"reason":"${cancelReasonNames[ev.code(i)]}"}`
      );
    case EventKind.Reduced:
      return (
        `{"ev":"reduced","seq":${seq},"id":${id},"sym":${sym},"side":"${side}","price":${price},"qty":${qty},` +
        `"leaves":${ev.leavesQtyLots(i)},"reason":"${cancelReasonNames[ev.code(i)]}"}`
      );
    case EventKind.Modified:
      return (
        `{"ev":"modified","seq":${seq},"id":${id},"sym":${sym},"side":"${side}","price":${price},"qty":${qty},` +
        `"oldPrice":${ev.oldPriceTicks(i)},"oldQty":${ev.oldQtyLots(i)}}`
      );
    case EventKind.Triggered:
      return `{"ev":"triggered","seq":${seq},"id":${id},"stop":${price},"qty":${qty}}`;
    case EventKind.Booked:
      return (
        `{"ev":"booked","seq":${seq},"id":${id},"sym":${sym},"user":${ev.user(i)},"side":"` +
        `${side}","price":${price},"qty":${qty}}`
      );
    case EventKind.MassCancelled:
      return (
        `{"ev":"mass_cancelled","seq":${seq},"user":${ev.user(i)},"sym":${sym},"count":${qty},` +
        `"reason":"${cancelReasonNames[ev.code(i)]}","requestId":${ev.clientId(i)}}`
      );
    default:
      throw new Error(`unknown event kind ${ev.kind(i)} at row ${i}`);
  }
}
