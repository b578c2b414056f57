// Proves login throttling per remote address (issue 8, defect 6): after a few failed logins the address is refused for
// a backoff that doubles with every further failure, even with a good key, the failures are counted in the log, and
// other addresses are not affected. Time is a manual clock.
import { afterEach, expect, test } from "bun:test";
import { Body } from "../protocol/index.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { ManualClock } from "../../test/support/manual-clock.ts";
import { RawSession } from "../../test/support/raw-session.ts";

const LoginRejectReason = { BadApiKey: 1, SessionLimit: 3 } as const;
const running: RunningExchange[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

async function attempt(r: RunningExchange, key: string, localAddress = "127.0.0.1"): Promise<[number, number]> {
  const s = await RawSession.open(r.port, { localAddress });
  const answer = await s.login(key);
  await s.waitFor(() => s.closed || answer.body === Body.LoginAccepted, "the close after a refused login");
  s.destroy();
  return [answer.body, answer.reason];
}

test("failed logins from one address are slowed down by a doubling ban, logged with their count", async () => {
  const clock = new ManualClock();
  const logLines: string[] = [];
  const r = startExchange(
    { loginThrottle: { failuresFree: 3, blockMsMin: 1000, blockMsMax: 4000, forgetAfterMs: 60_000 } },
    { clock, logLines },
  );
  running.push(r);
  const bad: [number, number] = [Body.LoginRejected, LoginRejectReason.BadApiKey];
  const refused: [number, number] = [Body.LoginRejected, LoginRejectReason.SessionLimit];
  for (let i = 0; i < 3; i++) expect(await attempt(r, `wrong-${i}`)).toEqual(bad);
  // The 4th failure blocks the address for 1 s: even the right key is refused, without being checked.
  expect(await attempt(r, "wrong-3")).toEqual(bad);
  expect(await attempt(r, "dev-key-1")).toEqual(refused);
  expect(logLines.filter((l) => l.includes("127.0.0.1") && /4 failed logins/.test(l)).length).toBe(1);
  // Another address is not affected.
  expect((await attempt(r, "dev-key-2", "127.0.0.2"))[0]).toBe(Body.LoginAccepted);
  clock.advanceMs(999);
  expect(await attempt(r, "dev-key-1")).toEqual(refused);
  clock.advanceMs(1);
  // The 5th failure doubles the block to 2 s, the 6th to 4 s, and it stays at the cap after that.
  expect(await attempt(r, "wrong-4")).toEqual(bad);
  clock.advanceMs(1999);
  expect(await attempt(r, "dev-key-1")).toEqual(refused);
  clock.advanceMs(1);
  expect(await attempt(r, "wrong-5")).toEqual(bad);
  clock.advanceMs(4000);
  expect(await attempt(r, "wrong-6")).toEqual(bad);
  clock.advanceMs(3999);
  expect(await attempt(r, "dev-key-1")).toEqual(refused);
  expect(logLines.some((l) => l.includes("127.0.0.1") && /7 failed logins/.test(l) && /refused 3/.test(l))).toBe(true);
  clock.advanceMs(1);
  expect((await attempt(r, "dev-key-1"))[0]).toBe(Body.LoginAccepted);
}, 30_000);

test("an address that stays quiet long enough starts afresh", async () => {
  const clock = new ManualClock();
  const r = startExchange(
    { loginThrottle: { failuresFree: 2, blockMsMin: 500, blockMsMax: 4000, forgetAfterMs: 10_000 } },
    { clock, logLines: [] },
  );
  running.push(r);
  for (let i = 0; i < 3; i++) await attempt(r, `wrong-${i}`);
  expect((await attempt(r, "dev-key-1"))[1]).toBe(LoginRejectReason.SessionLimit);
  clock.advanceMs(10_000);
  // Two free failures again, then the shortest block.
  expect((await attempt(r, "wrong-a"))[1]).toBe(LoginRejectReason.BadApiKey);
  expect((await attempt(r, "wrong-b"))[1]).toBe(LoginRejectReason.BadApiKey);
  expect((await attempt(r, "dev-key-1"))[0]).toBe(Body.LoginAccepted);
}, 30_000);
