// Proves the writer's records read back exactly under every policy and batch size, durability is reported in order and
// only after the I/O, limits are enforced, appends allocate nothing, records written in place
// (reserveFrame/commitFrame) make the same file as appended ones, and a reopened journal continues at the next seq.

import { gcAndSweep, heapStats } from "bun:jsc";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, statSync } from "node:fs";
import { join } from "node:path";
import { headerBytes, recordHeaderBytes, recordPayloadBytesMax } from "./constants.ts";
import { readFileSync } from "node:fs";
import { InputRecordWriter } from "../protocol/fixed.ts";
import { InputRecordView } from "../protocol/messages.ts";
import { Command } from "../protocol/codec.ts";
import { JournalError } from "./format.ts";
import { inputRecordSeqReader } from "./input-record.ts";
import { createJournal, openForAppend, openOrCreateJournal } from "./open.ts";
import { JournalReader, readJournal } from "./reader.ts";
import { RecordSource, tempDir } from "./test-support.ts";
import { AppendResult, type JournalWriter, type JournalWriterOptions, type SyncPolicy } from "./writer.ts";

let dir = "";
let cleanup = (): void => {};
let fileIndex = 0;
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

function freshPath(): string {
  return join(dir, `j${fileIndex++}`);
}

const init = { shardId: 7, tag: "test", createdAtNs: 1_700_000_000_123_456_789n, firstSeq: 1 };

/** Appends seqs [from, to] as real InputRecords; every append must succeed. */
function appendRange(w: JournalWriter, src: RecordSource, from: number, to: number): void {
  for (let seq = from; seq <= to; seq++) {
    src.encode(seq);
    const r = w.append(seq, src.bytes, src.offset, src.length);
    if (r !== AppendResult.Ok) throw new Error(`append ${seq}: ${r}`);
  }
}

/**
 * Appends seqs [from, to]; on Full (fsync: a batch in flight and the next one full) waits for durability
 * and retries, as an owner must.
 */
async function appendRangeWaiting(w: JournalWriter, src: RecordSource, from: number, to: number): Promise<void> {
  for (let seq = from; seq <= to;) {
    src.encode(seq);
    const r = w.append(seq, src.bytes, src.offset, src.length);
    if (r === AppendResult.Full) await w.sync();
    else if (r !== AppendResult.Ok) throw new Error(`append ${seq}: ${r}`);
    else seq++;
  }
}

/** Reads a journal back, checking each payload equals the record a RecordSource makes for its seq. */
function expectRecords(path: string, firstSeq: number, lastSeq: number, chunkBytes?: number): void {
  const src = new RecordSource();
  let expected = firstSeq;
  const options =
    chunkBytes === undefined
      ? { payloadSeq: inputRecordSeqReader() }
      : { payloadSeq: inputRecordSeqReader(), chunkBytes };
  const end = readJournal(
    path,
    (seq, bytes, offset, length) => {
      expect(seq).toBe(expected);
      src.encode(seq);
      if (
        length !== src.length ||
        !bytes.subarray(offset, offset + length).every((b, i) => b === src.bytes[src.offset + i])
      ) {
        throw new Error(`record ${seq} differs`);
      }
      expected++;
    },
    options,
  );
  expect(end.tail).toBeNull();
  expect(end.lastSeq).toBe(lastSeq);
  expect(end.records).toBe(lastSeq - firstSeq + 1);
  expect(end.goodBytes).toBe(end.fileBytes);
}

