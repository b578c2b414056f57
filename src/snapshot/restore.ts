// Rebuilds an engine from a snapshot: checks the frame whole first, then hands
// the body to the engine's own image decoder. The caller restores the
// sequencer's counters from the header and replays the input log after `seq`
// to reach the state of the moment before the stop.

import type { Engine } from "../engine/engine.ts";
import { restoreImage } from "../engine/image-codec.ts";
import { checkSnapshot, type JournalIdentity, type SnapshotHeader, snapshotBody } from "./format.ts";

/**
 * Restores into `engine`, which must be fresh. Returns the header, or why
 * the snapshot is unusable (nothing changed then): damaged, another format,
 * or taken from another journal than `journal` (its state and these records
 * would be two different histories).
 */
export function restoreSnapshot(bytes: Uint8Array, engine: Engine, journal: JournalIdentity): SnapshotHeader | string {
  const header = checkSnapshot(bytes);
  if (typeof header === "string") return header;
  const j = header.journal;
  if (j.createdAtNs !== journal.createdAtNs || j.shardId !== journal.shardId) {
    return (
      `taken from another journal (shard ${j.shardId}, created at ${j.createdAtNs} ns), ` +
      `this one is shard ${journal.shardId}, created at ${journal.createdAtNs} ns`
    );
  }
  restoreImage(snapshotBody(bytes), engine, header.bodyVersion);
  if (engine.lastSeq !== header.seq)
    throw new Error(`snapshot header says seq ${header.seq}, its engine image ${engine.lastSeq}`);
  return header;
}
