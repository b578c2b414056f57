// Proves the follower hands out exactly the records up to the limit it is given, in order, picks up records appended
// after it reached the end, waits at a record still being written (and at a stale half-written copy it buffered
// earlier), and refuses damage in a record below the limit.

import { afterAll, beforeAll, expect, test } from "bun:test";
import { appendFileSync, closeSync, openSync, writeSync } from "node:fs";
import { join } from "node:path";
import { recordHeaderBytes } from "./constants.ts";
import { JournalError } from "./format.ts";
import { JournalFollower } from "./follower.ts";
import { createJournal } from "./open.ts";
import { JournalReader, readJournal } from "./reader.ts";
import { RecordSource, tempDir } from "./test-support.ts";
import { AppendResult, type JournalWriter } from "./writer.ts";

let dir = "";
let cleanup = (): void => {};
let fileIndex = 0;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const init = { shardId: 0, tag: "follow", createdAtNs: 1_700_000_000_000_000_000n, firstSeq: 1 };

function fresh(): { path: string; writer: JournalWriter } {
  const path = join(dir, `f${fileIndex++}`);
  return { path, writer: createJournal(path, init, { policy: "write", autoFlush: false }) };
}

function append(w: JournalWriter, src: RecordSource, from: number, to: number): void {
  for (let seq = from; seq <= to; seq++) {
    src.encode(seq);
    expect(w.append(seq, src.bytes, src.offset, src.length)).toBe(AppendResult.Ok);
  }
  w.flush();
}

/** Reads with `f` and checks every record equals what RecordSource makes for its seq. */
function follow(f: JournalFollower, limit: number, max = 1 << 30): number[] {
  const src = new RecordSource();
  const seqs: number[] = [];
  f.read(limit, max, (seq, bytes, offset, length) => {
    src.encode(seq);
    expect(length).toBe(src.length);
    expect(
      Buffer.compare(bytes.subarray(offset, offset + length), src.bytes.subarray(src.offset, src.offset + length)),
    ).toBe(0);
    seqs.push(seq);
  });
  return seqs;
}

const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test("records up to the limit, then the ones appended later, in order, across chunk refills", async () => {
  const { path, writer } = fresh();
  const src = new RecordSource();
  append(writer, src, 1, 5000);
  const f = JournalFollower.open(path, 16 * 1024);
  expect(follow(f, 1200)).toEqual(range(1, 1200));
  expect(follow(f, 1200)).toEqual([]);
  expect(follow(f, 9999, 300)).toEqual(range(1201, 1500));
  expect(follow(f, 9999)).toEqual(range(1501, 5000));
  append(writer, src, 5001, 7000);
  expect(follow(f, 9999)).toEqual(range(5001, 7000));
  expect(f.goodBytes).toBe(readJournal(path, () => {}).goodBytes);
  f.close();
  await writer.close();
});

/** Record `seq` as the writer frames it: length, CRC, payload. */
function framed(src: RecordSource, seq: number): Uint8Array {
  src.encode(seq);
  const record = new Uint8Array(recordHeaderBytes + src.length);
  const dv = new DataView(record.buffer);
  const payload = src.bytes.subarray(src.offset, src.offset + src.length);
  dv.setUint32(0, src.length, true);
  dv.setUint32(4, Bun.hash.crc32(payload), true);
  record.set(payload, recordHeaderBytes);
  return record;
}

test(
  "a record still being written is waited for, " + "and a stale copy buffered while it was in progress is read again",
  async () => {
    const { path, writer } = fresh();
    const src = new RecordSource();
    append(writer, src, 1, 10);
    await writer.close();
    const f = JournalFollower.open(path);
    expect(follow(f, 10)).toEqual(range(1, 10));
    // 11 is whole; 12's space is extended but not yet filled (zeros), as a reader may see a write in progress.
    const r11 = framed(src, 11);
    const r12 = framed(src, 12);
    const at12 = f.goodBytes + r11.length;
    appendFileSync(path, r11);
    appendFileSync(path, new Uint8Array(r12.length));
    expect(follow(f, 11)).toEqual([11]);
    const fd = openSync(path, "r+");
    writeSync(fd, r12, 0, r12.length, at12);
    closeSync(fd);
    expect(follow(f, 12)).toEqual([12]);
    // 13 arrives in two pieces: nothing is handed out until it is whole.
    const r13 = framed(src, 13);
    const half = recordHeaderBytes + 5;
    appendFileSync(path, r13.subarray(0, half));
    expect(follow(f, 13)).toEqual([]);
    appendFileSync(path, r13.subarray(half));
    expect(follow(f, 13)).toEqual([13]);
    f.close();
  },
);

test("damage in a record below the limit throws instead of skipping it", async () => {
  const { path, writer } = fresh();
  const src = new RecordSource();
  append(writer, src, 1, 20);
  await writer.close();
  const reader = JournalReader.open(path);
  while (reader.next() && reader.seq < 6);
  const at = reader.atByte;
  reader.close();
  const fd = openSync(path, "r+");
  writeSync(fd, new Uint8Array([0xff]), 0, 1, at + recordHeaderBytes + 3);
  closeSync(fd);
  const f = JournalFollower.open(path);
  expect(follow(f, 5)).toEqual(range(1, 5));
  expect(() => follow(f, 20)).toThrow(JournalError);
  f.close();
});
