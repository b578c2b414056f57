// Proves the exposition parses as Prometheus text 0.0.4 (npm parser plus the line grammar), counters, gauges and
// histograms move as used, labels are declared up front and escaped, and updates allocate nothing.

import { describe, expect, test } from "bun:test";
import { gcAndSweep, heapStats } from "bun:jsc";
import { exponentialBuckets } from "./buckets.ts";
import { formatSample } from "./exposition.ts";
import { MetricsRegistry } from "./registry.ts";
import { parseExposition, sampleValue } from "./test-support.ts";

describe("MetricsRegistry exposition", () => {
  test("counters, gauges and histograms parse and carry their values", () => {
    const r = new MetricsRegistry();
    const commands = r.counter({
      name: "t_commands_total",
      help: "Commands.",
      labels: { type: ["new", "cancel"], result: ["accepted", "rejected"] },
    });
    const open = r.gauge({ name: "t_open_orders", help: "Open orders.", labels: { symbol: ["BTC-USD", "ETH-USD"] } });
    const latency = r.histogram({ name: "t_latency_seconds", help: "Latency.", buckets: [0.001, 0.01, 0.1] });
    const newAccepted = commands.labels({ type: "new", result: "accepted" });
    const lat = latency.labels();
    newAccepted.inc();
    newAccepted.inc(2);
    commands.labels({ type: "cancel", result: "rejected" }).inc();
    open.labels({ symbol: "ETH-USD" }).set(42);
    for (const v of [0.0005, 0.001, 0.005, 0.05, 3]) lat.observe(v);
    const families = parseExposition(r.expose());
    expect(sampleValue(families, "t_commands_total", { type: "new", result: "accepted" })).toBe(3);
    expect(sampleValue(families, "t_commands_total", { type: "new", result: "rejected" })).toBe(0);
    expect(sampleValue(families, "t_commands_total", { type: "cancel", result: "rejected" })).toBe(1);
    expect(sampleValue(families, "t_open_orders", { symbol: "ETH-USD" })).toBe(42);
    const h = families.find((f) => f.name === "t_latency_seconds")!;
    expect(h.type).toBe("HISTOGRAM");
    expect(h.metrics[0]!.buckets).toEqual({ "0.001": "2", "0.01": "3", "0.1": "4", "+Inf": "5" });
    expect(Number(h.metrics[0]!.count)).toBe(5);
    expect(Number(h.metrics[0]!.sum)).toBeCloseTo(3.0565, 10);
  });

  test("counters move between scrapes", () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: "t_moves_total", help: "Moves." }).labels();
    c.inc();
    const before = sampleValue(parseExposition(r.expose()), "t_moves_total");
    c.inc(5);
    expect(sampleValue(parseExposition(r.expose()), "t_moves_total")).toBe(before + 5);
  });

  test("help text and label values are escaped; special values are spelled out", () => {
    const r = new MetricsRegistry();
    r.gauge({ name: "t_odd", help: 'Back\\slash and\nnewline "quoted".', labels: { v: ['a"b', "c\\d", "e\nf"] } })
      .labels({ v: 'a"b' })
      .set(Number.POSITIVE_INFINITY);
    const text = r.expose();
    expect(text).toContain('# HELP t_odd Back\\\\slash and\\nnewline "quoted".');
    expect(text).toContain('t_odd{v="a\\"b"} +Inf');
    expect(text).toContain('t_odd{v="c\\\\d"} 0');
    expect(text).toContain('t_odd{v="e\\nf"} 0');
    const families = parseExposition(text);
    expect(families.find((f) => f.name === "t_odd")!.metrics.map((m) => m.labels!.v)).toEqual(['a"b', "c\\d", "e\nf"]);
    expect([
      formatSample(Number.NaN),
      formatSample(Number.NEGATIVE_INFINITY),
      formatSample(1e-7),
      formatSample(12),
    ]).toEqual(["NaN", "-Inf", "1e-7", "12"]);
  });

  test("collection hooks run on each scrape; a failing hook is counted and the rest still answers", () => {
    const errors: string[] = [];
    const r = new MetricsRegistry((name, e) => errors.push(`${name}: ${e.message}`));
    const g = r.gauge({ name: "t_pulled", help: "Pulled at scrape." }).labels();
    let source = 7;
    r.onCollect("ok", () => g.set(source));
    r.onCollect("bad", () => {
      throw new Error("boom");
    });
    expect(sampleValue(parseExposition(r.expose()), "t_pulled")).toBe(7);
    source = 9;
    const families = parseExposition(r.expose());
    expect(sampleValue(families, "t_pulled")).toBe(9);
    expect(sampleValue(families, "metrics_collect_errors_total")).toBe(2);
    expect(errors).toEqual(["bad: boom", "bad: boom"]);
  });

  test("labels are bounded: undeclared values, unknown labels, reserved names and too many series are refused", () => {
    const r = new MetricsRegistry();
    const c = r.counter({ name: "t_x_total", help: "X.", labels: { side: ["buy", "sell"] } });
    // @ts-expect-error an undeclared value is also a type error
    expect(() => c.labels({ side: "both" })).toThrow('label side="both" is not one of its declared values');
    expect(() => c.labels({ side: "buy", user: "7" } as never)).toThrow("no label user");
    expect(() => r.histogram({ name: "t_h", help: "H.", labels: { le: ["1"] }, buckets: [1] })).toThrow(
      "label le is reserved",
    );
    const many = Array.from({ length: 300 }, (_, i) => String(i));
    expect(() => r.gauge({ name: "t_big", help: "Big.", labels: { a: many, b: many } })).toThrow("90000 series");
    expect(() => r.counter({ name: "t_x_total", help: "Again." })).toThrow("registered twice");
    expect(() => r.counter({ name: "t_no_suffix", help: "No suffix." })).toThrow("must end in _total");
    expect(() => r.gauge({ name: "t-dash", help: "Dash." })).toThrow("bad metric name");
    expect(() => r.histogram({ name: "t_hh", help: "H.", buckets: [2, 1] })).toThrow("must increase");
    expect(() => c.labels({ side: "buy" }).inc(-1)).toThrow("cannot go down");
  });

  test("every child exists from the start, so rate() has a zero to start from", () => {
    const r = new MetricsRegistry();
    r.counter({ name: "t_z_total", help: "Z.", labels: { a: ["x", "y"], b: ["1", "2", "3"] } });
    const family = parseExposition(r.expose()).find((f) => f.name === "t_z_total")!;
    expect(family.metrics).toHaveLength(6);
    expect(family.metrics.every((m) => m.value === "0")).toBe(true);
  });

  test("exponentialBuckets", () => {
    expect(exponentialBuckets(1e-6, 10, 4)).toEqual([1e-6, 1e-5, 1e-4, 1e-3]);
    expect(() => exponentialBuckets(0, 2, 3)).toThrow();
  });
});

