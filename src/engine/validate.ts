// The invariant checker: walks every ladder, level, order, index and free list
// and throws on the first broken fact. Tests call it after every command; it
// costs O(capacity), so production code does not.

import { NIL, Side } from "./constants.ts";
import {
  ASKS,
  BIDS,
  type EngineStore,
  FREE,
  LADDERS_PER_BOOK,
  PRICE_CACHE_BITS,
  RESTING,
  STOP,
  STOP_BUYS,
  STOP_SELLS,
} from "./store.ts";

function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(`engine invariant broken: ${what()}`);
}

export function validateState(s: EngineStore, electedCount: number): void {
  check(electedCount === 0, () => `${electedCount} elected stops left between commands`);
  const seen = new Uint8Array(s.ordersMax);
  let levelsSeen = 0;
  for (let book = 0; book < s.booksCount; book++) {
    for (let kind = BIDS; kind <= LADDERS_PER_BOOK - 1; kind++) {
      levelsSeen += checkLadder(s, book, kind, seen);
    }
    const bids = book * LADDERS_PER_BOOK + BIDS;
    const asks = book * LADDERS_PER_BOOK + ASKS;
    const nb = s.ladLevelsCount[bids]!;
    const na = s.ladLevelsCount[asks]!;
    if (nb > 0 && na > 0) {
      const bid = s.ladKey(bids * s.sideMax + nb - 1);
      const ask = -s.ladKey(asks * s.sideMax + na - 1);
      check(bid < ask, () => `book ${book} crossed at rest: bid ${bid} >= ask ${ask}`);
    }
    checkNoStopReached(s, book);
  }
  let empty = 0;
  for (let lvl = 0; lvl < s.levelsMax; lvl++) if (s.lvlLadder(lvl) !== NIL && s.lvlOrdersCount(lvl) === 0) empty++;
  check(empty === s.levelsEmpty, () => `empty levels ${empty} != levelsEmpty ${s.levelsEmpty}`);
  for (let b = s.booksCount; b < s.symbolsMax; b++) {
    for (let kind = 0; kind < LADDERS_PER_BOOK; kind++)
      check(s.ladLevelsCount[b * LADDERS_PER_BOOK + kind] === 0, () => `unused book ${b} has levels`);
  }
  check(levelsSeen === s.levelsLive, () => `levels in ladders ${levelsSeen} != levelsLive ${s.levelsLive}`);
  checkPriceCache(s);
  checkOrders(s, seen);
  checkFreeLists(s);
}

/** Checks one ladder and its levels; returns the number of levels. */
function checkLadder(s: EngineStore, book: number, kind: number, seen: Uint8Array): number {
  const ladder = book * LADDERS_PER_BOOK + kind;
  const n = s.ladLevelsCount[ladder]!;
  const base = ladder * s.sideMax;
  const isStop = kind >= STOP_BUYS;
  const side = kind === BIDS || kind === STOP_BUYS ? Side.Buy : Side.Sell;
  check(n >= 0 && n <= s.sideMax, () => `ladder ${ladder} count ${n}`);
  let empty = 0;
  for (let row = 0; row < n; row++) {
    const key = s.ladKey(base + row);
    const lvl = s.ladLevel(base + row);
    if (row > 0) check(s.ladKey(base + row - 1) < key, () => `ladder ${ladder} keys not ascending at row ${row}`);
    const price = s.lvlPriceTicks(lvl);
    check(s.lvlLadder(lvl) === ladder, () => `level ${lvl} names ladder ${s.lvlLadder(lvl)}, lies in ${ladder}`);
    if (row === n - 1) check(s.lvlOrdersCount(lvl) > 0, () => `best level of ladder ${ladder} is empty`);
    const expectKey = kind === BIDS || kind === STOP_SELLS ? price : -price;
    check(key === expectKey, () => `ladder ${ladder} row ${row}: key ${key} for price ${price}`);
    check(
      price >= s.symPriceTicksMin[book]! && price <= s.symPriceTicksMax[book]!,
      () => `level price ${price} outside band of book ${book}`,
    );
    checkLevel(s, book, side, isStop, lvl, seen);
    if (s.lvlOrdersCount(lvl) === 0) empty++;
  }
  check(
    empty === s.ladLevelsEmpty[ladder],
    () => `ladder ${ladder} has ${empty} empty levels, counted ${s.ladLevelsEmpty[ladder]}`,
  );
  return n;
}

/** Every stop a trade could have reached was elected: between commands none is reached by the last trade price. */
function checkNoStopReached(s: EngineStore, book: number): void {
  const last = s.lastPriceTicks[book]!;
  if (last === 0) return;
  const buys = book * LADDERS_PER_BOOK + STOP_BUYS;
  const sells = book * LADDERS_PER_BOOK + STOP_SELLS;
  const nb = s.ladLevelsCount[buys]!;
  const ns = s.ladLevelsCount[sells]!;
  // Buy stops are keyed -stop and sell stops stop: the best key of each is the first a trade would reach.
  if (nb > 0)
    check(
      s.ladKey(buys * s.sideMax + nb - 1) < -last,
      () => `book ${book}: a buy stop at or below the last price ${last} was not elected`,
    );
  if (ns > 0)
    check(
      s.ladKey(sells * s.sideMax + ns - 1) < last,
      () => `book ${book}: a sell stop at or above the last price ${last} was not elected`,
    );
}

