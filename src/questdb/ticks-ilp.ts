// Rows of the `ticks` table (schema.ts), one ILP line per trade:
//   ticks,symbol=BTC-USD,taker_side=buy price=101i,qty=3i,quote_qty=3030i,trade_id=7i,
//     maker_order_id=11i,taker_order_id=12i,maker_user=1i,taker_user=2i,seq=40i 1767571200000000

import { sideNames } from "../engine/constants.ts";
import { type TradeRow, tradeRowError } from "../marketdata/trade.ts";
import { ascii, checkLineBound } from "./ilp-buffer.ts";
import type { SymbolNames } from "./symbols.ts";
import type { IlpHttpWriter } from "./writer.ts";

const head = ascii("ticks,symbol=");
const sides = sideNames.map((s) => ascii(`,taker_side=${s} price=`));
const qty = ascii("i,qty=");
const quoteQty = ascii("i,quote_qty=");
const tradeId = ascii("i,trade_id=");
const makerOrderId = ascii("i,maker_order_id=");
const takerOrderId = ascii("i,taker_order_id=");
const makerUser = ascii("i,maker_user=");
const takerUser = ascii("i,taker_user=");
const seq = ascii("i,seq=");
const beforeTs = ascii("i ");
checkLineBound(
  "ticks",
  [head, ...sides, qty, quoteQty, tradeId, makerOrderId, takerOrderId, makerUser, takerUser, seq, beforeTs],
  1,
  11,
);

export class TicksIlp {
  /** Trades refused before reaching the buffer (unknown symbol id or a bad field); each also returned its reason. */
  rowsRefused = 0;

  constructor(
    readonly writer: IlpHttpWriter,
    private readonly symbols: SymbolNames,
  ) {}

  /** Appends one trade; returns why it was refused, or null. */
  append(t: TradeRow): string | null {
    if (!this.symbols.has(t.symbolId)) return this.refuse(`symbol id ${t.symbolId} is not registered`);
    const error = tradeRowError(t);
    if (error !== null) return this.refuse(error);
    const b = this.writer.beginLine();
    b.copy(head);
    b.copy(this.symbols.bytes(t.symbolId));
    b.copy(sides[t.takerSide]!);
    b.int(t.priceTicks);
    b.copy(qty);
    b.int(t.qtyLots);
    b.copy(quoteQty);
    b.int(t.quoteQty);
    b.copy(tradeId);
    b.int(t.tradeId);
    b.copy(makerOrderId);
    b.int(t.makerOrderId);
    b.copy(takerOrderId);
    b.int(t.takerOrderId);
    b.copy(makerUser);
    b.int(t.makerUserId);
    b.copy(takerUser);
    b.int(t.takerUserId);
    b.copy(seq);
    b.int(t.seq);
    b.copy(beforeTs);
    b.int(t.tsUs);
    b.byte(10);
    this.writer.endLine();
    return null;
  }

  private refuse(reason: string): string {
    this.rowsRefused++;
    return `ticks: ${reason}`;
  }
}
