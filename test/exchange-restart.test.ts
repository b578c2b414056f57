// Proves that the exchange process recovers from its journal: a graceful restart keeps the state hash and every open
// order with its client order id; after a SIGKILL mid-burst every acknowledged command is in the journal and the
// restarted state equals a replay of it; a torn last record is cut with a warning and everything before it is kept.

import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, rmSync, statSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { ExchangeClient } from "../src/client/index.ts";
import { EventKind, OrderType, Reject, Side, Tif } from "../src/engine/constants.ts";
import type { EventBuffer } from "../src/engine/events.ts";
import type { ExecReport, OpenOrderInfo } from "../src/protocol/index.ts";
import { ExchangeProcess, hashOf, killAll, replayJournalFile, repoRoot, tempDir } from "./support/exchange-process.ts";

const BTC = 0;
const ETH = 1;
const dirs: { cleanup: () => void }[] = [];
const traders: Trader[] = [];

afterEach(async () => {
  for (const t of traders.splice(0)) await t.client.close().catch(() => {});
  await killAll();
});

afterAll(() => {
  for (const d of dirs.splice(0)) d.cleanup();
});

function dataDir(name: string): string {
  const d = tempDir(`restart-${name}`);
  dirs.push(d);
  return d.dir;
}

/** A client library session that keeps a plain copy of every report. */
class Trader {
  readonly client: ExchangeClient;
  readonly reports: ExecReport[] = [];
  /** Called with each report as it arrives. */
  onReport: ((r: ExecReport) => void) | null = null;
  disconnected = false;

  private constructor(port: number) {
    this.client = new ExchangeClient({
      host: "127.0.0.1",
      port,
      outBytesMax: 16 << 20,
      onReport: (r) => {
        const copy = { ...r } as ExecReport;
        this.reports.push(copy);
        this.onReport?.(copy);
      },
      onDisconnect: () => {
        this.disconnected = true;
      },
    });
  }

  static async login(port: number, key: string): Promise<Trader> {
    const t = new Trader(port);
    traders.push(t);
    await t.client.connect();
    await t.client.login(key);
    return t;
  }

  /** Waits until a report about `clientOrderId` of `kind` has arrived (the `n`th such, counting from 1). */
  async until(clientOrderId: number, kind: number, n = 1, timeoutMs = 5000): Promise<ExecReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.reports.filter((r) => r.clientOrderId === clientOrderId && r.kind === kind);
      if (found.length >= n) return found[n - 1]!;
      if (Date.now() > deadline)
        throw new Error(
          `no report kind ${kind} #${n} for ${clientOrderId}; got ${JSON.stringify(this.reports.slice(-8))}`,
        );
      await Bun.sleep(2);
    }
  }

  async close(): Promise<void> {
    await this.client.close();
    const at = traders.indexOf(this);
    if (at >= 0) traders.splice(at, 1);
  }
}

/** Open orders as comparable rows, sorted by exchange order id. */
function rows(orders: OpenOrderInfo[]): (string | number | boolean)[][] {
  return orders
    .map((o) => [
      o.orderId,
      o.clientOrderId,
      o.symbolId,
      o.side,
      o.type,
      o.tif,
      o.postOnly,
      o.stp,
      o.priceTicks,
      o.stopPriceTicks,
      o.qtyLots,
      o.leavesQtyLots,
    ])
    .sort((a, b) => (a[0] as number) - (b[0] as number));
}

/** The last seq the start-up recovered, from "engine: ... next seq S, state hash H" (no symbol is new on a restart). */
function recoveredSeqOf(p: ExchangeProcess): number {
  return Number(/next seq (\d+)/.exec(startLine(p))![1]) - 1;
}

function startLine(p: ExchangeProcess): string {
  const line = p.stdout.lines.find((l) => l.startsWith("engine:"));
  if (line === undefined) throw new Error(`no engine line:\n${p.output()}`);
  return line;
}

/**
 * SIGTERM; expects exit 0, nothing on stderr but lines matching `allowed`, and returns
 * "stopped at seq N, state hash H".
 */
async function stopGracefully(
  p: ExchangeProcess,
  allowed: RegExp | null = null,
): Promise<{ hash: string; seq: number }> {
  const code = await p.stop();
  expect({ code, stderr: p.stderr.lines.filter((l) => allowed === null || !allowed.test(l)) }).toEqual({
    code: 0,
    stderr: [],
  });
  const line = p.stdout.lines.find((l) => l.startsWith("stopped at seq"));
  if (line === undefined) throw new Error(`no stop line:\n${p.output()}`);
  return { hash: hashOf(line), seq: Number(/stopped at seq (\d+)/.exec(line)![1]) };
}

