// Limits and result codes of the wire protocol, with their units and reasons.
// Checked against each other at load time (bottom of this file).

/** Bytes of a frame's length prefix (little-endian uint32 payload length). */
export const framePrefixBytes = 4;

/**
 * Largest client-to-exchange frame, prefix included. An order message is about 100 bytes; 4 KiB leaves room for a long
 * API key and for growth.
 */
export const clientFrameBytesMax = 4096;
/**
 * Largest exchange-to-client frame, prefix included: LoginAccepted with the symbol list and
 * OpenOrders pages are the large ones.
 */
export const serverFrameBytesMax = 65536;
/** Largest input-log record (journal or Kafka), prefix included: one command plus its stamp. */
export const inputRecordBytesMax = 4096;

/** Longest API key in bytes (UTF-8). */
export const apiKeyBytesMax = 128;
/** Longest symbol name in bytes (UTF-8). */
export const symbolNameBytesMax = 32;
/** Longest free-text reason (LoginRejected, Logout) in bytes. */
export const reasonTextBytesMax = 256;
/** Longest exact decimal integer in a record (a candle's sums, exact to 2^85: 26 digits). */
export const decimalTextBytesMax = 32;
/** Most symbols listed in one LoginAccepted. */
export const loginSymbolsCountMax = 512;
/** Most orders in one OpenOrders page; the encoder splits larger lists into pages. */
export const openOrdersPageCountMax = 256;

/**
 * Deepest table nesting the verifier follows (the root is depth 0). The schema's
 * deepest path is Message > OpenOrders > OpenOrder (depth 2); the margin lets
 * the schema grow one level without touching this.
 */
export const verifyDepthMax = 4;
/**
 * Most units of work (tables, vector elements, strings) the verifier spends
 * on one frame. Shared offsets let a small frame name the same table many
 * times; this bound keeps such a frame from costing more than a legitimate one.
 * A list element costs at most 3 units (its slot, its table, its string).
 */
export const verifyWorkMax = 3 * Math.max(loginSymbolsCountMax, openOrdersPageCountMax) + 64;

/** 2^32, the weight of a U53/U64 struct's high half. */
export const u32Range = 4294967296;
/** A U53's high half must stay below this so the value is below 2^53. */
export const u53HiLimit = 0x200000;

/**
 * Why a frame could not be decoded. 0 is success. A non-zero code means the
 * session is beyond repair: the gateway sends Logout with `logoutReasonOf(code)`
 * and closes. (A well-formed message with a bad value is not an error here; it
 * gets a Reject code and an ExecutionReport.)
 */
export const ProtocolError = {
  Ok: 0,
  /** Length prefix of 0. */
  FrameZeroLength: 1,
  /** Length prefix above the frame limit. */
  FrameTooLong: 2,
  /** Fewer bytes than a root offset and a minimal table. */
  BufferTooShort: 3,
  /** A table's start lies outside the buffer or is not 4-aligned. */
  TableOutOfBounds: 4,
  /** A vtable lies outside the buffer or is not 2-aligned. */
  VtableOutOfBounds: 5,
  /** A vtable's or table's declared size is odd, too small or too large. */
  VtableBadSize: 6,
  /** A field's offset points outside its table's inline bytes. */
  FieldOutOfBounds: 7,
  /** A field is not aligned to its size. */
  FieldMisaligned: 8,
  /** An offset (to a table, string or vector) leads outside the buffer or is misaligned. */
  OffsetOutOfBounds: 9,
  /** A string or vector is longer than the buffer or the field's limit. */
  LengthOutOfBounds: 10,
  /** A string lacks its terminating zero byte. */
  StringNotTerminated: 11,
  /** A field the schema marks required is absent. */
  RequiredFieldMissing: 12,
  /** A union's type and value disagree (one present without the other). */
  UnionMismatch: 13,
  /** A union type this side does not accept (unknown, or the other direction's message). */
  UnknownMessageType: 14,
  /** Tables nested deeper than verifyDepthMax. */
  DepthExceeded: 15,
  /** More than verifyWorkMax tables, elements and strings. */
  WorkExceeded: 16,
} as const;
export type ProtocolError = (typeof ProtocolError)[keyof typeof ProtocolError];

export const protocolErrorNames = [
  "ok",
  "frame_zero_length",
  "frame_too_long",
  "buffer_too_short",
  "table_out_of_bounds",
  "vtable_out_of_bounds",
  "vtable_bad_size",
  "field_out_of_bounds",
  "field_misaligned",
  "offset_out_of_bounds",
  "length_out_of_bounds",
  "string_not_terminated",
  "required_field_missing",
  "union_mismatch",
  "unknown_message_type",
  "depth_exceeded",
  "work_exceeded",
] as const;

/** Codes of the schema's LogoutReason enum (schema.test.ts checks they match). */
export const LogoutReason = {
  None: 0,
  ClientRequest: 1,
  MalformedFrame: 2,
  BadFrameLength: 3,
  UnknownMessage: 4,
  NotLoggedIn: 5,
  SequenceGap: 6,
  RateLimited: 7,
  HeartbeatTimeout: 8,
  ServerShutdown: 9,
  SlowConsumer: 10,
  LoginTimeout: 11,
} as const;
export type LogoutReason = (typeof LogoutReason)[keyof typeof LogoutReason];

/** The Logout reason a session ends with after a protocol error. */
export function logoutReasonOf(error: number): LogoutReason {
  if (error === ProtocolError.FrameZeroLength || error === ProtocolError.FrameTooLong)
    return LogoutReason.BadFrameLength;
  if (error === ProtocolError.UnknownMessageType) return LogoutReason.UnknownMessage;
  return LogoutReason.MalformedFrame;
}

function check(condition: boolean, fact: string): void {
  if (!condition) throw new Error(`protocol constants: ${fact}`);
}

check(protocolErrorNames.length === Object.keys(ProtocolError).length, "a name for every ProtocolError");
check(
  clientFrameBytesMax > framePrefixBytes && clientFrameBytesMax <= serverFrameBytesMax,
  "client frames fit server limits",
);
check(inputRecordBytesMax > framePrefixBytes, "input records hold a prefix");
// The runtime reads offsets as int32, so every position in a frame must stay below 2^31.
check(serverFrameBytesMax <= 0x7fffffff, "frame lengths fit an int32 offset");
check(apiKeyBytesMax + 64 <= clientFrameBytesMax, "a Login fits a client frame");
check(symbolNameBytesMax + 64 <= inputRecordBytesMax, "a symbol definition fits an input record");
check(verifyWorkMax >= 3 * loginSymbolsCountMax + 8, "work bound admits a full LoginAccepted");
check(verifyWorkMax >= 3 * openOrdersPageCountMax + 8, "work bound admits a full OpenOrders page");
check(u53HiLimit * u32Range === 2 ** 53, "U53 high-half limit is 2^21");
