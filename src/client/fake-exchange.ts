// Test double of the exchange's TCP gateway: a Bun.listen server that speaks
// src/protocol with the protocol's own encoder and decoder (every other
// execution report through the gateway's fixed-layout ExecReportWriter, so
// both of the client's read paths run in every test), keeps a naive book
// of live orders per user (no matching), and lets a test script it: hold
// reports back, write frames in small pieces, send raw bytes, go silent,
// drop connections. For the client's and the load generator's tests only.

import { OrderType, Reject, Tif } from "../engine/constants.ts";
import {
  Body,
  ClientDecoder,
  ClientMessage,
  clientFrameBytesMax,
  Encoder,
  ExecReportWriter,
  FrameSplitter,
  FrameStatus,
  logoutReasonOf,
  LogoutReason,
  OpenOrderInfo,
  ProtocolError,
  ServerMessage,
  type WireSymbol,
} from "../protocol/index.ts";
import { Outbox } from "./outbox.ts";

const ExecKind = { Accepted: 1, Rejected: 2, Fill: 3, Cancelled: 4, Modified: 5, MassCancelled: 8 } as const;
const CancelReason = { User: 1, Ioc: 2, MarketRemainder: 4, MassCancel: 8 } as const;
const MassCancelSide = { Both: 0, Buy: 1, Sell: 2 } as const;

export const defaultFakeSymbols: WireSymbol[] = [
  { symbolId: 1, name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1000, maxPrice: 200000, maxQty: 1000000 },
  { symbolId: 2, name: "ETH-USD", tickSize: 5, lotSize: 10, minPrice: 100, maxPrice: 50000, maxQty: 1000000 },
];

export interface FakeExchangeOptions {
  /** API key → user id; any other key gets LoginRejected(BadApiKey). */
  users: Record<string, number>;
  symbols?: WireSymbol[];
  /** Told to the client in LoginAccepted; 0 = none. */
  heartbeatIntervalMs?: number;
  /** Send Heartbeat after `heartbeatIntervalMs` without other output. */
  sendHeartbeats?: boolean;
  openOrdersMax?: number;
  /** Orders per OpenOrders page. */
  pageCount?: number;
  /** "batch": one write per turn (many frames per chunk); "split": `splitBytes` per millisecond. */
  writeMode?: "batch" | "split";
  splitBytes?: number;
  /** Default 0: any free port. */
  port?: number;
}

/** One message a session received, as the test sees it. */
export interface Received {
  seq: number;
  body: number;
  clientOrderId: number;
  atMs: number;
  /** The decoded message, copied. */
  msg: ClientMessage;
}

export class FakeSession {
  readonly splitter = new FrameSplitter(clientFrameBytesMax);
  readonly decoder = new ClientDecoder();
  readonly msg = new ClientMessage();
  readonly out = new ServerMessage();
  readonly outbox = new Outbox(8 << 20);
  readonly received: Received[] = [];
  userId = -1;
  /** The last DeadMansSwitch timeout this session asked for. */
  deadMansSwitchMs = 0;
  seqIn = 1;
  seqOut = 1;
  closed = false;
  lastSentMs = performance.now();
  readonly openedAtMs = performance.now();
  /** Reports are queued here instead of sent while `hold` is true. */
  hold = false;
  private held: (() => void)[] = [];
  private flushScheduled = false;
  private splitTimer: Timer | null = null;
  heartbeatTimer: Timer | null = null;

  constructor(
    readonly server: FakeExchange,
    readonly socket: Bun.Socket<FakeSession | null>,
  ) {}

  /** Encodes a server message that `fill` describes (seq is set here) and queues it. */
  send(fill: (m: ServerMessage) => void): void {
    if (this.closed) return;
    const m = this.out;
    m.report.clear();
    m.symbols = [];
    m.orders = [];
    m.more = false;
    m.text = "";
    m.reason = 0;
    m.timeoutMs = 0;
    fill(m);
    m.seq = this.seqOut++;
    const server = this.server;
    if (m.body === Body.ExecutionReport && server.reportsCount++ % 2 === 0) {
      const n = server.reportWriter.write(server.reportBytes, 0, m.seq, m.report);
      this.sendRaw(server.reportBytes.subarray(0, n));
      return;
    }
    const e = server.encoder;
    e.server(m);
    this.sendRaw(e.bytes.subarray(e.start, e.end));
  }