/** `bun run replay <journal>`'s summary line, or null when the tool does not read journal files. */
function replayCli(journal: string): { commands: number; hash: string } | null {
  const r = Bun.spawnSync([process.execPath, "src/replay/main.ts", journal], {
    cwd: repoRoot,
    stdout: "pipe",
    stderr: "pipe",
  });
  const last = r.stdout.toString().trim().split("\n").at(-1) ?? "";
  if (r.exitCode !== 0 || !last.startsWith("{")) return null;
  const summary = JSON.parse(last) as { ev: string; commands: number; hash: string };
  return summary.ev === "summary" && summary.commands > 0 ? summary : null;
}

/**
 * User 1 rests sells above 50,000.00 and buys below; one buy is modified, one cancelled; a buy
 * stop waits above the market.
 */
async function restUserOneOrders(u1: Trader): Promise<void> {
  const c1 = u1.client;
  c1.newOrder({ clientOrderId: 1, symbolId: BTC, side: Side.Sell, priceTicks: 50_000_00, qtyLots: 5000 });
  c1.newOrder({ clientOrderId: 2, symbolId: BTC, side: Side.Sell, priceTicks: 50_010_00, qtyLots: 3000 });
  c1.newOrder({ clientOrderId: 3, symbolId: BTC, side: Side.Sell, priceTicks: 50_020_00, qtyLots: 2000 });
  c1.newOrder({ clientOrderId: 4, symbolId: BTC, side: Side.Buy, priceTicks: 49_900_00, qtyLots: 1000 });
  c1.newOrder({ clientOrderId: 5, symbolId: BTC, side: Side.Buy, priceTicks: 49_950_00, qtyLots: 2000 });
  c1.modify({ clientOrderId: 5, symbolId: BTC, priceTicks: 49_960_00, qtyLots: 3000 });
  c1.newOrder({ clientOrderId: 6, symbolId: BTC, side: Side.Buy, priceTicks: 49_800_00, qtyLots: 4000 });
  c1.cancel({ clientOrderId: 6, symbolId: BTC });
  c1.newOrder({
    clientOrderId: 7,
    symbolId: BTC,
    side: Side.Buy,
    type: OrderType.StopLimit,
    priceTicks: 50_150_00,
    stopPriceTicks: 50_100_00,
    qtyLots: 1000,
  });
  c1.newOrder({ clientOrderId: 8, symbolId: ETH, side: Side.Sell, priceTicks: 3_000_00, qtyLots: 10_000 });
  await u1.until(8, EventKind.Accepted);
  expect(u1.reports.map((r) => [r.clientOrderId, r.kind])).toEqual([
    [1, EventKind.Accepted],
    [2, EventKind.Accepted],
    [3, EventKind.Accepted],
    [4, EventKind.Accepted],
    [5, EventKind.Accepted],
    [5, EventKind.Modified],
    [6, EventKind.Accepted],
    [6, EventKind.Cancelled],
    [7, EventKind.Accepted],
    [8, EventKind.Accepted],
  ]);
}

/**
 * User 2 trades against user 1's orders: a fill, an IOC over two levels, a sell into the modified bid, stops (one
 * triggers at once), a modify and a cancel.
 */
