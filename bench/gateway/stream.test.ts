// Proves the gateway benchmark's command streams are what the exchange expects: every frame verifies and decodes, seqs
// run on from the Login without a gap across batches, new orders never reuse an id, cancels and modifies name the
// session's own earlier orders, the live set stays bounded, and passive prices never cross the mid.

import { expect, test } from "bun:test";
import { Side, Tif } from "../../src/engine/constants.ts";
import {
  Body,
  ClientDecoder,
  ClientMessage,
  ClientMessageWriter,
  clientFrameBytesMax,
  FrameSplitter,
  FrameStatus,
} from "../../src/protocol/index.ts";
import { CommandBatch, CommandKind, defaultShape, StreamGenerator } from "./stream.ts";

test("three batches of one session: valid frames, contiguous seqs, own ids, bounded book", () => {
  const writer = new ClientMessageWriter();
  const shape = { ...defaultShape, symbolId: 3, liveMax: 200 };
  const g = new StreamGenerator(7, shape, writer, 2);
  const batch = new CommandBatch(5000, writer.frameBytesMax);
  const decoder = new ClientDecoder();
  const m = new ClientMessage();
  const live = new Set<number>();
  const placed = new Set<number>();
  let seq = 2;
  for (let round = 0; round < 3; round++) {
    g.fill(batch, 5000);
    expect(batch.count).toBe(5000);
    const splitter = new FrameSplitter(clientFrameBytesMax);
    splitter.push(batch.bytes.subarray(0, batch.totalBytes));
    for (let k = 0; k < batch.count; k++) {
      expect(splitter.next()).toBe(FrameStatus.Frame);
      expect(splitter.end).toBe(batch.frameEnd[k]!);
      expect(decoder.decode(splitter.bytes, splitter.start, splitter.end, m)).toBe(0);
      expect(m.reject).toBe(0);
      expect(m.seq).toBe(seq++);
      expect(m.symbolId).toBe(3);
      expect(m.clientOrderId).toBe(batch.cid[k]!);
      const kind = batch.kind[k]!;
      if (kind === CommandKind.place || kind === CommandKind.ioc) {
        expect(m.body).toBe(Body.NewOrder);
        expect(placed.has(m.clientOrderId)).toBe(false);
        placed.add(m.clientOrderId);
        const crosses = m.side === Side.Buy ? m.priceTicks >= shape.mid : m.priceTicks <= shape.mid;
        expect(crosses).toBe(kind === CommandKind.ioc);
        expect(m.tif).toBe(kind === CommandKind.ioc ? Tif.Ioc : Tif.Gtc);
        if (kind === CommandKind.place) live.add(m.clientOrderId);
      } else if (kind === CommandKind.cancel) {
        expect(m.body).toBe(Body.Cancel);
        expect(live.delete(m.clientOrderId)).toBe(true);
      } else {
        expect(m.body).toBe(Body.Modify);
        expect(live.has(m.clientOrderId)).toBe(true);
        expect(m.qtyLots).toBeGreaterThanOrEqual(1);
      }
      expect(live.size).toBeLessThanOrEqual(shape.liveMax);
    }
    expect(splitter.next()).toBe(FrameStatus.NeedMore);
  }
  const kinds = batch.countsByKind();
  for (const name of ["place", "cancel", "modify", "ioc"]) expect(kinds[name]).toBeGreaterThan(0);
});
