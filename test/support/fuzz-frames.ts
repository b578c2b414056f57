// Frames for the gateway fuzz: sane order commands around a mid price,
// commands with out-of-range values, and mutations of real frames (bit
// flips, edge values, cuts and extensions with the length prefix adjusted,
// splices, wrong union types, oversized strings and vectors, garbage). Each
// frame is written into the caller's buffer; the caller predicts the
// gateway's answer by decoding the same bytes with the gateway's decoder.

import * as flatbuffers from "flatbuffers";
import { OrderType, Side, Stp, Tif } from "../../src/engine/constants.ts";
import { Rng } from "../../src/protocol/fixtures.ts";
import * as wire from "../../src/protocol/generated/exchange_generated.ts";
import {
  Body,
  ClientMessage,
  clientFrameBytesMax,
  Encoder,
  framePrefixBytes,
  OpenOrderInfo,
  ServerMessage,
  writeLength,
} from "../../src/protocol/index.ts";

export { Rng };

/** Largest payload a client frame may carry. */
export const payloadBytesMax = clientFrameBytesMax - framePrefixBytes;

/** How a frame was made (the fuzz prints a count of each). */
export const FrameKind = {
  Valid: 0,
  OutOfRange: 1,
  Mutated: 2,
  Garbage: 3,
  WrongUnion: 4,
  Huge: 5,
  Heartbeat: 6,
  OpenOrders: 7,
  LoginAgain: 8,
  Logout: 9,
  BadSeq: 10,
} as const;
export const frameKindNames = [
  "valid",
  "out_of_range",
  "mutated",
  "garbage",
  "wrong_union",
  "huge",
  "heartbeat",
  "open_orders",
  "login_again",
  "logout",
  "bad_seq",
] as const;

/** A tradable symbol as the generator quotes it. */
export interface Market {
  symbolId: number;
  /** Mid price in ticks; orders land within `spreadSteps` steps of it. */
  mid: number;
  stepTicks: number;
  lot: number;
}

/** One user's live orders (client order id -> symbol), kept from its reports. */
export class UserOrders {
  readonly live = new Map<number, number>();
  nextClientId: number;
  constructor(firstClientId: number) {
    this.nextClientId = firstClientId;
  }
}

const interesting32 = [
  0, 1, 2, 3, 4, 8, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x1fffff, 0x200000, 0x7fffffff, 0x80000000,
  0xfffffffc, 0xffffffff,
];
const interesting16 = [0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7fff, 0x8000, 0xfffe, 0xffff];
/** Body type codes: client members, server members, NONE and unknown ones. */
const unionCodes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 99, 255];

/**
 * Position of field `slot` of the table at `table` (payload `[p, end)` of `view`), or -1 when absent or out of range.
 */
export function fieldAt(view: DataView, p: number, end: number, table: number, slot: number): number {
  if (table < p || table + 4 > end) return -1;
  const vt = table - view.getInt32(table, true);
  if (vt < p || vt + 4 > end) return -1;
  const vtBytes = view.getUint16(vt, true);
  if (4 + 2 * slot + 2 > vtBytes || vt + 4 + 2 * slot + 2 > end) return -1;
  const offset = view.getUint16(vt + 4 + 2 * slot, true);
  if (offset === 0 || table + offset >= end) return -1;
  return table + offset;
}

export class FrameFactory {
  readonly rng: Rng;
  private readonly encoder = new Encoder();
  private readonly m = new ClientMessage();
  private readonly builder = new flatbuffers.Builder(8192);
  /** Payloads of earlier frames, spliced into later ones. */
  private readonly corpus: Uint8Array[] = [];
  private readonly markets: Market[];
  private readonly apiKey: string;
  /** How the last frame was made (FrameKind). */
  kind: number = FrameKind.Valid;

  constructor(seed: number, markets: Market[], apiKey: string) {
    this.rng = new Rng(seed);
    this.markets = markets;
    this.apiKey = apiKey;
  }

  // ---- Commands a real client would send ----------------------------------

