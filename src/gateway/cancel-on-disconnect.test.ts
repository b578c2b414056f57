// Proves cancel on disconnect and the dead-man's switch over TCP, on a manual clock: the user's orders are cancelled
// through the input log (a MassCancel with reason Disconnect or DeadMansSwitch) exactly when the grace or the timeout
// has run out, not before; a new session within the grace calls it off; heartbeat timeouts and logouts count as ends;
// the switch is renewed, disarmed, answered with its status, and outlives a disconnect.
import { afterEach, expect, test } from "bun:test";
import { CancelReason, EventKind, Side } from "../engine/constants.ts";
import { Body, Command } from "../protocol/index.ts";
import { deadlineTickMs } from "./constants.ts";
import type { EventConsumer } from "../sequencer/sequencer.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { RawSession } from "../../test/support/raw-session.ts";

const running: RunningExchange[] = [];
const raws: RawSession[] = [];
afterEach(async () => {
  for (const s of raws.splice(0)) s.destroy();
  for (const r of running.splice(0)) await r.stop();
});

interface Setup {
  r: RunningExchange;
  clock: ManualClock;
  logLines: string[];
  /** Mass cancels the sequencer logged: [user, reason]. */
  massCancels: [number, number][];
}

function setUp(): Setup {
  const clock = new ManualClock();
  const logLines: string[] = [];
  const r = startExchange({ limits: { heartbeatIntervalMs: 1000, idleTimeoutMs: 5000 } }, { clock, logLines });
  running.push(r);
  const massCancels: [number, number][] = [];
  const spy: EventConsumer = {
    onEvents: (_events, cmd) => {
      if (cmd.command === Command.MassCancel) massCancels.push([cmd.userId, cmd.cancelReason]);
    },
  };
  r.exchange.addConsumer(spy);
  return { r, clock, logLines, massCancels };
}

async function login(
  x: Setup,
  key: string,
  options: { cancelOnDisconnect?: boolean; graceMs?: number } = {},
): Promise<RawSession> {
  const s = await RawSession.open(x.r.port);
  raws.push(s);
  const answer = await s.login(key, options);
  expect(answer.body).toBe(Body.LoginAccepted);
  return s;
}

async function place(s: RawSession, count: number): Promise<void> {
  const at = s.received.length;
  for (let i = 1; i <= count; i++) s.write(s.orderFrame(i, { side: Side.Buy, priceTicks: 100_00 + i }));
  await s.waitFor(() => s.received.length === at + count, "acks");
}

/** Closes the client's socket and waits until the gateway has seen the session end. */
async function disconnect(x: Setup, s: RawSession): Promise<void> {
  const before = x.r.gateway.sessionsCount;
  s.destroy();
  await s.waitFor(() => x.r.gateway.sessionsCount < before, "the gateway to see the close");
}

test("cancel on disconnect fires when the grace has run out, not before, through the log", async () => {
  const x = setUp();
  const a = await login(x, "dev-key-1", { cancelOnDisconnect: true, graceMs: 500 });
  await place(a, 3);
  await disconnect(x, a);
  x.clock.advanceMs(500 - deadlineTickMs);
  expect(x.r.exchange.engine.openOrders(1).length).toBe(3);
  x.clock.advanceMs(deadlineTickMs);
  expect(x.massCancels).toEqual([[1, CancelReason.Disconnect]]);
  expect(x.r.exchange.engine.openOrders(1)).toEqual([]);
  expect(x.logLines.filter((l) => /user 1: .*cancel-on-disconnect.*3 orders cancelled/.test(l)).length).toBe(1);
  // Nothing more fires later.
  x.clock.advanceMs(10_000);
  expect(x.massCancels.length).toBe(1);
});

test("a new session within the grace calls it off; without the option nothing is cancelled", async () => {
  const x = setUp();
  const a = await login(x, "dev-key-1", { cancelOnDisconnect: true, graceMs: 1000 });
  await place(a, 2);
  await disconnect(x, a);
  x.clock.advanceMs(900);
  const again = await login(x, "dev-key-1");
  x.clock.advanceMs(5000);
  expect(x.massCancels).toEqual([]);
  // This session asked for nothing: its end cancels nothing either.
  await disconnect(x, again);
  x.clock.advanceMs(5000);
  expect(x.massCancels).toEqual([]);
  expect(x.r.exchange.engine.openOrders(1).length).toBe(2);
});

