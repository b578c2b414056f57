// The feed client, for Bun and the browser (the live market page uses it, and
// so do the tests): connects, subscribes, rebuilds each book from its
// snapshot and the numbered changes after it, checks every checksum, and
// resubscribes (a fresh snapshot) on a gap or a mismatch. With `reconnect`,
// a closed connection is opened again and every subscription taken anew.
//
// Only the WebSocket API and the generated FlatBuffers code are used here.

import { ByteBuffer, Builder } from "flatbuffers";
import { Channel, closeCodeBase, ErrorCode, join53 } from "../constants.ts";
import { Bbo } from "../generated/feed/bbo.ts";
import { BookSnapshot } from "../generated/feed/book-snapshot.ts";
import { BookUpdate } from "../generated/feed/book-update.ts";
import { CandleBar } from "../generated/feed/candle-bar.ts";
import { Candles } from "../generated/feed/candles.ts";
import { ClientFrame } from "../generated/feed/client-frame.ts";
import { Depth } from "../generated/feed/depth.ts";
import { Error as FeedErrorFrame } from "../generated/feed/error.ts";
import { Heartbeat } from "../generated/feed/heartbeat.ts";
import { Level } from "../generated/feed/level.ts";
import { LevelChange } from "../generated/feed/level-change.ts";
import { Message } from "../generated/feed/message.ts";
import { Order } from "../generated/feed/order.ts";
import { OrderChange } from "../generated/feed/order-change.ts";
import { OrderChangeKind } from "../generated/feed/order-change-kind.ts";
import { OrdersSnapshot } from "../generated/feed/orders-snapshot.ts";
import { OrdersUpdate } from "../generated/feed/orders-update.ts";
import { Ping } from "../generated/feed/ping.ts";
import { Request } from "../generated/feed/request.ts";
import { ServerFrame } from "../generated/feed/server-frame.ts";
import { Subscribe } from "../generated/feed/subscribe.ts";
import { Subscribed } from "../generated/feed/subscribed.ts";
import { Trade } from "../generated/feed/trade.ts";
import { Trades } from "../generated/feed/trades.ts";
import { U53 } from "../generated/feed/u53.ts";
import { Unsubscribe } from "../generated/feed/unsubscribe.ts";
import { Welcome } from "../generated/feed/welcome.ts";
import { type BookLevel, L2Book, L3Book } from "./books.ts";

export interface SymbolInfo {
  id: number;
  name: string;
  tickSize: number;
  lotSize: number;
}

export interface TradeEvent {
  tradeId: number;
  price: number;
  qty: number;
  timeUs: number;
  takerSide: number;
}

export interface CandleEvent {
  openTimeUs: number;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Lots; a float above 2^53 (only for enormous volumes). */
  volume: number;
  quoteVolume: number;
  trades: number;
  vwap: number;
  final: boolean;
}

export interface DepthEvent {
  bids: BookLevel[];
  asks: BookLevel[];
  checksum: number;
  engineSeq: number;
  engineTimeUs: number;
}

export interface BboEvent {
  bid: BookLevel;
  ask: BookLevel;
  engineSeq: number;
  engineTimeUs: number;
}

export interface FeedHandlers {
  onWelcome(symbols: SymbolInfo[]): void;
  onTrades(symbolId: number, trades: TradeEvent[], snapshot: boolean): void;
  /** The level-2 book changed (after a snapshot or an update frame). */
  onBook(symbolId: number, book: L2Book, engineTimeUs: number): void;
  onOrders(symbolId: number, book: L3Book): void;
  onBbo(symbolId: number, bbo: BboEvent): void;
  onDepth(symbolId: number, depth: DepthEvent): void;
  onCandles(symbolId: number, interval: number, candles: CandleEvent[], snapshot: boolean): void;
  onError(requestId: number, code: number, reason: string): void;
  onHeartbeat(engineSeq: number, engineTimeUs: number): void;
  onClose(code: number, reason: string): void;
  /** A gap or checksum mismatch made the client take a fresh snapshot. */
  onResync(channel: number, symbolId: number, why: string): void;
}

export interface FeedClientOptions {
  url: string;
  /** Open the connection again after it closes (not after `close()`). */
  reconnect: boolean;
  reconnectDelayMs: number;
  handlers: Partial<FeedHandlers>;
}

