// The TCP order-entry gateway (Bun.listen): sessions log in with an API key,
// send FlatBuffers frames and receive execution reports. Commands pass the
// session's limits, go to the sequencer (log, then engine) and their reports
// are held until the log says the command is durable (group commit: one
// flush per event-loop turn covers every session's commands of that turn).

import type { Socket, TCPSocketListener } from "bun";
import { EventKind, Reject, Side } from "../engine/constants.ts";
import type { EventBuffer } from "../engine/events.ts";
import type { OrderView } from "../engine/queries.ts";
import {
  Body,
  ClientMessage,
  Command,
  Encoder,
  ExecReportWriter,
  FrameStatus,
  type InputRecordView,
  LogoutReason,
  logoutReasonOf,
  OpenOrderInfo,
  openOrdersPageCountMax,
  ProtocolError,
  protocolErrorNames,
  ServerMessage,
} from "../protocol/index.ts";
import { FastClientDecoder } from "../protocol/fixed-read.ts";
import { nowNs } from "../sequencer/clock.ts";
import type { GatewayConfig } from "./config.ts";
import type { EventConsumer, Sequencer } from "../sequencer/sequencer.ts";
import { Session, SessionState, UserState } from "./session.ts";

/** Gateway reject codes (schema RejectReason 20+): the command never reached the log. */
export const GatewayReject = {
  RateLimited: 20,
  InFlightLimit: 21,
  OpenOrdersLimit: 22,
  Unavailable: 23,
  MalformedMessage: 24,
  UnknownMessage: 25,
} as const;

/** Malformed messages a session may send before it is logged out. */
const MALFORMED_MAX = 64;

const LoginReject = { BadApiKey: 1, AlreadyLoggedIn: 2, SessionLimit: 3 } as const;
const Liquidity = { None: 0, Maker: 1, Taker: 2 } as const;

/** How often the heartbeat and timeout sweep runs. */
const SWEEP_MS = 100;
/** A session told to log out is closed after this long even if the client does not read. */
const CLOSE_GRACE_MS = 2000;

/** A batch of commands closed at one flush, waiting for the log to make it durable. */
interface Batch {
  lastSeq: number;
  sessions: Session[];
  marks: number[];
  counts: number[];
}

export class TcpGateway implements EventConsumer {
  private readonly exchange: Sequencer;
  private readonly config: GatewayConfig;
  private readonly keys = new Map<string, number>();
  private readonly users = new Map<number, UserState>();
  private readonly sessions = new Set<Session>();
  private server: TCPSocketListener<Session> | null = null;
  private sweepTimer: ReturnType<typeof setInterval> | null = null;
  private nextSessionId: number;
  private readonly decoder = new FastClientDecoder();
  private readonly msg = new ClientMessage();
  private readonly encoder = new Encoder();
  private readonly reportWriter = new ExecReportWriter();
  private readonly outMsg = new ServerMessage();
  private readonly flushTask = () => this.flushNow();
  /** Closed batches waiting for durability, and spare ones for reuse (no allocation per flush). */
  private readonly spareBatches: Batch[] = [];
  private readonly page = Array.from({ length: openOrdersPageCountMax }, () => new OpenOrderInfo());
  private batchId = 0;
  private readonly batchSessions: Session[] = [];
  private readonly pending: Batch[] = [];
  private flushScheduled = false;
  private readonly sendList: Session[] = [];
  private accepting = true;
  /** Symbol id of the command whose events are being reported (an unknown symbol's reject echoes it). */
  private eventsSymbolId = 0;
  /** Sessions whose input waits for room in the log, oldest first. */
  private readonly heldSessions: Session[] = [];
  /** Called on a programmer error (a broken invariant) inside a socket handler; by default the process exits. */
  onFatal: (error: unknown) => void = (error) => {
    console.error("gateway: fatal error, exiting so recovery can restore a consistent state:", error);
    process.exit(70);
  };

  constructor(exchange: Sequencer, config: GatewayConfig) {
    this.exchange = exchange;
    this.config = config;
    for (const k of config.apiKeys) this.keys.set(k.sha256, k.user);
    // Session ids stay unique across restarts: microseconds at start-up, then counted.
    this.nextSessionId = Date.now() * 1000;
    exchange.addConsumer(this);
    // Every live order (after a restart: every recovered one) by its user and client id, in one scan.
    exchange.engine.forEachLiveOrder((id, user, clientId) => this.userState(user).orders.set(clientId, id));
  }

