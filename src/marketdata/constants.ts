// Limits of the in-memory market data, with their units and reasons; checked
// together when an aggregator or ring is built.

export interface CandleLimits {
  /** Symbol ids are in [0, symbolsMax): the engine's default registry holds 64. */
  symbolsMax: number;
  /** Candles kept per (symbol, interval), oldest evicted first: a chart loads 1,000 without the database. */
  candlesPerSeries: number;
}

export const candleLimitsDefault: Readonly<CandleLimits> = { symbolsMax: 64, candlesPerSeries: 1024 };

/** The floor: at least the last 1,000 candles per symbol and interval stay in memory. */
export const candlesPerSeriesMin = 1000;
/** Bytes per kept candle: 4 int32 prices, 12 float64 columns, 1 flag byte. */
export const candleSlotBytes = 4 * 4 + 12 * 8 + 1;
/** Refuse configurations whose candle columns would pass this (64 symbols x 6 intervals x 1024 candles is 42 MiB). */
export const candleBytesMax = 2 ** 31;

export function checkCandleLimits(l: CandleLimits): CandleLimits {
  if (!(Number.isInteger(l.symbolsMax) && l.symbolsMax >= 1 && l.symbolsMax <= 1 << 16))
    throw new Error(`candles: symbolsMax ${l.symbolsMax} must be an integer in [1, 65536]`);
  if (!(Number.isInteger(l.candlesPerSeries) && l.candlesPerSeries >= 1 && l.candlesPerSeries <= 1 << 20)) {
    throw new Error(`candles: candlesPerSeries ${l.candlesPerSeries} must be an integer in [1, 2^20]`);
  }
  const bytes = l.symbolsMax * 6 * l.candlesPerSeries * candleSlotBytes;
  if (bytes > candleBytesMax)
    throw new Error(
      `candles: ${bytes} bytes of candle columns (> ${candleBytesMax}); lower symbolsMax or candlesPerSeries`,
    );
  return l;
}

export interface TickRingLimits {
  symbolsMax: number;
  /** Newest ticks kept per symbol: the "latest trades" panel and a 1,000-tick API page without the database. */
  ticksPerSymbol: number;
}

export const tickRingLimitsDefault: Readonly<TickRingLimits> = { symbolsMax: 64, ticksPerSymbol: 1024 };
/** Bytes per kept tick: 6 float64 columns and the side byte. */
export const tickSlotBytes = 6 * 8 + 1;

export function checkTickRingLimits(l: TickRingLimits): TickRingLimits {
  if (!(Number.isInteger(l.symbolsMax) && l.symbolsMax >= 1 && l.symbolsMax <= 1 << 16))
    throw new Error(`ticks: symbolsMax ${l.symbolsMax} must be an integer in [1, 65536]`);
  if (!(Number.isInteger(l.ticksPerSymbol) && l.ticksPerSymbol >= 1 && l.ticksPerSymbol <= 1 << 20)) {
    throw new Error(`ticks: ticksPerSymbol ${l.ticksPerSymbol} must be an integer in [1, 2^20]`);
  }
  const bytes = l.symbolsMax * l.ticksPerSymbol * tickSlotBytes;
  if (bytes > 2 ** 31)
    throw new Error(`ticks: ${bytes} bytes of tick columns (> 2 GiB); lower symbolsMax or ticksPerSymbol`);
  return l;
}

if (candleLimitsDefault.candlesPerSeries < candlesPerSeriesMin)
  throw new Error("candles: the default ring must keep at least 1,000 candles");
