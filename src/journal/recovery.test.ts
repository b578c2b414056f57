// Proves damage is classified right: a torn last record (cut at every byte, or any bit flipped) is dropped and earlier
// records kept, damage before a valid record is a hard error naming its offset, and bad headers are refused.

import { afterAll, beforeAll, expect, test } from "bun:test";
import {
  closeSync,
  copyFileSync,
  ftruncateSync,
  openSync,
  readFileSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { headerBytes, journalFormatVersion, recordHeaderBytes, recordPayloadBytesMax } from "./constants.ts";
import { encodeHeader, JournalError, JournalErrorCode } from "./format.ts";
import { inputRecordSeqReader } from "./input-record.ts";
import { createJournal, openForAppend } from "./open.ts";
import { JournalReader, readJournal } from "./reader.ts";
import { RecordSource, tempDir } from "./test-support.ts";
import { AppendResult } from "./writer.ts";

const recordsCount = 40;
let dir = "";
let cleanup = (): void => {};
/** A clean journal of `recordsCount` records, and each record's file offset (plus the end of file last). */
let basePath = "";
let base = new Uint8Array(0);
const recordAt: number[] = [];
const init = { shardId: 1, tag: "recovery", createdAtNs: 42n, firstSeq: 1 };
/** A chunk small enough to make reads cheap, large enough for any record. */
const chunkBytes = 16 * 1024;

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  basePath = join(dir, "base");
  const w = createJournal(basePath, init, { policy: "write" });
  const src = new RecordSource();
  let at = headerBytes;
  for (let seq = 1; seq <= recordsCount; seq++) {
    src.encode(seq);
    expect(w.append(seq, src.bytes, src.offset, src.length)).toBe(AppendResult.Ok);
    recordAt.push(at);
    at += recordHeaderBytes + src.length;
  }
  recordAt.push(at);
  await w.close();
  base = new Uint8Array(readFileSync(basePath));
  expect(base.length).toBe(at);
});
afterAll(() => cleanup());

function read(path: string) {
  return readJournal(path, () => {}, { chunkBytes, payloadSeq: inputRecordSeqReader() });
}

function expectError(path: string, code: string, atByte: number, message?: string): void {
  let caught: unknown = null;
  try {
    read(path);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(JournalError);
  const e = caught as JournalError;
  expect(e.code).toBe(code as JournalErrorCode);
  expect(e.atByte).toBe(atByte);
  if (message !== undefined) expect(e.message).toContain(message);
}

test(
  "a last record cut at every byte offset is dropped, the others kept, " + "and appending resumes after them",
  async () => {
    const last = recordAt[recordsCount - 1]!;
    const path = join(dir, "torn");
    const warnings: string[] = [];
    for (let cut = last; cut < base.length; cut++) {
      writeFileSync(path, base.subarray(0, cut));
      const end = read(path);
      expect(end.records).toBe(recordsCount - 1);
      expect(end.lastSeq).toBe(recordsCount - 1);
      expect(end.goodBytes).toBe(last);
      if (cut === last) expect(end.tail).toBeNull();
      else expect(end.tail).toMatchObject({ atByte: last, bytes: cut - last });
      const { writer, recovery } = openForAppend(path, { policy: "write", warn: (m) => warnings.push(m) });
      expect(recovery.tail === null).toBe(cut === last);
      expect(writer.nextSeq).toBe(recordsCount);
      expect(statSync(path).size).toBe(last);
      const src = new RecordSource();
      for (let seq = recordsCount; seq <= recordsCount + 1; seq++) {
        src.encode(seq);
        expect(writer.append(seq, src.bytes, src.offset, src.length)).toBe(AppendResult.Ok);
      }
      await writer.close();
      const after = read(path);
      expect(after.tail).toBeNull();
      expect(after.lastSeq).toBe(recordsCount + 1);
    }
    expect(warnings.length).toBe(base.length - last - 1);
    expect(warnings[0]).toContain(`dropped a torn tail of 1 bytes at byte ${last}`);
  },
);

test("any single bit flipped in the last record drops that record only", () => {
  const last = recordAt[recordsCount - 1]!;
  const path = join(dir, "flip-last");
  copyFileSync(basePath, path);
  const fd = openSync(path, "r+");
  try {
    for (let byte = last; byte < base.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        writeSync(fd, new Uint8Array([base[byte]! ^ (1 << bit)]), 0, 1, byte);
        const end = read(path);
        expect(end.records).toBe(recordsCount - 1);
        expect(end.tail?.atByte).toBe(last);
      }
      writeSync(fd, base, byte, 1, byte);
    }
  } finally {
    closeSync(fd);
  }
});