  get port(): number {
    if (this.server === null) throw new Error("gateway not started");
    return this.server.port;
  }

  get sessionsCount(): number {
    return this.sessions.size;
  }

  start(): void {
    const gw = this;
    this.server = Bun.listen<Session>({
      hostname: this.config.tcp.host,
      port: this.config.tcp.port,
      socket: {
        open(socket) {
          gw.onOpen(socket);
        },
        data(socket, chunk) {
          try {
            gw.onData(socket.data, chunk);
          } catch (error) {
            gw.onFatal(error);
          }
        },
        drain(socket) {
          gw.onDrain(socket.data);
        },
        close(socket) {
          gw.onClose(socket.data);
        },
        error(socket, error) {
          console.error(`gateway: session ${socket.data?.id}: ${error.message}`);
        },
      },
    });
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
  }

  /** Stops accepting, logs every session out and closes the listener. */
  async stop(): Promise<void> {
    this.accepting = false;
    if (this.sweepTimer !== null) clearInterval(this.sweepTimer);
    this.flushNow();
    for (const s of this.sessions) this.logout(s, LogoutReason.ServerShutdown, "exchange shutting down");
    this.sendAll();
    this.server?.stop(true);
    this.server = null;
    const deadline = Date.now() + CLOSE_GRACE_MS;
    while (this.sessions.size > 0 && Date.now() < deadline) await Bun.sleep(5);
    for (const s of this.sessions) s.socket.terminate();
  }

  // ---- socket events ----

  private onOpen(socket: Socket<Session>): void {
    const s = new Session(this.nextSessionId++, socket, this.config.limits, Date.now());
    socket.data = s;
    this.sessions.add(s);
    if (!this.accepting || this.sessions.size > this.config.tcp.sessionsMax) {
      this.loginRejected(s, LoginReject.SessionLimit, "session limit reached");
    }
  }

  private onData(s: Session, chunk: Uint8Array): void {
    if (s.state === SessionState.Closing) return;
    s.lastRecvMs = Date.now();
    if (s.inputHeld) {
      // Bun may deliver what it read before the pause: keep it, in order, for when the log has room.
      s.heldChunks.push(chunk);
      return;
    }
    // Every frame of a chunk arrived together: one receive time stamps them all.
    s.chunkReceivedNs = nowNs();
    s.splitter.push(chunk);
    this.drainFrames(s);
    this.schedule();
  }

  /**
   * Handles the session's received frames while the input log has room. When
   * it has none (fsync: a batch syncing and the next one full), reading stops
   * (TCP backpressure) until the log reports progress; commands are delayed,
   * never refused for it.
   */
  private drainFrames(s: Session): void {
    const sp = s.splitter;
    for (;;) {
      if (!this.exchange.hasRoom()) return this.holdInput(s);
      const status = sp.next();
      if (status === FrameStatus.NeedMore) {
        const chunk = s.heldChunks.shift();
        if (chunk === undefined) return;
        sp.push(chunk);
        continue;
      }
      if (status === FrameStatus.Error) {
        this.logout(s, logoutReasonOf(sp.error), `${protocolErrorNames[sp.error]}: length ${sp.errorLength}`);
        return;
      }
      if (!this.onFrame(s, sp.bytes, sp.start, sp.end, s.lastRecvMs)) return;
      if (s.state === SessionState.Closing) return;
    }
  }

  private holdInput(s: Session): void {
    if (s.inputHeld) return;
    s.inputHeld = true;
    this.heldSessions.push(s);
    this.updateReading(s);
  }

  /** Goes on with sessions whose input waited for room in the log. */
  private resumeHeld(): void {
    while (this.heldSessions.length > 0 && this.exchange.hasRoom()) {
      const s = this.heldSessions.shift()!;
      s.inputHeld = false;
      if (s.state === SessionState.Closing) continue;
      this.drainFrames(s);
      this.updateReading(s);
    }
    this.schedule();
  }

  /** Reads from the socket unless its output is backed up or its input waits for the log. */
  private updateReading(s: Session): void {
    const pause = s.paused || s.inputHeld;
    if (pause === s.readingPaused) return;
    s.readingPaused = pause;
    if (pause) s.socket.pause();
    else s.socket.resume();
  }

  private onDrain(s: Session): void {
    this.send(s);
  }

  private onClose(s: Session): void {
    s.state = SessionState.Closing;
    this.sessions.delete(s);
    const us = s.userState;
    if (us !== null && us.session === s) us.session = null;
  }