test("a logout and a heartbeat timeout end the session too; a grace of 0 cancels at the next tick", async () => {
  const x = setUp();
  const a = await login(x, "dev-key-1", { cancelOnDisconnect: true, graceMs: 0 });
  await place(a, 1);
  a.write(a.bodyFrame(Body.Logout));
  await a.waitFor(() => a.closed, "the close after Logout");
  x.clock.advanceMs(deadlineTickMs);
  expect(x.massCancels).toEqual([[1, CancelReason.Disconnect]]);
  const b = await login(x, "dev-key-2", { cancelOnDisconnect: true, graceMs: 100 });
  await place(b, 1);
  // b stops sending: the idle timeout (5 s) ends its session, then the grace runs.
  x.clock.advanceMs(5100);
  await b.waitFor(() => b.received.at(-1)?.body === Body.Logout, "the heartbeat-timeout Logout");
  x.clock.advanceMs(100 + deadlineTickMs);
  expect(x.massCancels).toEqual([
    [1, CancelReason.Disconnect],
    [2, CancelReason.Disconnect],
  ]);
});

test("the dead-man's switch: armed, renewed, answered with its status; it fires once when not renewed", async () => {
  const x = setUp();
  const a = await login(x, "dev-key-1");
  await place(a, 2);
  const at = a.received.length;
  a.write(a.deadMansSwitchFrame(1000));
  await a.waitFor(() => a.received.length > at, "the status");
  expect(a.received.at(-1)).toMatchObject({ body: Body.DeadMansSwitchStatus, timeoutMs: 1000 });
  x.clock.advanceMs(900);
  a.write(a.deadMansSwitchFrame(1000));
  await a.waitFor(() => a.received.length > at + 1, "the second status");
  x.clock.advanceMs(1000 - deadlineTickMs);
  expect(x.massCancels).toEqual([]);
  // Heartbeats keep the session alive, but only DeadMansSwitch renews the switch.
  x.clock.advanceMs(deadlineTickMs);
  expect(x.massCancels).toEqual([[1, CancelReason.DeadMansSwitch]]);
  await a.waitFor(() => a.received.some((m) => m.kind === EventKind.MassCancelled), "the summary");
  const tail = a.received.filter((m) => m.kind === EventKind.Cancelled || m.kind === EventKind.MassCancelled);
  expect(tail.map((m) => [m.kind, m.cancelReason])).toEqual([
    [EventKind.Cancelled, CancelReason.DeadMansSwitch],
    [EventKind.Cancelled, CancelReason.DeadMansSwitch],
    [EventKind.MassCancelled, CancelReason.DeadMansSwitch],
  ]);
  expect(tail.at(-1)!.qtyLots).toBe(2);
  x.clock.advanceMs(10_000);
  expect(x.massCancels.length).toBe(1);
});

test("the dead-man's switch is disarmed by 0 and outlives a disconnect", async () => {
  const x = setUp();
  const a = await login(x, "dev-key-1");
  await place(a, 1);
  a.write(a.deadMansSwitchFrame(300));
  a.write(a.deadMansSwitchFrame(0));
  await a.waitFor(() => a.received.filter((m) => m.body === Body.DeadMansSwitchStatus).length === 2, "two statuses");
  expect(a.received.at(-1)).toMatchObject({ body: Body.DeadMansSwitchStatus, timeoutMs: 0 });
  x.clock.advanceMs(1000);
  expect(x.massCancels).toEqual([]);
  a.write(a.deadMansSwitchFrame(300));
  await a.waitFor(
    () => a.received.filter((m) => m.body === Body.DeadMansSwitchStatus).length === 3,
    "the third status",
  );
  await disconnect(x, a);
  x.clock.advanceMs(300);
  expect(x.massCancels).toEqual([[1, CancelReason.DeadMansSwitch]]);
  expect(x.r.exchange.engine.openOrders(1)).toEqual([]);
});
