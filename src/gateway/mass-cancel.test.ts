// Proves a client's MassCancel over TCP: every live order of the user (or of one symbol, one side) is cancelled with
// reason MassCancel, one Cancelled report each, then one MassCancelled summary naming the request and the count; other
// users are untouched; a bad request is rejected; the user's client ids are free again.
import { afterEach, expect, test } from "bun:test";
import { CancelReason, EventKind, MassCancelSide, Reject, Side } from "../engine/constants.ts";
import { Body } from "../protocol/index.ts";
import { type RunningExchange, startExchange } from "../../test/support/gateway-harness.ts";
import { type RawReceived, RawSession } from "../../test/support/raw-session.ts";

const BTC = 0;
const ETH = 1;
const running: RunningExchange[] = [];
const raws: RawSession[] = [];
afterEach(async () => {
  for (const s of raws.splice(0)) s.destroy();
  for (const r of running.splice(0)) await r.stop();
});

async function session(r: RunningExchange, key: string): Promise<RawSession> {
  const s = await RawSession.open(r.port);
  raws.push(s);
  expect((await s.login(key)).body).toBe(Body.LoginAccepted);
  return s;
}

/** Places resting orders ([client id, symbol, side]) and checks each is accepted. */
async function place(s: RawSession, orders: [number, number, number][]): Promise<void> {
  expect((await s.placeResting(orders)).every((m) => m.kind === EventKind.Accepted)).toBe(true);
}

async function massCancel(
  s: RawSession,
  requestId: number,
  o: { symbolId?: number; side?: number } = {},
): Promise<RawReceived[]> {
  const at = s.received.length;
  s.write(s.massCancelFrame(requestId, o));
  await s.waitFor(
    () => s.received.slice(at).some((m) => m.kind === EventKind.MassCancelled || m.kind === EventKind.Rejected),
    "the summary",
  );
  return s.received.slice(at);
}

test("a mass cancel of everything: one Cancelled per order, then one summary; other users untouched", async () => {
  const r = startExchange();
  running.push(r);
  const a = await session(r, "dev-key-1");
  const b = await session(r, "dev-key-2");
  await place(a, [
    [1, BTC, Side.Buy],
    [2, BTC, Side.Sell],
    [3, ETH, Side.Buy],
    [4, ETH, Side.Sell],
    [5, BTC, Side.Buy],
  ]);
  await place(b, [[1, BTC, Side.Buy]]);
  const answer = await massCancel(a, 77);
  expect(
    answer
      .slice(0, 5)
      .map((m) => [m.kind, m.cancelReason])
      .every(([k, c]) => k === EventKind.Cancelled && c === CancelReason.MassCancel),
  ).toBe(true);
  expect(
    answer
      .slice(0, 5)
      .map((m) => m.clientOrderId)
      .sort(),
  ).toEqual([1, 2, 3, 4, 5]);
  expect(answer[5]).toMatchObject({
    body: Body.ExecutionReport,
    kind: EventKind.MassCancelled,
    clientOrderId: 77,
    cancelReason: CancelReason.MassCancel,
    qtyLots: 5,
    orderId: 0,
  });
  expect(answer[5]!.engineSeq).toBeGreaterThan(0);
  expect(answer.length).toBe(6);
  expect(r.exchange.engine.openOrders(1)).toEqual([]);
  expect(r.exchange.engine.openOrders(2).length).toBe(1);
  // The ids are free again.
  await place(a, [[1, BTC, Side.Buy]]);
});

test("one symbol and side; an empty one still answers; an unknown symbol, a client's reason are rejected", async () => {
  const r = startExchange();
  running.push(r);
  const a = await session(r, "dev-key-1");
  await place(a, [
    [1, BTC, Side.Buy],
    [2, BTC, Side.Sell],
    [3, ETH, Side.Buy],
    [4, BTC, Side.Buy],
  ]);
  const buys = await massCancel(a, 1, { symbolId: BTC, side: MassCancelSide.Buy });
  expect(
    buys
      .filter((m) => m.kind === EventKind.Cancelled)
      .map((m) => m.clientOrderId)
      .sort(),
  ).toEqual([1, 4]);
  expect(buys.at(-1)).toMatchObject({ kind: EventKind.MassCancelled, clientOrderId: 1, qtyLots: 2 });
  const none = await massCancel(a, 2, { symbolId: BTC, side: MassCancelSide.Buy });
  expect(none).toEqual([expect.objectContaining({ kind: EventKind.MassCancelled, clientOrderId: 2, qtyLots: 0 })]);
  const unknown = await massCancel(a, 3, { symbolId: 42 });
  expect(unknown).toEqual([
    expect.objectContaining({ kind: EventKind.Rejected, rejectReason: Reject.UnknownSymbol, clientOrderId: 3 }),
  ]);
  // Clients send no reason: the exchange sets it.
  const at = a.received.length;
  a.write(
    a.frame((m) => {
      m.body = Body.MassCancel;
      m.clientOrderId = 4;
      m.cancelReason = CancelReason.Admin;
    }),
  );
  await a.waitFor(() => a.received.length > at, "the reject");
  expect(a.received.at(-1)).toMatchObject({
    kind: EventKind.Rejected,
    rejectReason: Reject.BadField,
    clientOrderId: 4,
    engineSeq: 0,
  });
  expect(
    r.exchange.engine
      .openOrders(1)
      .map((o) => o.clientId)
      .sort(),
  ).toEqual([2, 3]);
});
