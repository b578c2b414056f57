// The engines of a process's shards as one engine for the TCP gateway: the
// symbols (every shard defines all of them, in the same order) and live
// orders (an order id names its shard: ids.ts).

import type { SymbolSpec } from "../../engine/command.ts";
import type { OrderView } from "../../engine/queries.ts";
import type { EngineView } from "../../sequencer/intake.ts";
import { shardOfOrderId } from "./ids.ts";
import type { KafkaShard } from "./shard.ts";

export class ShardsEngineView implements EngineView {
  private readonly shards: readonly KafkaShard[];
  private readonly byPartition = new Map<number, KafkaShard>();

  constructor(shards: readonly KafkaShard[]) {
    if (shards.length === 0) throw new Error("engine view: no shard");
    this.shards = shards;
    for (const s of shards) this.byPartition.set(s.partition, s);
  }

  get booksCount(): number {
    return this.shards[0]!.sequencer.engine.booksCount;
  }

  symbolSpec(book: number): SymbolSpec {
    return this.shards[0]!.sequencer.engine.symbolSpec(book);
  }

  readOrder(id: number, into: OrderView): boolean {
    return this.byPartition.get(shardOfOrderId(id))?.sequencer.engine.readOrder(id, into) ?? false;
  }

  forEachLiveOrder(fn: (id: number, user: number, clientId: number) => void): void {
    for (const s of this.shards) s.sequencer.engine.forEachLiveOrder(fn);
  }
}
