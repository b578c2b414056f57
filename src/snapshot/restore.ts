// Rebuilds an engine from a snapshot: checks it whole first, then replays its
// books into a fresh engine. The caller restores the sequencer's counters from
// the header and replays the input log after `seq` to reach the state of the
// moment before the stop.

import type { Engine } from "../engine/engine.ts";
import { checkSnapshot, type JournalIdentity, readBody, type SnapshotHeader } from "./format.ts";

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
    return `taken from another journal (shard ${j.shardId}, created at ${j.createdAtNs} ns), this one is shard ${journal.shardId}, created at ${journal.createdAtNs} ns`;
  }
  if (engine.booksCount !== 0 || engine.ordersLive !== 0 || engine.lastSeq !== 0) throw new Error("restoreSnapshot needs a fresh engine");
  readBody(bytes, {
    symbol: (name, tickSize, lotSize, minPrice, maxPrice, maxQty, lastPriceTicks) => {
      engine.restoreSymbol({ name, tickSize, lotSize, minPrice, maxPrice, maxQty }, lastPriceTicks);
    },
    resting: (book, side, price, id, clientId, user, qty, postOnly, stp) => engine.restoreResting(book, side, price, id, clientId, user, qty, postOnly, stp),
    stop: (book, id, clientId, user, qty, arrival, price, stop, side, type, tif, postOnly, stp) =>
      engine.restoreStop(book, id, clientId, user, qty, arrival, price, stop, side, type, tif, postOnly, stp),
  });
  engine.restoreCounters(header.nextTradeId, header.seq);
  return header;
}
