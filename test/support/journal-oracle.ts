// The crash tests' reference: an in-process Sequencer that replays the journal
// file incrementally (each call applies only the records added since the last
// one), with an event sink that remembers, for the records of the current
// round, what the clients may have been told: every report's key, each
// record's user and client order id, where orders ended and which trades
// happened with which ids.

import { EventKind } from "../../src/engine/constants.ts";
import type { EventBuffer } from "../../src/engine/events.ts";
import type { OrderView } from "../../src/engine/queries.ts";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import {
  crc32,
  headerBytes,
  JournalReader,
  recordHeaderBytes,
  recordPayloadBytesMax,
  recordPayloadBytesMin,
} from "../../src/journal/index.ts";
import { Command, type ExecReport, InputRecordDecoder, InputRecordView } from "../../src/protocol/index.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";

/** What one journal record says (the fields the checks compare with what a client sent). */
export interface RecordInfo {
  command: number;
  user: number;
  clientOrderId: number;
  orderId: number;
  symbolId: number;
  side: number;
  type: number;
  tif: number;
  price: number;
  qty: number;
  stopPrice: number;
}

export interface TradeInfo {
  tradeId: number;
  seq: number;
  takerUser: number;
  makerUser: number;
}

export interface CatchUp {
  /** Seq of the last whole record. */
  lastSeq: number;
  /** Records applied by this call. */
  applied: number;
  /** The file ends in a damaged record (a torn write) that recovery will cut. */
  tail: boolean;
  fileBytes: number;
}

/** The key a report and the event it came from share; trades carry their id and price too. */
export function reportKey(user: number, r: ExecReport): string {
  if (r.kind === EventKind.Trade)
    return (
      `${user}:${r.engineSeq}:T:${r.orderId}:${r.clientOrderId}:${r.qtyLots}:${r.leavesQtyLots}:${r.tradeId}:` +
      `${r.priceTicks}`
    );
  // A refused cancel or modify names the order the client meant, not the event's id: key on seq and kind only.
  if (r.kind === EventKind.Rejected) return `${user}:${r.engineSeq}:R`;
  return `${user}:${r.engineSeq}:${r.kind}:${r.orderId}:${r.clientOrderId}`;
}

export class JournalOracle {
  readonly path: string;
  readonly exchange = new Sequencer({}, null);
  lastSeq = 0;
  /** Per round (cleared by `beginRound`): report keys of the events of new records. */
  readonly keys = new Set<string>();
  /** Per round: "user:orderId" -> seq at which the order stopped being live. */
  readonly ended = new Map<string, number>();
  /** Per round: the records applied, by seq. */
  readonly records = new Map<number, RecordInfo>();
  /** Per round: trades in order. */
  readonly trades: TradeInfo[] = [];
  /** File offset just past the last record applied (0 before the first call). */
  private goodBytes = 0;
  private readonly decoder = new InputRecordDecoder();
  private readonly view = new InputRecordView();

  constructor(path: string) {
    this.path = path;
    this.exchange.addConsumer({ onEvents: (events) => this.onEvents(events) });
  }

  get hash(): string {
    return this.exchange.engine.stateHash();
  }

  get nextTradeId(): number {
    return this.exchange.engine.nextTradeId;
  }

  openOrders(user: number): OrderView[] {
    return this.exchange.engine.openOrders(user);
  }

  beginRound(): void {
    this.keys.clear();
    this.ended.clear();
    this.records.clear();
    this.trades.length = 0;
  }