describe.each(["fsync", "write", "none"] as SyncPolicy[])("policy %s", (policy) => {
  test("round trip of 20 000 records with durability reported in order", async () => {
    const path = freshPath();
    const durable: number[] = [];
    const w = createJournal(path, init, { policy, onDurable: (seq) => durable.push(seq) });
    const src = new RecordSource();
    // Appends spread over several event-loop turns, as a gateway's would be.
    for (let turn = 0; turn < 20; turn++) {
      await appendRangeWaiting(w, src, turn * 1000 + 1, turn * 1000 + 1000);
      await new Promise((r) => setImmediate(r));
    }
    expect(await w.sync()).toBe(20_000);
    await w.close();
    expect(durable.length).toBeGreaterThan(0);
    for (let i = 1; i < durable.length; i++) expect(durable[i]!).toBeGreaterThan(durable[i - 1]!);
    expect(durable[durable.length - 1]).toBe(20_000);
    expect(w.stats.records).toBe(20_000);
    if (policy === "none") {
      // Nothing but the header reaches the file.
      expect(statSync(path).size).toBe(headerBytes);
      return;
    }
    expect(w.stats.bytes).toBe(statSync(path).size - headerBytes);
    expectRecords(path, 1, 20_000);
    if (policy === "fsync") expect(w.stats.syncNsTotal).toBeGreaterThan(0);
  });

  test("batch boundaries: records-per-batch and batch-bytes limits cut batches early", async () => {
    const path = freshPath();
    const w = createJournal(path, init, { policy, autoFlush: false, batchRecordsMax: 7, batchBytes: 8192 });
    const src = new RecordSource();
    let full = 0;
    for (let seq = 1; seq <= 1000;) {
      src.encode(seq);
      const r = w.append(seq, src.bytes, src.offset, src.length);
      if (r === AppendResult.Full) {
        // Only the fsync policy can be full: a batch is in flight.
        expect(policy).toBe("fsync");
        full++;
        await w.sync();
        continue;
      }
      expect(r).toBe(AppendResult.Ok);
      seq++;
    }
    await w.close();
    expect(w.stats.batchRecordsMax).toBeLessThanOrEqual(7);
    expect(w.stats.batches).toBeGreaterThanOrEqual(Math.ceil(1000 / 7));
    if (policy === "fsync") expect(full).toBe(w.stats.fullCount);
    if (policy !== "none") expectRecords(path, 1, 1000);
    // Large records: the byte limit cuts first (8192 bytes hold one 4100-byte record).
    const path2 = freshPath();
    const w2 = createJournal(path2, init, { policy, autoFlush: false, batchBytes: 8192 });
    const big = new Uint8Array(recordPayloadBytesMax).fill(0x5a);
    for (let seq = 1; seq <= 10;) {
      const r = w2.append(seq, big, 0, big.length);
      if (r === AppendResult.Full) await w2.sync();
      else seq++;
    }
    await w2.close();
    expect(w2.stats.batchRecordsMax).toBe(1);
    expect(w2.stats.batches).toBe(10);
    if (policy !== "none") {
      const end = readJournal(path2, (_seq, bytes, offset, length) => {
        expect(length).toBe(recordPayloadBytesMax);
        expect(bytes[offset]).toBe(0x5a);
        expect(bytes[offset + length - 1]).toBe(0x5a);
      });
      expect(end.records).toBe(10);
      expect(end.fileBytes).toBe(headerBytes + 10 * (recordHeaderBytes + recordPayloadBytesMax));
    }
  });

  test("refuses bad lengths and out-of-order seqs without changing anything", async () => {
    const path = freshPath();
    const w = createJournal(path, init, { policy });
    const b = new Uint8Array(recordPayloadBytesMax + 1);
    expect(w.append(1, b, 0, 0)).toBe(AppendResult.BadLength);
    expect(w.append(1, b, 0, recordPayloadBytesMax + 1)).toBe(AppendResult.BadLength);
    expect(() => w.append(2, b, 0, 10)).toThrow("seq 2, expected 1");
    expect(() => w.append(1, b, b.length - 5, 10)).toThrow("outside a buffer");
    expect(w.nextSeq).toBe(1);
    expect(w.append(1, b, 0, recordPayloadBytesMax)).toBe(AppendResult.Ok);
    await w.close();
    expect(w.append(2, b, 0, 10)).toBe(AppendResult.Stopped);
    if (policy !== "none") expect(readJournal(path, () => {}).records).toBe(1);
  });
});

test("fsync: durability is reported only after the sync, and appends during a sync form the next batch", async () => {
  const path = freshPath();
  const durable: number[] = [];
  const w = createJournal(path, init, { policy: "fsync", onDurable: (seq) => durable.push(seq) });
  const src = new RecordSource();
  appendRange(w, src, 1, 10);
  w.flush();
  // The first batch is in flight; these go to the other buffer.
  appendRange(w, src, 11, 25);
  expect(durable).toEqual([]);
  expect(w.durableSeq).toBe(0);
  expect(w.pendingRecords).toBe(25);
  await w.sync();
  expect(durable).toEqual([10, 25]);
  expect(w.stats.batches).toBe(2);
  expect(w.stats.batchRecordsMax).toBe(15);
  await w.close();
  expectRecords(path, 1, 25);
});

test("write and none: onDurable is never called from inside append", () => {
  for (const policy of ["write", "none"] as const) {
    const path = freshPath();
    let inAppend = false;
    let calls = 0;
    const w = createJournal(path, init, {
      policy,
      autoFlush: false,
      batchRecordsMax: 3,
      onDurable: () => {
        expect(inAppend).toBe(false);
        calls++;
      },
    });
    const src = new RecordSource();
    for (let seq = 1; seq <= 10; seq++) {
      src.encode(seq);
      inAppend = true;
      expect(w.append(seq, src.bytes, src.offset, src.length)).toBe(AppendResult.Ok);
      inAppend = false;
    }
    // Three full batches were handed off inside append; the owner hears of them here.
    expect(calls).toBe(0);
    expect(w.durableSeq).toBe(9);
    w.flush();
    expect(calls).toBe(1);
    expect(w.durableSeq).toBe(10);
    void w.close();
  }
});

