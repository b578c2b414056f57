// Records the market-data stream hands to its sinks besides trades (trade.ts):
// level-3 order changes, level-2 level changes and best bid/offer. One mutable
// row per kind is reused for every record, so passing one allocates nothing; a
// sink that keeps a record copies the fields it needs. Nothing here is tied to
// a transport: the WebSocket feed, Kafka and QuestDB read the same rows.

/** What happened to a resting order (level 3). Codes equal the feed schema's OrderChangeKind. */
export const OrderChangeKind = { Add: 1, Change: 2, Remove: 3 } as const;
export type OrderChangeKind = (typeof OrderChangeKind)[keyof typeof OrderChangeKind];

export interface OrderChangeRow {
  symbolId: number;
  kind: number;
  /** The exchange-wide order id: public, it says nothing about the owner. */
  orderId: number;
  side: number;
  priceTicks: number;
  /** Remaining quantity after the change (Add, Change); the quantity that left (Remove). */
  qtyLots: number;
  seq: number;
  tsUs: number;
}

/** A price level's state after a batch of changes; ordersCount 0 (qtyLots 0) means the level is gone. */
export interface LevelChangeRow {
  symbolId: number;
  side: number;
  priceTicks: number;
  qtyLots: number;
  ordersCount: number;
  /** Seq of the last command that changed the level. */
  seq: number;
}

/** Best bid and offer; price 0 and quantity 0 for an empty side. */
export interface BboRow {
  symbolId: number;
  bidPriceTicks: number;
  bidQtyLots: number;
  bidOrders: number;
  askPriceTicks: number;
  askQtyLots: number;
  askOrders: number;
  seq: number;
  tsUs: number;
}

export function newOrderChangeRow(): OrderChangeRow {
  return { symbolId: 0, kind: 0, orderId: 0, side: 0, priceTicks: 0, qtyLots: 0, seq: 0, tsUs: 0 };
}

export function newLevelChangeRow(): LevelChangeRow {
  return { symbolId: 0, side: 0, priceTicks: 0, qtyLots: 0, ordersCount: 0, seq: 0 };
}

export function newBboRow(): BboRow {
  return {
    symbolId: 0,
    bidPriceTicks: 0,
    bidQtyLots: 0,
    bidOrders: 0,
    askPriceTicks: 0,
    askQtyLots: 0,
    askOrders: 0,
    seq: 0,
    tsUs: 0,
  };
}