describe("updates allocate nothing", () => {
  /**
   * Heap cells (garbage included) created by `work`, read in a window without a
   * collection, less what the same readings show around an empty window (each
   * heapStats() result is itself a few hundred cells). The least of three
   * windows: in the whole suite's process other files' leftover work (timers,
   * JIT code blocks) can add a hundred cells to one window, never take any away.
   */
  function cellsAllocatedBy(work: () => void): number {
    let least = Infinity;
    for (let k = 0; k < 3; k++) least = Math.min(least, cellsInWindow(work) - cellsInWindow(() => {}));
    return least;
  }

  function cellsInWindow(work: () => void): number {
    for (let attempt = 0; attempt < 5; attempt++) {
      gcAndSweep();
      heapStats();
      const before = heapStats();
      work();
      const after = heapStats();
      // A collection inside the window voids it (the counts would include its frees): take it again.
      if (after.heapSize - after.extraMemorySize !== before.heapSize - before.extraMemorySize) continue;
      const sum = (s: typeof before) => Object.values(s.objectTypeCounts).reduce((a, b) => a + b, 0);
      return sum(after) - sum(before);
    }
    throw new Error("no collection-free window in 5 attempts");
  }

  test(
    "100,000 counter, gauge and histogram updates create fewer than 100 cells (an allocating update would " +
      "create 100,000+)",
    () => {
      const r = new MetricsRegistry();
      const c = r.counter({ name: "t_hot_total", help: "Hot.", labels: { k: ["a", "b"] } }).labels({ k: "a" });
      const g = r.gauge({ name: "t_hot", help: "Hot." }).labels();
      const h = r.histogram({ name: "t_hot_seconds", help: "Hot.", buckets: [1e-6, 1e-5, 1e-4] }).labels();
      const run = (n: number) => {
        for (let i = 0; i < n; i++) {
          c.inc();
          g.set(i);
          h.observe(i * 1e-9);
        }
      };
      run(10_000); // compile first: a JIT code block is a heap cell too
      const cells = cellsAllocatedBy(() => run(100_000));
      expect(cells).toBeLessThan(100);
      // The method sees allocation: the same window with one object per iteration shows it.
      const sink: object[] = [];
      const allocating = () => {
        for (let i = 0; i < 20_000; i++) sink.push({ i });
        sink.length = 0;
      };
      expect(cellsAllocatedBy(allocating)).toBeGreaterThan(10_000);
    },
  );
});
