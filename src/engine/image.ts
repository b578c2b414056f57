// A frozen copy of the engine's state, taken between two commands. Taking it
// is the only part of a snapshot that stops matching: a handful of typed-array
// copies (memcpy) sized to the slots and levels ever used, not to capacity.
// The copy is then encoded elsewhere (image-codec.ts, in a worker) while
// matching goes on. Only the engine knows these columns.

import type { Engine } from "./engine.ts";
import { LADDERS_PER_BOOK } from "./store.ts";

export interface EngineImage {
  /** The last command applied. */
  lastSeq: number;
  nextTradeId: number;
  booksCount: number;
  sideMax: number;
  names: string[];
  symTickSize: Int32Array;
  symPriceTicksMin: Int32Array;
  symPriceTicksMax: Int32Array;
  symLotSize: Float64Array;
  symQtyLotsMax: Float64Array;
  lastPriceTicks: Int32Array;
  symStatus: Uint8Array;
  ladLevels: Int32Array;
  ladLevelsCount: Int32Array;
  lvlPriceTicks: Int32Array;
  lvlHead: Int32Array;
  lvlOrdersCount: Int32Array;
  ordNext: Int32Array;
  ordId: Float64Array;
  ordClientId: Float64Array;
  ordUser: Float64Array;
  ordQtyLots: Float64Array;
  ordArrivalSeq: Float64Array;
  ordPriceTicks: Int32Array;
  ordType: Uint8Array;
  ordTif: Uint8Array;
  ordPostOnly: Uint8Array;
  ordStp: Uint8Array;
}

/** Copies what an image needs from an engine between two commands. */
export function captureImage(engine: Engine): EngineImage {
  const books = engine.booksCount;
  const ladderRows = books * LADDERS_PER_BOOK * engine.sideMax;
  const slots = engine.slotsHighWater;
  const levels = engine.levelsHighWater;
  return {
    lastSeq: engine.lastSeq,
    nextTradeId: engine.nextTradeId,
    booksCount: books,
    sideMax: engine.sideMax,
    names: engine.symNames.slice(0, books),
    symTickSize: engine.symTickSize.slice(0, books),
    symPriceTicksMin: engine.symPriceTicksMin.slice(0, books),
    symPriceTicksMax: engine.symPriceTicksMax.slice(0, books),
    symLotSize: engine.symLotSize.slice(0, books),
    symQtyLotsMax: engine.symQtyLotsMax.slice(0, books),
    lastPriceTicks: engine.lastPriceTicks.slice(0, books),
    symStatus: engine.symStatus.slice(0, books),
    ladLevels: engine.ladLevels.slice(0, ladderRows),
    ladLevelsCount: engine.ladLevelsCount.slice(0, books * LADDERS_PER_BOOK),
    lvlPriceTicks: engine.lvlPriceTicks.slice(0, levels),
    lvlHead: engine.lvlHead.slice(0, levels),
    lvlOrdersCount: engine.lvlOrdersCount.slice(0, levels),
    ordNext: engine.ordNext.slice(0, slots),
    ordId: engine.ordId.slice(0, slots),
    ordClientId: engine.ordClientId.slice(0, slots),
    ordUser: engine.ordUser.slice(0, slots),
    ordQtyLots: engine.ordQtyLots.slice(0, slots),
    ordArrivalSeq: engine.ordArrivalSeq.slice(0, slots),
    ordPriceTicks: engine.ordPriceTicks.slice(0, slots),
    ordType: engine.ordType.slice(0, slots),
    ordTif: engine.ordTif.slice(0, slots),
    ordPostOnly: engine.ordPostOnly.slice(0, slots),
    ordStp: engine.ordStp.slice(0, slots),
  };
}

/** The image's buffers, for transfer to a worker without copying. */
export function imageBuffers(image: EngineImage): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const v of Object.values(image)) if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
  return out;
}