  /** Queues bytes as they are (tests of garbage). */
  sendRaw(bytes: Uint8Array): void {
    if (this.closed) return;
    if (!this.outbox.append(bytes, 0, bytes.length)) throw new Error("fake session outbox full");
    this.lastSentMs = performance.now();
    if (this.server.options.writeMode === "split") {
      if (this.splitTimer === null) this.splitTimer = setInterval(() => this.writeSplit(), 1);
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        this.flush();
      });
    }
  }

  flush(): void {
    if (this.closed) return;
    this.outbox.flushTo(this.socket);
  }

  /** Split mode: a few bytes per millisecond, so frames arrive cut at arbitrary points. */
  private writeSplit(): void {
    if (this.closed || this.outbox.pendingBytes === 0) {
      if (this.splitTimer !== null) clearInterval(this.splitTimer);
      this.splitTimer = null;
      return;
    }
    this.outbox.flushTo(this.socket, this.server.options.splitBytes ?? 37);
  }

  report(fields: Partial<ServerMessage["report"]>): void {
    const emit = () =>
      this.send((m) => {
        m.body = Body.ExecutionReport;
        Object.assign(m.report, fields);
        m.report.engineSeq = ++this.server.engineSeq;
        m.report.timestampNs = Date.now() * 1e6;
      });
    if (this.hold) this.held.push(emit);
    else emit();
  }

  /** Sends every held report (in order) and stops holding. */
  release(): void {
    this.hold = false;
    const held = this.held;
    this.held = [];
    for (const emit of held) emit();
  }

  /** Sends Logout with `reason`, then closes. */
  logout(reason: number, text: string): void {
    this.send((m) => {
      m.body = Body.Logout;
      m.reason = reason;
      m.text = text;
    });
    this.flush();
    this.end();
  }

  end(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    this.markClosed();
  }

  markClosed(): void {
    this.closed = true;
    if (this.splitTimer !== null) clearInterval(this.splitTimer);
    this.splitTimer = null;
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  count(body: number): number {
    let n = 0;
    for (const r of this.received) if (r.body === body) n++;
    return n;
  }
}

export class FakeExchange {
  readonly encoder = new Encoder();
  readonly reportWriter = new ExecReportWriter();
  readonly reportBytes = new Uint8Array(this.reportWriter.frameBytes);
  /** Execution reports sent: even ones go through reportWriter, odd ones through the Encoder. */
  reportsCount = 0;
  readonly sessions: FakeSession[] = [];
  /** Live orders per user: client order id → order. */
  readonly books = new Map<number, Map<number, OpenOrderInfo>>();
  engineSeq = 0;
  private orderIdNext = 1;
  /** While true, nothing is answered and no heartbeat is sent (a hung exchange). */
  silent = false;
  /** While false, new connections are refused at once (closed after accept). */
  accepting = true;
  /** When each refused connection came in. */
  readonly refusedAtMs: number[] = [];
  private listener: Bun.TCPSocketListener<FakeSession | null> | null = null;

  private constructor(readonly options: FakeExchangeOptions) {}

  static start(options: FakeExchangeOptions): FakeExchange {
    const server = new FakeExchange(options);
    server.listener = Bun.listen<FakeSession | null>({
      hostname: "127.0.0.1",
      port: options.port ?? 0,
      data: null,
      socket: {
        binaryType: "uint8array",
        open: (socket) => {
          if (!server.accepting) {
            server.refusedAtMs.push(performance.now());
            socket.end();
            return;
          }
          const session = new FakeSession(server, socket);
          socket.data = session;
          server.sessions.push(session);
        },
        data: (socket, chunk: Uint8Array) => {
          if (socket.data !== null) server.onData(socket.data, chunk);
        },
        drain: (socket) => socket.data?.flush(),
        close: (socket) => socket.data?.markClosed(),
      },
    });
    return server;
  }

  get port(): number {
    return this.listener!.port;
  }

  get symbols(): WireSymbol[] {
    return this.options.symbols ?? defaultFakeSymbols;
  }

  /** The newest session. */
  get last(): FakeSession {
    const s = this.sessions[this.sessions.length - 1];
    if (s === undefined) throw new Error("no session yet");
    return s;
  }

