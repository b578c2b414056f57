// What a snapshot is made from: the engine's own image (captured by the
// engine, between two commands) and the snapshot's metadata. Capturing is the
// only part of a snapshot that stops matching; encoding runs in a worker.

import type { Engine } from "../engine/engine.ts";
import {
  captureImage as captureEngineImage,
  type EngineImage,
  imageBuffers as engineImageBuffers,
} from "../engine/image.ts";
import type { JournalIdentity } from "./format.ts";

export interface SnapshotImage {
  /** Input-log position: the last command applied. */
  seq: number;
  /** The sequencer's next order id. */
  nextOrderId: number;
  /** Kafka mode: the partition offset after the last record the engine's state includes; 0 for a journal. */
  inputOffset: number;
  createdAtMs: number;
  /** The input log the engine's state was built from. */
  journal: JournalIdentity;
  engine: EngineImage;
}

/** Captures the engine's image with the snapshot's metadata; `nextOrderId` is the sequencer's counter. */
export function captureImage(
  engine: Engine,
  nextOrderId: number,
  createdAtMs: number,
  journal: JournalIdentity,
  inputOffset = 0,
): SnapshotImage {
  if (!(Number.isSafeInteger(inputOffset) && inputOffset >= 0))
    throw new Error(`snapshot input offset ${inputOffset} is not a non-negative integer`);
  const image = captureEngineImage(engine);
  return { seq: image.lastSeq, nextOrderId, inputOffset, createdAtMs, journal, engine: image };
}

/** The image's buffers, for transfer to a worker without copying. */
export function imageBuffers(image: SnapshotImage): ArrayBuffer[] {
  return engineImageBuffers(image.engine);
}
