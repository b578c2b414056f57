// Client order id -> order id of every live order in one engine shard, per
// user. Kafka producers (and the TCP gateway in Kafka mode) name orders by
// their own client order ids; the shard resolves them when it applies a
// command, in partition order, so a Cancel right behind its NewOrder finds
// it whoever produced the two. Learnt from the engine's events exactly as
// the gateway's map is (an Accepted adds, a Cancelled or a fill that leaves
// nothing removes, nothing else touches it), and a pure function of the
// engine's live orders: after a snapshot restore it is rebuilt from them.

import { EventKind } from "../../engine/constants.ts";
import type { Engine } from "../../engine/engine.ts";
import type { EventBuffer } from "../../engine/events.ts";
import type { EventConsumer } from "../../sequencer/sequencer.ts";

export class ClientIds implements EventConsumer {
  private readonly byUser = new Map<number, Map<number, number>>();
  /** Live orders mapped. */
  size = 0;

  /** The live order `user` calls `clientId`, or 0 (no order id is 0). */
  find(user: number, clientId: number): number {
    return this.byUser.get(user)?.get(clientId) ?? 0;
  }

  onEvents(events: EventBuffer): void {
    for (let i = 0; i < events.count; i++) {
      const kind = events.kind[i]!;
      if (kind === EventKind.Accepted) this.add(events.user[i]!, events.clientId[i]!, events.id[i]!);
      else if (kind === EventKind.Cancelled) this.forget(events.user[i]!, events.clientId[i]!, events.id[i]!);
      else if (kind === EventKind.Trade) {
        if (events.leavesQtyLots[i] === 0) this.forget(events.user[i]!, events.clientId[i]!, events.id[i]!);
        if (events.otherLeavesQtyLots[i] === 0) this.forget(events.otherUser[i]!, events.otherClientId[i]!, events.otherId[i]!);
      }
    }
  }

  /** Forgets everything and maps every live order of `engine` (after a snapshot restore). */
  rebuild(engine: Engine): void {
    this.byUser.clear();
    this.size = 0;
    engine.forEachLiveOrder((id, user, clientId) => this.add(user, clientId, id));
  }

  private add(user: number, clientId: number, orderId: number): void {
    let orders = this.byUser.get(user);
    if (orders === undefined) {
      orders = new Map();
      this.byUser.set(user, orders);
    }
    if (!orders.has(clientId)) this.size++;
    orders.set(clientId, orderId);
  }

  /** Drops a client id only while it still names this order. */
  private forget(user: number, clientId: number, orderId: number): void {
    const orders = this.byUser.get(user);
    if (orders === undefined || orders.get(clientId) !== orderId) return;
    orders.delete(clientId);
    this.size--;
    if (orders.size === 0) this.byUser.delete(user);
  }
}