async function tradeAsUserTwo(u2: Trader, u1: Trader): Promise<void> {
  const c2 = u2.client;
  c2.newOrder({ clientOrderId: 101, symbolId: BTC, side: Side.Buy, priceTicks: 50_000_00, qtyLots: 2000 });
  await u2.until(101, EventKind.Trade);
  c2.newOrder({
    clientOrderId: 102,
    symbolId: BTC,
    side: Side.Buy,
    priceTicks: 50_010_00,
    qtyLots: 4000,
    tif: Tif.Ioc,
  });
  await u2.until(102, EventKind.Trade, 2);
  c2.newOrder({ clientOrderId: 103, symbolId: BTC, side: Side.Sell, priceTicks: 49_960_00, qtyLots: 1000 });
  await u2.until(103, EventKind.Trade);
  c2.newOrder({
    clientOrderId: 104,
    symbolId: BTC,
    side: Side.Sell,
    type: OrderType.StopMarket,
    priceTicks: 0,
    stopPriceTicks: 49_000_00,
    qtyLots: 1000,
  });
  c2.newOrder({ clientOrderId: 105, symbolId: ETH, side: Side.Buy, priceTicks: 2_990_00, qtyLots: 10_000 });
  c2.newOrder({
    clientOrderId: 106,
    symbolId: BTC,
    side: Side.Buy,
    type: OrderType.StopLimit,
    priceTicks: 50_010_00,
    stopPriceTicks: 49_900_00,
    qtyLots: 1000,
  });
  await u2.until(106, EventKind.Trade);
  c2.newOrder({ clientOrderId: 107, symbolId: BTC, side: Side.Buy, priceTicks: 49_700_00, qtyLots: 1000 });
  c2.modify({ clientOrderId: 107, symbolId: BTC, priceTicks: 49_750_00, qtyLots: 2000 });
  c2.newOrder({ clientOrderId: 108, symbolId: BTC, side: Side.Buy, priceTicks: 49_600_00, qtyLots: 1000 });
  c2.cancel({ clientOrderId: 108, symbolId: BTC });
  await u2.until(108, EventKind.Cancelled);
  expect(await u2.until(106, EventKind.Triggered)).toMatchObject({ priceTicks: 49_900_00 });
  await u1.until(2, EventKind.Trade, 2);
}

describe("graceful restart", () => {
  test("SIGTERM, restart: the same state hash, and each user's open orders with their client order ids", async () => {
    const dir = dataDir("graceful");
    const first = await ExchangeProcess.start({ dataDir: dir });
    const u1 = await Trader.login(first.port, "dev-key-1");
    const u2 = await Trader.login(first.port, "dev-key-2");
    const c1 = u1.client;
    const c2 = u2.client;

    await restUserOneOrders(u1);
    await tradeAsUserTwo(u2, u1);

    const before1 = await c1.openOrders();
    const before2 = await c2.openOrders();
    // Client order id, side, price, remaining quantity: what the trades above leave.
    const brief = (os: OpenOrderInfo[]) =>
      os
        .map((o) => [o.clientOrderId, o.side, o.priceTicks, o.stopPriceTicks, o.leavesQtyLots])
        .sort((a, b) => a[0]! - b[0]!);
    expect(brief(before1)).toEqual([
      [2, Side.Sell, 50_010_00, 0, 1000],
      [3, Side.Sell, 50_020_00, 0, 2000],
      [4, Side.Buy, 49_900_00, 0, 1000],
      [5, Side.Buy, 49_960_00, 0, 2000],
      [7, Side.Buy, 50_150_00, 50_100_00, 1000],
      [8, Side.Sell, 3_000_00, 0, 10_000],
    ]);
    expect(brief(before2)).toEqual([
      [104, Side.Sell, 0, 49_000_00, 1000],
      [105, Side.Buy, 2_990_00, 0, 10_000],
      [107, Side.Buy, 49_750_00, 0, 2000],
    ]);
    await u1.close();
    await u2.close();

    const stopped = await stopGracefully(first);
    const second = await ExchangeProcess.start({ dataDir: dir });
    expect(hashOf(startLine(second))).toBe(stopped.hash);
    expect(recoveredSeqOf(second)).toBe(stopped.seq);

    const v1 = await Trader.login(second.port, "dev-key-1");
    const v2 = await Trader.login(second.port, "dev-key-2");
    expect(rows(await v1.client.openOrders())).toEqual(rows(before1));
    expect(rows(await v2.client.openOrders())).toEqual(rows(before2));

    // The gateway knows the restored orders by their client ids: they can be cancelled, and their ids are still taken;
    // a filled order's id is free again.
    v1.client.cancel({ clientOrderId: 3, symbolId: BTC });
    expect(await v1.until(3, EventKind.Cancelled)).toMatchObject({ qtyLots: 2000 });
    v1.client.newOrder({ clientOrderId: 4, symbolId: BTC, side: Side.Buy, priceTicks: 49_000_00, qtyLots: 1000 });
    expect(await v1.until(4, EventKind.Rejected)).toMatchObject({ rejectReason: Reject.DuplicateOrderId });
    v2.client.newOrder({ clientOrderId: 101, symbolId: BTC, side: Side.Buy, priceTicks: 49_000_00, qtyLots: 1000 });
    await v2.until(101, EventKind.Accepted);
    await v1.close();
    await v2.close();
    const again = await stopGracefully(second);

    // The same from the journal alone, without the snapshot the graceful stop took.
    const snapshots = join(dir, "snapshots");
    if (existsSync(snapshots)) rmSync(snapshots, { recursive: true });
    const third = await ExchangeProcess.start({ dataDir: dir });
    expect(hashOf(startLine(third))).toBe(again.hash);
    expect(third.stdout.lines.some((l) => /^recovery: no snapshot/.test(l))).toBe(true);
    const w1 = await Trader.login(third.port, "dev-key-1");
    expect(rows(await w1.client.openOrders())).toEqual(rows(before1.filter((o) => o.clientOrderId !== 3)));
    await w1.close();
    await stopGracefully(third);
  }, 30_000);
});