test("reopen continues after the last record, with the header kept", async () => {
  const path = freshPath();
  const src = new RecordSource();
  const first = { ...init, firstSeq: 501 };
  const w1 = createJournal(path, first, { policy: "fsync" });
  appendRange(w1, src, 501, 1500);
  await w1.close();
  let replayed = 0;
  const { writer: w2, recovery } = openForAppend(path, { policy: "fsync" }, () => replayed++);
  expect(replayed).toBe(1000);
  expect(recovery.tail).toBeNull();
  expect(recovery.warning).toBeNull();
  expect(recovery.lastSeq).toBe(1500);
  expect(recovery.header).toMatchObject({ shardId: 7, tag: "test", createdAtNs: init.createdAtNs, firstSeq: 501 });
  expect(w2.nextSeq).toBe(1501);
  expect(w2.durableSeq).toBe(1500);
  expect(() => w2.append(1500, src.bytes, src.offset, src.length)).toThrow("expected 1501");
  appendRange(w2, src, 1501, 2000);
  await w2.close();
  // Reopen an empty journal, too.
  const emptyPath = freshPath();
  await createJournal(emptyPath, init, { policy: "write" }).close();
  const { writer: w3, recovery: r3 } = openOrCreateJournal(emptyPath, init, { policy: "write" });
  expect(r3!.records).toBe(0);
  expect(r3!.lastSeq).toBe(0);
  expect(w3.nextSeq).toBe(1);
  await w3.close();
  expectRecords(path, 501, 2000);
});

test("create refuses an existing file; openOrCreate refuses another shard's journal", async () => {
  const path = freshPath();
  await createJournal(path, init, { policy: "none" }).close();
  expect(() => createJournal(path, init, { policy: "none" })).toThrow(JournalError);
  expect(() => openOrCreateJournal(path, { ...init, shardId: 8 }, { policy: "none" })).toThrow(
    "journal of shard 7, expected shard 8",
  );
  const made = openOrCreateJournal(freshPath(), init, { policy: "none" });
  expect(made.recovery).toBeNull();
  await made.writer.close();
});

test("a reader with a small chunk reads records that straddle chunk boundaries", async () => {
  const path = freshPath();
  const w = createJournal(path, init, { policy: "write" });
  const src = new RecordSource();
  appendRange(w, src, 1, 3000);
  // Some large records among the small ones.
  const big = new Uint8Array(4000).fill(1);
  expect(w.append(3001, big, 0, big.length)).toBe(AppendResult.Ok);
  appendRange(w, src, 3002, 3100);
  await w.close();
  const reader = JournalReader.open(path, { chunkBytes: 2 * 4100 + 13 });
  let count = 0;
  while (reader.next()) {
    count++;
    expect(reader.seq).toBe(count);
  }
  reader.close();
  expect(count).toBe(3100);
});

test("append and read allocate nothing per record", () => {
  const path = freshPath();
  const options: JournalWriterOptions = {
    policy: "write",
    autoFlush: false,
    batchRecordsMax: 100_000,
    batchBytes: 16 << 20,
  };
  const w = createJournal(path, init, options);
  const src = new RecordSource();
  src.encode(1);
  const payload = src.bytes.slice(src.offset, src.offset + src.length);
  let seq = 1;
  const run = (count: number): void => {
    for (let i = 0; i < count; i++) w.append(seq++, payload, 0, payload.length);
  };
  run(20_000); // warm up the JIT
  w.flush();
  const appendCells = cellsIn(() => run(20_000));
  w.flush();
  void w.close();
  const reader = JournalReader.open(path, { chunkBytes: 8 << 20 });
  let read = 0;
  while (read < 20_000 && reader.next()) read++;
  const readCells = cellsIn(() => {
    for (let i = 0; i < 19_000; i++) reader.next();
  });
  reader.close();
  // A few cells are the heap readings' own; 20 000 allocations would show as 20 000.
  expect(appendCells).toBeLessThan(20);
  expect(readCells).toBeLessThan(20);
});