  /**
   * Applies the whole records the file holds beyond `lastSeq`, reading from
   * where the last call stopped: records up to there never change (recovery
   * cuts only a torn tail, exactly at that offset), so a long soak does not
   * read the whole file every round.
   */
  catchUp(): CatchUp {
    if (this.goodBytes === 0) {
      // First call: the header is checked once.
      JournalReader.open(this.path).close();
      this.goodBytes = headerBytes;
    }
    const fd = openSync(this.path, "r");
    let bytes: Uint8Array;
    let fileBytes: number;
    try {
      fileBytes = fstatSync(fd).size;
      bytes = new Uint8Array(Math.max(0, fileBytes - this.goodBytes));
      for (let got = 0; got < bytes.length;) {
        const n = readSync(fd, bytes, got, bytes.length - got, this.goodBytes + got);
        if (n <= 0) throw new Error(`journal ${this.path}: short read at byte ${this.goodBytes + got}`);
        got += n;
      }
    } finally {
      closeSync(fd);
    }
    const view = new DataView(bytes.buffer);
    let at = 0;
    let applied = 0;
    while (at + recordHeaderBytes <= bytes.length) {
      const length = view.getUint32(at, true);
      if (
        length < recordPayloadBytesMin ||
        length > recordPayloadBytesMax ||
        at + recordHeaderBytes + length > bytes.length
      )
        break;
      if (crc32(bytes, at + recordHeaderBytes, length) !== view.getUint32(at + 4, true)) break;
      this.applyRecord(bytes, at + recordHeaderBytes, length);
      at += recordHeaderBytes + length;
      applied++;
    }
    this.goodBytes += at;
    return { lastSeq: this.lastSeq, applied, tail: at < bytes.length, fileBytes };
  }

  private applyRecord(bytes: Uint8Array, offset: number, length: number): void {
    const code = this.decoder.decode(bytes, offset, offset + length, this.view);
    if (code !== 0)
      throw new Error(
        `journal ${this.path}: record after seq ${this.lastSeq} does not decode (protocol error ${code})`,
      );
    if (this.view.engineSeq !== this.lastSeq + 1)
      throw new Error(`journal ${this.path}: record seq ${this.view.engineSeq} after ${this.lastSeq}`);
    this.remember(this.view);
    this.exchange.apply(this.view);
    this.lastSeq = this.view.engineSeq;
  }

  private remember(v: InputRecordView): void {
    this.records.set(v.engineSeq, {
      command: v.command,
      user: v.userId,
      clientOrderId: v.clientOrderId,
      orderId: v.orderId,
      symbolId: v.symbolId,
      side: v.side,
      type: v.type,
      tif: v.tif,
      price: v.priceTicks,
      qty: v.qtyLots,
      stopPrice: v.stopPriceTicks,
    });
  }

  private onEvents(ev: EventBuffer): void {
    for (let i = 0; i < ev.count; i++) {
      const kind = ev.kind(i);
      const seq = ev.seq(i);
      const user = ev.user(i);
      if (kind === EventKind.Trade) {
        const otherUser = ev.otherUser(i);
        const tail = `${ev.tradeId(i)}:${ev.priceTicks(i)}`;
        this.keys.add(`${user}:${seq}:T:${ev.id(i)}:${ev.clientId(i)}:${ev.qtyLots(i)}:${ev.leavesQtyLots(i)}:${tail}`);
        this.keys.add(
          `${otherUser}:${seq}:T:${ev.otherId(i)}:${ev.otherClientId(i)}:${ev.qtyLots(i)}:` +
            `${ev.otherLeavesQtyLots(i)}:${tail}`,
        );
        if (ev.leavesQtyLots(i) === 0) this.ended.set(`${user}:${ev.id(i)}`, seq);
        if (ev.otherLeavesQtyLots(i) === 0) this.ended.set(`${otherUser}:${ev.otherId(i)}`, seq);
        this.trades.push({ tradeId: ev.tradeId(i), seq, takerUser: user, makerUser: otherUser });
      } else if (kind === EventKind.Rejected) {
        this.keys.add(`${user}:${seq}:R`);
      } else {
        this.keys.add(`${user}:${seq}:${kind}:${ev.id(i)}:${ev.clientId(i)}`);
        if (kind === EventKind.Cancelled) this.ended.set(`${user}:${ev.id(i)}`, seq);
      }
    }
  }
}

export const commandNames: Record<number, string> = {
  [Command.NewOrder]: "new",
  [Command.Cancel]: "cancel",
  [Command.Modify]: "modify",
  [Command.SymbolDef]: "symbol",
};
