// A copy of the engine's resting orders, taken once when a market-data stream
// starts (in this thread, or sent to the feed's worker): every order per book
// and side in queue order, best level first.

import type { Engine } from "../engine/engine.ts";

/** The engine's resting orders, per book and side in queue order (best level first): a stream's starting point. */
export interface BookImage {
  lastSeq: number;
  book: Int32Array;
  side: Uint8Array;
  id: Float64Array;
  price: Int32Array;
  qty: Float64Array;
  count: number;
}

export function bookImage(engine: Engine): BookImage {
  let n = 0;
  const books = engine.booksCount;
  for (let b = 0; b < books; b++) n += engine.bookOrders(b, 0).length + engine.bookOrders(b, 1).length;
  const img: BookImage = {
    lastSeq: engine.lastSeq,
    book: new Int32Array(n),
    side: new Uint8Array(n),
    id: new Float64Array(n),
    price: new Int32Array(n),
    qty: new Float64Array(n),
    count: n,
  };
  let k = 0;
  for (let b = 0; b < books; b++) {
    for (const side of [0, 1]) {
      for (const o of engine.bookOrders(b, side)) {
        img.book[k] = b;
        img.side[k] = side;
        img.id[k] = o.id;
        img.price[k] = o.priceTicks;
        img.qty[k] = o.qtyLots;
        k++;
      }
    }
  }
  return img;
}