test("any single bit flipped in a middle record is a hard error naming that record's offset", () => {
  const victim = 20;
  const at = recordAt[victim]!;
  const path = join(dir, "flip-middle");
  copyFileSync(basePath, path);
  const fd = openSync(path, "r+");
  try {
    for (let byte = at; byte < recordAt[victim + 1]!; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        writeSync(fd, new Uint8Array([base[byte]! ^ (1 << bit)]), 0, 1, byte);
        expectError(path, JournalErrorCode.Corrupt, at, `record at byte ${at} (seq ${victim + 1}) is damaged`);
      }
      writeSync(fd, base, byte, 1, byte);
    }
  } finally {
    closeSync(fd);
  }
  // The first record, right after the header, too.
  copyFileSync(basePath, path);
  const bytes = new Uint8Array(base);
  bytes[headerBytes + recordHeaderBytes + 3]! ^= 0x10;
  writeFileSync(path, bytes);
  expectError(path, JournalErrorCode.Corrupt, headerBytes, "a valid record follows at byte");
  expect(() => openForAppend(path, { policy: "none" })).toThrow(JournalError);
});

test("an oversized length field: a hard error in the middle, a dropped tail at the end", () => {
  const path = join(dir, "oversized");
  const bytes = new Uint8Array(base);
  const view = new DataView(bytes.buffer);
  view.setUint32(recordAt[10]!, recordPayloadBytesMax + 1, true);
  writeFileSync(path, bytes);
  expectError(path, JournalErrorCode.Corrupt, recordAt[10]!, `length field ${recordPayloadBytesMax + 1} outside`);
  const tailBytes = new Uint8Array(base);
  new DataView(tailBytes.buffer).setUint32(recordAt[recordsCount - 1]!, 0xffffffff, true);
  writeFileSync(path, tailBytes);
  const end = read(path);
  expect(end.records).toBe(recordsCount - 1);
  expect(end.tail?.reason).toContain("length field 4294967295 outside");
});

test("a zero-filled tail (file extended, data never written) is a torn tail, not empty records", () => {
  const path = join(dir, "zeros");
  const bytes = new Uint8Array(base.length + 10_000);
  bytes.set(base);
  writeFileSync(path, bytes);
  const end = read(path);
  expect(end.records).toBe(recordsCount);
  expect(end.tail).toMatchObject({ atByte: base.length, bytes: 10_000 });
  // A whole valid record after a zeroed one is damage in the middle.
  const holed = new Uint8Array(base);
  holed.fill(0, recordAt[5]!, recordAt[6]!);
  writeFileSync(path, holed);
  expectError(path, JournalErrorCode.Corrupt, recordAt[5]!, "length field 0 outside");
});

test("a valid record far past the damage, beyond the first read window, is still found", () => {
  const path = join(dir, "far");
  const bytes = new Uint8Array(base.length + 3 * chunkBytes);
  bytes.set(base.subarray(0, recordAt[30]!));
  // Garbage (zeros) from record 30 on, then record 31 reappears three chunks later.
  bytes.set(base.subarray(recordAt[31]!, recordAt[32]!), recordAt[30]! + 3 * chunkBytes);
  writeFileSync(path, bytes.subarray(0, recordAt[30]! + 3 * chunkBytes + recordAt[32]! - recordAt[31]!));
  expectError(path, JournalErrorCode.Corrupt, recordAt[30]!, `follows at byte ${recordAt[30]! + 3 * chunkBytes}`);
});

