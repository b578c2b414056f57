// Proves the values a shard derives from the log: Kafka's murmur2 partitioner (Java's test vectors), order ids that
// name their shard and stay below 2^53, the receive-time rule (a producer's stamp only within the broker's append
// window), the ack ring's acknowledged prefix whatever order reports come in, and decimal keys.

import { describe, expect, test } from "bun:test";
import { AckRing } from "./ack-ring.ts";
import { orderIdOf, orderSeqLimit, receiveTimeNs, shardOfOrderId, shardsMax, stampLagMsMax } from "./ids.ts";
import { writeDecimal } from "./shard-outputs.ts";
import { murmur2, partitionOfKey, partitionOfSymbol } from "./symbol-partition.ts";

const encode = (s: string) => new TextEncoder().encode(s);

describe("symbol partitions", () => {
  test("murmur2 equals Kafka's (org.apache.kafka.common.utils.UtilsTest vectors)", () => {
    expect(murmur2(encode("21"))).toBe(-973932308);
    expect(murmur2(encode("foobar"))).toBe(-790332482);
    expect(murmur2(encode("a-little-bit-long-string"))).toBe(-985981536);
    expect(murmur2(encode("a-little-bit-longer-string"))).toBe(-1486304829);
    expect(murmur2(encode("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"))).toBe(-58897971);
    expect(murmur2(new Uint8Array([97, 98, 99]))).toBe(479470107);
  });

  test("a key's partition is the positive hash modulo the count; a symbol's is its name's", () => {
    for (const name of ["BTC-USD", "ETH-USD", "SOL-USD", "X"]) {
      const p = partitionOfSymbol(name, 12);
      expect(p).toBe((murmur2(encode(name)) & 0x7fffffff) % 12);
      expect(p).toBe(partitionOfKey(encode(name), 12));
    }
    expect(() => partitionOfKey(encode("a"), 0)).toThrow(RangeError);
  });
});

describe("order ids", () => {
  test("the partition in the high bits, the seq in the low 43; every id below 2^53", () => {
    expect(orderIdOf(0, 1)).toBe(1);
    expect(orderIdOf(3, 5)).toBe(3 * orderSeqLimit + 5);
    expect(shardOfOrderId(orderIdOf(1023, orderSeqLimit - 1))).toBe(1023);
    expect(orderIdOf(shardsMax - 1, orderSeqLimit - 1)).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => orderIdOf(shardsMax, 1)).toThrow(RangeError);
    expect(() => orderIdOf(0, 0)).toThrow(RangeError);
    expect(() => orderIdOf(0, orderSeqLimit)).toThrow(RangeError);
  });
});

describe("receive time", () => {
  const appendMs = 1_800_000_000_000;
  test("a stamp within [append - lag, end of the append millisecond] is kept", () => {
    expect(receiveTimeNs(appendMs * 1e6 + 999_000, appendMs)).toBe(appendMs * 1e6 + 999_000);
    expect(receiveTimeNs((appendMs - stampLagMsMax) * 1e6, appendMs)).toBe((appendMs - stampLagMsMax) * 1e6);
  });
  test("no stamp, a stamp from the future or from too long ago: the broker's append time", () => {
    expect(receiveTimeNs(0, appendMs)).toBe(appendMs * 1e6);
    expect(receiveTimeNs((appendMs + 1) * 1e6, appendMs)).toBe(appendMs * 1e6);
    expect(receiveTimeNs((appendMs - stampLagMsMax - 1) * 1e6, appendMs)).toBe(appendMs * 1e6);
    expect(receiveTimeNs(1, appendMs)).toBe(appendMs * 1e6);
  });
});

describe("ack ring", () => {
  test("the acknowledged seq is the prefix before the oldest unacknowledged output; empty: the applied seq", () => {
    const ring = new AckRing(1 << 16);
    ring.appliedSeq = 4;
    expect(ring.ackedSeq).toBe(4);
    const a = ring.push(5);
    const b = ring.push(5);
    const c = ring.push(7);
    ring.appliedSeq = 7;
    expect(ring.ackedSeq).toBe(4);
    ring.ack(c);
    ring.ack(b);
    expect(ring.ackedSeq).toBe(4);
    ring.ack(a);
    expect(ring.ackedSeq).toBe(7);
    expect(() => ring.ack(a)).toThrow();
  });

  test("it grows past its first size and refuses past its maximum", () => {
    const ring = new AckRing(1 << 17);
    const counters: number[] = [];
    for (let i = 0; i < 100_000; i++) counters.push(ring.push(1 + (i >> 4)));
    expect(ring.hasRoom((1 << 17) - 100_000)).toBe(true);
    expect(ring.hasRoom((1 << 17) - 100_000 + 1)).toBe(false);
    for (let i = counters.length - 1; i >= 1; i--) ring.ack(counters[i]!);
    expect(ring.ackedSeq).toBe(0);
    ring.appliedSeq = 1 + (99_999 >> 4);
    ring.ack(counters[0]!);
    expect(ring.ackedSeq).toBe(1 + (99_999 >> 4));
    expect(ring.outstanding).toBe(0);
  });
});

test("decimal keys", () => {
  const out = new Uint8Array(24);
  for (const n of [0, 7, 10, 1001, 2 ** 53 - 1]) {
    const digits = writeDecimal(out, n);
    expect(new TextDecoder().decode(out.subarray(0, digits))).toBe(String(n));
  }
});
