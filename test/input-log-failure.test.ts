// Proves what clients see when the input log fails (README, Durability): the exchange exits with code 74, every
// connection is closed (after a Logout(ServerShutdown) when the socket can take it), every command acknowledged before
// the failure is in the journal, and a restart recovers exactly the journal's state. The failure is a real EFBIG from a
// file-size limit on the process.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { EventKind, Side } from "../src/engine/constants.ts";
import { Body, LogoutReason } from "../src/protocol/index.ts";
import { ExchangeProcess, hashOf, killAll, replayJournalFile, tempDir } from "./support/exchange-process.ts";
import { RawSession } from "./support/raw-session.ts";

/** Room for the journal header, the symbol definitions and a few hundred orders. */
const fileSizeLimitBytes = 64 * 1024;
const batchOrders = 20;

const dir = tempDir("input-log-failure");
afterAll(async () => {
  await killAll();
  dir.cleanup();
});

test("a failing input log ends the process with 74; acknowledged commands survive, connections close", async () => {
  const ex = await ExchangeProcess.start({ dataDir: dir.dir, policy: "write", fileSizeLimitBytes });
  const s = await RawSession.open(ex.port);
  expect((await s.login("dev-key-1")).body).toBe(Body.LoginAccepted);
  let sent = 0;
  // Orders go out in small batches, each waiting for its answers, until the exchange is gone.
  while (!s.closed) {
    const frames: Uint8Array[] = [];
    for (let k = 0; k < batchOrders; k++)
      frames.push(s.orderFrame(++sent, { side: Side.Buy, priceTicks: 1_00 + (sent % 1000) }));
    s.write(Buffer.concat(frames));
    const answered = () => s.received.filter((m) => m.body === Body.ExecutionReport).length;
    await s.waitFor(() => s.closed || answered() === sent, `answers to ${sent} orders`, 30_000);
    if (sent > 100_000) throw new Error("the journal never failed");
  }
  expect(await ex.exited).toBe(74);
  expect(ex.stderr.lines.some((l) => /journal .*EFBIG|File too large/i.test(l) && /exiting \(74\)/.test(l))).toBe(true);
  const acks = s.received.filter((m) => m.body === Body.ExecutionReport && m.kind === EventKind.Accepted);
  expect(acks.length).toBeGreaterThan(0);
  expect(acks.length).toBeLessThan(sent);
  const last = s.received.at(-1)!;
  if (last.body === Body.Logout) expect(last).toMatchObject({ reason: LogoutReason.ServerShutdown });
  console.log(
    `input log failure: ${acks.length} of ${sent} orders acknowledged; ` +
      `last message: body ${last.body}${last.body === Body.Logout ? ` "${last.text}"` : ""}`,
  );
  // Every acknowledged command is in the journal.
  const journal = replayJournalFile(join(dir.dir, "journal.bin"));
  const lastAckSeq = Math.max(...acks.map((m) => m.engineSeq));
  expect(journal.lastSeq).toBeGreaterThanOrEqual(lastAckSeq);
  for (const a of acks) expect(journal.exchange.engine.order(a.orderId)).not.toBeNull();
  // A restart (no limit now) recovers the journal's state exactly; the client finds its acknowledged orders.
  const again = await ExchangeProcess.start({ dataDir: dir.dir, policy: "write" });
  expect(hashOf(await again.waitForLine(/^engine: /, 20_000))).toBe(journal.hash);
  const c = await RawSession.open(again.port);
  expect((await c.login("dev-key-1")).body).toBe(Body.LoginAccepted);
  c.write(c.bodyFrame(Body.OpenOrdersRequest));
  await c.waitFor(() => c.received.some((m) => m.body === Body.OpenOrders && !m.more), "the open orders");
  const open = new Set(c.received.flatMap((m) => m.orders));
  for (const a of acks) expect(open.has(a.clientOrderId)).toBe(true);
  c.end();
  expect(await again.stop()).toBe(0);
}, 120_000);
