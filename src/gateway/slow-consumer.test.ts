// Proves the slow-consumer rule (issue 8, defects 3 and 4): a client that stops reading while its reports pile up is
// cut once its unsent bytes pass outboundBytesMax, gets Logout(SlowConsumer) when it reads again (its unsent reports
// dropped, not the frame in flight), the exchange logs it exactly once with the session id and the bytes pending, and
// the other sessions go on.
import { afterEach, expect, test } from "bun:test";
import { EventKind, Side, Tif } from "../engine/constants.ts";
import { Body, LogoutReason } from "../protocol/index.ts";
import { type RunningExchange, startExchange, TestClient } from "../../test/support/gateway-harness.ts";
import { RawSession } from "../../test/support/raw-session.ts";

const BTC = 0;
const running: RunningExchange[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close().catch(() => {});
  for (const r of running.splice(0)) await r.stop();
});

test("a client that stops reading is logged out as a slow consumer, once, and told so", async () => {
  const outboundBytesMax = 1 << 18;
  const logLines: string[] = [];
  const r = startExchange(
    { limits: { outboundBytesMax, outboundPauseBytes: 1 << 16, openOrdersPerUserMax: 10 } },
    { logLines },
  );
  running.push(r);
  const maker = await RawSession.open(r.port);
  const login = await maker.login("dev-key-1");
  expect(login.body).toBe(Body.LoginAccepted);
  maker.write(maker.orderFrame(1, { side: Side.Sell, priceTicks: 100_00, qtyLots: 1_000_000_000 }));
  await maker.waitFor(() => maker.received.length === 2, "the maker's ack");
  maker.pause();
  const taker = await TestClient.login(r.port, "dev-key-2");
  clients.push(taker);
  // Every IOC buy fills 1 lot of the maker's order: one report to each side.
  let sent = 0;
  const cutLine = () => logLines.find((l) => /slow consumer/.test(l));
  while (cutLine() === undefined) {
    if (sent >= 400_000) throw new Error(`no slow-consumer cut after ${sent} fills; log: ${logLines.join(" | ")}`);
    for (let k = 0; k < 500; k++)
      taker.client.newOrder({
        clientOrderId: ++sent,
        symbolId: BTC,
        side: Side.Buy,
        priceTicks: 100_00,
        qtyLots: 1000,
        tif: Tif.Ioc,
      });
    await taker.waitFor(
      (rs) => rs.filter((x) => x.kind === EventKind.Trade).length === sent,
      30_000,
      `fills of ${sent} takers`,
    );
  }
  const lines = logLines.filter((l) => /slow consumer/i.test(l) || /too slow/i.test(l));
  expect(lines.length).toBe(1);
  expect(lines[0]).toContain(`session ${login.sessionId} `);
  const pending = Number(/(\d+) bytes pending/.exec(lines[0]!)?.[1]);
  expect(pending).toBeGreaterThan(outboundBytesMax - 1024);
  expect(pending).toBeLessThanOrEqual(2 * outboundBytesMax);
  // Reading again, the maker gets what the kernel held, the rest of any frame begun, then the Logout.
  maker.resume();
  await maker.waitFor(() => maker.closed, "the close after the Logout", 20_000);
  expect(maker.decodeError).toBe(0);
  expect(maker.received.at(-1)).toMatchObject({ body: Body.Logout, reason: LogoutReason.SlowConsumer });
  const fills = maker.received.filter((m) => m.body === Body.ExecutionReport && m.kind === EventKind.Trade);
  expect(fills.length).toBeGreaterThan(0);
  expect(fills.length).toBeLessThan(sent);
  // Sequence numbers run on without a gap up to the Logout (dropped reports were never numbered on the wire).
  expect(maker.received.every((m, i) => m.seq === i + 1)).toBe(true);
  // The taker's session was never disturbed.
  taker.client.newOrder({ clientOrderId: sent + 1, symbolId: BTC, side: Side.Buy, priceTicks: 99_00, qtyLots: 1000 });
  await taker.waitFor((rs) => rs.at(-1)?.clientOrderId === sent + 1, 10_000, "the taker's next ack");
}, 120_000);
