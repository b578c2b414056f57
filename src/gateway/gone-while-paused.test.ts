// Proves that a client that disconnects while the exchange has stopped reading from it (its OpenOrders answer waiting
// for budget, its input held) ends its session at the exchange's next write to it, so its user can log in again at
// once. (Bun reports the close of a socket whose reading is paused only once it reads again; a write that finds the
// connection reset now closes it.)
import { afterEach, expect, test } from "bun:test";
import { Body } from "../protocol/index.ts";
import { sweepMs } from "./constants.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { RawSession } from "../../test/support/raw-session.ts";
import { waitFor } from "../../test/support/wait.ts";

/** Two answers of this many orders need more pages (19 each) than the page budget holds at the smallest rate. */
const ordersCount = 600;
const running: RunningExchange[] = [];
const raws: RawSession[] = [];
afterEach(async () => {
  for (const s of raws.splice(0)) s.destroy();
  for (const r of running.splice(0)) await r.stop();
});

async function open(r: RunningExchange, key: string): Promise<{ s: RawSession; sessionId: number }> {
  const s = await RawSession.open(r.port);
  raws.push(s);
  const answer = await s.login(key);
  expect(answer.body).toBe(Body.LoginAccepted);
  return { s, sessionId: answer.sessionId };
}

test("a client gone while its input is held ends its session at the next write", async () => {
  const clock = new ManualClock();
  // The smallest query budget (1000 orders a second): on a manual clock it refills only when the test says.
  const limits = { queryOrdersPerSecondMax: 1000, heartbeatIntervalMs: 1000, idleTimeoutMs: 600_000 };
  const r = startExchange({ limits }, { clock });
  running.push(r);
  const { s, sessionId } = await open(r, "dev-key-1");
  const frames: Uint8Array[] = [];
  for (let i = 1; i <= ordersCount; i++) frames.push(s.orderFrame(i, { priceTicks: 1_00 + (i % 500) }));
  s.write(Buffer.concat(frames));
  await s.waitFor(() => s.received.length === 1 + ordersCount, "the acks");
  s.pause();
  s.write(Buffer.concat([s.bodyFrame(Body.OpenOrdersRequest), s.bodyFrame(Body.OpenOrdersRequest)]));
  // The first answer waits part-written for budget, everything queued so far handed to the kernel.
  const stats = () => r.gateway.sessionStats(sessionId);
  await waitFor(() => stats()?.queryActive === true && stats()?.outboundBytes === 0, {
    timeoutMs: 10_000,
    what: () => `the budget's pages sent: ${JSON.stringify(stats())}`,
  });
  s.destroy();
  // Blocking (not awaiting) lets the client's close land before the exchange's event loop polls the
  // socket. Each clock step sends a heartbeat: the first meets the close, the second the reset.
  for (let step = 0; step < 2; step++) {
    Bun.sleepSync(100);
    clock.advanceMs(limits.heartbeatIntervalMs + sweepMs);
  }
  expect(r.gateway.sessionsCount).toBe(0);
  expect((await open(r, "dev-key-1")).s.closed).toBe(false);
}, 60_000);