  /** Fills `m` with a sane command: a new order near the mid, or a cancel or modify of a live order. */
  private sane(user: UserOrders): void {
    const r = this.rng;
    const m = this.m;
    m.clearOrder();
    const roll = r.below(100);
    const live = user.live;
    if (live.size > 0 && (roll < 25 || live.size > 48)) return this.changeLive(live);
    if (roll < 29) {
      // A cancel of an id that names nothing (or no longer anything).
      m.body = Body.Cancel;
      m.clientOrderId = user.nextClientId - 1 - r.below(1000);
      m.symbolId = this.markets[r.below(this.markets.length)]!.symbolId;
      if (m.clientOrderId < 0) m.clientOrderId = 0;
      return;
    }
    const market = this.markets[r.below(this.markets.length)]!;
    m.body = Body.NewOrder;
    m.clientOrderId = user.nextClientId++;
    m.symbolId = market.symbolId;
    m.side = r.below(2);
    m.qtyLots = market.lot * (1 + r.below(5));
    this.typeAndTif();
    m.priceTicks =
      m.type === OrderType.Market || m.type === OrderType.StopMarket
        ? r.chance(0.5)
          ? 0
          : this.price(market, m.side)
        : this.price(market, m.side);
    if (m.type === OrderType.StopLimit || m.type === OrderType.StopMarket)
      m.stopPriceTicks = market.mid + (r.below(61) - 30) * market.stepTicks;
    m.stp = r.chance(0.8) ? Stp.None : r.below(5);
  }

  /** Cancel (mostly) or modify one of the oldest live orders. */
  private changeLive(live: Map<number, number>): void {
    const r = this.rng;
    const m = this.m;
    const at = r.below(Math.min(live.size, 8));
    let k = 0;
    for (const [cid, symbolId] of live) {
      if (k++ < at) continue;
      m.clientOrderId = cid;
      m.symbolId = symbolId;
      break;
    }
    if (r.chance(0.3)) {
      const market = this.markets.find((x) => x.symbolId === m.symbolId) ?? this.markets[0]!;
      m.body = Body.Modify;
      m.priceTicks = this.price(market, r.below(2));
      m.qtyLots = market.lot * (1 + r.below(5));
    } else {
      m.body = Body.Cancel;
    }
    // To the back of the line: the next picks are other orders. It leaves the map when a report says it is gone.
    live.delete(m.clientOrderId);
    live.set(m.clientOrderId, m.symbolId);
  }

  /** An order type and time in force, in the mix a busy client sends. */
  private typeAndTif(): void {
    const r = this.rng;
    const m = this.m;
    const t = r.below(100);
    if (t < 62) {
      m.type = OrderType.Limit;
      m.tif = Tif.Gtc;
      m.postOnly = r.chance(0.1);
    } else if (t < 74) {
      m.type = OrderType.Limit;
      m.tif = Tif.Ioc;
    } else if (t < 80) {
      m.type = OrderType.Limit;
      m.tif = Tif.Fok;
    } else if (t < 88) {
      m.type = OrderType.Market;
      m.tif = r.chance(0.2) ? Tif.Fok : Tif.Gtc;
    } else if (t < 95) {
      m.type = OrderType.StopLimit;
      m.tif = Tif.Gtc;
    } else {
      m.type = OrderType.StopMarket;
      m.tif = Tif.Gtc;
    }
  }

  /** A limit price near the mid; buys mostly below it, sells above, with some overlap so orders trade. */
  private price(market: Market, side: number): number {
    const steps = this.rng.below(21) - (side === Side.Buy ? 14 : 6);
    return market.mid + steps * market.stepTicks;
  }

