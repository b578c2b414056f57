// The fixed layout of an OpenOrders page, `Message{seq, OpenOrders{orders,
// more}}`, whose length follows its order count. The Builder lays a page of n
// orders out as (template.ts, buildPageTemplate):
//
//   head      length prefix, root offset, Message's vtable and table, OpenOrders'
//             vtable and table, the vector's length word: the same bytes for
//             every n but the prefix and the count
//   offsets   n uoffsets, one per order
//   tables    orders n-1 .. 1, then the vtable they all share, then order 0
//             (the Builder writes a vtable beside the first table that uses it)
//
// Here the three parts are cut out of the templates of 1 and 2 orders, and a
// page of every count from 0 to the protocol's limit composed from them is
// checked byte for byte against the Builder's own template of that count
// before any code is generated: emit.ts then writes a store per part, and
// OpenOrdersPageWriter (fixed.ts) composes them the same way.

import { framePrefixBytes, openOrdersPageCountMax } from "../constants.ts";
import { assert, buildPageTemplate, type ValueField } from "./template.ts";

/** Part of a frame: its template bytes and value fields, positions relative to its start. */
export interface Region {
  readonly bytes: Uint8Array;
  readonly frameBytes: number;
  readonly valueFields: ValueField[];
}

export interface PageParts {
  readonly head: Region;
  readonly vtable: Uint8Array;
  readonly order: Region;
}

/** Where each part of a page of `count` orders lies (frame-relative bytes). */
export interface PagePlaces {
  readonly frameBytes: number;
  /** Position of order k's uoffset; the table it leads to. */
  readonly offsetAt: (k: number) => number;
  readonly orderAt: (k: number) => number;
  /** Position of the shared vtable (only with at least one order). */
  readonly vtableAt: number;
}

/** The places of a page of `count` orders, given the parts' sizes. */
export function pagePlaces(headBytes: number, vtableBytes: number, orderBytes: number, count: number): PagePlaces {
  const tablesAt = headBytes + 4 * count;
  const vtableAt = tablesAt + (count - 1) * orderBytes;
  return {
    frameBytes: count === 0 ? headBytes : vtableAt + vtableBytes + orderBytes,
    offsetAt: (k) => headBytes + 4 * k,
    orderAt: (k) => (k === 0 ? vtableAt + vtableBytes : tablesAt + (count - 1 - k) * orderBytes),
    vtableAt,
  };
}

function region(bytes: Uint8Array, from: number, to: number, fields: ValueField[]): Region {
  const valueFields = fields.filter((f) => f.at >= from && f.at < to).map((f) => ({ ...f, at: f.at - from }));
  return { bytes: bytes.slice(from, to), frameBytes: to - from, valueFields };
}

/** Cuts the parts out of the templates of one and two orders, and checks them against every count. */
export function pageParts(): PageParts {
  const one = buildPageTemplate(1);
  const headBytes = one.vectorAt + 4;
  const order0 = one.orderAt[0]!;
  const orderBytes = one.t.frameBytes - order0;
  const vtableBytes = order0 - (headBytes + 4);
  const view = new DataView(one.t.bytes.buffer);
  assert(view.getInt32(order0, true) === vtableBytes, "a one-order page's vtable lies right before its table");
  const fields = one.t.valueFields;
  const head = region(one.t.bytes, 0, headBytes, [
    { name: "Frame.length", at: 0, bytes: 4 },
    ...fields,
    { name: "OpenOrders.orders.length", at: one.vectorAt, bytes: 4 },
  ]);
  const vtableOffset = { name: "OpenOrder.vtable", at: order0, bytes: 4 };
  const order = region(one.t.bytes, order0, one.t.frameBytes, [vtableOffset, ...fields]);
  const parts = { head, vtable: one.t.bytes.slice(headBytes + 4, order0), order };
  const two = buildPageTemplate(2);
  const places = pagePlaces(headBytes, vtableBytes, orderBytes, 2);
  const twoFits = two.orderAt[0] === places.orderAt(0) && two.orderAt[1] === places.orderAt(1);
  assert(twoFits, "a two-order page has the parts' layout");
  for (let count = 0; count <= openOrdersPageCountMax; count++) checkCount(parts, count);
  return parts;
}

/** A page of `count` orders with every value 0, composed from the parts as the writer composes it. */
export function composePage(parts: PageParts, count: number): Uint8Array {
  const p = pagePlaces(parts.head.frameBytes, parts.vtable.length, parts.order.frameBytes, count);
  const out = new Uint8Array(p.frameBytes);
  const view = new DataView(out.buffer);
  out.set(parts.head.bytes, 0);
  view.setUint32(0, p.frameBytes - framePrefixBytes, true);
  view.setUint32(parts.head.frameBytes - 4, count, true);
  if (count > 0) out.set(parts.vtable, p.vtableAt);
  for (let k = 0; k < count; k++) {
    view.setUint32(p.offsetAt(k), p.orderAt(k) - p.offsetAt(k), true);
    out.set(parts.order.bytes, p.orderAt(k));
    view.setInt32(p.orderAt(k), p.orderAt(k) - p.vtableAt, true);
  }
  return out;
}

function checkCount(parts: PageParts, count: number): void {
  const built = buildPageTemplate(count).t.bytes;
  const composed = composePage(parts, count);
  assert(
    built.length === composed.length,
    `a ${count}-order page: ${built.length} bytes, the parts ${composed.length}`,
  );
  const at = built.findIndex((b, i) => b !== composed[i]);
  assert(at < 0, `a ${count}-order page differs from the Builder's at byte ${at}`);
}
