// Proves the outgoing buffer: batches appends, lets a writer fill reserved room in place, keeps what a short write left
// for the next flush, compacts, refuses what does not fit, reports a closed socket.

import { expect, test } from "bun:test";
import { Outbox } from "./outbox.ts";

/** A socket that takes at most `budget` bytes per write and records what it took. */
class Sink {
  taken: number[] = [];
  writes = 0;
  constructor(public budget: number) {}
  write(data: Uint8Array, offset: number, length: number): number {
    this.writes++;
    const n = Math.min(length, this.budget);
    for (let i = 0; i < n; i++) this.taken.push(data[offset + i]!);
    return n;
  }
}

const bytes = (from: number, count: number) => Uint8Array.from({ length: count }, (_, i) => (from + i) & 0xff);

test("appends go out in one write; a short write keeps the rest in order", () => {
  const out = new Outbox(64);
  expect(out.append(bytes(0, 10), 0, 10)).toBe(true);
  expect(out.append(bytes(10, 20), 5, 20)).toBe(true); // 15 bytes: 15..29
  const sink = new Sink(12);
  expect(out.flushTo(sink)).toBe(13);
  expect(sink.writes).toBe(1);
  sink.budget = 100;
  expect(out.flushTo(sink)).toBe(0);
  expect(sink.taken).toEqual([...bytes(0, 10), ...bytes(15, 15)]);
  expect(out.flushTo(sink)).toBe(0);
  expect(sink.writes).toBe(2); // nothing pending: no write
});

test("full: refuses without a partial append; compacts when the head was consumed", () => {
  const out = new Outbox(16);
  expect(out.append(bytes(0, 12), 0, 12)).toBe(true);
  expect(out.append(bytes(0, 5), 0, 5)).toBe(false);
  expect(out.pendingBytes).toBe(12);
  out.flushTo(new Sink(8));
  expect(out.append(bytes(100, 10), 0, 10)).toBe(true); // fits only after moving the 4 pending bytes down
  const sink = new Sink(100);
  out.flushTo(sink);
  expect(sink.taken).toEqual([...bytes(8, 4), ...bytes(100, 10)]);
});

test("reserve and commit: room in place, nothing pending before commit, compaction, refusal", () => {
  const out = new Outbox(16);
  const at = out.reserve(12);
  expect(at).toBe(0);
  expect(out.pendingBytes).toBe(0);
  out.bytes.set(bytes(0, 12), at);
  out.commit(12);
  expect(out.pendingBytes).toBe(12);
  expect(out.reserve(5)).toBe(-1);
  expect(out.pendingBytes).toBe(12);
  out.flushTo(new Sink(8));
  // Fits only after the 4 pending bytes move down.
  const next = out.reserve(10);
  expect(next).toBe(4);
  out.bytes.set(bytes(100, 10), next);
  out.commit(10);
  const sink = new Sink(100);
  out.flushTo(sink);
  expect(sink.taken).toEqual([...bytes(8, 4), ...bytes(100, 10)]);
  expect(() => out.commit(17)).toThrow();
  expect(() => out.reserve(-1)).toThrow();
});

test("bounded writes, closed sockets, reset", () => {
  const out = new Outbox(32);
  out.append(bytes(0, 20), 0, 20);
  const sink = new Sink(100);
  expect(out.flushTo(sink, 7)).toBe(13);
  expect(out.flushTo({ write: () => -1 })).toBe(-1);
  expect(out.pendingBytes).toBe(13);
  out.reset();
  expect(out.pendingBytes).toBe(0);
  expect(() => new Outbox(0)).toThrow();
});
