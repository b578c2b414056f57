// What each admin action does to the exchange. State changes are commands
// through the sequencer, so they are in the input log and a replay
// reproduces them: a halt or resume is a SymbolStatus command, a cancel a
// MassCancel with reason Admin (of one user, or with all_users of every user
// in a symbol). Each answers once its command is durable, with the engine's
// own result. A snapshot is a copy of the state, not a change: it goes to the
// snapshotter directly. Reads (book, sessions, symbols) look at the engine
// and the gateway between two commands.

import {
  CancelReason,
  EventKind,
  massSideNames,
  Side,
  TradingStatus,
  tradingStatusNames,
} from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import type { SessionInfo, TcpGateway } from "../gateway/tcp-gateway.ts";
import { type InputRecordView, OrderFields } from "../protocol/index.ts";
import type { EventConsumer, Sequencer } from "../sequencer/sequencer.ts";
import type { Snapshotter } from "../sequencer/snapshotter.ts";
import type { CancelBody, HaltBody } from "./requests.ts";

/** An answer: the HTTP status and its JSON body. */
export interface Outcome {
  status: number;
  body: Record<string, unknown>;
}

const ok = (body: Record<string, unknown>): Outcome => ({ status: 200, body });
const refused = (status: number, error: string): Outcome => ({ status, body: { error } });

/** The events of one command, caught while the sequencer applies it (added only around that call). */
class CommandResult implements EventConsumer {
  seq = 0;
  rejectCode = 0;
  cancelled = 0;

  onEvents(events: EventBuffer, cmd: InputRecordView): void {
    if (cmd.engineSeq !== this.seq) return;
    for (let i = 0; i < events.count; i++) {
      if (events.kind(i) === EventKind.Rejected) this.rejectCode = events.code(i);
      else if (events.kind(i) === EventKind.MassCancelled) this.cancelled = events.qtyLots(i);
    }
  }
}

export interface ActionsOptions {
  sequencer: Sequencer;
  gateway: TcpGateway;
  snapshotter: Snapshotter | null;
  /** A state-changing request waits this long for durability before answering 504. */
  requestTimeoutMs: number;
  nowNs: () => number;
}

export class AdminActions {
  private readonly o: ActionsOptions;
  private readonly result = new CommandResult();
  private readonly fields = new OrderFields();
  /** Request ids made here when the caller sends none: start time in µs, then counted (unique across restarts). */
  private nextRequestId: number;

  constructor(o: ActionsOptions) {
    this.o = o;
    this.nextRequestId = Math.floor(o.nowNs() / 1000);
  }

  private requestId(given: number | null): number {
    return given ?? this.nextRequestId++;
  }

  private bookOf(symbol: string): number {
    return this.o.sequencer.engine.bookOf(symbol);
  }

  async setStatus(symbol: string, halted: boolean, b: HaltBody): Promise<Outcome> {
    const book = this.bookOf(symbol);
    if (book < 0) return refused(404, `unknown symbol ${symbol}`);
    const requestId = this.requestId(b.requestId);
    const status = halted ? TradingStatus.Halted : TradingStatus.Open;
    const sent = this.submit(() =>
      this.o.sequencer.submitSymbolStatus(book, status, requestId, b.reason, this.o.nowNs()),
    );
    if (sent.seq === 0) return logFull();
    if (sent.rejectCode !== 0) return refused(409, `the engine rejected it (code ${sent.rejectCode})`);
    const late = await this.durable(sent.seq);
    if (late !== null) return late;
    const now = tradingStatusNames[this.o.sequencer.engine.tradingStatus(book)] ?? "unknown";
    return ok({ engineSeq: sent.seq, requestId, symbol, status: now });
  }

