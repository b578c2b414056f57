// Proves the fast decoders are the verifying decoders, faster: for fixed-layout frames of every fixed command and body,
// generic-Encoder frames and every kind of mutation of them, the fast and the verifying decoder return the same code
// and the same fields, the fast path is really taken for every frame our writers make, and a frame with any structural
// byte changed leaves it.
import { expect, test } from "bun:test";
import { Body, ClientDecoder, Command, Encoder, InputRecordDecoder } from "./codec.ts";
import { framePrefixBytes } from "./constants.ts";
import { FastClientDecoder, FastInputRecordDecoder } from "./fixed-read.ts";
import { ClientMessageWriter, InputRecordWriter } from "./fixed.ts";
import { fieldsOf, randomClient, randomRecord, Rng } from "./fixtures.ts";

const recordCommands = [Command.NewOrder, Command.Cancel, Command.Modify, Command.MassCancel] as const;
const clientBodies = [Body.NewOrder, Body.Cancel, Body.Modify, Body.Heartbeat] as const;
import { ClientMessage, InputRecordView } from "./messages.ts";

const seed = Number(process.env.SEED ?? 4242);
console.log(`fixed-read.test seed=${seed}`);

function mutations(rng: Rng, frame: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [frame];
  for (let k = 0; k < 6; k++) {
    const m = frame.slice();
    const i = framePrefixBytes + rng.below(frame.length - framePrefixBytes);
    m[i]! ^= 1 << rng.below(8);
    out.push(m);
  }
  const garbage = frame.slice();
  for (let i = framePrefixBytes; i < garbage.length; i++) if (rng.below(4) === 0) garbage[i] = rng.below(256);
  out.push(garbage);
  out.push(frame.slice(0, frame.length - 4 - rng.below(8)));
  return out;
}

test("input records: the fast decoder agrees with the verifying one on every frame", () => {
  const rng = new Rng(seed);
  const writer = new InputRecordWriter();
  const encoder = new Encoder();
  const fast = new FastInputRecordDecoder();
  const slow = new InputRecordDecoder();
  const buf = new Uint8Array(8192);
  let ours = 0;
  for (let n = 0; n < 3000; n++) {
    const r = randomRecord(rng, recordCommands[n % recordCommands.length]!);
    const len = writer.write(buf, 0, r);
    encoder.inputRecord(r);
    for (const frame of [...mutations(rng, buf.slice(0, len)), encoder.frame()]) {
      const a = new InputRecordView();
      const b = new InputRecordView();
      const codeA = fast.decode(frame, framePrefixBytes, frame.length, a);
      const codeB = slow.decode(frame, framePrefixBytes, frame.length, b);
      expect(codeA).toBe(codeB);
      if (codeB === 0) expect(fieldsOf(a)).toEqual(fieldsOf(b));
    }
    const check = new InputRecordView();
    const before = fast.fastCount;
    expect(fast.decode(buf, framePrefixBytes, len, check)).toBe(0);
    if (fast.fastCount === before + 1) ours++;
  }
  // Every record the fixed writer makes takes the fast path.
  expect(ours).toBe(3000);
  expect(fast.slowCount).toBeGreaterThan(3000);
});

test("client frames: the fast decoder agrees with the verifying one on every frame, value checks included", () => {
  const rng = new Rng(seed + 1);
  const writer = new ClientMessageWriter();
  const encoder = new Encoder();
  const fast = new FastClientDecoder();
  const slow = new ClientDecoder();
  const buf = new Uint8Array(8192);
  let ours = 0;
  for (let n = 0; n < 3000; n++) {
    const m = randomClient(rng, clientBodies[n % clientBodies.length]!);
    const len = writer.write(buf, 0, m);
    encoder.client(m);
    const frames = [...mutations(rng, buf.slice(0, len)), encoder.frame()];
    for (const frame of frames) {
      const a = new ClientMessage();
      const b = new ClientMessage();
      const codeA = fast.decode(frame, framePrefixBytes, frame.length, a);
      const codeB = slow.decode(frame, framePrefixBytes, frame.length, b);
      expect(codeA).toBe(codeB);
      if (codeB === 0) expect(fieldsOf(a)).toEqual(fieldsOf(b));
    }
    const before = fast.fastCount;
    expect(fast.decode(buf, framePrefixBytes, len, new ClientMessage())).toBe(0);
    if (fast.fastCount === before + 1) ours++;
  }
  expect(ours).toBe(3000);
});

test("a fixed frame with any one byte outside its value fields changed leaves the fast path", () => {
  const records = new InputRecordWriter();
  const clients = new ClientMessageWriter();
  const rng = new Rng(seed + 2);
  const cases = [
    ...recordCommands.map((c) => ({
      layout: records.layoutOf(c),
      write: (b: Uint8Array) => records.write(b, 0, randomRecord(rng, c)),
      record: true,
    })),
    ...clientBodies.map((body) => ({
      layout: clients.layoutOf(body),
      write: (b: Uint8Array) => clients.write(b, 0, randomClient(rng, body)),
      record: false,
    })),
  ];
  const fastRecord = new FastInputRecordDecoder();
  const fastClient = new FastClientDecoder();
  const decode = (record: boolean, b: Uint8Array): number => {
    const before = record ? fastRecord.fastCount : fastClient.fastCount;
    if (record) fastRecord.decode(b, framePrefixBytes, b.length, new InputRecordView());
    else fastClient.decode(b, framePrefixBytes, b.length, new ClientMessage());
    return (record ? fastRecord.fastCount : fastClient.fastCount) - before;
  };
  for (const { layout, write, record } of cases) {
    const isValue = new Uint8Array(layout.frameBytes);
    for (const [, at, bytes] of layout.fields) isValue.fill(1, at, at + bytes);
    const frame = new Uint8Array(layout.frameBytes);
    for (let i = framePrefixBytes; i < layout.frameBytes; i++) {
      write(frame);
      expect(decode(record, frame)).toBe(1);
      if (isValue[i] === 1) continue;
      frame[i]! ^= 1 << rng.below(8);
      expect({ frame: layout.name, byte: i, fast: decode(record, frame) }).toEqual({
        frame: layout.name,
        byte: i,
        fast: 0,
      });
    }
  }
});