/**
 * The reports the gateway makes of the engine's events, keyed for lookup: user, engine seq, kind, order id, client
 * order id, quantities.
 */
function reportKeys(): { sink: { onEvents(ev: EventBuffer): void }; keys: Set<string>; ended: Map<string, number> } {
  const keys = new Set<string>();
  /** "user:orderId" -> engine seq at which the order stopped being live. */
  const ended = new Map<string, number>();
  const sink = {
    onEvents(ev: EventBuffer) {
      for (let i = 0; i < ev.count; i++) {
        const kind = ev.kind(i);
        const seq = ev.seq(i);
        if (kind === EventKind.Trade) {
          keys.add(
            `${ev.user(i)}:${seq}:${kind}:${ev.id(i)}:${ev.clientId(i)}:${ev.qtyLots(i)}:${ev.leavesQtyLots(i)}`,
          );
          keys.add(
            `${ev.otherUser(i)}:${seq}:${kind}:${ev.otherId(i)}:${ev.otherClientId(i)}:${ev.qtyLots(i)}:` +
              `${ev.otherLeavesQtyLots(i)}`,
          );
          if (ev.leavesQtyLots(i) === 0) ended.set(`${ev.user(i)}:${ev.id(i)}`, seq);
          if (ev.otherLeavesQtyLots(i) === 0) ended.set(`${ev.otherUser(i)}:${ev.otherId(i)}`, seq);
        } else if (kind === EventKind.Rejected) {
          // A refused cancel or modify names the order the client meant, not the event's id: key on seq and kind only.
          keys.add(`${ev.user(i)}:${seq}:${kind}`);
        } else {
          keys.add(`${ev.user(i)}:${seq}:${kind}:${ev.id(i)}:${ev.clientId(i)}`);
          if (kind === EventKind.Cancelled) ended.set(`${ev.user(i)}:${ev.id(i)}`, seq);
        }
      }
    },
  };
  return { sink, keys, ended };
}

function keyOf(user: number, r: ExecReport): string {
  if (r.kind === EventKind.Trade)
    return `${user}:${r.engineSeq}:${r.kind}:${r.orderId}:${r.clientOrderId}:${r.qtyLots}:${r.leavesQtyLots}`;
  if (r.kind === EventKind.Rejected) return `${user}:${r.engineSeq}:${r.kind}`;
  return `${user}:${r.engineSeq}:${r.kind}:${r.orderId}:${r.clientOrderId}`;
}

/**
 * The crash test's burst: user 1 rests sells in 50 levels above 50,000.00 and now and then modifies one; user 2 rests
 * bids below, takes some asks, cancels some bids.
 */
function sendBurst(u1: Trader, u2: Trader, burst: number): void {
  for (let i = 1; i <= burst; i++) {
    u1.client.newOrder({
      clientOrderId: i,
      symbolId: BTC,
      side: Side.Sell,
      priceTicks: 50_000_00 + (i % 50) * 100,
      qtyLots: 1000 * (1 + (i % 3)),
    });
    if (i % 7 === 0)
      u1.client.modify({
        clientOrderId: i - 3,
        symbolId: BTC,
        priceTicks: 50_000_00 + (i % 40) * 100,
        qtyLots: 1000,
      });
    const r = i % 10;
    if (r < 6)
      u2.client.newOrder({
        clientOrderId: i,
        symbolId: BTC,
        side: Side.Buy,
        priceTicks: 49_990_00 - (i % 50) * 100,
        qtyLots: 1000,
      });
    else if (r < 8)
      u2.client.newOrder({
        clientOrderId: i,
        symbolId: BTC,
        side: Side.Buy,
        priceTicks: 50_000_00 + (i % 20) * 100,
        qtyLots: 2000,
        tif: r === 6 ? Tif.Ioc : Tif.Gtc,
      });
    else u2.client.cancel({ clientOrderId: i - 5, symbolId: BTC });
  }
}

