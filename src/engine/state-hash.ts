// The canonical walk behind the state hash (RULES.md, State hash). The
// reference book makes the same calls in the same order, so equal states give
// equal hashes whatever the storage layout.

import { NIL } from "./constants.ts";
import { Hash64 } from "./hash64.ts";
import { ASKS, BIDS, type EngineStore, LADDERS_PER_BOOK, STOP_BUYS, STOP_SELLS } from "./store.ts";

export function stateHash(s: EngineStore, nextTradeId: number, lastSeq: number): string {
  const h = new Hash64();
  h.add(s.booksCount);
  for (let book = 0; book < s.booksCount; book++) {
    h.addString(s.symNames[book]!);
    h.add(s.symTickSize[book]!)
      .add(s.symLotSize[book]!)
      .add(s.symPriceTicksMin[book]!)
      .add(s.symPriceTicksMax[book]!)
      .add(s.symQtyLotsMax[book]!);
    h.add(s.lastPriceTicks[book]!).add(s.symStatus[book]!);
    hashSide(s, h, book * LADDERS_PER_BOOK + BIDS);
    hashSide(s, h, book * LADDERS_PER_BOOK + ASKS);
    hashStops(s, h, book);
  }
  h.add(nextTradeId).add(lastSeq);
  return h.hex();
}

function hashSide(s: EngineStore, h: Hash64, ladder: number): void {
  const n = s.ladLevelsCount[ladder]!;
  const base = ladder * s.sideMax;
  // Empty levels left lazily in the ladder are storage, not state: they are skipped.
  let levels = 0;
  for (let row = 0; row < n; row++) if (s.lvlOrdersCount(s.ladLevel(base + row)) !== 0) levels++;
  h.add(levels);
  for (let row = n - 1; row >= 0; row--) {
    const lvl = s.ladLevel(base + row);
    if (s.lvlOrdersCount(lvl) === 0) continue;
    h.add(s.lvlPriceTicks(lvl)).add(s.lvlOrdersCount(lvl));
    for (let o = s.lvlHead(lvl); o !== NIL; o = s.ordNext(o)) {
      h.add(s.ordId(o)).add(s.ordUser(o)).add(s.ordQtyLots(o)).add(s.ordPostOnly(o)).add(s.ordStp(o));
    }
  }
}

/** Slots of a book's untriggered stops, oldest arrival first. */
export function stopSlots(s: EngineStore, book: number): number[] {
  const slots: number[] = [];
  for (const kind of [STOP_BUYS, STOP_SELLS]) {
    const ladder = book * LADDERS_PER_BOOK + kind;
    for (let row = 0; row < s.ladLevelsCount[ladder]!; row++) {
      const lvl = s.ladLevel(ladder * s.sideMax + row);
      for (let o = s.lvlHead(lvl); o !== NIL; o = s.ordNext(o)) slots.push(o);
    }
  }
  return slots.sort((a, b) => s.ordArrivalSeq(a) - s.ordArrivalSeq(b));
}

function hashStops(s: EngineStore, h: Hash64, book: number): void {
  const slots = stopSlots(s, book);
  h.add(slots.length);
  for (const o of slots) {
    h.add(s.ordId(o)).add(s.ordUser(o)).add(s.ordSide(o)).add(s.ordType(o)).add(s.ordTif(o));
    h.add(s.ordPostOnly(o))
      .add(s.ordStp(o))
      .add(s.ordPriceTicks(o))
      .add(s.ordStopPriceTicks(o))
      .add(s.ordQtyLots(o))
      .add(s.ordArrivalSeq(o));
  }
}
