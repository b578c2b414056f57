// Rows of the `candles` table (schema.ts), read straight from the aggregator's
// columns. A live candle is written with final=f and upserted (same key) as it
// changes; the final row overwrites it:
//   candles,symbol=BTC-USD,interval=1m open=100i,high=104i,low=98i,close=101i,volume=12i,
//     quote_volume=1212i,trades=4i,vwap=101i,first_trade_id=7i,last_trade_id=10i,final=t 1767571200000000

import type { CandleAggregator } from "../marketdata/candles.ts";
import { intervalNames } from "../marketdata/intervals.ts";
import { ascii, checkLineBound } from "./ilp-buffer.ts";
import type { SymbolNames } from "./symbols.ts";
import type { IlpHttpWriter } from "./writer.ts";

const head = ascii("candles,symbol=");
const intervals = intervalNames.map((n) => ascii(`,interval=${n} open=`));
const high = ascii("i,high=");
const low = ascii("i,low=");
const close = ascii("i,close=");
const volume = ascii("i,volume=");
const quoteVolume = ascii("i,quote_volume=");
const trades = ascii("i,trades=");
const vwap = ascii("i,vwap=");
const firstTradeId = ascii("i,first_trade_id=");
const lastTradeId = ascii("i,last_trade_id=");
const finalTrue = ascii("i,final=t ");
const finalFalse = ascii("i,final=f ");
checkLineBound(
  "candles",
  [head, ...intervals, high, low, close, volume, quoteVolume, trades, vwap, firstTradeId, lastTradeId, finalTrue],
  1,
  12,
);

/** A LONG column holds values below 2^63: a wide sum's high limb below 2^31. */
const longHiMax = 2 ** 31;

export class CandlesIlp {
  rowsRefused = 0;

  constructor(
    readonly writer: IlpHttpWriter,
    private readonly symbols: SymbolNames,
  ) {}

  /** Appends the candle in `slot` of `agg`; returns why it was refused, or null. */
  append(agg: CandleAggregator, symbolId: number, interval: number, slot: number): string | null {
    if (!this.symbols.has(symbolId)) return this.refuse(`symbol id ${symbolId} is not registered`);
    if (!(agg.volumeHi[slot]! < longHiMax && agg.quoteHi[slot]! < longHiMax)) {
      return this.refuse(
        `volume ${agg.volumeText(slot)} or quote volume ${agg.quoteVolumeText(slot)} does not fit a LONG column`,
      );
    }
    const b = this.writer.beginLine();
    b.copy(head);
    b.copy(this.symbols.bytes(symbolId));
    b.copy(intervals[interval]!);
    b.int(agg.open[slot]!);
    b.copy(high);
    b.int(agg.high[slot]!);
    b.copy(low);
    b.int(agg.low[slot]!);
    b.copy(close);
    b.int(agg.close[slot]!);
    b.copy(volume);
    b.wide(agg.volumeHi, agg.volumeLo, slot);
    b.copy(quoteVolume);
    b.wide(agg.quoteHi, agg.quoteLo, slot);
    b.copy(trades);
    b.int(agg.tradeCount[slot]!);
    b.copy(vwap);
    b.int(agg.vwapTicks(slot));
    b.copy(firstTradeId);
    b.int(agg.firstTradeId[slot]!);
    b.copy(lastTradeId);
    b.int(agg.lastTradeId[slot]!);
    b.copy(agg.final[slot] === 1 ? finalTrue : finalFalse);
    b.int(agg.openTimeUs[slot]!);
    b.byte(10);
    this.writer.endLine();
    return null;
  }

  private refuse(reason: string): string {
    this.rowsRefused++;
    return `candles: ${reason}`;
  }
}
