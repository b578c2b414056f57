// Traders for the crash tests: one client library session per user, a plain
// copy of every report, and the user's own model of its live orders (what it
// was told: accepted and not yet reported filled or cancelled). `sendSome`
// pipelines a seeded mix of limits around a mid (so trades happen), IOCs,
// market orders, stops, and cancels and modifies of the user's own orders.

import { ExchangeClient, type NewOrderParams, SendStatus } from "../../src/client/index.ts";
import { EventKind, OrderType, Side, Tif } from "../../src/engine/constants.ts";
import type { Rng } from "../engine/random-commands.ts";
import type { ExecReport, OpenOrderInfo } from "../../src/protocol/index.ts";

/** The symbols the load uses: the exchange's default BTC-USD and ETH-USD (ids 0 and 1). */
const markets = [
  { symbolId: 0, mid: 50_000_00, step: 100, lot: 1000 },
  { symbolId: 1, mid: 3_000_00, step: 10, lot: 10_000 },
] as const;
/** Above this many live orders a trader mostly cancels, so books stay small and snapshots quick. */
const openOrdersSoftMax = 1500;
/** Resting orders sent and not yet accepted, at most (the gateway's in-flight limit per session is 65,536). */
const restingWindow = 20_000;
/** No acceptance for this long while resting orders are placed is a failure. */
const restingStallMs = 10_000;
/** Longest wait for a killed exchange's sessions to end on the client side. */
const goneTimeoutMs = 5000;

export interface TrackedOrder {
  orderId: number;
  symbolId: number;
  side: number;
  /** An untriggered stop: not modifiable. */
  stop: boolean;
  /** Engine seq of the last report about this order. */
  lastSeq: number;
}

/** Client order ids with O(1) add, delete and random pick. */
class IdPool {
  private readonly ids: number[] = [];
  private readonly at = new Map<number, number>();

  get size(): number {
    return this.ids.length;
  }

  add(id: number): void {
    if (this.at.has(id)) return;
    this.at.set(id, this.ids.length);
    this.ids.push(id);
  }

  delete(id: number): void {
    const i = this.at.get(id);
    if (i === undefined) return;
    const last = this.ids.pop()!;
    this.at.delete(id);
    if (last !== id) {
      this.ids[i] = last;
      this.at.set(last, i);
    }
  }

  pick(rng: Rng): number {
    return this.ids[rng.int(this.ids.length)]!;
  }

  clear(): void {
    this.ids.length = 0;
    this.at.clear();
  }
}

export class CrashTrader {
  readonly user: number;
  readonly apiKey: string;
  client: ExchangeClient | null = null;
  /** This round's reports (copies). */
  readonly reports: ExecReport[] = [];
  /** This round's new orders, by client order id: what was sent. */
  readonly sent = new Map<number, NewOrderParams>();
  /** The live orders as this user was told, by client order id (kept across rounds). */
  readonly open = new Map<number, TrackedOrder>();
  /** Client order ids are never reused, across rounds: each names one order. */
  nextClientOrderId = 1;
  commandsSent = 0;
  /** Accepted reports received, over all rounds. */
  acceptedCount = 0;
  private readonly pool = new IdPool();
  private gone: Promise<void> = Promise.resolve();

  constructor(user: number, apiKey: string) {
    this.user = user;
    this.apiKey = apiKey;
  }

  /** A new session on `port` (the previous one is over); the round's reports and sends start empty. */
  async connect(port: number): Promise<void> {
    this.reports.length = 0;
    this.sent.clear();
    let closed!: () => void;
    this.gone = new Promise((resolve) => {
      closed = resolve;
    });
    const client = new ExchangeClient({
      host: "127.0.0.1",
      port,
      outBytesMax: 8 << 20,
      reconnect: false,
      onReport: (r) => this.onReport({ ...r } as ExecReport),
      onClose: () => closed(),
    });
    this.client = client;
    await client.connect();
    await client.login(this.apiKey);
  }

