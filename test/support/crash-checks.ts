// The crash tests' checks of one restart against the journal oracle: the
// recovery report and state hash, each user's open orders, and every report
// the clients got before the kill (acknowledged commands are in the journal,
// trade ids are never reused and continue across restarts).

import { expect } from "bun:test";
import { CancelReason, EventKind, Reject } from "../../src/engine/constants.ts";
import type { OrderView } from "../../src/engine/queries.ts";
import { Command, type OpenOrderInfo } from "../../src/protocol/index.ts";
import type { CrashTrader } from "./crash-traders.ts";
import type { ExchangeProcess } from "./exchange-process.ts";
import { hashOf } from "./exchange-process.ts";
import { type JournalOracle, reportKey } from "./journal-oracle.ts";

export interface Recovery {
  snapshotSeq: number;
  replayed: number;
  skipped: number;
  line: string;
}

const recoveryLine = new RegExp(
  String.raw`^recovery: (?:no snapshot|snapshot seq (\d+) \(age [^)]*\)), ` +
    String.raw`(\d+) commands replayed in \d+ ms, (\d+) snapshots skipped`,
);

/** The `recovery: …` line. */
export function recoveryOf(p: ExchangeProcess): Recovery {
  const line = p.stdout.lines.find((l) => l.startsWith("recovery: "));
  if (line === undefined) throw new Error(`no recovery line:\n${p.output()}`);
  const m = recoveryLine.exec(line);
  if (m === null) throw new Error(`unexpected recovery line: ${line}`);
  return { snapshotSeq: Number(m[1] ?? 0), replayed: Number(m[2]), skipped: Number(m[3]), line };
}

/** The `engine: …` line: next seq and state hash after recovery. */
export function engineOf(p: ExchangeProcess): { lastSeq: number; hash: string } {
  const line = p.stdout.lines.find((l) => l.startsWith("engine: "));
  if (line === undefined) throw new Error(`no engine line:\n${p.output()}`);
  return { lastSeq: Number(/next seq (\d+)/.exec(line)![1]) - 1, hash: hashOf(line) };
}

/** stderr lines not matching any of `allowed`. */
export function unexpectedStderr(p: ExchangeProcess, allowed: RegExp[]): string[] {
  return p.stderr.lines.filter((l) => l.trim() !== "" && !allowed.some((re) => re.test(l)));
}

export const tornTailWarning = /^warning: journal: .*torn tail/;

/**
 * After a restart: the recovery used the newest snapshot and replayed exactly the journal after it;
 * the state equals the oracle's.
 */
export function checkRecovery(p: ExchangeProcess, oracle: JournalOracle, newestSnapshotSeq: number): Recovery {
  const rec = recoveryOf(p);
  const eng = engineOf(p);
  expect(unexpectedStderr(p, [tornTailWarning])).toEqual([]);
  expect({ snapshotSeq: rec.snapshotSeq, skipped: rec.skipped }).toEqual({
    snapshotSeq: newestSnapshotSeq,
    skipped: 0,
  });
  expect(newestSnapshotSeq).toBeLessThanOrEqual(oracle.lastSeq);
  expect(rec.replayed).toBe(oracle.lastSeq - newestSnapshotSeq);
  expect(eng).toEqual({ lastSeq: oracle.lastSeq, hash: oracle.hash });
  return rec;
}

function infoRow(o: OpenOrderInfo): number[] {
  return [
    o.orderId,
    o.clientOrderId,
    o.symbolId,
    o.side,
    o.type,
    o.tif,
    o.postOnly ? 1 : 0,
    o.stp,
    o.priceTicks,
    o.stopPriceTicks,
    o.leavesQtyLots,
  ];
}

function viewRow(o: OrderView): number[] {
  return [o.id, o.clientId, o.book, o.side, o.type, o.tif, o.postOnly ? 1 : 0, o.stp, o.price, o.stop, o.qty];
}

export interface OpenOrderStats {
  stillOpen: number;
  endedUnseen: number;
}

/**
 * A user's open orders after a restart equal the oracle's, and every order
 * the user was told is live is either still open or ended by a journal
 * record after the last report the user saw about it.
 */
export function checkOpenOrders(
  t: CrashTrader,
  orders: OpenOrderInfo[],
  oracle: JournalOracle,
  stats: OpenOrderStats,
): void {
  const byId = (a: number[], b: number[]) => a[0]! - b[0]!;
  expect(orders.map(infoRow).sort(byId)).toEqual(oracle.openOrders(t.user).map(viewRow).sort(byId));
  const live = new Map(orders.map((o) => [o.clientOrderId, o.orderId]));
  for (const [cid, o] of t.open) {
    if (live.get(cid) === o.orderId) {
      stats.stillOpen++;
      continue;
    }
    const endedAt = oracle.ended.get(`${t.user}:${o.orderId}`);
    // At the seq of the last report seen too: one command's reports can straddle the kill (an order
    // accepted and filled by the same command, its Accepted sent and its last fill never written).
    if (endedAt !== undefined && endedAt >= o.lastSeq && endedAt <= oracle.lastSeq) {
      stats.endedUnseen++;
      continue;
    }
    throw new Error(
      `user ${t.user}: order ${o.orderId} (client id ${cid}, last report at seq ${o.lastSeq}) was ` +
        `acknowledged live, is not open after the restart, and no journal record ends it (ended at ` +
        `${endedAt ?? "no seq"} this round, journal up to ${oracle.lastSeq})`,
    );
  }
}

