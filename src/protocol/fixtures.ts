// Test support for the protocol tests: a seeded random generator, random
// messages of every type, and a ByteBuffer that throws on any read outside
// the frame it was pointed at (the proof that a verified frame is read in bounds).

import * as flatbuffers from "flatbuffers";
import { Body, Command } from "./codec.ts";
import { ClientMessage, InputRecordView, OpenOrderInfo, ServerMessage, type WireSymbol } from "./messages.ts";

/** sfc32: small, fast, seedable; the seed is printed by each randomized test. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    this.a = 0x9e3779b9;
    this.b = 0x243f6a88;
    this.c = 0xb7e15162;
    this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0x100000000 ? Math.floor((this.u32() / 0x100000000) * n) : Math.floor(this.fraction() * n);
  }

  fraction(): number {
    return (this.u32() * 0x200000 + (this.u32() >>> 11)) / 2 ** 53;
  }

  chance(p: number): boolean {
    return this.u32() / 0x100000000 < p;
  }

  /** An integer in [0, 2^53) with an even spread of magnitudes (small values are as likely as huge ones). */
  u53(): number {
    const bits = this.below(54);
    return bits === 0 ? 0 : Math.floor(this.fraction() * 2 ** bits);
  }

  i32(): number {
    return this.u32() | 0;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  text(maxBytes: number): string {
    const length = this.below(maxBytes + 1);
    let s = "";
    for (let i = 0; i < length; i++) s += String.fromCharCode(0x20 + this.below(95));
    return s;
  }
}

/** Fills order fields with random values, out-of-domain ones included (enum bytes up to 255, negative prices). */
function randomOrder(rng: Rng, o: ClientMessage | InputRecordView | OpenOrderInfo): void {
  const wild = rng.chance(0.1);
  o.clientOrderId = rng.u53();
  o.symbolId = rng.below(wild ? 2 ** 32 : 64);
  o.side = wild ? rng.below(256) : rng.below(2);
  o.type = wild ? rng.below(256) : rng.below(4);
  o.tif = wild ? rng.below(256) : rng.below(3);
  o.postOnly = rng.chance(0.3);
  o.stp = wild ? rng.below(256) : rng.below(5);
  o.priceTicks = wild ? rng.i32() : rng.below(2 ** 31);
  o.qtyLots = rng.chance(0.05) ? 0 : rng.u53();
  o.stopPriceTicks = wild ? rng.i32() : rng.chance(0.5) ? 0 : rng.below(2 ** 31);
}

/** Fills a mass cancel's fields; mostly valid, sometimes a side or reason outside the client's domain. */
function randomMassCancel(rng: Rng, o: ClientMessage | InputRecordView): void {
  const wild = rng.chance(0.1);
  o.clientOrderId = rng.u53();
  o.oneSymbol = rng.chance(0.5);
  o.symbolId = o.oneSymbol || wild ? rng.below(wild ? 2 ** 32 : 64) : 0;
  o.massSide = wild ? rng.below(256) : rng.below(3);
  o.cancelReason = wild ? rng.below(256) : 0;
}

export const clientBodies = [
  Body.Login,
  Body.NewOrder,
  Body.Cancel,
  Body.Modify,
  Body.Heartbeat,
  Body.OpenOrdersRequest,
  Body.Logout,
  Body.MassCancel,
  Body.DeadMansSwitch,
] as const;