  book(userId: number): Map<number, OpenOrderInfo> {
    let b = this.books.get(userId);
    if (b === undefined) {
      b = new Map();
      this.books.set(userId, b);
    }
    return b;
  }

  /** Ends every open connection from the server side. */
  dropAll(): void {
    for (const s of this.sessions) if (!s.closed) s.end();
  }

  stop(): void {
    this.dropAll();
    this.listener?.stop(true);
    this.listener = null;
  }

  private onData(s: FakeSession, chunk: Uint8Array): void {
    if (s.closed) return;
    s.splitter.push(chunk);
    for (;;) {
      const status = s.splitter.next();
      if (status === FrameStatus.NeedMore) return;
      if (status === FrameStatus.Error) return s.logout(logoutReasonOf(s.splitter.error), "bad frame length");
      const code = s.decoder.decode(s.splitter.bytes, s.splitter.start, s.splitter.end, s.msg);
      if (code !== ProtocolError.Ok) return s.logout(logoutReasonOf(code), "bad frame");
      const m = s.msg;
      s.received.push({
        seq: m.seq,
        body: m.body,
        clientOrderId: m.clientOrderId,
        atMs: performance.now(),
        msg: Object.assign(new ClientMessage(), m),
      });
      if (m.seq !== s.seqIn) return s.logout(LogoutReason.SequenceGap, `seq ${m.seq}, expected ${s.seqIn}`);
      s.seqIn++;
      if (this.silent) continue;
      this.handle(s, m);
      if (s.closed) return;
    }
  }

  private handle(s: FakeSession, m: ClientMessage): void {
    if (m.body === Body.Login) return this.login(s, m.apiKey);
    if (m.body === Body.Logout) return s.end();
    if (s.userId < 0) return s.logout(LogoutReason.NotLoggedIn, "Login first");
    switch (m.body) {
      case Body.NewOrder:
        return this.newOrder(s, m);
      case Body.Cancel:
        return this.cancel(s, m);
      case Body.Modify:
        return this.modify(s, m);
      case Body.OpenOrdersRequest:
        return this.openOrders(s);
      case Body.MassCancel:
        return this.massCancel(s, m);
      case Body.DeadMansSwitch:
        // Armed for the record only: this double never fires the switch.
        s.deadMansSwitchMs = m.timeoutMs;
        return s.send((o) => {
          o.body = Body.DeadMansSwitchStatus;
          o.timeoutMs = m.timeoutMs;
        });
      default:
        return; // Heartbeat
    }
  }

  private login(s: FakeSession, apiKey: string): void {
    const userId = this.options.users[apiKey];
    if (userId === undefined) {
      s.send((o) => {
        o.body = Body.LoginRejected;
        o.reason = 1; // BadApiKey
        o.text = "unknown key";
      });
      s.end();
      return;
    }
    s.userId = userId;
    const hb = this.options.heartbeatIntervalMs ?? 0;
    s.send((o) => {
      o.body = Body.LoginAccepted;
      o.userId = userId;
      o.sessionId = this.sessions.length;
      o.symbols = this.symbols;
      o.limits.frameBytesMax = clientFrameBytesMax;
      o.limits.openOrdersMax = this.options.openOrdersMax ?? 100000;
      o.limits.messagesPerSecondMax = 1000000;
      o.limits.heartbeatIntervalMs = hb;
    });
    if (hb > 0 && this.options.sendHeartbeats) {
      s.heartbeatTimer = setInterval(
        () => {
          if (!this.silent && performance.now() - s.lastSentMs >= hb) s.send((o) => (o.body = Body.Heartbeat));
        },
        Math.max(1, hb >> 2),
      );
    }
  }

