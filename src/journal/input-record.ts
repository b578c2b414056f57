// The one place the journal looks inside a payload: reading an InputRecord's
// own engine seq, for readers that want each record's seq checked against its
// position (JournalReaderOptions.payloadSeq). The journal itself treats
// payloads as opaque bytes.

import { InputRecordDecoder } from "../protocol/codec.ts";
import { InputRecordView } from "../protocol/messages.ts";

/** A `payloadSeq` for InputRecord payloads: verifies and decodes the record; -1 when it is not a valid InputRecord. */
export function inputRecordSeqReader(): (bytes: Uint8Array, offset: number, length: number) => number {
  const decoder = new InputRecordDecoder();
  const view = new InputRecordView();
  return (bytes, offset, length) => (decoder.decode(bytes, offset, offset + length, view) === 0 ? view.engineSeq : -1);
}