export function randomClient(rng: Rng, body: number = rng.pick(clientBodies)): ClientMessage {
  const m = new ClientMessage();
  m.seq = rng.u53();
  m.body = body;
  if (body === Body.Login) {
    m.apiKey = rng.text(128);
    m.cancelOnDisconnect = rng.chance(0.5);
    m.cancelOnDisconnectGraceMs = rng.chance(0.3) ? 0 : rng.u32();
  }
  if (body === Body.MassCancel) randomMassCancel(rng, m);
  if (body === Body.DeadMansSwitch) m.timeoutMs = rng.chance(0.2) ? 0 : rng.u32();
  if (body === Body.NewOrder || body === Body.Cancel || body === Body.Modify) randomOrder(rng, m);
  if (body === Body.Cancel) {
    // Cancel carries only the id and the symbol.
    const { clientOrderId, symbolId } = m;
    m.clearOrder();
    m.clientOrderId = clientOrderId;
    m.symbolId = symbolId;
  }
  if (body === Body.Modify) {
    const { clientOrderId, symbolId, priceTicks, qtyLots } = m;
    m.clearOrder();
    Object.assign(m, { clientOrderId, symbolId, priceTicks, qtyLots });
  }
  if (body === Body.Logout) {
    m.logoutReason = rng.below(10);
    m.text = rng.chance(0.5) ? "" : rng.text(64);
  }
  return m;
}

export function randomSymbol(rng: Rng): WireSymbol {
  return {
    symbolId: rng.below(2 ** 32),
    name: rng.text(32),
    tickSize: rng.below(2 ** 31),
    lotSize: rng.u53(),
    minPrice: rng.i32(),
    maxPrice: rng.i32(),
    maxQty: rng.u53(),
  };
}

export const serverBodies = [
  Body.LoginAccepted,
  Body.LoginRejected,
  Body.ExecutionReport,
  Body.Heartbeat,
  Body.OpenOrders,
  Body.Logout,
  Body.DeadMansSwitchStatus,
] as const;

export function randomServer(rng: Rng, body: number = rng.pick(serverBodies), listMax = 8): ServerMessage {
  const m = new ServerMessage();
  m.seq = rng.u53();
  m.body = body;
  if (body === Body.LoginAccepted) {
    m.userId = rng.u53();
    m.sessionId = rng.u53();
    m.symbols = Array.from({ length: rng.below(listMax + 1) }, () => randomSymbol(rng));
    m.limits.frameBytesMax = rng.u32();
    m.limits.openOrdersMax = rng.u32();
    m.limits.messagesPerSecondMax = rng.u32();
    m.limits.heartbeatIntervalMs = rng.u32();
  }
  if (body === Body.LoginRejected || body === Body.Logout) {
    m.reason = rng.below(256);
    m.text = rng.chance(0.5) ? "" : rng.text(64);
  }
  if (body === Body.ExecutionReport) {
    const r = m.report;
    r.kind = rng.below(9);
    r.rejectReason = rng.below(26);
    r.cancelReason = rng.below(12);
    r.clientOrderId = rng.u53();
    r.orderId = rng.u53();
    r.symbolId = rng.u32();
    r.side = rng.below(2);
    r.priceTicks = rng.i32();
    r.qtyLots = rng.u53();
    r.leavesQtyLots = rng.u53();
    r.tradeId = rng.u53();
    r.liquidity = rng.below(3);
    r.engineSeq = rng.u53();
    // Any integer-valued double below 2^64 round-trips through the two halves.
    r.timestampNs = rng.chance(0.5) ? rng.u53() : Math.floor(rng.fraction() * 2 ** 64);
  }
  if (body === Body.OpenOrders) {
    m.orders = Array.from({ length: rng.below(listMax + 1) }, () => {
      const o = new OpenOrderInfo();
      randomOrder(rng, o);
      o.orderId = rng.u53();
      o.leavesQtyLots = rng.u53();
      return o;
    });
    m.more = rng.chance(0.5);
  }
  if (body === Body.DeadMansSwitchStatus) m.timeoutMs = rng.chance(0.2) ? 0 : rng.u32();
  return m;
}

export const commands = [
  Command.NewOrder,
  Command.Cancel,
  Command.Modify,
  Command.SymbolDef,
  Command.MassCancel,
  Command.SymbolStatus,
] as const;