  // ---- inbound messages ----

  /** Handles one frame; false when the session ended and the rest of the chunk must be dropped. */
  private onFrame(s: Session, bytes: Uint8Array, start: number, end: number, nowMs: number): boolean {
    const m = this.msg;
    const code = this.decoder.decode(bytes, start, end, m);
    if (code !== 0) return this.badMessage(s, code);
    if (m.seq !== s.inSeq + 1) {
      this.logout(s, LogoutReason.SequenceGap, `expected seq ${s.inSeq + 1}, got ${m.seq}`);
      return false;
    }
    s.inSeq = m.seq;
    if (s.state === SessionState.AwaitLogin) {
      if (m.body !== Body.Login) {
        this.logout(s, LogoutReason.NotLoggedIn, "the first message must be Login");
        return false;
      }
      return this.login(s, m.apiKey);
    }
    switch (m.body) {
      case Body.NewOrder:
      case Body.Cancel:
      case Body.Modify:
        this.order(s, m, nowMs);
        return true;
      case Body.Login:
        this.loginRejected(s, LoginReject.AlreadyLoggedIn, "this session is already logged in", false);
        return true;
      case Body.OpenOrdersRequest:
        this.openOrders(s);
        return true;
      case Body.Logout:
        this.logout(s, LogoutReason.ClientRequest, "");
        return false;
      default:
        // Heartbeat: receiving it already refreshed lastRecvMs.
        return true;
    }
  }

  /**
   * A whole frame whose FlatBuffer failed verification. Framing is intact, so
   * the session goes on: the frame counts as one message (its seq cannot be
   * trusted) and gets a reject naming the problem. A session that keeps
   * sending them, or sends one before logging in, is logged out.
   */
  private badMessage(s: Session, code: number): boolean {
    const name = protocolErrorNames[code] ?? "malformed";
    if (s.state !== SessionState.Active || ++s.malformedCount > MALFORMED_MAX) {
      this.logout(s, logoutReasonOf(code), name);
      return false;
    }
    s.inSeq++;
    const r = this.outMsg.report;
    r.clear();
    r.kind = EventKind.Rejected;
    r.rejectReason = code === ProtocolError.UnknownMessageType ? GatewayReject.UnknownMessage : GatewayReject.MalformedMessage;
    this.sendReport(s, false);
    return true;
  }

  private login(s: Session, apiKey: string): boolean {
    const user = this.keys.get(new Bun.CryptoHasher("sha256").update(apiKey).digest("hex"));
    if (user === undefined) {
      this.loginRejected(s, LoginReject.BadApiKey, "unknown API key");
      return false;
    }
    const us = this.userState(user);
    if (us.session !== null) {
      this.loginRejected(s, LoginReject.AlreadyLoggedIn, "the user has an active session");
      return false;
    }
    us.session = s;
    s.userState = us;
    s.state = SessionState.Active;
    this.loginAccepted(s);
    return true;
  }

  private userState(user: number): UserState {
    let us = this.users.get(user);
    if (us === undefined) {
      us = new UserState(user);
      this.users.set(user, us);
    }
    return us;
  }

  private order(s: Session, m: ClientMessage, nowMs: number): void {
    const us = s.userState!;
    if (m.reject !== 0) return this.gatewayReject(s, m, m.reject);
    if (!s.takeToken(nowMs)) return this.gatewayReject(s, m, GatewayReject.RateLimited);
    if (s.inFlight >= this.config.limits.inFlightMax) return this.gatewayReject(s, m, GatewayReject.InFlightLimit);
    const receivedNs = s.chunkReceivedNs;
    if (m.body === Body.NewOrder) {
      if (us.orders.has(m.clientOrderId)) return this.gatewayReject(s, m, Reject.DuplicateOrderId);
      if (us.orders.size >= this.config.limits.openOrdersPerUserMax) return this.gatewayReject(s, m, GatewayReject.OpenOrdersLimit);
      // Mapped before the engine runs: its events (even a complete fill) must find the order.
      us.orders.set(m.clientOrderId, this.exchange.nextOrderId);
      if (this.exchange.submitNew(us.user, s.id, m.seq, m, receivedNs)) return this.countCommand(s);
      us.orders.delete(m.clientOrderId);
      return this.gatewayReject(s, m, GatewayReject.Unavailable);
    }
    const orderId = us.orders.get(m.clientOrderId);
    if (orderId === undefined) return this.gatewayReject(s, m, Reject.UnknownOrder);
    const ok =
      m.body === Body.Cancel
        ? this.exchange.submitCancel(us.user, s.id, m.seq, orderId, m, receivedNs)
        : this.exchange.submitModify(us.user, s.id, m.seq, orderId, m, receivedNs);
    if (ok) this.countCommand(s);
    else this.gatewayReject(s, m, GatewayReject.Unavailable);
  }

