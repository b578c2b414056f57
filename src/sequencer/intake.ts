// What an order-entry front end (the TCP gateway) needs from the exchange
// behind it: somewhere to submit commands, the events they cause, and a view
// of the engine's symbols and live orders. Two implementations: the Sequencer
// (embedded mode: the command is logged in the journal and applied at once)
// and the Kafka intake (src/kafka/mode/intake.ts: the command is produced to
// its `orders` partition and applied when the engine shard consumes it).

import type { Engine } from "../engine/engine.ts";
import type { OrderFields } from "../protocol/index.ts";
import type { Clock } from "./clock.ts";
import type { EventConsumer } from "./sequencer.ts";

/** The engine as a front end reads it: symbols for logins, live orders for OpenOrders answers. */
export type EngineView = Pick<Engine, "booksCount" | "symbolSpec" | "readOrder" | "forEachLiveOrder">;

export interface CommandIntake {
  /** Receive times and every timer of the front end come from here. */
  readonly clock: Clock;
  readonly engine: EngineView;
  /**
   * True when every event handed to the consumers is of a command already
   * durable in the input log (Kafka mode: the engine applies only what it
   * consumed), so reports need not wait for `onDurable`.
   */
  readonly eventsDurable: boolean;
  /**
   * True when whoever applies the commands resolves client order ids itself
   * (Kafka mode: the engine shard, in partition order), so a front end must
   * not refuse a Cancel for an order it has not heard of yet.
   */
  readonly resolvesClientIds: boolean;
  /** The intake's count of commands submitted; `onDurable(seq)` of the consumers counts the same way. */
  readonly lastSeq: number;
  /** Whether a command would be taken now; false while the log is full (the caller stops reading input). */
  hasRoom(): boolean;
  /** Ends the current batch: starts making everything submitted durable. */
  flush(): void;
  addConsumer(consumer: EventConsumer): void;
  submitNew(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): boolean;
  submitCancel(
    user: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
    receivedNs: number,
  ): boolean;
  submitModify(
    user: number,
    sessionId: number,
    sessionSeq: number,
    orderId: number,
    o: OrderFields,
    receivedNs: number,
  ): boolean;
  submitMassCancel(user: number, sessionId: number, sessionSeq: number, o: OrderFields, receivedNs: number): boolean;
}
