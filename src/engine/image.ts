// A frozen copy of the engine's state, taken between two commands. Taking it
// is the only part of a snapshot that stops matching: a handful of typed-array
// copies (memcpy) sized to the slots and levels ever used, not to capacity.
// The copy is then encoded elsewhere (image-codec.ts, in a worker) while
// matching goes on. Only the engine knows these columns.

import type { Engine } from "./engine.ts";
import { LADDERS_PER_BOOK, LEVEL_ROW_BYTES, ORDER_ROW_BYTES } from "./store.ts";

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
  /** Ladder rows, (key, level) pairs (store.ts). */
  ladRows: Int32Array;
  ladLevelsCount: Int32Array;
  /** Level rows [0, levelsHighWater) in the store's layout (LEVEL_ROW_BYTES each, store.ts). */
  levelRows: ArrayBuffer;
  /** Order rows [0, slotsHighWater) in the store's layout (ORDER_ROW_BYTES each, store.ts). */
  orderRows: ArrayBuffer;
  ordArrivalSeqs: Float64Array;
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
    ladRows: engine.ladRows.slice(0, ladderRows * 2),
    ladLevelsCount: engine.ladLevelsCount.slice(0, books * LADDERS_PER_BOOK),
    levelRows: engine.lvlI.buffer.slice(0, levels * LEVEL_ROW_BYTES) as ArrayBuffer,
    orderRows: engine.ordF.buffer.slice(0, slots * ORDER_ROW_BYTES) as ArrayBuffer,
    ordArrivalSeqs: engine.ordArrivalSeqs.slice(0, slots),
  };
}

/** The image's buffers, for transfer to a worker without copying. */
export function imageBuffers(image: EngineImage): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const v of Object.values(image)) {
    if (ArrayBuffer.isView(v)) out.push(v.buffer as ArrayBuffer);
    else if (v instanceof ArrayBuffer) out.push(v);
  }
  return out;
}