  private countCommand(s: Session): void {
    s.inFlight++;
    s.batchCommands++;
    this.touch(s);
  }

  // ---- engine events to execution reports ----

  onDurable(seq: number): void {
    this.durable(seq);
  }

  onEvents(events: EventBuffer, cmd: InputRecordView): void {
    const op = cmd.command;
    const orderId = cmd.orderId;
    this.eventsSymbolId = cmd.symbolId;
    for (let i = 0; i < events.count; i++) {
      const kind = events.kind[i]!;
      // Booked is market data (the order joined a level), not an execution report.
      if (kind === EventKind.Booked) continue;
      const us = this.users.get(events.user[i]!);
      if (kind === EventKind.Trade) {
        this.tradeReports(events, i, us);
        continue;
      }
      if (us === undefined) continue;
      let clientId = events.clientId[i]!;
      if (kind === EventKind.Rejected && op !== Command.NewOrder) {
        // A refused cancel or modify: echo the id the client sent, and drop it if the engine no longer knows the order.
        clientId = cmd.clientOrderId;
        if (events.code[i] === Reject.UnknownOrder) forget(us, clientId, orderId);
      } else if (kind === EventKind.Cancelled || kind === EventKind.Rejected) {
        forget(us, clientId, events.id[i]!);
      }
      this.report(us, events, i, kind, clientId, events.side[i]!, events.leavesQtyLots[i]!, Liquidity.None);
    }
  }

  private tradeReports(events: EventBuffer, i: number, taker: UserState | undefined): void {
    if (taker !== undefined) {
      if (events.leavesQtyLots[i] === 0) forget(taker, events.clientId[i]!, events.id[i]!);
      this.report(taker, events, i, EventKind.Trade, events.clientId[i]!, events.side[i]!, events.leavesQtyLots[i]!, Liquidity.Taker);
    }
    const maker = this.users.get(events.otherUser[i]!);
    if (maker !== undefined) {
      if (events.otherLeavesQtyLots[i] === 0) forget(maker, events.otherClientId[i]!, events.otherId[i]!);
      const side = events.side[i] === Side.Buy ? Side.Sell : Side.Buy;
      this.report(maker, events, i, EventKind.Trade, events.otherClientId[i]!, side, events.otherLeavesQtyLots[i]!, Liquidity.Maker);
    }
  }

  private report(us: UserState, ev: EventBuffer, i: number, kind: number, clientId: number, side: number, leaves: number, liquidity: number): void {
    const s = us.session;
    if (s === null || s.state !== SessionState.Active) return;
    const r = this.outMsg.report;
    r.clear();
    r.kind = kind;
    r.clientOrderId = clientId;
    r.orderId = liquidity === Liquidity.Maker ? ev.otherId[i]! : ev.id[i]!;
    // An unknown symbol is book -1 in the engine: echo the symbol the client sent.
    r.symbolId = ev.book[i]! >= 0 ? ev.book[i]! : this.eventsSymbolId;
    r.side = side;
    r.engineSeq = ev.seq[i]!;
    r.timestampNs = ev.tsUs[i]! * 1000;
    r.liquidity = liquidity;
    switch (kind) {
      case EventKind.Rejected:
        r.rejectReason = ev.code[i]!;
        break;
      case EventKind.Cancelled:
        r.cancelReason = ev.code[i]!;
        r.qtyLots = ev.qtyLots[i]!;
        break;
      case EventKind.Reduced:
        r.cancelReason = ev.code[i]!;
        r.qtyLots = ev.qtyLots[i]!;
        r.leavesQtyLots = leaves;
        break;
      case EventKind.Trade:
        r.priceTicks = ev.priceTicks[i]!;
        r.qtyLots = ev.qtyLots[i]!;
        r.leavesQtyLots = leaves;
        r.tradeId = ev.tradeId[i]!;
        break;
      default:
        // Accepted, Modified, Triggered: price and quantity (remaining) of the order.
        r.priceTicks = ev.priceTicks[i]!;
        r.qtyLots = ev.qtyLots[i]!;
        r.leavesQtyLots = ev.qtyLots[i]!;
        break;
    }
    this.touch(s);
    this.sendReport(s, true);
  }

