// Fast decoding of frames laid out exactly like the fixed-layout writers'
// (fixed.ts): the exchange's own input records, and the orders and heartbeats
// of clients that use our client library. A frame matches when its length and
// every byte outside its value fields equal the template's (the generated
// match<Frame> functions of generated/fixed-layout.ts; codegen/emit.ts says
// why that proves the structure); its values are then read at the template's
// positions with the decoders' rules, with no verifier walk and no table
// objects. Value checks are the verifying decoder's own (validate*). A frame
// that does not match goes to the verifying decoder, so this changes speed,
// never what is accepted or what a frame decodes to.

import {
  Body,
  ClientDecoder,
  Command,
  InputRecordDecoder,
  validateCancel,
  validateModify,
  validateNewOrder,
} from "./codec.ts";
import {
  matchClientCancel,
  matchClientHeartbeat,
  matchClientModify,
  matchClientNewOrder,
  matchRecordCancel,
  matchRecordMassCancel,
  matchRecordModify,
  matchRecordNewOrder,
  readClientCancel,
  readClientHeartbeat,
  readClientModify,
  readClientNewOrder,
  readRecordCancel,
  readRecordMassCancel,
  readRecordModify,
  readRecordNewOrder,
} from "./generated/fixed-layout.ts";
import { type ClientMessage, clearSymbol, type InputRecordView } from "./messages.ts";
import { ViewCache } from "./wire-read.ts";

/** InputRecordDecoder with the fast path for the sequencer's own records. */
export class FastInputRecordDecoder {
  private readonly slow = new InputRecordDecoder();
  private readonly views = new ViewCache();
  /** Records decoded by the fast path and by the verifying decoder (tests, stats). */
  fastCount = 0;
  slowCount = 0;

  /** As InputRecordDecoder.decode: fills `out` from the payload `bytes[start, end)`; returns a ProtocolError code. */
  decode(bytes: Uint8Array, start: number, end: number, out: InputRecordView): number {
    let command: number;
    const v = this.views.of(bytes);
    if (matchRecordNewOrder(v, start, end)) {
      command = Command.NewOrder;
      out.clearOrder();
      readRecordNewOrder(v, start, out);
    } else if (matchRecordCancel(v, start, end)) {
      command = Command.Cancel;
      out.clearOrder();
      readRecordCancel(v, start, out);
    } else if (matchRecordModify(v, start, end)) {
      command = Command.Modify;
      out.clearOrder();
      readRecordModify(v, start, out);
    } else if (matchRecordMassCancel(v, start, end)) {
      command = Command.MassCancel;
      out.clearOrder();
      readRecordMassCancel(v, start, out);
    } else {
      this.slowCount++;
      return this.slow.decode(bytes, start, end, out);
    }
    out.command = command;
    clearSymbol(out.symbol);
    this.fastCount++;
    return 0;
  }
}

/** ClientDecoder with the fast path for frames our client library writes. */
export class FastClientDecoder {
  private readonly slow = new ClientDecoder();
  fastCount = 0;
  slowCount = 0;

  /** As ClientDecoder.decode. */
  decode(bytes: Uint8Array, start: number, end: number, out: ClientMessage): number {
    if (matchClientNewOrder(bytes, start, end)) {
      out.clearMessage();
      readClientNewOrder(bytes, start, out);
      out.body = Body.NewOrder;
      out.reject = validateNewOrder(out);
    } else if (matchClientCancel(bytes, start, end)) {
      out.clearMessage();
      readClientCancel(bytes, start, out);
      out.body = Body.Cancel;
      out.reject = validateCancel(out);
    } else if (matchClientModify(bytes, start, end)) {
      out.clearMessage();
      readClientModify(bytes, start, out);
      out.body = Body.Modify;
      out.reject = validateModify(out);
    } else if (matchClientHeartbeat(bytes, start, end)) {
      out.clearMessage();
      readClientHeartbeat(bytes, start, out);
      out.body = Body.Heartbeat;
    } else {
      this.slowCount++;
      return this.slow.decode(bytes, start, end, out);
    }
    this.fastCount++;
    return 0;
  }
}