  /** Resolves once the session has ended (the exchange died or `close` was called), or after a timeout. */
  async waitGone(): Promise<boolean> {
    return await Promise.race([this.gone.then(() => true), Bun.sleep(goneTimeoutMs).then(() => false)]);
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => {});
    this.client = null;
  }

  /**
   * After checking them, the exchange's open orders become the model (orders whose
   * acceptance never reached us included).
   */
  adopt(orders: OpenOrderInfo[]): void {
    this.open.clear();
    this.pool.clear();
    for (const o of orders) {
      const stop = o.type === OrderType.StopLimit || o.type === OrderType.StopMarket;
      this.open.set(o.clientOrderId, { orderId: o.orderId, symbolId: o.symbolId, side: o.side, stop, lastSeq: 0 });
      this.pool.add(o.clientOrderId);
    }
  }

  /** Highest engine seq this round's reports carry. */
  get maxSeqSeen(): number {
    let max = 0;
    for (const r of this.reports) if (r.engineSeq > max) max = r.engineSeq;
    return max;
  }

  private onReport(r: ExecReport): void {
    this.reports.push(r);
    if (r.engineSeq === 0) return;
    const cid = r.clientOrderId;
    if (r.kind === EventKind.Accepted) {
      this.acceptedCount++;
      const p = this.sent.get(cid);
      const stop = p !== undefined && (p.type === OrderType.StopLimit || p.type === OrderType.StopMarket);
      this.open.set(cid, { orderId: r.orderId, symbolId: r.symbolId, side: r.side, stop, lastSeq: r.engineSeq });
      this.pool.add(cid);
      return;
    }
    const o = this.open.get(cid);
    if (o === undefined || o.orderId !== r.orderId) return;
    o.lastSeq = r.engineSeq;
    if (r.kind === EventKind.Triggered) o.stop = false;
    const ended = r.kind === EventKind.Cancelled || (r.kind === EventKind.Trade && r.leavesQtyLots === 0);
    if (ended) {
      this.open.delete(cid);
      this.pool.delete(cid);
    }
  }

  /**
   * Rests `count` limit orders on BTC-USD $1,000 to $3,000 away from the mid
   * (buys below for odd users, sells above for even ones), where the load
   * around the mid does not reach, and waits until all are accepted. A deep
   * book makes snapshots big enough that saves take a while.
   */
  async placeResting(count: number): Promise<void> {
    const m = markets[0];
    const side = this.user % 2 === 1 ? Side.Buy : Side.Sell;
    const want = this.acceptedCount + count;
    for (let placed = 0; placed < count;) {
      // Keep the unanswered commands well below the session's in-flight limit.
      while (placed - (this.acceptedCount - (want - count)) > restingWindow) await this.progress(want);
      const away = (1000 + (placed % 2000)) * m.step;
      const o: NewOrderParams = {
        clientOrderId: this.nextClientOrderId,
        symbolId: m.symbolId,
        side,
        priceTicks: side === Side.Buy ? m.mid - away : m.mid + away,
        qtyLots: m.lot,
      };
      if (this.client!.newOrder(o) !== SendStatus.Ok) {
        await Bun.sleep(1);
        continue;
      }
      this.sent.set(o.clientOrderId, o);
      this.nextClientOrderId++;
      placed++;
    }
    while (this.acceptedCount < want) await this.progress(want);
  }

  /** Waits a little for reports; throws when nothing comes for long. */
  private async progress(want: number): Promise<void> {
    const before = this.acceptedCount;
    const deadline = Date.now() + restingStallMs;
    while (this.acceptedCount === before) {
      if (Date.now() > deadline)
        throw new Error(
          `user ${this.user}: resting orders stalled at ${before} of ${want} accepted; ` +
            `last reports ${JSON.stringify(this.reports.slice(-3))}`,
        );
      await Bun.sleep(2);
    }
  }

  /** Sends up to `n` commands; stops early when the client cannot take more. */
  sendSome(rng: Rng, n: number): number {
    const c = this.client;
    if (c === null) return 0;
    let sent = 0;
    for (; sent < n; sent++) {
      const status = this.sendOne(c, rng);
      if (status !== SendStatus.Ok) break;
      this.commandsSent++;
    }
    return sent;
  }

  private sendOne(c: ExchangeClient, rng: Rng): number {
    const p = rng.float();
    const cancelShare = this.pool.size > openOrdersSoftMax ? 0.5 : 0.14;
    if (this.pool.size > 0 && p < cancelShare) {
      const cid = this.pool.pick(rng);
      return c.cancel({ clientOrderId: cid, symbolId: this.open.get(cid)!.symbolId });
    }
    if (this.pool.size > 0 && p < cancelShare + 0.12) {
      const cid = this.pool.pick(rng);
      const o = this.open.get(cid)!;
      if (!o.stop) {
        const m = markets[o.symbolId]!;
        const away = rng.range(-3, 20) * m.step;
        return c.modify({
          clientOrderId: cid,
          symbolId: o.symbolId,
          priceTicks: o.side === Side.Buy ? m.mid - away : m.mid + away,
          qtyLots: m.lot * rng.range(1, 5),
        });
      }
    }
    return this.placeNew(c, rng, p);
  }

  private placeNew(c: ExchangeClient, rng: Rng, p: number): number {
    const m = rng.chance(0.8) ? markets[0] : markets[1];
    const side = rng.chance(0.5) ? Side.Buy : Side.Sell;
    const toward = side === Side.Buy ? 1 : -1;
    const o: NewOrderParams = {
      clientOrderId: this.nextClientOrderId++,
      symbolId: m.symbolId,
      side,
      priceTicks: 0,
      qtyLots: m.lot * rng.range(1, 5),
    };
    if (p < 0.34) {
      // A stop beyond the mid in the direction it waits for; trades walk the last price into some of them.
      o.stopPriceTicks = m.mid + toward * rng.range(1, 12) * m.step;
      if (rng.chance(0.5)) {
        o.type = OrderType.StopLimit;
        o.priceTicks = o.stopPriceTicks + toward * 5 * m.step;
      } else o.type = OrderType.StopMarket;
    } else if (p < 0.44) {
      o.tif = Tif.Ioc;
      o.priceTicks = m.mid + toward * rng.range(0, 10) * m.step;
    } else if (p < 0.47) {
      o.type = OrderType.Market;
      o.qtyLots = m.lot;
    } else {
      o.priceTicks = m.mid - toward * rng.range(-3, 20) * m.step;
    }
    const status = c.newOrder(o);
    if (status === SendStatus.Ok) this.sent.set(o.clientOrderId, o);
    return status;
  }
}

/** Every report kind a trader may see, for summaries. */
export function reportSummary(traders: CrashTrader[]): Record<string, number> {
  const names: Record<number, string> = {
    [EventKind.Accepted]: "accepted",
    [EventKind.Rejected]: "rejected",
    [EventKind.Trade]: "trade",
    [EventKind.Cancelled]: "cancelled",
    [EventKind.Modified]: "modified",
    [EventKind.Triggered]: "triggered",
    [EventKind.Reduced]: "reduced",
  };
  const out: Record<string, number> = {};
  for (const t of traders) {
    for (const r of t.reports) {
      const name = r.engineSeq === 0 ? "gateway_reject" : (names[r.kind] ?? `kind${r.kind}`);
      out[name] = (out[name] ?? 0) + 1;
    }
  }
  return out;
}