/** Heap cells allocated by `f` in a window without a collection (retried if one runs), less what the readings cost. */
function cellsIn(f: () => void): number {
  for (let attempt = 0; attempt < 5; attempt++) {
    gcAndSweep();
    const r1 = heapStats();
    const r2 = heapStats();
    f();
    const r3 = heapStats();
    if (r3.heapSize - r3.extraMemorySize !== r1.heapSize - r1.extraMemorySize) continue;
    let cells = 0;
    for (const k in r3.objectTypeCounts) {
      if (k === "Structure" || k === "PropertyTable" || k === "StructureChain" || k === "StructureRareData") continue;
      const readCost = (r2.objectTypeCounts[k] ?? 0) - (r1.objectTypeCounts[k] ?? 0);
      cells += Math.max(0, r3.objectTypeCounts[k]! - (r2.objectTypeCounts[k] ?? 0) - readCost);
    }
    return cells;
  }
  throw new Error("a collection ran inside every window");
}

describe.each(["fsync", "write", "none"] as SyncPolicy[])("records written in place, policy %s", (policy) => {
  /** Record `seq` as the sequencer stamps it. */
  function record(seq: number): InputRecordView {
    const r = new InputRecordView();
    Object.assign(r, { command: Command.NewOrder, engineSeq: seq, receivedNs: 1e18 + seq, userId: 1 + (seq % 7) });
    Object.assign(r, { sessionId: 3, sessionSeq: seq, orderId: seq, clientOrderId: seq * 11, symbolId: seq % 3 });
    Object.assign(r, { side: seq & 1, priceTicks: 10_000 + (seq % 500), qtyLots: 1 + (seq % 9) });
    return r;
  }

  test("make the same file as the same frames appended, across batch boundaries", async () => {
    const options: JournalWriterOptions = { policy, batchRecordsMax: 64, batchBytes: 8192 };
    const inPlace = createJournal(freshPath(), init, options);
    const appended = createJournal(freshPath(), init, options);
    const writer = new InputRecordWriter();
    const scratch = new Uint8Array(4096);
    const count = 3000;
    for (let seq = 1; seq <= count;) {
      const r = record(seq);
      const bytesMax = writer.layoutOf(Command.NewOrder).frameBytes;
      const at = inPlace.reserveFrame(seq, bytesMax);
      if (at < 0) {
        // fsync: a batch in flight and the next one full; the owner waits for durability.
        expect(inPlace.refused).toBe(AppendResult.Full);
        await inPlace.sync();
        continue;
      }
      inPlace.commitFrame(seq, writer.write(inPlace.batchBuffer, at, r));
      const n = writer.write(scratch, 0, r);
      while (appended.append(seq, scratch, 4, n - 4) === AppendResult.Full) await appended.sync();
      seq++;
    }
    await Promise.all([inPlace.close(), appended.close()]);
    expect(readFileSync(inPlace.path)).toEqual(readFileSync(appended.path));
    const seqs: number[] = [];
    readJournal(inPlace.path, (seq) => seqs.push(seq), { payloadSeq: inputRecordSeqReader() });
    // Policy none writes nothing after the header (both files are just that).
    expect(seqs.length).toBe(policy === "none" ? 0 : count);
  });

  test("a wrong commit throws; a closed writer refuses with Stopped, an oversized frame with BadLength", async () => {
    const w = createJournal(freshPath(), init, { policy, autoFlush: false });
    expect(w.reserveFrame(1, recordPayloadBytesMax + 5)).toBe(-1);
    expect(w.refused).toBe(AppendResult.BadLength);
    const at = w.reserveFrame(1, 200);
    // The first record of a batch: its frame's size prefix lands on the record's CRC slot.
    expect(at).toBe(recordHeaderBytes - 4);
    expect(() => w.commitFrame(2, 100)).toThrow(/seq 2/);
    expect(() => w.commitFrame(1, 204)).toThrow(/at most 200/);
    // An uncommitted reservation adds nothing.
    expect(w.nextSeq).toBe(1);
    await w.close();
    expect(w.reserveFrame(1, 200)).toBe(-1);
    expect(w.refused).toBe(AppendResult.Stopped);
  });
});

test("an I/O error stops the writer: onError hears it, appends return Stopped, sync rejects", async () => {
  for (const policy of ["fsync", "write"] as const) {
    const errors: Error[] = [];
    const w = createJournal(freshPath(), init, { policy, autoFlush: false, onError: (e) => errors.push(e) });
    const src = new RecordSource();
    appendRange(w, src, 1, 5);
    await w.sync();
    // Pull the file out from under the writer: its next write fails with EBADF.
    const fd = (w as unknown as { fd: number }).fd;
    closeSync(fd);
    appendRange(w, src, 6, 10);
    await expect(w.sync()).rejects.toThrow("EBADF");
    expect(errors.length).toBe(1);
    expect(w.failure).toBe(errors[0]!);
    expect(w.durableSeq).toBe(5);
    expect(w.append(11, src.bytes, src.offset, src.length)).toBe(AppendResult.Stopped);
    (w as unknown as { fd: number }).fd = openSync("/dev/null", "r");
    await w.close();
  }
});
