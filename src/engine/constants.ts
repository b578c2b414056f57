// Codes shared by the engine, the wire protocol, the replay tool and the tests.
// Every code is a small integer so it fits a typed-array column and a wire byte;
// the names are what the NDJSON and HTTP edges print.

export const NIL = -1;

export const Side = { Buy: 0, Sell: 1 } as const;
export type Side = (typeof Side)[keyof typeof Side];

export const OrderType = { Limit: 0, Market: 1, StopLimit: 2, StopMarket: 3 } as const;
export type OrderType = (typeof OrderType)[keyof typeof OrderType];

export const Tif = { Gtc: 0, Ioc: 1, Fok: 2 } as const;
export type Tif = (typeof Tif)[keyof typeof Tif];

/** Self-trade prevention: what happens when a taker meets a resting order of its own user. */
export const Stp = { None: 0, CancelTaker: 1, CancelMaker: 2, CancelBoth: 3, Decrement: 4 } as const;
export type Stp = (typeof Stp)[keyof typeof Stp];

export const EventKind = {
  Accepted: 1,
  Rejected: 2,
  Trade: 3,
  Cancelled: 4,
  Modified: 5,
  Triggered: 6,
  /** A live order lost quantity without trading (self-trade `decrement`); it stays live. */
  Reduced: 7,
  /** The summary of a mass cancel: qty = orders cancelled (after their own `cancelled` events). */
  MassCancelled: 8,
  /** An order's quantity joined the tail of a price level (after its trades, if any). */
  Booked: 9,
} as const;
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

export const Reject = {
  UnknownSymbol: 1,
  PriceOffTick: 2,
  PriceOutOfBand: 3,
  BadQuantity: 4,
  DuplicateOrderId: 5,
  UnknownOrder: 6,
  NotOwner: 7,
  PostOnlyWouldTake: 8,
  FokNotFillable: 9,
  CapacityFull: 10,
  /** A field outside its domain: side, type, tif, stp, an id or user that is not an integer in [0, 2^53). */
  BadField: 11,
  /** Stop orders cannot be modified before they trigger; cancel and place a new one. */
  NotModifiable: 12,
  /** The symbol is halted (an operator's SymbolStatus): new orders and modifies are refused, cancels are taken. */
  SymbolHalted: 13,
} as const;
export type Reject = (typeof Reject)[keyof typeof Reject];

export const CancelReason = {
  User: 1,
  Ioc: 2,
  Fok: 3,
  MarketRemainder: 4,
  SelfTrade: 5,
  /** A triggered post-only stop-limit that would take liquidity. */
  PostOnly: 6,
  /** A triggered stop-limit whose remainder found no free price level to rest on. */
  Capacity: 7,
  /** A mass cancel the user asked for. */
  MassCancel: 8,
  /** Cancel on disconnect: the user's session ended and its grace period passed. */
  Disconnect: 9,
  /** The user's dead-man's switch was not renewed in time. */
  DeadMansSwitch: 10,
  /** An operator's cancel. */
  Admin: 11,
} as const;

export type CancelReason = (typeof CancelReason)[keyof typeof CancelReason];

/** Which side a mass cancel covers (the wire's MassCancelSide). */
export const MassCancelSide = { Both: 0, Buy: 1, Sell: 2 } as const;
export type MassCancelSide = (typeof MassCancelSide)[keyof typeof MassCancelSide];

export const sideNames = ["buy", "sell"] as const;
export const orderTypeNames = ["limit", "market", "stop_limit", "stop_market"] as const;
export const tifNames = ["gtc", "ioc", "fok"] as const;
export const stpNames = ["none", "cancel_taker", "cancel_maker", "cancel_both", "decrement"] as const;
export const eventKindNames = [
  "",
  "accepted",
  "rejected",
  "trade",
  "cancelled",
  "modified",
  "triggered",
  "reduced",
  "mass_cancelled",
  "booked",
] as const;
export const rejectNames = [
  "",
  "unknown_symbol",
  "price_off_tick",
  "price_out_of_band",
  "bad_quantity",
  "duplicate_order_id",
  "unknown_order",
  "not_owner",
  "post_only_would_take",
  "fok_not_fillable",
  "capacity_full",
  "bad_field",
  "not_modifiable",
  "symbol_halted",
] as const;
export const cancelReasonNames = [
  "",
  "user",
  "ioc",
  "fok",
  "market",
  "self_trade",
  "post_only",
  "capacity",
  "mass_cancel",
  "disconnect",
  "dead_mans_switch",
  "admin",
] as const;
export const massSideNames = ["both", "buy", "sell"] as const;

/** A symbol's trading status (the wire's SymbolTradingStatus): halted books take cancels only. */
export const TradingStatus = { Open: 0, Halted: 1 } as const;
export const tradingStatusNames = ["open", "halted"] as const;

/** Largest integer every id, user, quantity and counter may reach: exact in a float64. */
export const INT_MAX = Number.MAX_SAFE_INTEGER;
/** Prices live in Int32Array columns; a symbol's band must fit below this. */
export const PRICE_MAX = 0x7fffffff;