export function randomRecord(rng: Rng, command: number = rng.pick(commands)): InputRecordView {
  const r = new InputRecordView();
  r.engineSeq = rng.u53();
  r.receivedNs = Math.floor(rng.fraction() * 2 ** 64);
  r.command = command;
  if (command === Command.MassCancel) {
    r.userId = rng.u53();
    r.sessionId = rng.u53();
    r.sessionSeq = rng.u53();
    randomMassCancel(rng, r);
    // In the log the exchange names the reason: MassCancel, Disconnect, DeadMansSwitch or Admin.
    if (r.cancelReason === 0) r.cancelReason = 8 + rng.below(4);
    // An operator's cancel may cover every user.
    r.allUsers = r.cancelReason === 11 && rng.chance(0.5);
  } else if (command === Command.SymbolStatus) {
    r.clientOrderId = rng.u53();
    r.symbolId = rng.below(rng.chance(0.1) ? 2 ** 32 : 64);
    r.tradingStatus = rng.below(rng.chance(0.1) ? 256 : 2);
    r.statusReason = rng.chance(0.5) ? "" : "exchange maintenance ✓".slice(0, rng.below(23));
  } else if (command !== Command.SymbolDef) {
    r.userId = rng.u53();
    r.sessionId = rng.u53();
    r.sessionSeq = rng.u53();
    r.orderId = rng.u53();
    const m = randomClient(
      rng,
      command === Command.NewOrder ? Body.NewOrder : command === Command.Cancel ? Body.Cancel : Body.Modify,
    );
    Object.assign(r, {
      clientOrderId: m.clientOrderId,
      symbolId: m.symbolId,
      side: m.side,
      type: m.type,
      tif: m.tif,
      postOnly: m.postOnly,
      stp: m.stp,
      priceTicks: m.priceTicks,
      qtyLots: m.qtyLots,
      stopPriceTicks: m.stopPriceTicks,
    });
  } else {
    Object.assign(r.symbol, randomSymbol(rng));
  }
  return r;
}

/** The fields of a decoded struct as a plain object (methods dropped) for equality checks. */
export function fieldsOf(o: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
}

/**
 * A ByteBuffer that throws when anything reads outside `[lo, hi)`. Tests point
 * the window at the current payload before decoding it: a decoder that reads
 * a single byte outside a verified frame fails the test.
 */
export class CheckedByteBuffer extends flatbuffers.ByteBuffer {
  lo = 0;
  hi = 0;
  reads = 0;

  window(lo: number, hi: number): void {
    this.lo = lo;
    this.hi = hi;
  }

  private check(offset: number, bytes: number): void {
    this.reads++;
    if (!(Number.isInteger(offset) && offset >= this.lo && offset + bytes <= this.hi)) {
      throw new Error(`read of ${bytes} bytes at ${offset} outside [${this.lo}, ${this.hi})`);
    }
  }

  override readInt8(offset: number): number {
    this.check(offset, 1);
    return super.readInt8(offset);
  }
  override readUint8(offset: number): number {
    this.check(offset, 1);
    return super.readUint8(offset);
  }
  override readInt16(offset: number): number {
    this.check(offset, 2);
    return super.readInt16(offset);
  }
  override readUint16(offset: number): number {
    this.check(offset, 2);
    return super.readUint16(offset);
  }
  override readInt32(offset: number): number {
    this.check(offset, 4);
    return super.readInt32(offset);
  }
  override readUint32(offset: number): number {
    this.check(offset, 4);
    return super.readUint32(offset);
  }
  override readInt64(): bigint {
    throw new Error("64-bit read: the schema has no 64-bit scalar");
  }
  override readUint64(): bigint {
    throw new Error("64-bit read: the schema has no 64-bit scalar");
  }
  override readFloat32(offset: number): number {
    this.check(offset, 4);
    return super.readFloat32(offset);
  }
  override readFloat64(offset: number): number {
    this.check(offset, 8);
    return super.readFloat64(offset);
  }
  override __string(offset: number, encoding?: flatbuffers.Encoding): string | Uint8Array {
    this.check(offset, 4);
    const at = offset + super.readInt32(offset);
    this.check(at, 4);
    this.check(at + 4, super.readInt32(at) + 1);
    return super.__string(offset, encoding);
  }
}