export interface FeedClientStats {
  frames: number;
  checksumsChecked: number;
  checksumMismatches: number;
  gaps: number;
  snapshots: number;
  resyncs: number;
  connects: number;
}

/** A subscription's progress. */
const State = { Requested: 0, Snapshot: 1, Live: 2, Resyncing: 3 } as const;

interface Sub {
  channel: number;
  symbol: string;
  interval: number;
  symbolId: number;
  state: number;
  /** Last frame number applied. */
  seq: number;
  /** Snapshot parts received so far. */
  parts: number;
  /** A batch split over frames is in progress (its checksum comes with the last part). */
  open: boolean;
  /** Id of the last Subscribe sent for it. */
  requestId: number;
}

export class FeedClient {
  readonly options: FeedClientOptions;
  readonly stats: FeedClientStats = {
    frames: 0,
    checksumsChecked: 0,
    checksumMismatches: 0,
    gaps: 0,
    snapshots: 0,
    resyncs: 0,
    connects: 0,
  };
  readonly symbols = new Map<string, SymbolInfo>();
  readonly symbolsById = new Map<number, SymbolInfo>();
  readonly books = new Map<number, L2Book>();
  readonly orderBooks = new Map<number, L3Book>();
  /** Every mismatch, for a test to print: channel, symbol, local and remote checksum. */
  readonly mismatches: string[] = [];
  private ws: WebSocket | null = null;
  private readonly subs = new Map<string, Sub>();
  private nextRequestId = 1;
  private closedByUser = false;
  private readonly builder = new Builder(256);
  private welcomeWaiters: (() => void)[] = [];
  private welcomed = false;

  constructor(options: Partial<FeedClientOptions> & { url: string }) {
    this.options = { reconnect: false, reconnectDelayMs: 200, handlers: {}, ...options };
    this.connect();
  }

  /** Resolves when the server's Welcome has arrived on the current connection. */
  ready(): Promise<void> {
    if (this.welcomed) return Promise.resolve();
    return new Promise((resolve) => this.welcomeWaiters.push(resolve));
  }

  get connected(): boolean {
    return this.ws !== null && this.ws.readyState === 1;
  }

  /** Subscribes (and keeps the subscription across reconnects). */
  subscribe(channel: number, symbol: string, interval = 0): void {
    const key = `${channel}:${symbol}:${interval}`;
    if (this.subs.has(key)) return;
    const sub: Sub = {
      channel,
      symbol,
      interval,
      symbolId: -1,
      state: State.Requested,
      seq: 0,
      parts: 0,
      open: false,
      requestId: 0,
    };
    this.subs.set(key, sub);
    if (this.connected && this.welcomed) this.sendSubscribe(sub);
  }

  unsubscribe(channel: number, symbol: string, interval = 0): void {
    const key = `${channel}:${symbol}:${interval}`;
    const sub = this.subs.get(key);
    if (sub === undefined) return;
    this.subs.delete(key);
    if (this.connected) this.sendRequest(Request.Unsubscribe, sub.channel, sub.symbol, sub.interval);
  }

  /** Whether every subscription of the current connection is live (snapshot applied). */
  get synced(): boolean {
    if (!this.connected || !this.welcomed) return false;
    for (const s of this.subs.values()) if (s.state !== State.Live) return false;
    return true;
  }

  /** The last frame number applied on a subscription (0 before it is live). */
  seqOf(channel: number, symbol: string, interval = 0): number {
    return this.subs.get(`${channel}:${symbol}:${interval}`)?.seq ?? 0;
  }

  ping(): void {
    const b = this.builder;
    b.clear();
    const body = Ping.createPing(b, this.nextRequestId++);
    b.finish(ClientFrame.createClientFrame(b, Request.Ping, body));
    this.send(b.asUint8Array());
  }

  /** Sends raw bytes (hostile-input tests). */
  sendRaw(bytes: Uint8Array | string): void {
    this.send(bytes);
  }

  private send(bytes: Uint8Array | string): void {
    // The builder's bytes live in a plain ArrayBuffer; the DOM typing wants that said.
    this.ws?.send(bytes as Uint8Array<ArrayBuffer> | string);
  }

  /** Drops the connection now; with `reconnect` it comes back (tests use this to disconnect at random). */
  drop(): void {
    this.ws?.close();
  }