  /** Fills `m` with a command one field of which is outside its domain (still a well-formed frame). */
  private outOfRange(user: UserOrders): void {
    this.sane(user);
    const r = this.rng;
    const m = this.m;
    if (m.body !== Body.NewOrder) {
      m.body = Body.NewOrder;
      m.clientOrderId = user.nextClientId++;
      m.symbolId = this.markets[0]!.symbolId;
      m.side = Side.Buy;
      m.qtyLots = this.markets[0]!.lot;
      m.priceTicks = this.markets[0]!.mid;
    }
    switch (r.below(12)) {
      case 0:
        m.side = 2 + r.below(254);
        break;
      case 1:
        m.type = 4 + r.below(252);
        break;
      case 2:
        m.tif = 3 + r.below(253);
        break;
      case 3:
        m.stp = 5 + r.below(251);
        break;
      case 4:
        m.priceTicks = -1 - r.below(2 ** 31 - 1);
        break;
      case 5:
        m.qtyLots = 0;
        break;
      case 6:
        m.qtyLots = 2 ** 53 - 1 - r.below(1000);
        break;
      case 7: {
        // Not a whole number of lots.
        const lot = this.markets.find((x) => x.symbolId === m.symbolId)?.lot ?? this.markets[0]!.lot;
        m.qtyLots += 1 + r.below(lot - 1);
        break;
      }
      case 8:
        m.symbolId = 4 + r.below(2 ** 32 - 4);
        break;
      case 9:
        m.priceTicks = 2 ** 31 - 1;
        break;
      case 10:
        m.stopPriceTicks = -1 - r.below(1000);
        m.type = OrderType.StopLimit;
        break;
      default:
        m.postOnly = true;
        m.tif = Tif.Ioc;
        break;
    }
  }

  // ---- Writing frames ---------------------------------------------------------

  /** Encodes `m` with `seq` at `out[at]`; returns the frame's bytes (prefix included). */
  private encode(out: Uint8Array, at: number, seq: number): number {
    this.m.seq = seq;
    const e = this.encoder;
    const n = e.client(this.m);
    out.set(e.bytes.subarray(e.start, e.end), at);
    if (this.corpus.length < 64 || this.rng.chance(0.01)) {
      const copy = e.bytes.slice(e.start + framePrefixBytes, e.end);
      if (this.corpus.length < 64) this.corpus.push(copy);
      else this.corpus[this.rng.below(64)] = copy;
    }
    return n;
  }

  /**
   * Writes one frame at `out[at]` (which must have room for a largest frame)
   * for a session whose next sequence number is `seq`. Returns the frame's
   * bytes; `kind` says how it was made.
   */
  frame(out: Uint8Array, view: DataView, at: number, seq: number, user: UserOrders, deliberateEnd: boolean): number {
    const r = this.rng;
    const roll = r.below(1000);
    const m = this.m;
    if (deliberateEnd && roll < 1) {
      this.kind = FrameKind.BadSeq;
      this.sane(user);
      const s = r.pick([seq + 1, seq + 2, seq + 1000, seq - 1, 0, 2 ** 53 - 1]);
      return this.encode(out, at, s < 0 ? 0 : s);
    }
    if (roll < 450) {
      this.kind = FrameKind.Valid;
      this.sane(user);
      return this.encode(out, at, seq);
    }
    if (roll < 550) {
      this.kind = FrameKind.OutOfRange;
      this.outOfRange(user);
      return this.encode(out, at, seq);
    }
    if (roll < 850) {
      this.kind = FrameKind.Mutated;
      if (r.chance(0.9)) this.sane(user);
      else this.other(r.below(3));
      const n = this.encode(out, at, seq);
      return framePrefixBytes + this.mutate(out, view, at + framePrefixBytes, n - framePrefixBytes);
    }
    if (roll < 890) {
      this.kind = FrameKind.Garbage;
      const length = 1 + r.below(r.chance(0.9) ? 300 : payloadBytesMax);
      for (let i = 0; i < length; i++) out[at + framePrefixBytes + i] = r.below(256);
      writeLength(out, at, length);
      return framePrefixBytes + length;
    }
    if (roll < 930) {
      this.kind = FrameKind.WrongUnion;
      if (r.chance(0.8)) this.sane(user);
      else this.other(r.below(3));
      const n = this.encode(out, at, seq);
      this.patchUnion(out, view, at + framePrefixBytes, n - framePrefixBytes);
      return n;
    }
    if (roll < 950) {
      this.kind = FrameKind.Huge;
      return this.huge(out, view, at, seq);
    }
    if (roll < 975) {
      this.kind = FrameKind.Heartbeat;
      this.other(0);
      return this.encode(out, at, seq);
    }
    if (roll < 985) {
      this.kind = FrameKind.OpenOrders;
      this.other(1);
      return this.encode(out, at, seq);
    }
    if (roll < 995 || !deliberateEnd) {
      this.kind = FrameKind.LoginAgain;
      this.other(2);
      return this.encode(out, at, seq);
    }
    this.kind = FrameKind.Logout;
    m.body = Body.Logout;
    m.logoutReason = r.below(12);
    m.text = r.chance(0.5) ? "" : r.text(40);
    return this.encode(out, at, seq);
  }

