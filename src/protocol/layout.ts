// The binary layout of schema/exchange.fbs as the verifier sees it: per table,
// one entry per vtable slot (in declaration order; a union is two slots, its
// type then its value), with each field's inline size, alignment, whether the
// schema marks it required, and the limits this protocol puts on strings and
// vectors. schema.test.ts compares every table here with the generated code,
// so a schema change that is not mirrored here fails the tests.

import {
  apiKeyBytesMax,
  decimalTextBytesMax,
  loginSymbolsCountMax,
  openOrdersPageCountMax,
  reasonTextBytesMax,
  symbolNameBytesMax,
} from "./constants.ts";

export const FieldKind = {
  /** bool, byte, enum, int, uint: `bytes` wide, read in place. */
  Scalar: 0,
  /** A struct inline in the table (U53, U64: 8 bytes, 4-aligned). */
  Struct: 1,
  /** uoffset to a zero-terminated UTF-8 string of at most `countMax` bytes. */
  String: 2,
  /** uoffset to a table of layout `table`. */
  Table: 3,
  /** uoffset to a vector of at most `countMax` uoffsets to tables of layout `table`. */
  VectorOfTables: 4,
  /** The ubyte type code of the union whose value is the next slot. */
  UnionType: 5,
  /** uoffset to the union's table, chosen by the previous slot's type code. */
  UnionValue: 6,
} as const;
export type FieldKind = (typeof FieldKind)[keyof typeof FieldKind];

export interface UnionLayout {
  readonly name: string;
  /** Indexed by type code; null for NONE (0) and for members this reader refuses. */
  readonly members: readonly (TableLayout | null)[];
}

export interface FieldLayout {
  /** The schema's field name. */
  readonly name: string;
  readonly kind: FieldKind;
  /** Inline bytes in the table: the scalar or struct size, 4 for an offset. */
  readonly bytes: number;
  readonly align: number;
  readonly required: boolean;
  /** String: most bytes. Vector: most elements. Otherwise 0. */
  readonly countMax: number;
  readonly table: TableLayout | null;
  readonly union: UnionLayout | null;
}

export interface TableLayout {
  readonly name: string;
  readonly fields: readonly FieldLayout[];
}

// Every FieldLayout has the same shape (same properties in the same order), so
// the verifier's property reads stay monomorphic.
function field(
  name: string,
  kind: FieldKind,
  bytes: number,
  required: boolean,
  countMax: number,
  table: TableLayout | null,
  union: UnionLayout | null,
): FieldLayout {
  return { name, kind, bytes, align: Math.min(bytes, 4), required, countMax, table, union };
}

const u8 = (name: string): FieldLayout => field(name, FieldKind.Scalar, 1, false, 0, null, null);
const u32 = (name: string): FieldLayout => field(name, FieldKind.Scalar, 4, false, 0, null, null);
/** U53 and U64 are 8-byte structs of two uint32: 4-aligned. */
const wide = (name: string, required: boolean): FieldLayout =>
  field(name, FieldKind.Struct, 8, required, 0, null, null);
const text = (name: string, bytesMax: number, required: boolean): FieldLayout =>
  field(name, FieldKind.String, 4, required, bytesMax, null, null);
const sub = (name: string, table: TableLayout): FieldLayout => field(name, FieldKind.Table, 4, false, 0, table, null);
const vectorOf = (name: string, table: TableLayout, countMax: number): FieldLayout =>
  field(name, FieldKind.VectorOfTables, 4, false, countMax, table, null);
/** A union occupies two slots: `<name>_type` then `<name>`. */
const union = (name: string, layout: UnionLayout, required: boolean): FieldLayout[] => [
  field(`${name}_type`, FieldKind.UnionType, 1, false, 0, null, layout),
  field(name, FieldKind.UnionValue, 4, required, 0, null, layout),
];

const table = (name: string, fields: FieldLayout[]): TableLayout => ({ name, fields });

export const Login = table("Login", [
  text("api_key", apiKeyBytesMax, true),
  u8("cancel_on_disconnect"),
  u32("cancel_on_disconnect_grace_ms"),
]);

export const MassCancel = table("MassCancel", [
  wide("request_id", true),
  u8("one_symbol"),
  u32("symbol_id"),
  u8("side"),
  u8("reason"),
  u8("all_users"),
]);