test("bad headers are refused with their reason", () => {
  const path = join(dir, "header");
  const cases: [string, (b: Uint8Array) => Uint8Array, string, number][] = [
    ["zero-length file", () => new Uint8Array(0), JournalErrorCode.ShortFile, 0],
    ["shorter than a header", (b) => b.subarray(0, headerBytes - 1), JournalErrorCode.ShortFile, 0],
    ["wrong magic", (b) => ((b[0] = 0x41), b), JournalErrorCode.BadMagic, 0],
    [
      "other version",
      (b) => (new DataView(b.buffer).setUint32(8, journalFormatVersion + 1, true), b),
      JournalErrorCode.BadVersion,
      8,
    ],
    ["a flipped tag bit", (b) => ((b[41]! ^= 4), b), JournalErrorCode.BadHeader, headerBytes - 4],
    ["a flipped CRC bit", (b) => ((b[headerBytes - 1]! ^= 0x80), b), JournalErrorCode.BadHeader, headerBytes - 4],
  ];
  for (const [name, damage, code, atByte] of cases) {
    writeFileSync(path, damage(new Uint8Array(base)));
    try {
      read(path);
      throw new Error(`${name}: no error`);
    } catch (e) {
      expect(e).toBeInstanceOf(JournalError);
      expect([name, (e as JournalError).code, (e as JournalError).atByte]).toEqual([
        name,
        code as JournalErrorCode,
        atByte,
      ]);
    }
    expect(() => openForAppend(path, { policy: "none" })).toThrow(JournalError);
  }
  // A header whose CRC is right but whose limit is above this build's.
  const wide = new Uint8Array(base);
  const header = encodeHeader(init);
  new DataView(header.buffer).setUint32(20, recordPayloadBytesMax + 1, true);
  new DataView(header.buffer).setUint32(headerBytes - 4, Bun.hash.crc32(header.subarray(0, headerBytes - 4)), true);
  wide.set(header);
  writeFileSync(path, wide);
  expectError(path, JournalErrorCode.BadHeader, 20, "this build reads up to");
  expect(() => openForAppend(join(dir, "missing"), { policy: "none" })).toThrow("ENOENT");
});

test("a payload whose own seq disagrees with its position is refused when the reader checks it", () => {
  const path = join(dir, "seq");
  const w = createJournal(path, init, { policy: "write" });
  const src = new RecordSource();
  src.encode(1);
  w.append(1, src.bytes, src.offset, src.length);
  src.encode(5);
  w.append(2, src.bytes, src.offset, src.length);
  void w.close();
  expectError(
    path,
    JournalErrorCode.SeqMismatch,
    headerBytes + recordHeaderBytes + src.length,
    "carries seq 5, its position gives 2",
  );
  // Without the check the journal treats payloads as opaque.
  expect(readJournal(path, () => {}).records).toBe(2);
});

test("header-only and truncated-to-header files read as empty journals", () => {
  const path = join(dir, "header-only");
  writeFileSync(path, base.subarray(0, headerBytes + 5));
  const end = read(path);
  expect(end).toMatchObject({
    records: 0,
    lastSeq: 0,
    goodBytes: headerBytes,
    tail: { atByte: headerBytes, bytes: 5 },
  });
  const fd = openSync(path, "r+");
  ftruncateSync(fd, headerBytes);
  closeSync(fd);
  const reader = JournalReader.open(path);
  expect(reader.next()).toBe(false);
  expect(reader.end).toMatchObject({ records: 0, lastSeq: 0, tail: null });
  reader.close();
});