  /** A reject decided here, before the log: answered at once, it has no engine seq. */
  private gatewayReject(s: Session, m: ClientMessage, reason: number): void {
    const r = this.outMsg.report;
    r.clear();
    r.kind = EventKind.Rejected;
    r.rejectReason = reason;
    r.clientOrderId = m.clientOrderId >= 0 ? m.clientOrderId : 0;
    r.symbolId = m.symbolId;
    r.side = m.side <= Side.Sell ? m.side : 0;
    r.priceTicks = m.priceTicks;
    r.qtyLots = m.qtyLots >= 0 ? m.qtyLots : 0;
    this.sendReport(s, false);
  }

  // ---- other outbound messages ----

  private loginAccepted(s: Session): void {
    const o = this.outMsg;
    o.body = Body.LoginAccepted;
    o.userId = s.user;
    o.sessionId = s.id;
    const engine = this.exchange.engine;
    o.symbols = [];
    for (let book = 0; book < engine.booksCount; book++) o.symbols.push({ symbolId: book, ...engine.symbolSpec(book) });
    const l = this.config.limits;
    o.limits.frameBytesMax = s.splitter.frameBytesMax;
    o.limits.openOrdersMax = l.openOrdersPerUserMax;
    o.limits.messagesPerSecondMax = l.messagesPerSecondMax;
    o.limits.heartbeatIntervalMs = l.heartbeatIntervalMs;
    this.sendMessage(s, false);
  }

  private loginRejected(s: Session, reason: number, text: string, close = true): void {
    const o = this.outMsg;
    o.body = Body.LoginRejected;
    o.reason = reason;
    o.text = text;
    this.sendMessage(s, false);
    if (close) this.closeAfterSend(s);
  }

  private openOrders(s: Session): void {
    const engine = this.exchange.engine;
    const orders: OrderView[] = [];
    for (const id of s.userState!.orders.values()) {
      const view = engine.order(id);
      if (view !== null) orders.push(view);
    }
    orders.sort((a, b) => a.id - b.id);
    const o = this.outMsg;
    o.body = Body.OpenOrders;
    let at = 0;
    do {
      const n = Math.min(openOrdersPageCountMax, orders.length - at);
      o.orders = this.page.slice(0, n);
      for (let k = 0; k < n; k++) {
        const v = orders[at + k]!;
        const info = o.orders[k]!;
        info.clientOrderId = v.clientId;
        info.orderId = v.id;
        info.symbolId = v.book;
        info.side = v.side;
        info.type = v.type;
        info.tif = v.tif;
        info.postOnly = v.postOnly;
        info.stp = v.stp;
        info.priceTicks = v.price;
        info.stopPriceTicks = v.stop;
        info.qtyLots = v.qty;
        info.leavesQtyLots = v.qty;
      }
      at += n;
      o.more = at < orders.length;
      this.sendMessage(s, false);
    } while (at < orders.length);
  }

  private logout(s: Session, reason: number, text: string): void {
    if (s.state === SessionState.Closing) return;
    const o = this.outMsg;
    o.body = Body.Logout;
    o.reason = reason;
    o.text = text.length > 200 ? text.slice(0, 200) : text;
    this.sendMessage(s, false);
    this.closeAfterSend(s);
  }

  private closeAfterSend(s: Session): void {
    s.state = SessionState.Closing;
    s.closeAtMs = Date.now() + CLOSE_GRACE_MS;
    const us = s.userState;
    if (us !== null && us.session === s) us.session = null;
    this.queueSend(s);
    this.schedule();
  }

  /** Writes `outMsg.report` with the session's next seq straight into its outbound queue (the hot path). */
  private sendReport(s: Session, gated: boolean): void {
    const room = s.out.reserve(this.reportWriter.frameBytes);
    if (room === null) return this.tooSlow(s);
    const n = this.reportWriter.write(room.bytes, room.at, s.nextOutSeq(), this.outMsg.report);
    s.out.commit(n, gated);
    if (!gated) this.queueSend(s);
  }

  /** Encodes `outMsg` (any exchange message) with the session's next seq into its outbound queue. */
  private sendMessage(s: Session, gated: boolean): void {
    this.outMsg.seq = s.nextOutSeq();
    const n = this.encoder.server(this.outMsg);
    const room = s.out.reserve(n);
    if (room === null) return this.tooSlow(s);
    const e = this.encoder;
    room.bytes.set(e.bytes.subarray(e.start, e.end), room.at);
    s.out.commit(n, gated);
    if (!gated) this.queueSend(s);
  }

