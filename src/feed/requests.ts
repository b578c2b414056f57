// Client requests: every frame is verified against the layout of
// schema/feed.fbs's ClientFrame before a field is read (the protocol's
// Verifier: bounds, alignment, string terminators, required fields, union
// types, bounded work), then its values are checked. A bad frame is a value
// (`RequestError`), never an exception.

import { ByteBuffer } from "flatbuffers";
import { ProtocolError } from "../protocol/constants.ts";
import { FieldKind, type FieldLayout, type TableLayout, type UnionLayout } from "../protocol/layout.ts";
import { Verifier } from "../protocol/verify.ts";
import { Channel, ErrorCode, symbolNameBytesMax } from "./constants.ts";
import { ClientFrame } from "./generated/feed/client-frame.ts";
import { Interval } from "./generated/feed/interval.ts";
import { Ping } from "./generated/feed/ping.ts";
import { Request } from "./generated/feed/request.ts";
import { Subscribe } from "./generated/feed/subscribe.ts";
import { Unsubscribe } from "./generated/feed/unsubscribe.ts";

function field(
  name: string,
  kind: FieldKind,
  bytes: number,
  required: boolean,
  countMax: number,
  union: UnionLayout | null,
): FieldLayout {
  return { name, kind, bytes, align: Math.min(bytes, 4), required, countMax, table: null, union };
}

const u8 = (name: string) => field(name, FieldKind.Scalar, 1, false, 0, null);
const u32 = (name: string) => field(name, FieldKind.Scalar, 4, false, 0, null);
const text = (name: string) => field(name, FieldKind.String, 4, true, symbolNameBytesMax, null);

/**
 * Layouts of the client-to-server tables, slot by slot (feed-schema.test.ts checks them against the generated code).
 */
export const SubscribeLayout: TableLayout = {
  name: "Subscribe",
  fields: [u32("request_id"), u8("channel"), text("symbol"), u8("interval")],
};
export const UnsubscribeLayout: TableLayout = {
  name: "Unsubscribe",
  fields: [u32("request_id"), u8("channel"), text("symbol"), u8("interval")],
};
export const PingLayout: TableLayout = { name: "Ping", fields: [u32("request_id")] };
const requestUnion: UnionLayout = { name: "Request", members: [null, SubscribeLayout, UnsubscribeLayout, PingLayout] };
export const ClientFrameLayout: TableLayout = {
  name: "ClientFrame",
  fields: [
    field("request_type", FieldKind.UnionType, 1, false, 0, requestUnion),
    field("request", FieldKind.UnionValue, 4, true, 0, requestUnion),
  ],
};

export const RequestKind = { Subscribe: 1, Unsubscribe: 2, Ping: 3 } as const;

/** One decoded request; reused by the decoder. */
export interface FeedRequest {
  kind: number;
  requestId: number;
  channel: number;
  symbol: string;
  interval: number;
}

export interface RequestError {
  requestId: number;
  code: number;
  reason: string;
}

const channelMax = Channel.Depth;
const intervalMax = Interval.D1;

export class RequestDecoder {
  private readonly verifier = new Verifier();
  readonly request: FeedRequest = { kind: 0, requestId: 0, channel: 0, symbol: "", interval: 0 };
  readonly error: RequestError = { requestId: 0, code: 0, reason: "" };

  /** Decodes one binary message into `request` (true) or `error` (false). */
  decode(bytes: Uint8Array): boolean {
    const v = this.verifier;
    const verdict = v.verify(bytes, 0, bytes.length, ClientFrameLayout);
    if (verdict === ProtocolError.UnknownMessageType)
      return this.fail(0, ErrorCode.UnknownRequest, `unknown request type: ${v.reason()}`);
    if (verdict !== ProtocolError.Ok) return this.fail(0, ErrorCode.MalformedFrame, `not a ClientFrame: ${v.reason()}`);
    const frame = ClientFrame.getRootAsClientFrame(new ByteBuffer(bytes));
    const type = frame.requestType();
    const r = this.request;
    r.interval = 0;
    r.channel = 0;
    r.symbol = "";
    if (type === Request.Ping) {
      const ping = frame.request(new Ping()) as Ping;
      r.kind = RequestKind.Ping;
      r.requestId = ping.requestId();
      return true;
    }
    const sub =
      type === Request.Subscribe
        ? (frame.request(new Subscribe()) as Subscribe)
        : (frame.request(new Unsubscribe()) as Unsubscribe);
    r.kind = type === Request.Subscribe ? RequestKind.Subscribe : RequestKind.Unsubscribe;
    r.requestId = sub.requestId();
    r.channel = sub.channel();
    r.interval = sub.interval();
    r.symbol = sub.symbol() ?? "";
    if (!(r.channel >= 1 && r.channel <= channelMax))
      return this.fail(r.requestId, ErrorCode.UnknownChannel, `unknown channel ${r.channel}`);
    if (r.channel === Channel.Candles && !(r.interval >= 0 && r.interval <= intervalMax)) {
      return this.fail(r.requestId, ErrorCode.BadInterval, `unknown candle interval ${r.interval}`);
    }
    if (r.channel !== Channel.Candles && r.interval !== 0)
      return this.fail(r.requestId, ErrorCode.BadInterval, "interval is for the candles channel only");
    return true;
  }

  private fail(requestId: number, code: number, reason: string): false {
    this.error.requestId = requestId;
    this.error.code = code;
    this.error.reason = reason;
    return false;
  }
}