export const SymbolStatus = table("SymbolStatus", [
  wide("request_id", true),
  u32("symbol_id"),
  u8("status"),
  text("reason", reasonTextBytesMax, false),
]);

export const DeadMansSwitch = table("DeadMansSwitch", [u32("timeout_ms")]);

export const DeadMansSwitchStatus = table("DeadMansSwitchStatus", [u32("timeout_ms")]);

export const NewOrder = table("NewOrder", [
  wide("client_order_id", true),
  u32("symbol_id"),
  u8("side"),
  u8("type"),
  u8("tif"),
  u8("post_only"),
  u8("stp"),
  u32("price"),
  wide("qty", true),
  u32("stop_price"),
]);

export const Cancel = table("Cancel", [wide("client_order_id", true), u32("symbol_id")]);

export const Modify = table("Modify", [
  wide("client_order_id", true),
  u32("symbol_id"),
  u32("price"),
  wide("qty", true),
]);

export const Heartbeat = table("Heartbeat", []);

export const OpenOrdersRequest = table("OpenOrdersRequest", []);

export const SymbolDef = table("SymbolDef", [
  u32("symbol_id"),
  text("name", symbolNameBytesMax, true),
  u32("tick_size"),
  wide("lot_size", true),
  u32("min_price"),
  u32("max_price"),
  wide("max_qty", true),
]);

export const SessionLimits = table("SessionLimits", [
  u32("frame_bytes_max"),
  u32("open_orders_max"),
  u32("messages_per_second_max"),
  u32("heartbeat_interval_ms"),
]);

export const LoginAccepted = table("LoginAccepted", [
  wide("user_id", true),
  wide("session_id", true),
  vectorOf("symbols", SymbolDef, loginSymbolsCountMax),
  sub("limits", SessionLimits),
]);

export const LoginRejected = table("LoginRejected", [u8("reason"), text("text", reasonTextBytesMax, false)]);

export const ExecutionReport = table("ExecutionReport", [
  u8("kind"),
  u8("reject_reason"),
  u8("cancel_reason"),
  wide("client_order_id", true),
  wide("order_id", false),
  u32("symbol_id"),
  u8("side"),
  u32("price"),
  wide("qty", false),
  wide("leaves_qty", false),
  wide("trade_id", false),
  u8("liquidity"),
  wide("engine_seq", true),
  wide("timestamp_ns", false),
]);

export const OpenOrder = table("OpenOrder", [
  wide("client_order_id", true),
  wide("order_id", false),
  u32("symbol_id"),
  u8("side"),
  u8("type"),
  u8("tif"),
  u8("post_only"),
  u8("stp"),
  u32("price"),
  u32("stop_price"),
  wide("qty", false),
  wide("leaves_qty", false),
]);

export const OpenOrders = table("OpenOrders", [vectorOf("orders", OpenOrder, openOrdersPageCountMax), u8("more")]);

export const Logout = table("Logout", [u8("reason"), text("text", reasonTextBytesMax, false)]);

// Indexed by type code: the order of union Body in the schema.
const allBody: (TableLayout | null)[] = [
  null,
  Login,
  LoginAccepted,
  LoginRejected,
  NewOrder,
  Cancel,
  Modify,
  Heartbeat,
  OpenOrdersRequest,
  OpenOrders,
  ExecutionReport,
  Logout,
  MassCancel,
  DeadMansSwitch,
  DeadMansSwitchStatus,
];
const clientBodies = new Set<TableLayout>([
  Login,
  NewOrder,
  Cancel,
  Modify,
  Heartbeat,
  OpenOrdersRequest,
  Logout,
  MassCancel,
  DeadMansSwitch,
]);
const serverBodies = new Set<TableLayout>([
  LoginAccepted,
  LoginRejected,
  Heartbeat,
  OpenOrders,
  ExecutionReport,
  Logout,
  DeadMansSwitchStatus,
]);