  /** The client does not read: its queue passed the bound. Nothing more can reach it. */
  private tooSlow(s: Session): void {
    console.error(`gateway: session ${s.id} (user ${s.user}) too slow, ${s.out.queued} bytes queued; closing`);
    s.state = SessionState.Closing;
    const us = s.userState;
    if (us !== null && us.session === s) us.session = null;
    s.socket.terminate();
  }

  // ---- batches, durability, sending ----

  private touch(s: Session): void {
    if (s.batchId === this.batchId) return;
    s.batchId = this.batchId;
    this.batchSessions.push(s);
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTask);
  }

  /** Closes the batch of this turn, asks the log to make it durable, and sends what may leave. */
  private flushNow(): void {
    this.flushScheduled = false;
    const sessions = this.batchSessions;
    if (sessions.length > 0) {
      const batch = this.spareBatches.pop() ?? { lastSeq: 0, sessions: [], marks: [], counts: [] };
      batch.lastSeq = this.exchange.nextSeq - 1;
      for (const s of sessions) {
        batch.sessions.push(s);
        batch.marks.push(s.out.appended);
        batch.counts.push(s.batchCommands);
        s.batchCommands = 0;
      }
      sessions.length = 0;
      this.pending.push(batch);
      this.batchId++;
      this.exchange.flush();
    }
    this.sendAll();
  }

  private durable(seq: number): void {
    while (this.pending.length > 0 && this.pending[0]!.lastSeq <= seq) {
      const b = this.pending.shift()!;
      for (let k = 0; k < b.sessions.length; k++) {
        const s = b.sessions[k]!;
        s.out.releaseTo(b.marks[k]!);
        s.inFlight -= b.counts[k]!;
        this.queueSend(s);
      }
      b.sessions.length = 0;
      b.marks.length = 0;
      b.counts.length = 0;
      this.spareBatches.push(b);
    }
    this.sendAll();
    if (this.heldSessions.length > 0) this.resumeHeld();
  }

  private queueSend(s: Session): void {
    if (s.sendQueued) return;
    s.sendQueued = true;
    this.sendList.push(s);
  }

  private sendAll(): void {
    const list = this.sendList;
    for (let k = 0; k < list.length; k++) {
      const s = list[k]!;
      s.sendQueued = false;
      this.send(s);
    }
    list.length = 0;
  }

  private send(s: Session): void {
    const out = s.out;
    const bytes = out.sendableBytes;
    if (bytes > 0) {
      const n = s.socket.write(out.buffer, out.sendableStart, bytes);
      if (n > 0) {
        out.consume(n);
        s.lastSendMs = Date.now();
      }
    }
    const queued = s.out.queued;
    const pauseBytes = this.config.limits.outboundPauseBytes;
    if (!s.paused && queued > pauseBytes) {
      s.paused = true;
      this.updateReading(s);
    } else if (s.paused && queued < pauseBytes / 2) {
      s.paused = false;
      this.updateReading(s);
    }
    if (s.state === SessionState.Closing && queued === 0) s.socket.end();
  }

  /** Heartbeats, idle and login timeouts, and the close of sessions that do not read their Logout. */
  private sweep(): void {
    const nowMs = Date.now();
    const l = this.config.limits;
    for (const s of this.sessions) {
      if (s.state === SessionState.Closing) {
        if (nowMs >= s.closeAtMs) s.socket.terminate();
      } else if (s.state === SessionState.AwaitLogin) {
        if (nowMs - s.openedMs > l.loginTimeoutMs) this.logout(s, LogoutReason.LoginTimeout, "no Login in time");
      } else if (nowMs - s.lastRecvMs > l.idleTimeoutMs) {
        this.logout(s, LogoutReason.HeartbeatTimeout, `nothing received for ${nowMs - s.lastRecvMs} ms`);
      } else if (nowMs - s.lastSendMs >= l.heartbeatIntervalMs && s.out.queued === 0) {
        this.outMsg.body = Body.Heartbeat;
        this.sendMessage(s, false);
      }
    }
    this.sendAll();
  }
}

/** Drops a client order id that no longer names a live order (only if it still names this one). */
function forget(us: UserState, clientId: number, orderId: number): void {
  if (us.orders.get(clientId) === orderId) us.orders.delete(clientId);
}