  /** Heartbeat (0), OpenOrdersRequest (1) or Login with this session's key (2). */
  private other(which: number): void {
    const m = this.m;
    m.clearOrder();
    m.body = which === 0 ? Body.Heartbeat : which === 1 ? Body.OpenOrdersRequest : Body.Login;
    m.apiKey = this.apiKey;
  }

  /** Writes a Login frame (never valid as a first message: the key is random). */
  loginFrame(out: Uint8Array, at: number, seq: number, apiKey: string): number {
    const m = this.m;
    m.clearOrder();
    m.body = Body.Login;
    m.apiKey = apiKey;
    return this.encode(out, at, seq);
  }

  /** A sane command frame (for sessions that then misbehave in another way). */
  saneFrame(out: Uint8Array, at: number, seq: number, user: UserOrders): number {
    this.sane(user);
    this.kind = FrameKind.Valid;
    return this.encode(out, at, seq);
  }

  /** Mutates the payload `out[p, p + length)` in place; returns its new length (1..payloadBytesMax). */
  mutate(out: Uint8Array, view: DataView, p: number, length: number): number {
    const r = this.rng;
    const flips = 1 + r.below(4);
    switch (r.below(9)) {
      case 0: // bit flips
        for (let i = 0; i < flips; i++) out[p + r.below(length)]! ^= 1 << r.below(8);
        return length;
      case 1: // random bytes
        for (let i = 0; i < flips; i++) out[p + r.below(length)] = r.below(256);
        return length;
      case 2: // an aligned word (offsets, lengths, U53 halves) set to an edge value
        for (let i = 0; i < flips; i++)
          view.setUint32(p + 4 * r.below(length >> 2), r.chance(0.8) ? r.pick(interesting32) : r.u32(), true);
        return length;
      case 3: // an aligned half-word (vtable entries) set to an edge value
        for (let i = 0; i < flips; i++) view.setUint16(p + 2 * r.below(length >> 1), r.pick(interesting16), true);
        return length;
      case 4: {
        // cut inside the frame; the length prefix says the new length
        const cut = 1 + r.below(length - 1);
        writeLength(out, p - framePrefixBytes, cut);
        return cut;
      }
      case 5: {
        // extended with junk; the length prefix says the new length
        const extra = 1 + r.below(r.chance(0.9) ? 64 : payloadBytesMax - length);
        for (let i = 0; i < extra; i++) out[p + length + i] = r.chance(0.5) ? 0 : r.below(256);
        writeLength(out, p - framePrefixBytes, length + extra);
        return length + extra;
      }
      case 6: {
        // a vtable entry of the root or the body table
        const root = p + view.getUint32(p, true);
        const bodyField = fieldAt(view, p, p + length, root, 2);
        const target = bodyField < 0 || r.chance(0.5) ? root : bodyField + view.getUint32(bodyField, true);
        if (target >= p && target + 4 <= p + length) {
          const vt = target - view.getInt32(target, true);
          const slot = r.below(12);
          if (vt >= p && vt + 4 + 2 * slot + 2 <= p + length)
            view.setUint16(vt + (r.chance(0.2) ? 2 * r.below(2) : 4 + 2 * slot), r.pick(interesting16), true);
        }
        return length;
      }
      case 7: {
        // the tail of another frame spliced in at the same place
        const other = this.corpus[r.below(this.corpus.length)]!;
        const cut = r.below(length);
        const to = Math.min(other.length, length);
        if (cut < to) out.set(other.subarray(cut, to), p + cut);
        return length;
      }
      default:
        this.patchUnion(out, view, p, length);
        return length;
    }
  }