/**
 * Each user's open orders are the replay's, and every acknowledged order is open unless a report or the journal says
 * it ended. Returns how many were which.
 */
async function checkOrdersAfterRestart(
  users: { id: number; t: Trader }[],
  port: number,
  replay: ReturnType<typeof replayJournalFile>,
  ended: Map<string, number>,
): Promise<{ open: number; endedPerReports: number; endedInJournal: number }> {
  const present = { open: 0, endedPerReports: 0, endedInJournal: 0 };
  for (const { id, t } of users) {
    const again = await Trader.login(port, `dev-key-${id}`);
    const open = await again.client.openOrders();
    const want = replay.exchange.engine.openOrders(id).map((o) => [o.id, o.clientId, o.price, o.qty]);
    expect(
      open.map((o) => [o.orderId, o.clientOrderId, o.priceTicks, o.leavesQtyLots]).sort((a, b) => a[0]! - b[0]!),
    ).toEqual(want.sort((a, b) => a[0]! - b[0]!));
    const openIds = new Set(open.map((o) => o.orderId));
    const endedPerReports = new Set(
      t.reports
        .filter((r) => (r.kind === EventKind.Trade && r.leavesQtyLots === 0) || r.kind === EventKind.Cancelled)
        .map((r) => r.orderId),
    );
    for (const r of t.reports) {
      if (r.kind !== EventKind.Accepted) continue;
      if (openIds.has(r.orderId)) present.open++;
      else if (endedPerReports.has(r.orderId)) present.endedPerReports++;
      else if (ended.has(`${id}:${r.orderId}`)) present.endedInJournal++;
      else throw new Error(`user ${id}: acknowledged order ${JSON.stringify(r)} is gone without a trace`);
    }
    await again.close();
  }
  return present;
}

