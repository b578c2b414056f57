// Proves a whole load-generator run against the in-process fake exchange: open loop on schedule with every command
// acknowledged and the book cleaned up, a real event-loop stall that shows in the corrected latency only, the closed
// loop, and a clear failure on a bad key.

import { afterEach, expect, test } from "bun:test";
import { FakeExchange } from "../client/fake-exchange.ts";
import { type LoadOptions, parseOptions } from "./options.ts";
import { runLoad } from "./run.ts";
import { formatSummary } from "./summary.ts";

let server: FakeExchange | null = null;
afterEach(() => {
  server?.stop();
  server = null;
});

function start(): FakeExchange {
  server = FakeExchange.start({ users: { "loadtest-1": 1, "loadtest-2": 2, "loadtest-3": 3 } });
  return server;
}

function options(port: number, extra: string[]): LoadOptions {
  const r = parseOptions(["--port", String(port), "--no-progress", "--seed", "7", "--drain", "2s", ...extra]);
  if (!r.ok) throw new Error(r.error);
  return r.options;
}

test("open loop: the schedule is kept, every command is acknowledged, cleanup empties the book", async () => {
  const s = start();
  const lines: string[] = [];
  const summary = await runLoad(options(s.port, ["--sessions", "2", "--rate", "2000", "--duration", "500ms"]), {
    log: (l) => lines.push(l),
  });
  const c = summary.counts;
  expect(c.scheduled).toBe(1000);
  expect(c.sent).toBe(1000);
  expect(c.acked).toBe(1000);
  expect(c.unsent).toBe(0);
  expect(c.unacked).toBe(0);
  expect(c.unmatchedReports).toBe(0);
  expect(summary.coordinatedOmissionCorrected).toBe(true);
  expect(summary.symbol).toBe("BTC-USD");
  expect(summary.throughput.ackedPerS).toBeGreaterThan(1000);
  expect(summary.throughput.ackedPerS).toBeLessThan(2300);
  expect(
    summary.sentByKind.place! + summary.sentByKind.cancel! + summary.sentByKind.modify! + summary.sentByKind.ioc!,
  ).toBe(1000);
  expect(summary.reports.accepted).toBeGreaterThan(0);
  expect(summary.cancelReasons.user).toBe(summary.ackedByKind.cancel);
  expect(summary.latencyUs.count).toBe(1000);
  expect(summary.latencyUs.p50Us).toBeGreaterThan(0);
  expect(summary.latencyUs.p50Us).toBeLessThanOrEqual(summary.latencyUs.maxUs);
  expect(lines.some((l) => l.startsWith("cleanup: cancelled"))).toBe(true);
  for (const book of s.books.values()) expect(book.size).toBe(0);
  const text = formatSummary(summary);
  expect(text).toContain("latency (CO-corrected)");
  expect(JSON.parse(JSON.stringify(summary)).counts.acked).toBe(1000);
});

test(
  "open loop: a 150 ms stall of the generator's event loop shows in corrected latency, " + "not in service time",
  async () => {
    const s = start();
    let stalled = false;
    const summary = await runLoad(options(s.port, ["--rate", "2000", "--duration", "600ms", "--no-cleanup"]), {
      log: () => {},
      onTick: (elapsedMs) => {
        if (stalled || elapsedMs < 200) return;
        stalled = true;
        const until = performance.now() + 150;
        while (performance.now() < until) {
          // Busy wait: nothing is sent, nothing is read.
        }
      },
    });
    expect(stalled).toBe(true);
    expect(summary.counts.acked).toBe(1200);
    // About 300 of 1200 commands fell due during the stall and waited up to 150 ms.
    expect(summary.latencyUs.p99Us).toBeGreaterThan(120_000);
    expect(summary.latencyUs.maxUs).toBeGreaterThan(140_000);
    expect(summary.sendLagUs.maxUs).toBeGreaterThan(140_000);
    expect(summary.serviceTimeUs.p99Us).toBeLessThan(summary.latencyUs.p99Us);
  },
);

test("closed loop keeps the window in flight and says it is not corrected", async () => {
  const s = start();
  const summary = await runLoad(
    options(s.port, ["--keys", "loadtest-1,loadtest-3", "--closed", "--window", "20", "--duration", "300ms"]),
    { log: () => {} },
  );
  expect(summary.mode).toBe("closed");
  expect(summary.coordinatedOmissionCorrected).toBe(false);
  expect(summary.counts.acked).toBeGreaterThan(200);
  expect(summary.counts.unacked).toBe(0);
  expect(summary.counts.acked).toBe(summary.counts.sent);
  expect(formatSummary(summary)).toContain("not corrected for coordinated omission");
});

test("a key the exchange refuses fails the run with the session named", async () => {
  const s = start();
  const error = await runLoad(options(s.port, ["--keys", "loadtest-1,wrong"]), { log: () => {} }).catch(
    (e: unknown) => e,
  );
  expect((error as Error).message).toContain("session 2 (wrong)");
  expect((error as Error).message).toContain("bad_api_key");
});
