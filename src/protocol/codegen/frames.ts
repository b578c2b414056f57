// The frames that have a fixed layout, and where each of their values comes
// from: the hot frames of every path (execution reports to clients; input
// records of new orders, cancels, modifies and mass cancels to the log; a
// client's orders and heartbeats to the exchange). The code generator
// (emit.ts) turns each into a store, a check, and for frames read back a
// matcher and a reader; it refuses a frame whose sources do not name exactly
// the template's value fields, so a field the schema gains cannot be
// forgotten here.

import { AnyBody, CommandUnion, type UnionLayout } from "../layout.ts";
import type { Envelope } from "./template.ts";

/** A union member's type code: its position in layout.ts (checked against flatc's output by schema.test.ts). */
function code(union: UnionLayout, name: string): number {
  const at = union.members.findIndex((t) => t?.name === name);
  if (at <= 0) throw new Error(`fixed frames: ${name} is not a member of ${union.name}`);
  return at;
}

const Body = {
  ExecutionReport: code(AnyBody, "ExecutionReport"),
  OpenOrders: code(AnyBody, "OpenOrders"),
  NewOrder: code(AnyBody, "NewOrder"),
  Cancel: code(AnyBody, "Cancel"),
  Modify: code(AnyBody, "Modify"),
  Heartbeat: code(AnyBody, "Heartbeat"),
};
const Command = {
  NewOrder: code(CommandUnion, "NewOrder"),
  Cancel: code(CommandUnion, "Cancel"),
  Modify: code(CommandUnion, "Modify"),
  MassCancel: code(CommandUnion, "MassCancel"),
};

/** How a value is checked, stored and read. */
export type WireType = "u53" | "u64" | "u32" | "i32" | "u8" | "bool";

export const wireTypeBytes: Readonly<Record<WireType, number>> = { u53: 8, u64: 8, u32: 4, i32: 4, u8: 1, bool: 1 };

/** One value field: `Table.field`, its wire type, and its source. */
export interface Source {
  readonly field: string;
  readonly type: WireType;
  /** An argument of the writer (the sequencer's stamp, a message's seq); read back into the property of that name. */
  readonly arg?: string;
  /** A property of the writer's object (ExecReport, OrderFields). */
  readonly property?: string;
}

export interface FrameSpec {
  /** PascalCase; the generated names are store<Name>, check<Name>, match<Name>, read<Name>, <name>Layout. */
  readonly name: string;
  /** What the frame is, for the generated comments. */
  readonly what: string;
  readonly envelope: Envelope;
  /** Its Body or Command union code. */
  readonly member: number;
  /** Writer arguments, in order (each named by a source). */
  readonly args: readonly string[];
  /** The type of the writer's object. */
  readonly object: "ExecReport" | "OrderFields" | "OpenOrderInfo";
  /** The type a reader fills, or null when the frame is written only. */
  readonly reads: "ServerMessage" | "ClientMessage" | "InputRecordView" | null;
  /** The path from a reader's target to the object's properties ("report." for a ServerMessage). */
  readonly readPrefix: string;
  /**
   * What its matcher and reader read through. "view": a DataView, one per
   * buffer, where frames come many to a buffer (a client's chunk of reports, a
   * journal block): a 4-byte read is one load. "bytes": the Uint8Array itself,
   * where a buffer often holds one frame (a gateway's chunk of orders), so a
   * view per buffer would be an allocation per frame.
   */
  readonly readVia: "view" | "bytes";
  readonly sources: readonly Source[];
}

const arg = (field: string, type: WireType, name: string): Source => ({ field, type, arg: name });
const of = (field: string, type: WireType, property: string): Source => ({ field, type, property });

const reportSources: readonly Source[] = [
  arg("Message.seq", "u53", "seq"),
  of("ExecutionReport.kind", "u8", "kind"),
  of("ExecutionReport.reject_reason", "u8", "rejectReason"),
  of("ExecutionReport.cancel_reason", "u8", "cancelReason"),
  of("ExecutionReport.client_order_id", "u53", "clientOrderId"),
  of("ExecutionReport.order_id", "u53", "orderId"),
  of("ExecutionReport.symbol_id", "u32", "symbolId"),
  of("ExecutionReport.side", "u8", "side"),
  of("ExecutionReport.price", "i32", "priceTicks"),
  of("ExecutionReport.qty", "u53", "qtyLots"),
  of("ExecutionReport.leaves_qty", "u53", "leavesQtyLots"),
  of("ExecutionReport.trade_id", "u53", "tradeId"),
  of("ExecutionReport.liquidity", "u8", "liquidity"),
  of("ExecutionReport.engine_seq", "u53", "engineSeq"),
  of("ExecutionReport.timestamp_ns", "u64", "timestampNs"),
];

/** The sequencer's stamp: the arguments of every record writer, in this order. */
const stampArgs = ["engineSeq", "receivedNs", "userId", "sessionId", "sessionSeq", "orderId"] as const;

const stampSources: readonly Source[] = [
  arg("InputRecord.engine_seq", "u53", "engineSeq"),
  arg("InputRecord.received_ns", "u64", "receivedNs"),
  arg("InputRecord.user_id", "u53", "userId"),
  arg("InputRecord.session_id", "u53", "sessionId"),
  arg("InputRecord.session_seq", "u53", "sessionSeq"),
  arg("InputRecord.order_id", "u53", "orderId"),
];

