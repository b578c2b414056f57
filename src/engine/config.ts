// Engine capacities. Everything is allocated once at start-up from these; running
// out of any of them is a `capacity_full` reject, never a crash or a silent grow.

import { INT_MAX, PRICE_MAX } from "./constants.ts";
import type { SymbolSpec } from "./command.ts";

export interface EngineConfig {
  /** Live orders (resting plus untriggered stops) over all books. */
  ordersMax: number;
  /** Price levels over all books and sides (stop-price levels included). */
  levelsMax: number;
  /** Price levels in one side of one book (also the stop levels of one side). */
  levelsPerSideMax: number;
  symbolsMax: number;
  /** Rows in the event buffer before it must be drained. */
  eventsMax: number;
}

/** Largest ordersMax: order rows are addressed by int32 byte offsets (store.ts). */
export const ORDERS_MAX_LIMIT = 1 << 25;

export const defaultEngineConfig: Readonly<EngineConfig> = {
  ordersMax: 1 << 20,
  levelsMax: 1 << 18,
  levelsPerSideMax: 1 << 14,
  symbolsMax: 64,
  eventsMax: 1 << 16,
};

/** Fills defaults and checks that the numbers fit together; throws on a bad configuration. */
export function resolveEngineConfig(partial: Partial<EngineConfig> = {}): EngineConfig {
  const c: EngineConfig = { ...defaultEngineConfig, ...partial };
  const within = (name: keyof EngineConfig, lo: number, hi: number) => {
    const v = c[name];
    if (!(Number.isInteger(v) && v >= lo && v <= hi))
      throw new Error(`engine config ${name}=${v} must be an integer in [${lo}, ${hi}]`);
  };
  // An order's byte offset (slot << 6 in a row of 64 bytes, store.ts) must stay an int32: 2^25 orders is 2 GiB of rows.
  within("ordersMax", 1, ORDERS_MAX_LIMIT);
  within("levelsMax", 1, 1 << 26);
  within("levelsPerSideMax", 1, 1 << 24);
  within("symbolsMax", 1, 1 << 16);
  within("eventsMax", 16, 1 << 24);
  // The ladders of all books are preallocated: symbols x 4 ladders x levels per side x 8 bytes.
  const ladderBytes = c.symbolsMax * 4 * c.levelsPerSideMax * 8;
  if (ladderBytes > 2 ** 31)
    throw new Error(
      `engine config: ladders would take ${ladderBytes} bytes (> 2 GiB); lower symbolsMax or levelsPerSideMax`,
    );
  return c;
}

/** Why a symbol specification is unusable with this configuration, or null. */
export function symbolSpecError(spec: SymbolSpec, config: EngineConfig): string | null {
  const isInt = (v: unknown, lo: number, hi: number) =>
    typeof v === "number" && Number.isInteger(v) && v >= lo && v <= hi;
  if (typeof spec.name !== "string" || spec.name.length < 1 || spec.name.length > 32)
    return "name must be 1..32 characters";
  if (!isInt(spec.tickSize, 1, PRICE_MAX)) return "tickSize must be an integer >= 1";
  if (!isInt(spec.lotSize, 1, INT_MAX)) return "lotSize must be an integer >= 1";
  if (!isInt(spec.minPrice, 1, PRICE_MAX)) return `minPrice must be an integer in [1, ${PRICE_MAX}]`;
  if (!isInt(spec.maxPrice, spec.minPrice, PRICE_MAX)) return `maxPrice must be an integer in [minPrice, ${PRICE_MAX}]`;
  if (!isInt(spec.maxQty, spec.lotSize, INT_MAX)) return "maxQty must be an integer >= lotSize";
  // A level's total quantity is a float64 sum of up to ordersMax orders: it must stay exact.
  if (spec.maxQty * config.ordersMax > INT_MAX)
    return `maxQty x ordersMax must stay below 2^53 (maxQty <= ${Math.floor(INT_MAX / config.ordersMax)})`;
  return null;
}
