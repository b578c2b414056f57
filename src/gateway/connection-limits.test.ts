// Proves that connections which have not logged in have their own, smaller limits (in total and per remote address) and
// can never take the slots of authenticated sessions (issue 8, defect 5).
import { afterEach, expect, test } from "bun:test";
import { Body } from "../protocol/index.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { RawSession } from "../../test/support/raw-session.ts";

const LoginRejectReason = { SessionLimit: 3 } as const;
const running: RunningExchange[] = [];
const raws: RawSession[] = [];

afterEach(async () => {
  for (const s of raws.splice(0)) s.destroy();
  for (const r of running.splice(0)) await r.stop();
});

async function open(r: RunningExchange, localAddress: string): Promise<RawSession> {
  const s = await RawSession.open(r.port, { localAddress });
  raws.push(s);
  return s;
}

test("idle connections from one address are cut at their limits; users from elsewhere still log in", async () => {
  const r = startExchange({ tcp: { sessionsMax: 4, pendingLoginsMax: 12, pendingLoginsPerAddressMax: 8 } });
  running.push(r);
  // Three users are in before the flood.
  for (const key of ["dev-key-1", "dev-key-2", "dev-key-3"])
    expect((await (await open(r, "127.0.0.5")).login(key)).body).toBe(Body.LoginAccepted);
  // 200 connections from one address that never send a byte.
  const flood: RawSession[] = [];
  for (let i = 0; i < 200; i++) flood.push(await open(r, "127.0.0.1"));
  // All but the per-address limit are refused at once, without waiting for the login timeout.
  await waitClosed(flood, 200 - 8);
  expect(flood.filter((s) => !s.closed).length).toBe(8);
  for (const s of flood.filter((f) => f.closed))
    expect(s.received.map((m) => [m.body, m.reason])).toEqual([[Body.LoginRejected, LoginRejectReason.SessionLimit]]);
  // Another address still gets a connection and logs in: the idle ones hold none of the session slots.
  const fourth = await open(r, "127.0.0.2");
  expect((await fourth.login("dev-key-4")).body).toBe(Body.LoginAccepted);
  // The authenticated limit itself still holds.
  const fifth = await open(r, "127.0.0.3");
  expect(await fifth.login("dev-key-5")).toMatchObject({
    body: Body.LoginRejected,
    reason: LoginRejectReason.SessionLimit,
  });
}, 30_000);

test("the total limit on connections awaiting login holds across addresses, and a login frees its place", async () => {
  const r = startExchange({ tcp: { sessionsMax: 16, pendingLoginsMax: 6, pendingLoginsPerAddressMax: 4 } });
  running.push(r);
  const idle: RawSession[] = [];
  for (const address of ["127.0.0.1", "127.0.0.2", "127.0.0.3"])
    for (let i = 0; i < 4; i++) idle.push(await open(r, address));
  await waitClosed(idle, 12 - 6);
  const waiting = idle.filter((s) => !s.closed);
  expect(waiting.length).toBe(6);
  // One of them logs in: its place among the pending is free again for a newcomer.
  expect((await waiting[0]!.login("dev-key-1")).body).toBe(Body.LoginAccepted);
  const newcomer = await open(r, "127.0.0.4");
  expect((await newcomer.login("dev-key-2")).body).toBe(Body.LoginAccepted);
  // Closing idle connections frees their places too.
  for (const s of waiting.slice(1)) s.destroy();
  const later: RawSession[] = [];
  for (let i = 0; i < 4; i++) later.push(await open(r, "127.0.0.6"));
  for (const [k, s] of later.entries()) expect((await s.login(`dev-key-${3 + k}`)).body).toBe(Body.LoginAccepted);
}, 30_000);

async function waitClosed(sessions: RawSession[], count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (sessions.filter((s) => s.closed).length < count) {
    if (Date.now() > deadline)
      throw new Error(`only ${sessions.filter((s) => s.closed).length} of ${count} connections were refused`);
    await Bun.sleep(5);
  }
}