function checkLevel(s: EngineStore, book: number, side: number, isStop: boolean, lvl: number, seen: Uint8Array): void {
  const price = s.lvlPriceTicks(lvl);
  let count = 0;
  let qty = 0;
  let prev = NIL;
  for (let o = s.lvlHead(lvl); o !== NIL; o = s.ordNext(o)) {
    check(count < s.ordersMax, () => `level ${lvl} list loops`);
    check(seen[o] === 0, () => `order slot ${o} in two places`);
    seen[o] = 1;
    check(s.ordPrev(o) === prev, () => `order slot ${o} prev link ${s.ordPrev(o)} != ${prev}`);
    check(s.ordLevel(o) === lvl, () => `order slot ${o} level ${s.ordLevel(o)} != ${lvl}`);
    check(s.ordBook(o) === book, () => `order slot ${o} book ${s.ordBook(o)} != ${book}`);
    check(s.ordSide(o) === side, () => `order slot ${o} on the wrong side`);
    check(
      s.ordState(o) === (isStop ? STOP : RESTING),
      () => `order slot ${o} state ${s.ordState(o)} in a ${isStop ? "stop" : "book"} level`,
    );
    check(
      (isStop ? s.ordStopPriceTicks(o) : s.ordPriceTicks(o)) === price,
      () => `order slot ${o} price differs from its level ${price}`,
    );
    // Stops of one stop price run in arrival order once elected: the level's FIFO must be that order.
    if (isStop && prev !== NIL)
      check(
        s.ordArrivalSeq(prev) < s.ordArrivalSeq(o),
        () => `stop level ${lvl}: slot ${o} arrived before slot ${prev}`,
      );
    const q = s.ordQtyLots(o);
    check(q > 0 && Number.isInteger(q), () => `order slot ${o} quantity ${q}`);
    qty += q;
    count++;
    prev = o;
  }
  check(s.lvlTail(lvl) === prev, () => `level ${lvl} tail ${s.lvlTail(lvl)} != ${prev}`);
  check(s.lvlOrdersCount(lvl) === count, () => `level ${lvl} count ${s.lvlOrdersCount(lvl)} != ${count}`);
  check(s.lvlQtyLots(lvl) === qty, () => `level ${lvl} quantity ${s.lvlQtyLots(lvl)} != ${qty}`);
}

/** Every price-cache slot is empty or names a live level of its ladder whose price hashes to it. */
function checkPriceCache(s: EngineStore): void {
  const slots = 1 << PRICE_CACHE_BITS;
  // Ladders of undefined books were checked empty above; their caches stay NIL because nothing links there.
  for (let ladder = 0; ladder < s.booksCount * LADDERS_PER_BOOK; ladder++) {
    for (let k = 0; k < slots; k++) {
      const c = ladder * slots + k;
      const lvl = s.ladCache[c]!;
      if (lvl === NIL) continue;
      check(
        s.lvlLadder(lvl) === ladder,
        () => `price cache of ladder ${ladder} names level ${lvl} of ladder ${s.lvlLadder(lvl)}`,
      );
      check(
        cacheSlotOf(ladder, s.lvlPriceTicks(lvl)) === c,
        () => `price cache slot ${c} holds level ${lvl} of another price`,
      );
    }
  }
}

function cacheSlotOf(ladder: number, price: number): number {
  return (ladder << PRICE_CACHE_BITS) + (Math.imul(price, 0x9e3779b1) >>> (32 - PRICE_CACHE_BITS));
}

function checkOrders(s: EngineStore, seen: Uint8Array): void {
  let live = 0;
  for (let o = 0; o < s.ordersMax; o++) {
    const state = s.ordState(o);
    if (state === FREE) {
      check(seen[o] === 0, () => `free slot ${o} found in a level`);
      check(s.ordLevel(o) === NIL, () => `free slot ${o} still names level ${s.ordLevel(o)}`);
      continue;
    }
    check(state === RESTING || state === STOP, () => `slot ${o} in transient state ${state} between commands`);
    check(seen[o] === 1, () => `live slot ${o} is in no level`);
    check(s.idIndex.find(s.ordId(o)) === o, () => `id ${s.ordId(o)} does not map to its slot ${o}`);
    live++;
  }
  check(live === s.ordersLive, () => `live slots ${live} != ordersLive ${s.ordersLive}`);
  check(s.idIndex.count === live, () => `id index holds ${s.idIndex.count} ids for ${live} live orders`);
  s.idIndex.check();
}

function checkFreeLists(s: EngineStore): void {
  let free = 0;
  for (let o = s.orderFree; o !== NIL; o = s.ordNext(o)) {
    check(s.ordState(o) === FREE && free < s.ordersMax, () => `order free list broken at ${o}`);
    free++;
  }
  check(free + s.ordersLive === s.ordersMax, () => `order free list ${free} + live ${s.ordersLive} != ${s.ordersMax}`);
  let freeLevels = 0;
  for (let l = s.levelFree; l !== NIL; l = s.lvlHead(l)) {
    check(freeLevels < s.levelsMax, () => "level free list loops");
    freeLevels++;
  }
  check(
    freeLevels + s.levelsLive === s.levelsMax,
    () => `level free list ${freeLevels} + live ${s.levelsLive} != ${s.levelsMax}`,
  );
}
