// Engine events to the replay tool's NDJSON lines (README, Replay tool). Field
// names follow the published format; extra fields give downstream tools what
// they need without a second lookup.

import { cancelReasonNames, EventKind, rejectNames, sideNames } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";

/** Formats row `i` of the buffer; `names[book]` is the symbol of a book. */
export function formatEvent(ev: EventBuffer, i: number, names: readonly string[]): string {
  const seq = ev.seq[i]!;
  const id = ev.id[i]!;
  const book = ev.book[i]!;
  const sym = JSON.stringify(names[book] ?? "");
  switch (ev.kind[i]) {
    case EventKind.Accepted:
      return `{"ev":"accepted","seq":${seq},"id":${id},"sym":${sym},"user":${ev.user[i]},"side":"${sideNames[ev.code[i]!]}","price":${ev.price[i]},"qty":${ev.qty[i]}}`;
    case EventKind.Rejected:
      return `{"ev":"rejected","seq":${seq},"id":${id},"user":${ev.user[i]},"reason":"${rejectNames[ev.code[i]!]}"}`;
    case EventKind.Trade:
      return (
        `{"ev":"trade","seq":${seq},"sym":${sym},"tradeId":${ev.tradeId[i]},"price":${ev.price[i]},"qty":${ev.qty[i]},` +
        `"maker":${ev.otherId[i]},"taker":${id},"makerUser":${ev.otherUser[i]},"takerUser":${ev.user[i]},` +
        `"takerSide":"${sideNames[ev.code[i]!]}","makerLeaves":${ev.otherLeaves[i]},"takerLeaves":${ev.leaves[i]}}`
      );
    case EventKind.Cancelled:
      return `{"ev":"cancelled","seq":${seq},"id":${id},"qty":${ev.qty[i]},"reason":"${cancelReasonNames[ev.code[i]!]}"}`;
    case EventKind.Reduced:
      return `{"ev":"reduced","seq":${seq},"id":${id},"qty":${ev.qty[i]},"leaves":${ev.leaves[i]},"reason":"${cancelReasonNames[ev.code[i]!]}"}`;
    case EventKind.Modified:
      return `{"ev":"modified","seq":${seq},"id":${id},"price":${ev.price[i]},"qty":${ev.qty[i]}}`;
    case EventKind.Triggered:
      return `{"ev":"triggered","seq":${seq},"id":${id},"stop":${ev.price[i]},"qty":${ev.qty[i]}}`;
    default:
      throw new Error(`unknown event kind ${ev.kind[i]} at row ${i}`);
  }
}
