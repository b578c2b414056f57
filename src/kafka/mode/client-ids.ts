// Client order id -> order id of every live order in one engine shard, per
// user. Kafka producers (and the TCP gateway in Kafka mode) name orders by
// their own client order ids; the shard resolves them when it applies a
// command, in partition order, so a Cancel right behind its NewOrder finds
// it whoever produced the two. Learnt from the engine's events exactly as
// the gateway's map is (an Accepted adds, a Cancelled or a fill that leaves
// nothing removes, nothing else touches it), and a pure function of the
// engine's live orders: after a snapshot restore it is rebuilt from them.
//
// Storage: one open-addressing table over typed arrays, allocated once for
// the engine's live-order capacity (every entry is a live order), load at
// most one half, linear probing, backward-shift deletion: no allocation per
// command (nested Maps allocate as users come and go).

import { EventKind } from "../../engine/constants.ts";
import type { Engine } from "../../engine/engine.ts";
import type { EventBuffer } from "../../engine/events.ts";
import type { EventConsumer } from "../../sequencer/sequencer.ts";

const EMPTY = -1;
const TWO_32 = 4294967296;

function mix(a: number): number {
  let h = Math.imul((a >>> 0) ^ Math.imul((a / TWO_32) >>> 0, 0x27d4eb2d), 0x9e3779b1);
  h ^= h >>> 15;
  return Math.imul(h, 0x85ebca6b);
}

export class ClientIds implements EventConsumer {
  /** Entries held at most: the engine's live-order capacity. */
  readonly entriesMax: number;
  /** Slot i is cells [3i, 3i + 3): user (EMPTY when free), client id, order id; one cache line per probe. */
  private readonly cells: Float64Array;
  private readonly mask: number;
  /** Live orders mapped. */
  size = 0;

  constructor(entriesMax: number) {
    if (!(Number.isInteger(entriesMax) && entriesMax >= 1 && entriesMax <= 1 << 27))
      throw new Error(`client ids: entriesMax ${entriesMax} outside [1, 2^27]`);
    this.entriesMax = entriesMax;
    let slots = 2;
    while (slots < entriesMax * 2) slots *= 2;
    this.cells = new Float64Array(slots * 3);
    for (let i = 0; i < slots; i++) this.cells[3 * i] = EMPTY;
    this.mask = slots - 1;
  }

  private home(user: number, clientId: number): number {
    return (mix(user) ^ Math.imul(mix(clientId), 0x01000193)) & this.mask;
  }

  /** The slot of (user, clientId), or the empty slot where it would go. */
  private slotOf(user: number, clientId: number): number {
    const cells = this.cells;
    const mask = this.mask;
    let i = this.home(user, clientId);
    for (;;) {
      const u = cells[3 * i]!;
      if (u === EMPTY || (u === user && cells[3 * i + 1] === clientId)) return i;
      i = (i + 1) & mask;
    }
  }

  /** The live order `user` calls `clientId`, or 0 (no order id is 0). */
  find(user: number, clientId: number): number {
    if (user < 0 || clientId < 0) return 0;
    const i = this.slotOf(user, clientId);
    return this.cells[3 * i] === EMPTY ? 0 : this.cells[3 * i + 2]!;
  }

  onEvents(events: EventBuffer): void {
    for (let i = 0; i < events.count; i++) {
      const kind = events.kind(i);
      if (kind === EventKind.Accepted) this.add(events.user(i), events.clientId(i), events.id(i));
      else if (kind === EventKind.Cancelled) this.forget(events.user(i), events.clientId(i), events.id(i));
      else if (kind === EventKind.Trade) {
        if (events.leavesQtyLots(i) === 0) this.forget(events.user(i), events.clientId(i), events.id(i));
        if (events.otherLeavesQtyLots(i) === 0)
          this.forget(events.otherUser(i), events.otherClientId(i), events.otherId(i));
      }
    }
  }

  /** Forgets everything and maps every live order of `engine` (after a snapshot restore). */
  rebuild(engine: Engine): void {
    for (let i = 0; i <= this.mask; i++) this.cells[3 * i] = EMPTY;
    this.size = 0;
    engine.forEachLiveOrder((id, user, clientId) => this.add(user, clientId, id));
  }

  private add(user: number, clientId: number, orderId: number): void {
    const i = this.slotOf(user, clientId);
    const cells = this.cells;
    if (cells[3 * i] === EMPTY) {
      // Every entry is a live order of the engine, which holds at most entriesMax.
      if (this.size === this.entriesMax) throw new Error(`client ids: more than ${this.entriesMax} live orders`);
      cells[3 * i] = user;
      cells[3 * i + 1] = clientId;
      this.size++;
    }
    cells[3 * i + 2] = orderId;
  }

  /** Drops a client id only while it still names this order. */
  private forget(user: number, clientId: number, orderId: number): void {
    let i = this.slotOf(user, clientId);
    const cells = this.cells;
    if (cells[3 * i] === EMPTY || cells[3 * i + 2] !== orderId) return;
    this.size--;
    // Backward-shift deletion: entries after the hole move back if their home allows; no tombstones.
    const mask = this.mask;
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const u = cells[3 * j]!;
      if (u === EMPTY) break;
      const home = this.home(u, cells[3 * j + 1]!);
      // Move j into the hole i unless its home lies cyclically in (i, j].
      if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
        cells[3 * i] = u;
        cells[3 * i + 1] = cells[3 * j + 1]!;
        cells[3 * i + 2] = cells[3 * j + 2]!;
        i = j;
      }
    }
    cells[3 * i] = EMPTY;
  }
}
