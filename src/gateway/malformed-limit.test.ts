// Proves the malformed-message limit the README states: a logged-in session's first 63 garbled frames are answered with
// MalformedMessage rejects and it goes on; the 64th ends it with Logout(MalformedFrame) (issue 8, defect 7).
import { afterEach, expect, test } from "bun:test";
import { EventKind } from "../engine/constants.ts";
import { Body, LogoutReason } from "../protocol/index.ts";
import { malformedMessagesMax } from "./constants.ts";
import { GatewayReject } from "./tcp-gateway.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { RawSession } from "../../test/support/raw-session.ts";

const running: RunningExchange[] = [];
afterEach(async () => {
  for (const r of running.splice(0)) await r.stop();
});

function garbled(raw: RawSession, clientOrderId: number): Uint8Array {
  const frame = raw.orderFrame(clientOrderId);
  frame.fill(0xee, 8, 40);
  return frame;
}

test("the README's number: 64 malformed messages end a session, 63 do not", async () => {
  expect(malformedMessagesMax).toBe(64);
  const r = startExchange();
  running.push(r);
  const raw = await RawSession.open(r.port);
  expect((await raw.login("dev-key-3")).body).toBe(Body.LoginAccepted);
  for (let i = 0; i < malformedMessagesMax - 1; i++) raw.write(garbled(raw, 100 + i));
  raw.write(raw.orderFrame(1));
  await raw.waitFor(() => raw.received.length === 1 + malformedMessagesMax, "63 rejects and an ack");
  const rejects = raw.received.slice(1, malformedMessagesMax);
  expect(rejects.every((m) => m.kind === EventKind.Rejected && m.rejectReason === GatewayReject.MalformedMessage)).toBe(
    true,
  );
  expect(raw.received.at(-1)).toMatchObject({ kind: EventKind.Accepted, clientOrderId: 1 });
  raw.write(garbled(raw, 999));
  await raw.waitFor(() => raw.closed || raw.received.length === 2 + malformedMessagesMax, "an answer to the 64th");
  expect(raw.received.at(-1)).toMatchObject({ body: Body.Logout, reason: LogoutReason.MalformedFrame });
  await raw.waitFor(() => raw.closed, "the close after the Logout");
  expect(raw.received.length).toBe(2 + malformedMessagesMax);
}, 30_000);
