// What a snapshot is made from: the engine's own image (captured by the
// engine, between two commands) and the snapshot's metadata. Capturing is the
// only part of a snapshot that stops matching; encoding runs in a worker.

import type { Engine } from "../engine/engine.ts";
import { captureImage as captureEngineImage, type EngineImage, imageBuffers as engineImageBuffers } from "../engine/image.ts";
import type { JournalIdentity } from "./format.ts";

export interface SnapshotImage {
  /** Input-log position: the last command applied. */
  seq: number;
  /** The sequencer's next order id. */
  nextOrderId: number;
  createdAtMs: number;
  /** The input log the engine's state was built from. */
  journal: JournalIdentity;
  engine: EngineImage;
}

/** Captures the engine's image with the snapshot's metadata; `nextOrderId` is the sequencer's counter. */
export function captureImage(engine: Engine, nextOrderId: number, createdAtMs: number, journal: JournalIdentity): SnapshotImage {
  const image = captureEngineImage(engine);
  return { seq: image.lastSeq, nextOrderId, createdAtMs, journal, engine: image };
}

/** The image's buffers, for transfer to a worker without copying. */
export function imageBuffers(image: SnapshotImage): ArrayBuffer[] {
  return engineImageBuffers(image.engine);
}
