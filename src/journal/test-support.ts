// Test and benchmark support: real encoded InputRecords for a given seq, and
// fresh temporary directories under .run/journal-tests.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { OrderType, Side, Stp, Tif } from "../engine/constants.ts";
import { Command, Encoder } from "../protocol/codec.ts";
import { framePrefixBytes } from "../protocol/constants.ts";
import { InputRecordView } from "../protocol/messages.ts";

/**
 * Encodes a NewOrder InputRecord for a seq (about 100 bytes). The payload is
 * `bytes[offset, offset + length)`: the frame without its size prefix, valid
 * until the next `encode`.
 */
export class RecordSource {
  private readonly encoder = new Encoder();
  private readonly view = new InputRecordView();
  bytes: Uint8Array = new Uint8Array(0);
  offset = 0;
  length = 0;

  encode(seq: number): void {
    const r = this.view;
    r.engineSeq = seq;
    r.receivedNs = 1_700_000_000_000_000_000 + seq * 1000;
    r.userId = 1 + (seq % 97);
    r.sessionId = 1 + (seq % 13);
    r.sessionSeq = seq;
    r.orderId = seq * 3;
    r.command = Command.NewOrder;
    r.clientOrderId = seq;
    r.symbolId = seq % 4;
    r.side = seq % 2 === 0 ? Side.Buy : Side.Sell;
    r.type = OrderType.Limit;
    r.tif = Tif.Gtc;
    r.postOnly = false;
    r.stp = Stp.None;
    r.priceTicks = 10_000 + (seq % 500);
    r.qtyLots = 1 + (seq % 50);
    r.stopPriceTicks = 0;
    this.encoder.inputRecord(r);
    this.bytes = this.encoder.bytes;
    this.offset = this.encoder.start + framePrefixBytes;
    this.length = this.encoder.end - this.offset;
  }
}

const root = join(import.meta.dir, "../../.run/journal-tests");

/** A new empty directory; `cleanup` removes it. */
export function tempDir(): { dir: string; cleanup: () => void } {
  mkdirSync(root, { recursive: true });
  const dir = mkdtempSync(join(root, "t-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