  close(): void {
    this.closedByUser = true;
    this.ws?.close();
  }

  // ---- connection ----

  private connect(): void {
    const ws = new WebSocket(this.options.url);
    ws.binaryType = "arraybuffer";
    this.ws = ws;
    this.welcomed = false;
    ws.onmessage = (e) => {
      if (this.ws !== ws) return;
      this.onFrame(new Uint8Array(e.data as ArrayBuffer));
    };
    ws.onclose = (e) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.welcomed = false;
      for (const s of this.subs.values()) {
        s.state = State.Requested;
        s.open = false;
      }
      this.options.handlers.onClose?.(e.code, e.reason);
      if (this.options.reconnect && !this.closedByUser) setTimeout(() => this.connect(), this.options.reconnectDelayMs);
    };
  }

  private sendSubscribe(sub: Sub): void {
    sub.state = State.Requested;
    sub.seq = 0;
    sub.parts = 0;
    sub.open = false;
    sub.requestId = this.sendRequest(Request.Subscribe, sub.channel, sub.symbol, sub.interval);
  }

  /** Sends a Subscribe or Unsubscribe; returns its request id. */
  private sendRequest(type: Request, channel: number, symbol: string, interval: number): number {
    const b = this.builder;
    const id = this.nextRequestId++;
    b.clear();
    const name = b.createString(symbol);
    const body =
      type === Request.Subscribe
        ? Subscribe.createSubscribe(b, id, channel, name, interval)
        : Unsubscribe.createUnsubscribe(b, id, channel, name, interval);
    b.finish(ClientFrame.createClientFrame(b, type, body));
    this.send(b.asUint8Array());
    return id;
  }

  /** A Subscribe the server refused: retried later when it was only over the rate limit. */
  private onRequestError(requestId: number, code: number): void {
    for (const sub of this.subs.values()) {
      if (sub.requestId !== requestId || sub.state !== State.Requested) continue;
      if (code === ErrorCode.RateLimited)
        setTimeout(
          () =>
            this.subs.get(`${sub.channel}:${sub.symbol}:${sub.interval}`) === sub &&
            this.connected &&
            this.sendSubscribe(sub),
          1000,
        );
      return;
    }
  }

  /** A gap or a mismatch: forget the copy and take a fresh snapshot. */
  private resync(sub: Sub, why: string): void {
    this.stats.resyncs++;
    sub.state = State.Resyncing;
    this.options.handlers.onResync?.(sub.channel, sub.symbolId, why);
    this.sendRequest(Request.Unsubscribe, sub.channel, sub.symbol, sub.interval);
    this.sendSubscribe(sub);
  }

  // ---- frames ----

  private readonly frame = new ServerFrame();
  private readonly u53 = new U53();
  private readonly level = new Level();
  private readonly change = new LevelChange();
  private readonly order = new Order();
  private readonly orderChange = new OrderChange();

  private onFrame(bytes: Uint8Array): void {
    this.stats.frames++;
    const f = ServerFrame.getRootAsServerFrame(new ByteBuffer(bytes), this.frame);
    switch (f.messageType()) {
      case Message.Welcome:
        return this.onWelcome(f.message(new Welcome()) as Welcome);
      case Message.Subscribed:
        return this.onSubscribed(f.message(new Subscribed()) as Subscribed);
      case Message.BookSnapshot:
        return this.onBookSnapshot(f.message(new BookSnapshot()) as BookSnapshot);
      case Message.BookUpdate:
        return this.onBookUpdate(f.message(new BookUpdate()) as BookUpdate);
      case Message.OrdersSnapshot:
        return this.onOrdersSnapshot(f.message(new OrdersSnapshot()) as OrdersSnapshot);
      case Message.OrdersUpdate:
        return this.onOrdersUpdate(f.message(new OrdersUpdate()) as OrdersUpdate);
      case Message.Trades:
        return this.onTrades(f.message(new Trades()) as Trades);
      case Message.Depth:
        return this.onDepth(f.message(new Depth()) as Depth);
      case Message.Bbo:
        return this.onBbo(f.message(new Bbo()) as Bbo);
      case Message.Candles:
        return this.onCandles(f.message(new Candles()) as Candles);
      case Message.Heartbeat: {
        const h = f.message(new Heartbeat()) as Heartbeat;
        this.options.handlers.onHeartbeat?.(this.n53(h.engineSeq(this.u53)), this.n53(h.engineTimeUs(this.u53)));
        return;
      }
      case Message.Error: {
        const e = f.message(new FeedErrorFrame()) as FeedErrorFrame;
        this.onRequestError(e.requestId(), e.code());
        this.options.handlers.onError?.(e.requestId(), e.code(), e.reason() ?? "");
        return;
      }
      default:
        return;
    }
  }

  private n53(u: U53 | null): number {
    return u === null ? 0 : join53(u.lo(), u.hi());
  }

  private onWelcome(w: Welcome): void {
    this.stats.connects++;
    this.symbols.clear();
    this.symbolsById.clear();
    const list: SymbolInfo[] = [];
    for (let i = 0; i < w.symbolsLength(); i++) {
      const s = w.symbols(i)!;
      const info: SymbolInfo = {
        id: s.id(),
        name: s.name() ?? "",
        tickSize: s.tickSize(),
        lotSize: this.n53(s.lotSize(this.u53)),
      };
      list.push(info);
      this.symbols.set(info.name, info);
      this.symbolsById.set(info.id, info);
    }
    this.welcomed = true;
    this.options.handlers.onWelcome?.(list);
    for (const s of this.subs.values()) this.sendSubscribe(s);
    const waiters = this.welcomeWaiters;
    this.welcomeWaiters = [];
    for (const w of waiters) w();
  }

  private onSubscribed(m: Subscribed): void {
    const name = this.symbolsById.get(m.symbolId())?.name ?? "";
    const sub = this.subs.get(`${m.channel()}:${name}:${m.interval()}`);
    if (sub === undefined) return;
    sub.symbolId = m.symbolId();
    sub.state = State.Snapshot;
    sub.parts = 0;
  }

  /** The subscription a frame belongs to, if it is in the given states. */
  private subFor(channel: number, symbolId: number, interval = 0): Sub | undefined {
    const name = this.symbolsById.get(symbolId)?.name;
    return name === undefined ? undefined : this.subs.get(`${channel}:${name}:${interval}`);
  }

  /** Checks a live frame's number: true when it is the next one; a gap resyncs. */
  private inSequence(sub: Sub, seq: number): boolean {
    if (sub.state !== State.Live) return false;
    if (seq <= sub.seq) return false;
    if (seq !== sub.seq + 1) {
      this.stats.gaps++;
      this.resync(sub, `gap: frame ${seq} after ${sub.seq}`);
      return false;
    }
    sub.seq = seq;
    return true;
  }

  private verify(sub: Sub, local: number, remote: number): boolean {
    this.stats.checksumsChecked++;
    if (local === remote) return true;
    this.stats.checksumMismatches++;
    this.mismatches.push(`${Channel[sub.channel]} ${sub.symbol} seq ${sub.seq}: local ${local} remote ${remote}`);
    this.resync(sub, `checksum ${local} != ${remote}`);
    return false;
  }

  /**
   * A snapshot part arrived: true when it is the expected one (part 0 clears
   * `book` and starts over), false when it is not for a subscription taking
   * one (ignored) or out of order (resynced).
   */
  private snapshotPart(sub: Sub | undefined, part: number, book: { clear(): void }): sub is Sub {
    if (sub === undefined || (sub.state !== State.Snapshot && sub.state !== State.Live)) return false;
    if (part === 0) {
      book.clear();
      sub.state = State.Snapshot;
      sub.parts = 0;
    }
    if (part !== sub.parts) {
      this.resync(sub, `snapshot part ${part} after ${sub.parts}`);
      return false;
    }
    sub.parts++;
    return true;
  }

  /** After a part: when it was the last, the copy is live at `seq`; true when its checksum matched. */
  private snapshotDone(sub: Sub, parts: number, seq: U53 | null, local: () => number, remote: number): boolean {
    if (sub.parts < parts) return false;
    this.stats.snapshots++;
    sub.seq = this.n53(seq);
    sub.state = State.Live;
    sub.open = false;
    return this.verify(sub, local(), remote);
  }

  private onBookSnapshot(m: BookSnapshot): void {
    const sub = this.subFor(Channel.Book, m.symbolId());
    const book = this.bookOf(m.symbolId());
    if (!this.snapshotPart(sub, m.part(), book)) return;
    const l = this.level;
    for (let i = 0; i < m.bidsLength(); i++) {
      m.bids(i, l);
      book.set(0, l.price(), join53(l.qtyLo(), l.qtyHi()), l.count());
    }
    for (let i = 0; i < m.asksLength(); i++) {
      m.asks(i, l);
      book.set(1, l.price(), join53(l.qtyLo(), l.qtyHi()), l.count());
    }
    if (this.snapshotDone(sub, m.parts(), m.seq(this.u53), () => book.checksum(), m.checksum()))
      this.options.handlers.onBook?.(m.symbolId(), book, 0);
  }

  private onBookUpdate(m: BookUpdate): void {
    const sub = this.subFor(Channel.Book, m.symbolId());
    if (sub === undefined || !this.inSequence(sub, this.n53(m.seq(this.u53)))) return;
    const book = this.bookOf(m.symbolId());
    const c = this.change;
    for (let i = 0; i < m.changesLength(); i++) {
      m.changes(i, c);
      book.set(c.side(), c.price(), join53(c.qtyLo(), c.qtyHi()), c.count());
    }
    sub.open = m.more();
    if (sub.open) return;
    if (this.verify(sub, book.checksum(), m.checksum()))
      this.options.handlers.onBook?.(m.symbolId(), book, this.n53(m.engineTimeUs(this.u53)));
  }

  private onOrdersSnapshot(m: OrdersSnapshot): void {
    const sub = this.subFor(Channel.Orders, m.symbolId());
    const book = this.orderBookOf(m.symbolId());
    if (!this.snapshotPart(sub, m.part(), book)) return;
    const o = this.order;
    for (let i = 0; i < m.ordersLength(); i++) {
      m.orders(i, o);
      if (!book.add(join53(o.idLo(), o.idHi()), o.side(), o.price(), join53(o.qtyLo(), o.qtyHi())))
        return this.resync(sub, "snapshot repeats an order");
    }
    if (this.snapshotDone(sub, m.parts(), m.seq(this.u53), () => book.checksum(), m.checksum()))
      this.options.handlers.onOrders?.(m.symbolId(), book);
  }

  private onOrdersUpdate(m: OrdersUpdate): void {
    const sub = this.subFor(Channel.Orders, m.symbolId());
    if (sub === undefined || !this.inSequence(sub, this.n53(m.seq(this.u53)))) return;
    const book = this.orderBookOf(m.symbolId());
    const c = this.orderChange;
    for (let i = 0; i < m.changesLength(); i++) {
      m.changes(i, c);
      const id = join53(c.idLo(), c.idHi());
      const qty = join53(c.qtyLo(), c.qtyHi());
      const kind = c.kind();
      const ok =
        kind === OrderChangeKind.Add
          ? book.add(id, c.side(), c.price(), qty)
          : kind === OrderChangeKind.Change
            ? book.change(id, qty)
            : book.remove(id);
      if (!ok) return this.resync(sub, `order change ${kind} of ${id} does not fit the book`);
    }
    sub.open = m.more();
    if (sub.open) return;
    if (this.verify(sub, book.checksum(), m.checksum())) this.options.handlers.onOrders?.(m.symbolId(), book);
  }

  private onTrades(m: Trades): void {
    const sub = this.subFor(Channel.Trades, m.symbolId());
    if (sub === undefined) return;
    const seq = this.n53(m.seq(this.u53));
    if (m.snapshot()) {
      if (sub.state !== State.Snapshot) return;
      sub.seq = seq;
      sub.state = State.Live;
    } else if (!this.inSequence(sub, seq)) return;
    const t = new Trade();
    const out: TradeEvent[] = [];
    for (let i = 0; i < m.tradesLength(); i++) {
      m.trades(i, t);
      out.push({
        tradeId: join53(t.tradeIdLo(), t.tradeIdHi()),
        price: t.price(),
        qty: join53(t.qtyLo(), t.qtyHi()),
        timeUs: join53(t.timeUsLo(), t.timeUsHi()),
        takerSide: t.takerSide(),
      });
    }
    this.options.handlers.onTrades?.(m.symbolId(), out, m.snapshot());
  }

  private onDepth(m: Depth): void {
    const sub = this.subFor(Channel.Depth, m.symbolId());
    if (sub === undefined) return;
    const seq = this.n53(m.seq(this.u53));
    if (sub.state === State.Snapshot) {
      sub.state = State.Live;
      sub.seq = seq;
    } else if (!this.inSequence(sub, seq)) return;
    const depth: DepthEvent = {
      bids: [],
      asks: [],
      checksum: m.checksum(),
      engineSeq: this.n53(m.engineSeq(this.u53)),
      engineTimeUs: this.n53(m.engineTimeUs(this.u53)),
    };
    const l = this.level;
    const book = new L2Book();
    for (let i = 0; i < m.bidsLength(); i++) {
      m.bids(i, l);
      const level = { price: l.price(), qty: join53(l.qtyLo(), l.qtyHi()), count: l.count() };
      depth.bids.push(level);
      book.set(0, level.price, level.qty, level.count);
    }
    for (let i = 0; i < m.asksLength(); i++) {
      m.asks(i, l);
      const level = { price: l.price(), qty: join53(l.qtyLo(), l.qtyHi()), count: l.count() };
      depth.asks.push(level);
      book.set(1, level.price, level.qty, level.count);
    }
    if (this.verify(sub, book.checksum(), m.checksum())) this.options.handlers.onDepth?.(m.symbolId(), depth);
  }

  private onBbo(m: Bbo): void {
    const sub = this.subFor(Channel.Bbo, m.symbolId());
    if (sub === undefined) return;
    const seq = this.n53(m.seq(this.u53));
    if (sub.state === State.Snapshot) {
      sub.state = State.Live;
      sub.seq = seq;
    } else if (!this.inSequence(sub, seq)) return;
    const bid = m.bid(new Level())!;
    const ask = m.ask(new Level())!;
    this.options.handlers.onBbo?.(m.symbolId(), {
      bid: { price: bid.price(), qty: join53(bid.qtyLo(), bid.qtyHi()), count: bid.count() },
      ask: { price: ask.price(), qty: join53(ask.qtyLo(), ask.qtyHi()), count: ask.count() },
      engineSeq: this.n53(m.engineSeq(this.u53)),
      engineTimeUs: this.n53(m.engineTimeUs(this.u53)),
    });
  }

  private onCandles(m: Candles): void {
    const sub = this.subFor(Channel.Candles, m.symbolId(), m.interval());
    if (sub === undefined) return;
    const seq = this.n53(m.seq(this.u53));
    if (m.snapshot()) {
      if (sub.state !== State.Snapshot) return;
      sub.seq = seq;
      sub.state = State.Live;
    } else if (!this.inSequence(sub, seq)) return;
    const out: CandleEvent[] = [];
    const c = new CandleBar();
    for (let i = 0; i < m.candlesLength(); i++) {
      m.candles(i, c);
      const v = c.volume()!;
      const q = c.quoteVolume()!;
      out.push({
        openTimeUs: join53(c.openTimeUsLo(), c.openTimeUsHi()),
        open: c.open(),
        high: c.high(),
        low: c.low(),
        close: c.close(),
        volume: (v.hi() * 4294967296 + v.mid()) * 4294967296 + v.lo(),
        quoteVolume: (q.hi() * 4294967296 + q.mid()) * 4294967296 + q.lo(),
        trades: join53(c.tradesLo(), c.tradesHi()),
        vwap: c.vwap(),
        final: c.final() === 1,
      });
    }
    this.options.handlers.onCandles?.(m.symbolId(), m.interval(), out, m.snapshot());
  }

  private bookOf(symbolId: number): L2Book {
    let b = this.books.get(symbolId);
    if (b === undefined) {
      b = new L2Book();
      this.books.set(symbolId, b);
    }
    return b;
  }

  private orderBookOf(symbolId: number): L3Book {
    let b = this.orderBooks.get(symbolId);
    if (b === undefined) {
      b = new L3Book();
      this.orderBooks.set(symbolId, b);
    }
    return b;
  }
}

/** The WebSocket close code's meaning, for logs: a feed CloseCode name or the standard code. */
export function describeClose(code: number): string {
  return code >= closeCodeBase && code < closeCodeBase + 100
    ? `feed close ${code - closeCodeBase}`
    : `websocket close ${code}`;
}