describe("crash recovery", () => {
  test(
    "SIGKILL mid-burst: every acknowledged command is in the journal, " + "and the restart equals its replay",
    async () => {
      const dir = dataDir("sigkill");
      const journal = join(dir, "journal.bin");
      const first = await ExchangeProcess.start({ dataDir: dir });
      const u1 = await Trader.login(first.port, "dev-key-1");
      const u2 = await Trader.login(first.port, "dev-key-2");
      const users = [
        { id: 1, t: u1 },
        { id: 2, t: u2 },
      ];

      // Kill once the clients have seen this many reports, while most of the burst is still on its way.
      const burst = 20_000;
      const killAfterReports = 3000;
      let seen = 0;
      const onReport = () => {
        if (++seen === killAfterReports) first.proc.kill("SIGKILL");
      };
      u1.onReport = onReport;
      u2.onReport = onReport;
      sendBurst(u1, u2, burst);
      await first.exited;
      expect(first.signalCode).toBe("SIGKILL");
      // The clients read what reached them before the kill, then see the connection close.
      for (let waited = 0; !(u1.disconnected && u2.disconnected) && waited < 5000; waited += 5) await Bun.sleep(5);

      // Every report the clients got is an event of a command in the journal: nothing acknowledged was lost.
      const { sink, keys, ended } = reportKeys();
      const replay = replayJournalFile(journal, sink);
      expect(replay.tail).toBe(false);
      let acknowledged = 0;
      for (const { id, t } of users) {
        for (const r of t.reports) {
          if (r.engineSeq === 0) continue;
          acknowledged++;
          if (!keys.has(keyOf(id, r)))
            throw new Error(`user ${id} got a report that the journal does not hold: ${JSON.stringify(r)}`);
        }
      }
      const commandsSent = burst * 2 + Math.floor(burst / 7);
      console.log(
        `sigkill: ${seen} reports (${acknowledged} from the engine) sent before the kill; ` +
          `journal holds ${replay.records} records of ${commandsSent + 3} sent`,
      );
      expect(acknowledged).toBeGreaterThanOrEqual(killAfterReports / 2);
      // The kill really landed mid-burst.
      expect(replay.records).toBeLessThan(commandsSent + 3);

      const second = await ExchangeProcess.start({ dataDir: dir });
      expect(second.stderr.lines).toEqual([]);
      expect(recoveredSeqOf(second)).toBe(replay.records);
      expect(hashOf(startLine(second))).toBe(replay.hash);
      const cli = replayCli(journal);
      if (cli === null)
        console.log("sigkill: `bun run replay` does not read journal files; compared with the in-process replay only");
      else {
        expect(cli).toMatchObject({ commands: replay.records, hash: replay.hash });
        console.log(
          `sigkill: \`bun run replay\` of the journal: ${cli.commands} commands, state hash ${cli.hash}, ` +
            `as after the restart`,
        );
      }

      const present = await checkOrdersAfterRestart(users, second.port, replay, ended);
      console.log(`sigkill: acknowledged orders after restart: ${JSON.stringify(present)}`);
      expect(present.open).toBeGreaterThan(0);
      await stopGracefully(second);
    },
    30_000,
  );

  test("a torn last record: the restart cuts it with a warning and keeps everything before it", async () => {
    const dir = dataDir("torn");
    const journal = join(dir, "journal.bin");
    const first = await ExchangeProcess.start({ dataDir: dir });
    const u1 = await Trader.login(first.port, "dev-key-1");
    const orders = 200;
    for (let i = 1; i <= orders; i++)
      u1.client.newOrder({
        clientOrderId: i,
        symbolId: BTC,
        side: i % 2 === 0 ? Side.Buy : Side.Sell,
        priceTicks: i % 2 === 0 ? 49_000_00 - i : 51_000_00 + i,
        qtyLots: 1000,
      });
    await u1.until(orders, EventKind.Accepted);
    await first.kill();

    // Cut the last record (the order with client id `orders`) short by a few bytes.
    const whole = replayJournalFile(journal);
    expect(whole.tail).toBe(false);
    const original = `${journal}.whole`;
    copyFileSync(journal, original);
    const size = statSync(journal).size;
    truncateSync(journal, size - 3);
    const cut = replayJournalFile(journal);
    expect(cut.tail).toBe(true);
    expect(cut.records).toBe(whole.records - 1);

    const second = await ExchangeProcess.start({ dataDir: dir });
    // stderr is its own pipe: the warning may be read after the ready line on stdout.
    await second.waitForLine(/torn tail/, 5000, "stderr");
    const warnings = second.stderr.lines.filter((l) => /torn tail/.test(l));
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(second.stderr.lines.filter((l) => !/torn tail/.test(l))).toEqual([]);
    expect(recoveredSeqOf(second)).toBe(whole.records - 1);
    expect(hashOf(startLine(second))).toBe(cut.hash);
    // The file was cut back to its last whole record.
    expect(statSync(journal).size).toBeLessThan(size - 3);

    // Every order but the torn one is back, and the sequence goes on from the torn record's seq.
    const v1 = await Trader.login(second.port, "dev-key-1");
    const open = (await v1.client.openOrders()).map((o) => o.clientOrderId).sort((a, b) => a - b);
    expect(open).toEqual(Array.from({ length: orders - 1 }, (_, i) => i + 1));
    v1.client.newOrder({ clientOrderId: orders, symbolId: BTC, side: Side.Buy, priceTicks: 48_000_00, qtyLots: 1000 });
    expect(await v1.until(orders, EventKind.Accepted)).toMatchObject({ engineSeq: whole.lastSeq });
    await v1.close();
    const stopped = await stopGracefully(second, /torn tail/);

    // A third start finds a whole journal: no warning, the same hash, all the orders.
    const third = await ExchangeProcess.start({ dataDir: dir });
    expect(third.stderr.lines).toEqual([]);
    expect(recoveredSeqOf(third)).toBe(whole.records);
    expect(hashOf(startLine(third))).toBe(stopped.hash);
    const w1 = await Trader.login(third.port, "dev-key-1");
    expect((await w1.client.openOrders()).length).toBe(orders);
    await w1.close();
    await stopGracefully(third);
  }, 30_000);

  test("SIGTERM the moment the exchange says it listens is a graceful stop too", async () => {
    // A supervisor may stop the process as soon as it is ready; each try is a fresh start.
    const tries = 8;
    const codes: number[] = [];
    for (let i = 0; i < tries; i++) {
      const p = await ExchangeProcess.start({ dataDir: dataDir(`sigterm-${i}`) });
      codes.push(await p.stop());
    }
    expect(codes).toEqual(new Array<number>(tries).fill(0));
  }, 30_000);
});
