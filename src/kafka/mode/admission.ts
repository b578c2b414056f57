// What an engine shard accepts from its `orders` partition: a record value
// must be one InputRecord FlatBuffer (no length prefix) within the input
// record limit, pass the verifier (or match a fixed layout), carry a user id
// below 2^53, and hold values the TCP gateway would also let through to the
// log (validateNewOrder & co.: ids below 2^53, enum codes in range, positive
// quantities, non-negative prices; a MassCancel names no reason, or one of the
// exchange's own: mass cancel, disconnect, dead-man's switch, admin). Anything else goes to the dead-letter topic with
// one of the reasons below. What the engine's rules decide (unknown symbol, tick, band,
// unknown order, FOK...) is not a dead letter: the engine rejects it and the
// user gets the report on `executions`.

import { CancelReason, MassCancelSide, Reject, rejectNames } from "../../engine/constants.ts";
import { Command, validateCancel, validateModify, validateNewOrder } from "../../protocol/codec.ts";
import { framePrefixBytes, inputRecordBytesMax, protocolErrorNames } from "../../protocol/constants.ts";
import { FastInputRecordDecoder } from "../../protocol/fixed-read.ts";
import { InputRecordView } from "../../protocol/messages.ts";

/** Why a record went to the dead-letter topic: the `dlq.reason` header. */
export const DeadLetterReason = {
  /** A null value (a tombstone): there is nothing to apply. */
  NoValue: "no_value",
  /** Larger than an input record may be (or than the consumer's batch arena). */
  Oversized: "oversized",
  /** Not an InputRecord FlatBuffer: truncated, garbled, another schema. */
  Undecodable: "undecodable",
  /** Well formed, but a value the exchange never lets reach the engine (see admission.ts). */
  InvalidValue: "invalid_value",
  /** Its symbol belongs to another partition of `orders` (a record produced to the wrong partition). */
  WrongPartition: "wrong_partition",
  /** A symbol definition that does not extend the shard's symbols (name taken, wrong id, bad spec). */
  BadSymbolDef: "bad_symbol_def",
  /** The consumer could not deliver the record itself (librdkafka's error on its slot). */
  ConsumerError: "consumer_error",
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/** Largest record value: the input record limit without the length prefix the journal adds. */
export const orderValueBytesMax = inputRecordBytesMax - framePrefixBytes;

export class Admission {
  /** The decoded command after `admit` returned true (reused). */
  readonly view = new InputRecordView();
  /** After `admit` returned false: the reason and a sentence for people. */
  reason: DeadLetterReason = DeadLetterReason.NoValue;
  detail = "";
  private readonly decoder = new FastInputRecordDecoder();

  /** Decodes and checks the value `bytes[start, start + length)` (length -1: a null value). */
  admit(bytes: Uint8Array, start: number, length: number): boolean {
    if (length < 0) return this.refuse(DeadLetterReason.NoValue, "the record has no value");
    if (length > orderValueBytesMax)
      return this.refuse(
        DeadLetterReason.Oversized,
        `${length} bytes, an input record is at most ${orderValueBytesMax}`,
      );
    const v = this.view;
    const code = this.decoder.decode(bytes, start, start + length, v);
    if (code !== 0)
      return this.refuse(
        DeadLetterReason.Undecodable,
        `not an InputRecord: ${protocolErrorNames[code] ?? `protocol error ${code}`}`,
      );
    if (v.userId < 0) return this.refuse(DeadLetterReason.InvalidValue, "user_id is not below 2^53");
    const reject = valueReject(v);
    if (reject !== 0)
      return this.refuse(DeadLetterReason.InvalidValue, `${commandName(v.command)}: ${rejectNames[reject] ?? reject}`);
    return true;
  }

  refuse(reason: DeadLetterReason, detail: string): false {
    this.reason = reason;
    this.detail = detail;
    return false;
  }
}

/** The TCP gateway's value checks for the same command; 0 or an engine Reject code. */
function valueReject(v: InputRecordView): number {
  switch (v.command) {
    case Command.NewOrder:
      return validateNewOrder(v);
    case Command.Cancel:
      return validateCancel(v);
    case Command.Modify:
      return validateModify(v);
    case Command.MassCancel:
      return massCancelReject(v);
    default:
      // A symbol definition: the shard checks it against its symbols.
      return 0;
  }
}

/** Reasons a MassCancel record may carry: none (a user's request), or the exchange's own. */
const massCancelReasons = new Set<number>([
  0,
  CancelReason.MassCancel,
  CancelReason.Disconnect,
  CancelReason.DeadMansSwitch,
  CancelReason.Admin,
]);

function massCancelReject(v: InputRecordView): number {
  if (v.clientOrderId < 0 || v.massSide > MassCancelSide.Sell || !massCancelReasons.has(v.cancelReason))
    return Reject.BadField;
  return 0;
}

function commandName(command: number): string {
  return (Command as unknown as Record<number, string>)[command] ?? `command ${command}`;
}
