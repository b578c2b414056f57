// Proves the frame splitter cuts any chunking of a byte stream into the same frames, waits for partial frames, and
// stops with an error value on a zero or oversized length.

import { describe, expect, test } from "bun:test";
import { framePrefixBytes, ProtocolError } from "./constants.ts";
import { Rng } from "./fixtures.ts";
import { FrameSplitter, FrameStatus, writeLength } from "./frame.ts";

const seed = Number(process.env.SEED ?? 777);
console.log(`frame.test seed=${seed}`);

/** A stream of frames whose payloads are `sizes` bytes, each byte naming its frame and index. */
function stream(sizes: number[]): Uint8Array {
  const total = sizes.reduce((a, n) => a + framePrefixBytes + n, 0);
  const bytes = new Uint8Array(total);
  let at = 0;
  sizes.forEach((n, f) => {
    writeLength(bytes, at, n);
    at += framePrefixBytes;
    for (let i = 0; i < n; i++) bytes[at + i] = (f * 31 + i) & 0xff;
    at += n;
  });
  return bytes;
}

/** Feeds `bytes` in chunks cut at `cuts`; returns the payloads (copied) and the final status. */
function split(
  splitter: FrameSplitter,
  bytes: Uint8Array,
  cuts: number[],
): { frames: Uint8Array[]; last: FrameStatus } {
  const frames: Uint8Array[] = [];
  let last: FrameStatus = FrameStatus.NeedMore;
  let from = 0;
  for (const to of [...cuts, bytes.length]) {
    splitter.push(bytes.subarray(from, to));
    from = to;
    for (last = splitter.next(); last === FrameStatus.Frame; last = splitter.next()) {
      frames.push(splitter.bytes.slice(splitter.start, splitter.end));
    }
    if (last === FrameStatus.Error) break;
  }
  return { frames, last };
}

describe("FrameSplitter", () => {
  test("several frames in one chunk come out in order, in place (no copy)", () => {
    const bytes = stream([1, 5, 100, 3]);
    const splitter = new FrameSplitter(4096);
    splitter.push(bytes);
    const seen: number[] = [];
    while (splitter.next() === FrameStatus.Frame) {
      expect(splitter.bytes).toBe(bytes);
      seen.push(splitter.end - splitter.start);
    }
    expect(seen).toEqual([1, 5, 100, 3]);
    expect(splitter.pendingBytes).toBe(0);
  });

  test("a frame split in every possible place waits for the rest", () => {
    const bytes = stream([10, 7]);
    for (let cut = 1; cut < bytes.length; cut++) {
      const { frames, last } = split(new FrameSplitter(4096), bytes, [cut]);
      expect(last).toBe(FrameStatus.NeedMore);
      expect(frames).toEqual([bytes.slice(4, 14), bytes.slice(18, 25)]);
    }
  });

  test("one byte at a time", () => {
    const bytes = stream([3, 0x100, 1]);
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    const { frames } = split(new FrameSplitter(4096), bytes, cuts);
    expect(frames.map((f) => f.length)).toEqual([3, 0x100, 1]);
  });

  test("random chunkings of random streams give the same frames", () => {
    const rng = new Rng(seed);
    const splitter = new FrameSplitter(512);
    for (let round = 0; round < 2000; round++) {
      const sizes = Array.from({ length: 1 + rng.below(12) }, () => 1 + rng.below(508));
      const bytes = stream(sizes);
      const cuts: number[] = [];
      for (let at = rng.below(64); at < bytes.length; at += 1 + rng.below(rng.chance(0.5) ? 8 : 600)) cuts.push(at);
      splitter.reset();
      const { frames, last } = split(
        splitter,
        bytes,
        cuts.filter((c) => c > 0),
      );
      expect(last).toBe(FrameStatus.NeedMore);
      expect(frames.map((f) => f.length)).toEqual(sizes);
      let at = 0;
      for (const f of frames) {
        at += framePrefixBytes;
        expect(f).toEqual(bytes.slice(at, at + f.length));
        at += f.length;
      }
      expect(splitter.pendingBytes).toBe(0);
    }
  });

  test("the largest frame passes; one byte more is an error", () => {
    const splitter = new FrameSplitter(64);
    expect(split(splitter, stream([60]), [30]).frames.length).toBe(1);
    splitter.reset();
    const { frames, last } = split(splitter, stream([61]), []);
    expect(frames.length).toBe(0);
    expect(last).toBe(FrameStatus.Error);
    expect(splitter.error).toBe(ProtocolError.FrameTooLong);
    expect(splitter.errorLength).toBe(61);
  });

  test("a zero length is an error even after good frames, and the error sticks until reset", () => {
    const good = stream([2, 2]);
    const bad = new Uint8Array(good.length + 8);
    bad.set(good);
    const splitter = new FrameSplitter(64);
    const { frames, last } = split(splitter, bad, [3, 9]);
    expect(frames.length).toBe(2);
    expect(last).toBe(FrameStatus.Error);
    expect(splitter.error).toBe(ProtocolError.FrameZeroLength);
    splitter.push(stream([1]));
    expect(splitter.next()).toBe(FrameStatus.Error);
    splitter.reset();
    splitter.push(stream([1]));
    expect(splitter.next()).toBe(FrameStatus.Frame);
  });

  test("a hostile length of 2^32 - 1 split over chunks is refused before any byte is buffered", () => {
    const bytes = new Uint8Array([0xff, 0xff, 0xff, 0xff, 1, 2, 3]);
    const splitter = new FrameSplitter(4096);
    const { last } = split(splitter, bytes, [1, 2, 3]);
    expect(last).toBe(FrameStatus.Error);
    expect(splitter.error).toBe(ProtocolError.FrameTooLong);
    expect(splitter.errorLength).toBe(0xffffffff);
  });

  test("an empty chunk and a stream cut inside the prefix need more", () => {
    const splitter = new FrameSplitter(64);
    splitter.push(new Uint8Array(0));
    expect(splitter.next()).toBe(FrameStatus.NeedMore);
    splitter.push(new Uint8Array([5, 0]));
    expect(splitter.next()).toBe(FrameStatus.NeedMore);
    expect(splitter.pendingBytes).toBe(2);
    splitter.push(new Uint8Array([0, 0, 1, 2, 3, 4, 5, 9]));
    expect(splitter.next()).toBe(FrameStatus.Frame);
    expect(splitter.bytes.slice(splitter.start, splitter.end)).toEqual(new Uint8Array([1, 2, 3, 4, 5]));
    expect(splitter.next()).toBe(FrameStatus.NeedMore);
    expect(splitter.pendingBytes).toBe(1);
  });

  test("pushing before the previous chunk is used up is a caller bug", () => {
    const splitter = new FrameSplitter(64);
    splitter.push(stream([1, 1]));
    expect(splitter.next()).toBe(FrameStatus.Frame);
    expect(() => splitter.push(stream([1]))).toThrow();
  });

  test("construction checks its limit", () => {
    expect(() => new FrameSplitter(4)).toThrow();
    expect(() => new FrameSplitter(1.5)).toThrow();
    expect(() => new FrameSplitter(2 ** 31)).toThrow();
  });
});