  private newOrder(s: FakeSession, m: ClientMessage): void {
    const base = {
      clientOrderId: m.clientOrderId,
      symbolId: m.symbolId,
      side: m.side,
      priceTicks: m.priceTicks,
      qtyLots: m.qtyLots,
    };
    const sym = this.symbols.find((x) => x.symbolId === m.symbolId);
    const book = this.book(s.userId);
    let reject = m.reject;
    if (reject === 0 && sym === undefined) reject = Reject.UnknownSymbol;
    if (reject === 0 && m.type === OrderType.Limit && (m.priceTicks < sym!.minPrice || m.priceTicks > sym!.maxPrice))
      reject = Reject.PriceOutOfBand;
    if (reject === 0 && book.has(m.clientOrderId)) reject = Reject.DuplicateOrderId;
    if (reject !== 0) return s.report({ ...base, kind: ExecKind.Rejected, rejectReason: reject });
    const orderId = this.orderIdNext++;
    s.report({ ...base, kind: ExecKind.Accepted, orderId, leavesQtyLots: m.qtyLots });
    if (m.type === OrderType.Market || m.tif !== Tif.Gtc) {
      const reason = m.type === OrderType.Market ? CancelReason.MarketRemainder : CancelReason.Ioc;
      return s.report({ ...base, kind: ExecKind.Cancelled, cancelReason: reason, orderId, leavesQtyLots: 0 });
    }
    const o = new OpenOrderInfo();
    Object.assign(o, base, { orderId, leavesQtyLots: m.qtyLots, type: m.type, tif: m.tif });
    book.set(m.clientOrderId, o);
  }

  private cancel(s: FakeSession, m: ClientMessage): void {
    const book = this.book(s.userId);
    const o = book.get(m.clientOrderId);
    if (o === undefined)
      return s.report({
        clientOrderId: m.clientOrderId,
        symbolId: m.symbolId,
        kind: ExecKind.Rejected,
        rejectReason: Reject.UnknownOrder,
      });
    book.delete(m.clientOrderId);
    s.report({
      clientOrderId: o.clientOrderId,
      orderId: o.orderId,
      symbolId: o.symbolId,
      side: o.side,
      priceTicks: o.priceTicks,
      qtyLots: o.leavesQtyLots,
      kind: ExecKind.Cancelled,
      cancelReason: CancelReason.User,
    });
  }

  private modify(s: FakeSession, m: ClientMessage): void {
    const o = this.book(s.userId).get(m.clientOrderId);
    if (o === undefined)
      return s.report({
        clientOrderId: m.clientOrderId,
        symbolId: m.symbolId,
        kind: ExecKind.Rejected,
        rejectReason: Reject.UnknownOrder,
      });
    o.priceTicks = m.priceTicks;
    o.leavesQtyLots = m.qtyLots;
    s.report({
      clientOrderId: o.clientOrderId,
      orderId: o.orderId,
      symbolId: o.symbolId,
      side: o.side,
      priceTicks: o.priceTicks,
      qtyLots: m.qtyLots,
      leavesQtyLots: m.qtyLots,
      kind: ExecKind.Modified,
    });
  }

  /** Cancels the user's matching orders (one report each), then the summary. */
  private massCancel(s: FakeSession, m: ClientMessage): void {
    const summary = { clientOrderId: m.clientOrderId, symbolId: m.symbolId, cancelReason: CancelReason.MassCancel };
    if (m.reject !== 0) return s.report({ ...summary, kind: ExecKind.Rejected, rejectReason: m.reject });
    if (m.oneSymbol && !this.symbols.some((x) => x.symbolId === m.symbolId)) {
      return s.report({ ...summary, kind: ExecKind.Rejected, rejectReason: Reject.UnknownSymbol });
    }
    const book = this.book(s.userId);
    let count = 0;
    for (const o of [...book.values()]) {
      if (m.oneSymbol && o.symbolId !== m.symbolId) continue;
      if (m.massSide !== MassCancelSide.Both && o.side !== m.massSide - 1) continue;
      book.delete(o.clientOrderId);
      count++;
      const fields = {
        clientOrderId: o.clientOrderId,
        orderId: o.orderId,
        symbolId: o.symbolId,
        side: o.side,
        priceTicks: o.priceTicks,
        qtyLots: o.leavesQtyLots,
      };
      s.report({ ...fields, kind: ExecKind.Cancelled, cancelReason: CancelReason.MassCancel });
    }
    s.report({ ...summary, kind: ExecKind.MassCancelled, qtyLots: count });
  }

  private openOrders(s: FakeSession): void {
    const all = [...this.book(s.userId).values()];
    const pageCount = this.options.pageCount ?? 256;
    let i = 0;
    do {
      const page = all.slice(i, i + pageCount);
      i += pageCount;
      s.send((o) => {
        o.body = Body.OpenOrders;
        o.orders = page;
        o.more = i < all.length;
      });
    } while (i < all.length);
  }
}