export interface ReportStats {
  acknowledged: number;
  gatewayRejects: number;
  trades: number;
}

/** Ids the clients were told, over all rounds: each must name one thing only. */
export interface IdRegistry {
  /** Trade id -> the trade (seq, price, quantity). */
  trades: Map<number, string>;
  /** Exchange order id -> "user/client order id" of the accepted order. */
  orders: Map<number, string>;
}

export function newIdRegistry(): IdRegistry {
  return { trades: new Map(), orders: new Map() };
}

/**
 * Every engine report a client got is an event of a journal record; a report
 * answering the user's own command names that record (same user and client
 * order id, and for a new order what was sent); trade and order ids are
 * never reused, and this round's trade ids continue from `firstTradeId`.
 */
export function checkReports(
  traders: CrashTrader[],
  oracle: JournalOracle,
  ids: IdRegistry,
  firstTradeId: number,
  stats: ReportStats,
): void {
  for (const t of traders) {
    for (const r of t.reports) {
      if (r.engineSeq === 0) {
        // Refused before the log; a client order id is never reused, so a duplicate would mean the gateway lost track.
        expect(r.rejectReason).not.toBe(Reject.DuplicateOrderId);
        stats.gatewayRejects++;
        continue;
      }
      stats.acknowledged++;
      if (r.engineSeq > oracle.lastSeq)
        throw new Error(
          `user ${t.user}: report at seq ${r.engineSeq} beyond the journal's last ` +
            `seq ${oracle.lastSeq}: ${JSON.stringify(r)}`,
        );
      if (!oracle.keys.has(reportKey(t.user, r)))
        throw new Error(`user ${t.user}: report not explained by the journal: ${JSON.stringify(r)}`);
      const own = ownCommand(r.kind, r.cancelReason);
      if (own !== null) {
        const rec = oracle.records.get(r.engineSeq);
        const want = { user: t.user, clientOrderId: r.clientOrderId, ...(own === 0 ? {} : { command: own }) };
        expect({
          seq: r.engineSeq,
          user: rec?.user,
          clientOrderId: rec?.clientOrderId,
          ...(own === 0 ? {} : { command: rec?.command }),
        }).toEqual({ seq: r.engineSeq, ...want });
        if (r.kind === EventKind.Accepted) {
          const order = `${t.user}/${r.clientOrderId}`;
          const before = ids.orders.get(r.orderId);
          if (before !== undefined && before !== order)
            throw new Error(`order id ${r.orderId} accepted twice: for ${before} and for ${order}`);
          ids.orders.set(r.orderId, order);
          const sent = t.sent.get(r.clientOrderId)!;
          expect([rec!.symbolId, rec!.side, rec!.type, rec!.tif, rec!.price, rec!.qty, rec!.stopPrice]).toEqual([
            sent.symbolId,
            sent.side,
            sent.type ?? 0,
            sent.tif ?? 0,
            sent.priceTicks,
            sent.qtyLots,
            sent.stopPriceTicks ?? 0,
          ]);
        }
      }
      if (r.kind === EventKind.Trade) {
        stats.trades++;
        const trade = `seq ${r.engineSeq} price ${r.priceTicks} qty ${r.qtyLots}`;
        const before = ids.trades.get(r.tradeId);
        if (before !== undefined && before !== trade)
          throw new Error(`trade id ${r.tradeId} reported for two trades: ${before} and ${trade}`);
        ids.trades.set(r.tradeId, trade);
        if (r.tradeId < firstTradeId || r.tradeId >= oracle.nextTradeId) {
          throw new Error(`trade id ${r.tradeId} outside this round's [${firstTradeId}, ${oracle.nextTradeId})`);
        }
      }
    }
  }
  checkFirstTrade(traders, oracle, firstTradeId);
}

/**
 * The command kind a report answers when it is the user's own command's answer (0: any command
 * of the user); null otherwise.
 */
function ownCommand(kind: number, cancelReason: number): number | null {
  if (kind === EventKind.Accepted) return Command.NewOrder;
  if (kind === EventKind.Modified) return Command.Modify;
  if (kind === EventKind.Cancelled && cancelReason === CancelReason.User) return Command.Cancel;
  if (kind === EventKind.Rejected) return 0;
  return null;
}

/** The round's first trade has the id after the journal's highest, and its taker saw it if it saw anything later. */
function checkFirstTrade(traders: CrashTrader[], oracle: JournalOracle, firstTradeId: number): void {
  const first = oracle.trades[0];
  if (first === undefined) return;
  expect(first.tradeId).toBe(firstTradeId);
  const taker = traders.find((t) => t.user === first.takerUser);
  if (taker === undefined || taker.maxSeqSeen <= first.seq) return;
  const seen = taker.reports.some((r) => r.kind === EventKind.Trade && r.tradeId === firstTradeId);
  if (!seen)
    throw new Error(
      `user ${taker.user} saw reports after seq ${first.seq} but not the round's first trade (id ${firstTradeId})`,
    );
}