/** Every member of Body, for tools that read both directions. */
export const AnyBody: UnionLayout = { name: "Body", members: allBody };
/** What a client may send: a server-only body is refused as an unknown message type. */
export const ClientBody: UnionLayout = {
  name: "Body",
  members: allBody.map((t) => (t !== null && clientBodies.has(t) ? t : null)),
};
/** What the exchange sends. */
export const ServerBody: UnionLayout = {
  name: "Body",
  members: allBody.map((t) => (t !== null && serverBodies.has(t) ? t : null)),
};

const message = (body: UnionLayout): TableLayout => table("Message", [wide("seq", true), ...union("body", body, true)]);

/** Root of a frame from a client. */
export const ClientMessage = message(ClientBody);
/** Root of a frame from the exchange. */
export const ServerMessage = message(ServerBody);
/** Root of a frame in either direction. */
export const AnyMessage = message(AnyBody);

/** Indexed by type code: the order of union Command in the schema. */
export const CommandUnion: UnionLayout = {
  name: "Command",
  members: [null, NewOrder, Cancel, Modify, SymbolDef, MassCancel, SymbolStatus],
};

/** Root of an input-log record. */
export const InputRecord = table("InputRecord", [
  wide("engine_seq", true),
  wide("received_ns", true),
  wide("user_id", false),
  wide("session_id", false),
  wide("session_seq", false),
  wide("order_id", false),
  ...union("command", CommandUnion, true),
]);

// ---- Kafka topics' records (Kafka mode) ----

/** Root of a record on the topic `executions`. */
export const ExecutionRecord = table("ExecutionRecord", [
  wide("user_id", true),
  u32("shard"),
  u32("report_index"),
  wide("session_id", false),
  wide("session_seq", false),
  field("report", FieldKind.Table, 4, true, 0, ExecutionReport, null),
]);

/** Root of a record on the topic `matches`. */
export const TradeRecord = table("TradeRecord", [
  u32("shard"),
  wide("trade_id", true),
  wide("engine_seq", true),
  u32("symbol_id"),
  u32("price"),
  wide("qty", true),
  wide("quote_qty", false),
  u8("taker_side"),
  wide("taker_order_id", false),
  wide("maker_order_id", false),
  wide("taker_user_id", false),
  wide("maker_user_id", false),
  wide("timestamp_ns", false),
]);

export const LevelUpdate = table("LevelUpdate", [
  u32("symbol_id"),
  u8("side"),
  u32("price"),
  wide("qty", false),
  u32("orders"),
  wide("engine_seq", true),
]);

export const BestBidOffer = table("BestBidOffer", [
  u32("symbol_id"),
  u32("bid_price"),
  wide("bid_qty", false),
  u32("bid_orders"),
  u32("ask_price"),
  wide("ask_qty", false),
  u32("ask_orders"),
  wide("engine_seq", true),
  wide("timestamp_ns", false),
]);

export const Candle = table("Candle", [
  u32("symbol_id"),
  u8("interval"),
  wide("open_time_ns", false),
  u32("open"),
  u32("high"),
  u32("low"),
  u32("close"),
  text("volume", decimalTextBytesMax, true),
  text("quote_volume", decimalTextBytesMax, true),
  text("notional", decimalTextBytesMax, true),
  wide("trades", false),
  u32("vwap"),
  wide("first_trade_id", false),
  wide("last_trade_id", false),
]);

/** Indexed by type code: the order of union MarketData in the schema. */
export const MarketDataUnion: UnionLayout = { name: "MarketData", members: [null, LevelUpdate, BestBidOffer, Candle] };

/** Root of a record on the topic `market_data`. */
export const MarketDataRecord = table("MarketDataRecord", [u32("shard"), ...union("body", MarketDataUnion, true)]);

/** Every table layout, for the drift test against the generated code. */
export const allTables: readonly TableLayout[] = [
  Login,
  NewOrder,
  Cancel,
  Modify,
  Heartbeat,
  OpenOrdersRequest,
  SymbolDef,
  SessionLimits,
  LoginAccepted,
  LoginRejected,
  ExecutionReport,
  OpenOrder,
  OpenOrders,
  Logout,
  MassCancel,
  DeadMansSwitch,
  DeadMansSwitchStatus,
  SymbolStatus,
  AnyMessage,
  InputRecord,
  ExecutionRecord,
  TradeRecord,
  LevelUpdate,
  BestBidOffer,
  Candle,
  MarketDataRecord,
];
