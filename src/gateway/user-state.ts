// What the gateway keeps per user across sessions: the session that receives
// the user's reports, the user's live orders by client order id, and the
// user's cancel-on-disconnect and dead-man's-switch deadlines.

import { ClientOrders } from "./client-orders.ts";
import type { Session } from "./session.ts";

export class UserState {
  readonly user: number;
  session: Session | null = null;
  /**
   * Client order id -> exchange order id of every live order (resting or
   * stop), learnt from the engine's events: an Accepted adds it, a Cancelled
   * or a fill that leaves nothing removes it, nothing else touches it. Its
   * log keeps them in the order added, so ascending order id (ids only grow).
   */
  readonly orders = new ClientOrders();
  /** Highest order id ever added to `orders`. */
  lastOrderId = 0;
  /** When the user's orders are cancelled because the last session ended (0 = not armed). */
  cancelOnDisconnectAtMs = 0;
  /** The dead-man's switch: its timeout (0 = disarmed) and when it fires. */
  deadMansSwitchTimeoutMs = 0;
  deadMansSwitchAtMs = 0;

  constructor(user: number) {
    this.user = user;
  }

  /** Records a live order (an Accepted event). */
  add(clientId: number, orderId: number): void {
    this.orders.add(clientId, orderId);
    if (orderId > this.lastOrderId) this.lastOrderId = orderId;
  }

  /** Drops a client order id that no longer names a live order (only if it still names this one). */
  forget(clientId: number, orderId: number): void {
    this.orders.forget(clientId, orderId);
  }
}

/** Every user the gateway has seen (bounded by the API keys plus users whose orders came from other inputs). */
export class Users {
  private readonly byId = new Map<number, UserState>();

  get(user: number): UserState | undefined {
    return this.byId.get(user);
  }

  of(user: number): UserState {
    let us = this.byId.get(user);
    if (us === undefined) {
      us = new UserState(user);
      this.byId.set(user, us);
    }
    return us;
  }

  values(): IterableIterator<UserState> {
    return this.byId.values();
  }
}
