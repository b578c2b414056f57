// Proves that a rejected Cancel or Modify never touches the client-id mapping of a live order (issue 8, defect 1):
// after a wrong-symbol cancel or modify the order can still be cancelled, its id cannot be reused,
// and its fills still name it.
import { afterEach, expect, test } from "bun:test";
import { EventKind, Reject, Side } from "../engine/constants.ts";
import { type RunningExchange, startExchange, TestClient } from "../../test/support/gateway-harness.ts";

const BTC = 0;
const ETH = 1;
const running: RunningExchange[] = [];
const clients: TestClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const r of running.splice(0)) await r.stop();
});

async function setUp(): Promise<{ r: RunningExchange; a: TestClient; b: TestClient }> {
  const r = startExchange();
  running.push(r);
  const a = await TestClient.login(r.port, "dev-key-1");
  const b = await TestClient.login(r.port, "dev-key-2");
  clients.push(a, b);
  return { r, a, b };
}

test("a wrong-symbol Cancel is rejected; the order stays cancellable, unreusable and reported by its id", async () => {
  const { r, a, b } = await setUp();
  a.client.newOrder({ clientOrderId: 7, symbolId: BTC, side: Side.Sell, priceTicks: 100_00, qtyLots: 5000 });
  a.client.cancel({ clientOrderId: 7, symbolId: ETH });
  await a.waitFor((rs) => rs.length === 2, 10_000, "ack and cancel reject");
  expect(a.reports[1]).toMatchObject({
    kind: EventKind.Rejected,
    rejectReason: Reject.UnknownOrder,
    clientOrderId: 7,
    symbolId: ETH,
  });
  // The id still names the live order: reusing it is refused.
  a.client.newOrder({ clientOrderId: 7, symbolId: BTC, side: Side.Sell, priceTicks: 200_00, qtyLots: 1000 });
  await a.waitFor((rs) => rs.length === 3, 10_000, "duplicate reject");
  expect(a.reports[2]).toMatchObject({
    kind: EventKind.Rejected,
    rejectReason: Reject.DuplicateOrderId,
    clientOrderId: 7,
  });
  // Its fill still names it.
  b.client.newOrder({ clientOrderId: 1, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 2000 });
  await a.waitFor((rs) => rs.length === 4, 10_000, "maker fill");
  const orderId = a.reports[0]!.orderId;
  expect(a.reports[3]).toMatchObject({ kind: EventKind.Trade, clientOrderId: 7, orderId, leavesQtyLots: 3000 });
  // And the right symbol cancels it.
  a.client.cancel({ clientOrderId: 7, symbolId: BTC });
  await a.waitFor((rs) => rs.length === 5, 10_000, "cancel");
  expect(a.reports[4]).toMatchObject({ kind: EventKind.Cancelled, clientOrderId: 7, orderId, qtyLots: 3000 });
  expect(r.exchange.engine.openOrders(1)).toEqual([]);
}, 30_000);

test("a wrong-symbol Modify is rejected and the order stays modifiable under its id", async () => {
  const { r, a } = await setUp();
  a.client.newOrder({ clientOrderId: 9, symbolId: BTC, side: Side.Buy, priceTicks: 100_00, qtyLots: 3000 });
  a.client.modify({ clientOrderId: 9, symbolId: ETH, priceTicks: 101_00, qtyLots: 2000 });
  a.client.modify({ clientOrderId: 9, symbolId: BTC, priceTicks: 102_00, qtyLots: 2000 });
  await a.waitFor((rs) => rs.length === 3, 10_000, "ack, reject, modified");
  expect(a.reports.map((x) => [x.kind, x.rejectReason, x.clientOrderId])).toEqual([
    [EventKind.Accepted, 0, 9],
    [EventKind.Rejected, Reject.UnknownOrder, 9],
    [EventKind.Modified, 0, 9],
  ]);
  const open = await a.client.openOrders();
  expect(open.map((o) => [o.clientOrderId, o.priceTicks, o.leavesQtyLots])).toEqual([[9, 102_00, 2000]]);
  expect(r.exchange.engine.openOrders(1).length).toBe(1);
}, 30_000);
