// Reads execution reports of the exchange's fixed layout without the generic
// decoder. The gateway writes every report with ExecReportWriter
// (src/protocol/fixed.ts); a frame of that layout is recognised and read by
// the same generated matcher and reader the exchange's fast decoders use
// (src/protocol/generated/fixed-layout.ts: matchExecReport, readExecReport).
// A match proves the frame has the template's structure, which passed the
// Verifier when the code was generated, and the Verifier checks structure
// only, never values, so the frame would pass it too; its values are read
// with the decoder's own rules (a U53 of 2^53 or above reads as -1). Any other
// frame (another message, or a report of another layout) is not matched: the
// caller decodes it with ServerDecoder, verifier included.

import { Body, type ServerMessage } from "../protocol/index.ts";
import { execReportLayout, matchExecReport, readExecReport } from "../protocol/generated/fixed-layout.ts";
import { ViewCache } from "../protocol/wire-read.ts";

export class TemplateReportReader {
  /** Bytes of every fixed-layout report frame, length prefix included. */
  readonly frameBytes = execReportLayout.frameBytes;
  /** A chunk holds many reports: one view per chunk, none per report. */
  private readonly views = new ViewCache();

  /**
   * When the payload `bytes[start, end)` (as FrameSplitter hands it out) is a
   * fixed-layout report, fills `out` exactly as ServerDecoder would and
   * returns true; otherwise returns false and leaves `out` alone.
   */
  read(bytes: Uint8Array, start: number, end: number, out: ServerMessage): boolean {
    const v = this.views.of(bytes);
    if (!matchExecReport(v, start, end)) return false;
    out.clearAllButReport();
    out.body = Body.ExecutionReport;
    // Every field of the report is in the frame: readExecReport sets them all.
    readExecReport(v, start, out);
    return true;
  }
}