  /** Sets the Message's body type code to another member (client, server, NONE or unknown). */
  private patchUnion(out: Uint8Array, view: DataView, p: number, length: number): void {
    const root = p + view.getUint32(p, true);
    const at = fieldAt(view, p, p + length, root, 1);
    if (at >= 0) out[at] = this.rng.pick(unionCodes);
  }

  /** A Login (or Logout) whose string length is pushed beyond the frame. */
  private longString(out: Uint8Array, view: DataView, at: number, seq: number): number {
    const r = this.rng;
    const p = at + framePrefixBytes;
    const m = this.m;
    m.clearOrder();
    if (r.chance(0.7)) {
      m.body = Body.Login;
      m.apiKey = this.apiKey;
    } else {
      m.body = Body.Logout;
      m.logoutReason = 1;
      m.text = r.text(30) + "x";
    }
    const n = this.encode(out, at, seq);
    const end = at + n;
    const root = p + view.getUint32(p, true);
    const bodyField = fieldAt(view, p, end, root, 2);
    if (bodyField >= 0) {
      const body = bodyField + view.getUint32(bodyField, true);
      const strField = fieldAt(view, p, end, body, m.body === Body.Login ? 0 : 1);
      if (strField >= 0) {
        const str = strField + view.getUint32(strField, true);
        if (str >= p && str + 4 <= end)
          view.setUint32(str, r.pick([129, 257, 4096, 0x10000, 0x7fffffff, 0xffffffff, n]), true);
      }
    }
    return n;
  }

  /**
   * An oversized string or vector: a long API key, a string or vector length pushed up, a
   * page of orders from the client.
   */
  private huge(out: Uint8Array, view: DataView, at: number, seq: number): number {
    const r = this.rng;
    const p = at + framePrefixBytes;
    const how = r.below(3);
    if (how === 0) {
      // A Login whose key is longer than the protocol allows (the Encoder refuses to write one).
      const b = this.builder;
      b.clear();
      const key = b.createString("k".repeat(129 + r.below(3800)));
      const login = wire.Login.createLogin(b, key, false, 0);
      wire.Message.startMessage(b);
      wire.Message.addSeq(b, wire.U53.createU53(b, seq >>> 0, Math.floor(seq / 2 ** 32)));
      wire.Message.addBodyType(b, wire.Body.Login);
      wire.Message.addBody(b, login);
      b.finish(wire.Message.endMessage(b), undefined, true);
      const bytes = b.asUint8Array();
      out.set(bytes, at);
      return bytes.length;
    }
    if (how === 1) return this.longString(out, view, at, seq);
    // An OpenOrders page (an exchange-to-client message) sent by a client, its vector length pushed up.
    const s = new ServerMessage();
    s.seq = seq;
    s.body = Body.OpenOrders;
    s.orders = Array.from({ length: 1 + r.below(20) }, (_, i) => {
      const o = new OpenOrderInfo();
      o.clientOrderId = i;
      o.qtyLots = 1;
      return o;
    });
    const e = this.encoder;
    let n = e.server(s);
    if (n > clientFrameBytesMax) {
      s.orders = s.orders.slice(0, 4);
      n = e.server(s);
    }
    out.set(e.bytes.subarray(e.start, e.end), at);
    const root = p + view.getUint32(p, true);
    const bodyField = fieldAt(view, p, at + n, root, 2);
    if (bodyField >= 0 && r.chance(0.7)) {
      const body = bodyField + view.getUint32(bodyField, true);
      const vecField = fieldAt(view, p, at + n, body, 0);
      if (vecField >= 0) {
        const vec = vecField + view.getUint32(vecField, true);
        if (vec >= p && vec + 4 <= at + n)
          view.setUint32(vec, r.pick([257, 1000, 0x10000, 0x7fffffff, 0xffffffff]), true);
      }
    }
    return n;
  }
}
