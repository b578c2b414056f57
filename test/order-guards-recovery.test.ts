// Proves that cancel on disconnect, the dead-man's switch and a client's mass cancel go through the input log: the
// exchange process fires each (real time, waited for by its own report or log line), is killed after the last
// acknowledgement, and recovers (snapshot + journal) to the state hash of an independent replay of its journal, with
// exactly the orders those cancels left.
import { afterAll, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { CancelReason, EventKind, MassCancelSide, Side } from "../src/engine/constants.ts";
import { Body, Command } from "../src/protocol/index.ts";
import type { EventConsumer } from "../src/sequencer/sequencer.ts";
import { ExchangeProcess, hashOf, killAll, replayJournalFile, tempDir } from "./support/exchange-process.ts";
import { RawSession } from "./support/raw-session.ts";
import { waitFor } from "./support/wait.ts";

const BTC = 0;
const ETH = 1;
const dir = tempDir("order-guards");
afterAll(async () => {
  await killAll();
  dir.cleanup();
});

async function login(
  port: number,
  key: string,
  options: { cancelOnDisconnect?: boolean; graceMs?: number } = {},
): Promise<RawSession> {
  const s = await RawSession.open(port);
  expect((await s.login(key, options)).body).toBe(Body.LoginAccepted);
  return s;
}

async function place(s: RawSession, orders: [number, number, number][]): Promise<void> {
  expect((await s.placeResting(orders)).every((m) => m.kind === EventKind.Accepted)).toBe(true);
}

async function openOrders(port: number, key: string): Promise<number[]> {
  const s = await login(port, key);
  s.write(s.bodyFrame(Body.OpenOrdersRequest));
  await s.waitFor(() => s.received.some((m) => m.body === Body.OpenOrders && !m.more), "the open orders", 30_000);
  s.end();
  return s.received.flatMap((m) => m.orders).sort((a, b) => a - b);
}

/** User 1: cancel on disconnect with no grace; waits for the exchange's log line. */
async function cancelOnDisconnect(ex: ExchangeProcess): Promise<void> {
  const a = await login(ex.port, "dev-key-1", { cancelOnDisconnect: true, graceMs: 0 });
  await place(a, [
    [1, BTC, Side.Buy],
    [2, BTC, Side.Buy],
    [3, ETH, Side.Sell],
    [4, BTC, Side.Buy],
    [5, ETH, Side.Buy],
  ]);
  a.destroy();
  await ex.waitForLine(/user 1: no session within the cancel-on-disconnect grace; 5 orders cancelled/, 30_000);
}

/** User 2: a dead-man's switch of 200 ms, not renewed; waits for its summary. */
async function deadMansSwitch(ex: ExchangeProcess): Promise<RawSession> {
  const b = await login(ex.port, "dev-key-2");
  await place(b, [
    [1, BTC, Side.Buy],
    [2, BTC, Side.Buy],
    [3, BTC, Side.Buy],
    [4, ETH, Side.Buy],
  ]);
  b.write(b.deadMansSwitchFrame(200));
  await b.waitFor(() => b.received.some((m) => m.kind === EventKind.MassCancelled), "the switch's summary", 30_000);
  const summary = b.received.find((m) => m.kind === EventKind.MassCancelled);
  expect(summary).toMatchObject({ cancelReason: CancelReason.DeadMansSwitch, qtyLots: 4 });
  return b;
}

/** User 3: a mass cancel of its ETH sells only, then two more orders. */
async function massCancel(ex: ExchangeProcess): Promise<RawSession> {
  const c = await login(ex.port, "dev-key-3");
  await place(c, [
    [1, BTC, Side.Buy],
    [2, BTC, Side.Buy],
    [3, BTC, Side.Buy],
    [4, ETH, Side.Sell],
    [5, ETH, Side.Sell],
    [6, ETH, Side.Buy],
  ]);
  c.write(c.massCancelFrame(900, { symbolId: ETH, side: MassCancelSide.Sell }));
  await c.waitFor(() => c.received.some((m) => m.kind === EventKind.MassCancelled), "the mass cancel summary", 30_000);
  const summary = c.received.find((m) => m.kind === EventKind.MassCancelled);
  expect(summary).toMatchObject({ clientOrderId: 900, cancelReason: CancelReason.MassCancel, qtyLots: 2 });
  await place(c, [
    [7, BTC, Side.Buy],
    [8, ETH, Side.Sell],
  ]);
  return c;
}

/** The mass cancels in a journal, one per command: [user, reason]. */
function loggedMassCancels(path: string): { reasons: number[][]; hash: string } {
  const logged = new Map<number, number[]>();
  const sink: EventConsumer = {
    onEvents: (_e, cmd) =>
      void (cmd.command === Command.MassCancel && logged.set(cmd.engineSeq, [cmd.userId, cmd.cancelReason])),
  };
  const journal = replayJournalFile(path, sink);
  return { reasons: [...logged.values()], hash: journal.hash };
}

test("cancel on disconnect, dead-man's switch and mass cancel are logged: recovery reproduces them", async () => {
  const ex = await ExchangeProcess.start({
    dataDir: dir.dir,
    policy: "write",
    env: { EXCHANGE_SNAPSHOT_EVERY_COMMANDS: "10" },
  });
  await cancelOnDisconnect(ex);
  const b = await deadMansSwitch(ex);
  const c = await massCancel(ex);
  // A snapshot covers part of this; recovery is snapshot + the journal after it.
  const snapshots = join(dir.dir, "snapshots");
  await waitFor(() => existsSync(snapshots) && readdirSync(snapshots).some((f) => f.endsWith(".bin")), {
    timeoutMs: 30_000,
    what: "a snapshot file",
  });
  await ex.kill();
  b.destroy();
  c.destroy();

  const journal = loggedMassCancels(join(dir.dir, "journal.bin"));
  expect(journal.reasons).toEqual([
    [1, CancelReason.Disconnect],
    [2, CancelReason.DeadMansSwitch],
    [3, CancelReason.MassCancel],
  ]);
  const again = await ExchangeProcess.start({ dataDir: dir.dir, policy: "write" });
  expect(await again.waitForLine(/^recovery: /, 20_000)).toMatch(/snapshot seq [1-9]/);
  expect(hashOf(await again.waitForLine(/^engine: /, 20_000))).toBe(journal.hash);
  expect(await openOrders(again.port, "dev-key-1")).toEqual([]);
  expect(await openOrders(again.port, "dev-key-2")).toEqual([]);
  expect(await openOrders(again.port, "dev-key-3")).toEqual([1, 2, 3, 6, 7, 8]);
  expect(await again.stop()).toBe(0);
  expect(hashOf(await again.waitForLine(/stopped at seq/, 5000))).toBe(journal.hash);
}, 120_000);