  async cancel(b: CancelBody): Promise<Outcome> {
    const book = b.symbol === null ? 0 : this.bookOf(b.symbol);
    if (book < 0) return refused(404, `unknown symbol ${b.symbol}`);
    const requestId = this.requestId(b.requestId);
    const f = this.fields;
    f.clearOrder();
    f.clientOrderId = requestId;
    f.oneSymbol = b.symbol !== null;
    f.symbolId = book;
    f.massSide = b.side;
    f.cancelReason = CancelReason.Admin;
    f.allUsers = b.user === null;
    const user = b.user ?? 0;
    const sent = this.submit(() => this.o.sequencer.submitMassCancel(user, 0, 0, f, this.o.nowNs()));
    if (sent.seq === 0) return logFull();
    if (sent.rejectCode !== 0) return refused(409, `the engine rejected it (code ${sent.rejectCode})`);
    const late = await this.durable(sent.seq);
    if (late !== null) return late;
    const scope = { user: b.user ?? "all", symbol: b.symbol ?? "all", side: massSideNames[b.side] ?? "both" };
    return ok({ engineSeq: sent.seq, requestId, cancelled: sent.cancelled, ...scope });
  }

  async snapshot(): Promise<Outcome> {
    const s = this.o.snapshotter;
    if (s === null) return refused(409, "snapshots are off (snapshots.enabled = false)");
    const started = performance.now();
    try {
      await s.take();
    } catch (error) {
      return refused(503, `snapshot failed: ${(error as Error).message}`);
    }
    const st = s.stats;
    return ok({
      seq: st.lastSavedSeq,
      bytes: st.lastBytes,
      pauseMs: round(st.lastPauseMs),
      ms: round(performance.now() - started),
    });
  }

  book(symbol: string, levels: number): Outcome {
    const e = this.o.sequencer.engine;
    const book = this.bookOf(symbol);
    if (book < 0) return refused(404, `unknown symbol ${symbol}`);
    const spec = e.symbolSpec(book);
    const rows = (side: number) => e.depth(book, side, levels).map((l) => [l.price, l.qty, l.count]);
    return ok({
      symbol,
      status: tradingStatusNames[e.tradingStatus(book)],
      tickSize: spec.tickSize,
      lotSize: spec.lotSize,
      lastTradePrice: e.lastPriceTicks[book]!,
      bids: rows(Side.Buy),
      asks: rows(Side.Sell),
    });
  }

  sessions(): Outcome {
    const list: SessionInfo[] = this.o.gateway.sessionList();
    return ok({ count: list.length, sessions: list });
  }

  symbols(): Outcome {
    const e = this.o.sequencer.engine;
    const out: Record<string, unknown>[] = [];
    for (let book = 0; book < e.booksCount; book++) {
      const s = e.symbolSpec(book);
      out.push({
        id: book,
        name: s.name,
        status: tradingStatusNames[e.tradingStatus(book)],
        tickSize: s.tickSize,
        lotSize: s.lotSize,
      });
    }
    return ok({ symbols: out });
  }

  /** Applies one command through `submit`, catching its events; seq 0 when the log refused it. */
  private submit(send: () => boolean): { seq: number; rejectCode: number; cancelled: number } {
    const q = this.o.sequencer;
    const r = this.result;
    r.seq = q.nextSeq;
    r.rejectCode = 0;
    r.cancelled = 0;
    q.addConsumer(r);
    let accepted: boolean;
    try {
      accepted = q.hasRoom() && send();
    } finally {
      q.removeConsumer(r);
    }
    if (!accepted) return { seq: 0, rejectCode: 0, cancelled: 0 };
    // Sessions that got reports from it: their batch closes at the end of this turn.
    this.o.gateway.commandSubmitted();
    q.flush();
    return { seq: r.seq, rejectCode: r.rejectCode, cancelled: r.cancelled };
  }

  /** Null once `seq` is durable; a 504 after the request timeout (the command is logged and applies on replay). */
  private async durable(seq: number): Promise<Outcome | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) => {
      timer = setTimeout(() => resolve("late"), this.o.requestTimeoutMs);
    });
    const done = await Promise.race([this.o.sequencer.untilDurable(seq).then(() => "durable" as const), late]);
    clearTimeout(timer);
    if (done === "durable") return null;
    return refused(
      504,
      `engine seq ${seq} applied but not durable within ${this.o.requestTimeoutMs} ms; ` +
        `it applies on replay if the log keeps it`,
    );
  }
}

function logFull(): Outcome {
  return refused(503, "the input log takes no command now (full or failed); nothing was applied");
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