const newOrderSources: readonly Source[] = [
  of("NewOrder.client_order_id", "u53", "clientOrderId"),
  of("NewOrder.symbol_id", "u32", "symbolId"),
  of("NewOrder.side", "u8", "side"),
  of("NewOrder.type", "u8", "type"),
  of("NewOrder.tif", "u8", "tif"),
  of("NewOrder.post_only", "bool", "postOnly"),
  of("NewOrder.stp", "u8", "stp"),
  of("NewOrder.price", "i32", "priceTicks"),
  of("NewOrder.qty", "u53", "qtyLots"),
  of("NewOrder.stop_price", "i32", "stopPriceTicks"),
];

const cancelSources: readonly Source[] = [
  of("Cancel.client_order_id", "u53", "clientOrderId"),
  of("Cancel.symbol_id", "u32", "symbolId"),
];

const modifySources: readonly Source[] = [
  of("Modify.client_order_id", "u53", "clientOrderId"),
  of("Modify.symbol_id", "u32", "symbolId"),
  of("Modify.price", "i32", "priceTicks"),
  of("Modify.qty", "u53", "qtyLots"),
];

const massCancelSources: readonly Source[] = [
  of("MassCancel.request_id", "u53", "clientOrderId"),
  of("MassCancel.one_symbol", "bool", "oneSymbol"),
  of("MassCancel.symbol_id", "u32", "symbolId"),
  of("MassCancel.side", "u8", "massSide"),
  of("MassCancel.reason", "u8", "cancelReason"),
  of("MassCancel.all_users", "bool", "allUsers"),
];

function record(name: string, what: string, command: number, sources: readonly Source[]): FrameSpec {
  const reads = "InputRecordView";
  const [readPrefix, readVia] = ["", "view"] as const;
  return {
    name,
    what,
    envelope: "record",
    member: command,
    args: stampArgs,
    object: "OrderFields",
    reads,
    readPrefix,
    readVia,
    sources: [...stampSources, ...sources],
  };
}

function client(name: string, what: string, body: number, sources: readonly Source[]): FrameSpec {
  const seq = arg("Message.seq", "u53", "seq");
  const [readPrefix, readVia] = ["", "bytes"] as const;
  return {
    name,
    what,
    envelope: "client",
    member: body,
    args: ["seq"],
    object: "OrderFields",
    reads: "ClientMessage",
    readPrefix,
    readVia,
    sources: [seq, ...sources],
  };
}

/** Every fixed frame, in the order generated. */
export const frameSpecs: readonly FrameSpec[] = [
  {
    name: "ExecReport",
    what: "Message{seq, ExecutionReport}, exchange to client",
    envelope: "server",
    member: Body.ExecutionReport,
    args: ["seq"],
    object: "ExecReport",
    reads: "ServerMessage",
    readPrefix: "report.",
    readVia: "view",
    sources: reportSources,
  },
  record("RecordNewOrder", "InputRecord{NewOrder}, the input log", Command.NewOrder, newOrderSources),
  record("RecordCancel", "InputRecord{Cancel}, the input log", Command.Cancel, cancelSources),
  record("RecordModify", "InputRecord{Modify}, the input log", Command.Modify, modifySources),
  record("RecordMassCancel", "InputRecord{MassCancel}, the input log", Command.MassCancel, massCancelSources),
  client("ClientNewOrder", "Message{seq, NewOrder}, client to exchange", Body.NewOrder, newOrderSources),
  client("ClientCancel", "Message{seq, Cancel}, client to exchange", Body.Cancel, cancelSources),
  client("ClientModify", "Message{seq, Modify}, client to exchange", Body.Modify, modifySources),
  client("ClientHeartbeat", "Message{seq, Heartbeat}, client to exchange", Body.Heartbeat, []),
];

/**
 * The parts of an OpenOrders page (codegen/page.ts), written only: the head
 * (its length, seq, order count and `more`) and one order's table (the
 * offset back to the vtable the page's orders share, and the order).
 */
function pagePart(name: string, what: string, args: readonly string[], sources: readonly Source[]): FrameSpec {
  const [readPrefix, readVia] = ["", "view"] as const;
  const object = "OpenOrderInfo";
  return {
    name,
    what,
    envelope: "server",
    member: Body.OpenOrders,
    args,
    object,
    reads: null,
    readPrefix,
    readVia,
    sources,
  };
}

export const pageHeadSpec = pagePart(
  "OpenOrdersPageHead",
  "Message{seq, OpenOrders{orders, more}} up to the orders, exchange to client",
  ["payloadBytes", "seq", "count", "more"],
  [
    arg("Frame.length", "u32", "payloadBytes"),
    arg("Message.seq", "u53", "seq"),
    arg("OpenOrders.orders.length", "u32", "count"),
    arg("OpenOrders.more", "bool", "more"),
  ],
);

export const pageOrderSpec = pagePart(
  "OpenOrder",
  "one order's table in an OpenOrders page",
  ["vtableOffset"],
  [
    arg("OpenOrder.vtable", "i32", "vtableOffset"),
    of("OpenOrder.client_order_id", "u53", "clientOrderId"),
    of("OpenOrder.order_id", "u53", "orderId"),
    of("OpenOrder.symbol_id", "u32", "symbolId"),
    of("OpenOrder.side", "u8", "side"),
    of("OpenOrder.type", "u8", "type"),
    of("OpenOrder.tif", "u8", "tif"),
    of("OpenOrder.post_only", "bool", "postOnly"),
    of("OpenOrder.stp", "u8", "stp"),
    of("OpenOrder.price", "i32", "priceTicks"),
    of("OpenOrder.stop_price", "i32", "stopPriceTicks"),
    of("OpenOrder.qty", "u53", "qtyLots"),
    of("OpenOrder.leaves_qty", "u53", "leavesQtyLots"),
  ],
);
