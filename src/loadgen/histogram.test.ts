// Proves the log-linear histogram: exact below 128, within 1/128 above, percentiles of known
// distributions, merge and reset.

import { expect, test } from "bun:test";
import { Rng } from "../../test/support/rng.ts";
import { Histogram, histogramPrecision } from "./histogram.ts";

test("small values are exact; large ones within the stated precision", () => {
  for (let v = 0; v < 128; v++) {
    const h = new Histogram();
    h.record(v);
    expect(h.percentile(50)).toBe(v);
  }
  const rng = new Rng(1);
  for (let i = 0; i < 2000; i++) {
    const v = Math.floor(rng.float() * 2 ** (7 + (i % 34)));
    const h = new Histogram();
    h.record(v);
    h.record(2 ** 41); // keeps max above v so the bucket bound, not max, is reported
    const got = h.percentile(50);
    expect(got).toBeGreaterThanOrEqual(v);
    expect(got - v).toBeLessThanOrEqual(Math.max(0, v * histogramPrecision));
  }
});

test("percentiles of 1..100000 and the max", () => {
  const h = new Histogram();
  for (let v = 1; v <= 100000; v++) h.record(v);
  for (const p of [50, 90, 99, 99.9]) {
    const expected = (p / 100) * 100000;
    expect(Math.abs(h.percentile(p) - expected) / expected).toBeLessThanOrEqual(histogramPrecision);
  }
  expect(h.percentile(100)).toBe(100000);
  expect(h.max).toBe(100000);
  expect(h.min).toBe(1);
  expect(h.mean).toBeCloseTo(50000.5, 5);
});

test("empty, negative, huge; add and reset", () => {
  const h = new Histogram();
  expect(h.percentile(99)).toBe(0);
  h.record(-5);
  expect(h.percentile(50)).toBe(0);
  h.record(2 ** 50); // beyond the last bucket: counted there, max exact
  expect(h.percentile(100)).toBe(2 ** 50);
  const other = new Histogram();
  for (let i = 0; i < 98; i++) other.record(1000);
  h.add(other);
  expect(h.count).toBe(100);
  expect(h.percentile(50)).toBeGreaterThanOrEqual(1000);
  expect(h.percentile(50)).toBeLessThanOrEqual(1008);
  h.reset();
  expect(h.count).toBe(0);
  expect(h.percentile(50)).toBe(0);
  expect(() => h.percentile(101)).toThrow();
});
