// ExchangeClient: one order-entry session with the exchange's TCP gateway.
//
// Wire: frames of src/protocol (4-byte LE length + one FlatBuffer `Message`),
// per-direction sequence numbers from 1, `Login` first (with the session's
// cancel-on-disconnect options). Sending never waits for an acknowledgement
// (pipelining): `newOrder`/`cancel`/`modify`/`massCancel` write their frames
// straight into one outgoing buffer (orders in the fixed layouts of
// src/protocol/fixed.ts; the rare Login, Logout, MassCancel, DeadMansSwitch
// and OpenOrdersRequest through the generic Encoder) and return at once; the
// buffer is written once per event-loop turn (one setImmediate for all
// clients, so reports handled by microtask-driven consumers batch too), or at
// once when `flushBytes` are pending. A short socket write keeps the rest and
// continues in `drain`.
//
// Execution reports of the gateway's fixed layout are read in place
// (report-reader.ts: the same values the verifying decoder gives, without
// it); every other frame goes through ServerDecoder.
//
// Reports arrive through `onReport(report)`: ONE REUSED `ExecReport` object,
// valid only during the call (copy what you keep). `reports()` gives an async
// iterator of plain copies instead. A mass cancel's summary is a report of
// kind MassCancelled whose `clientOrderId` is the request id. Requests with an
// answer (`openOrders`, `deadMansSwitch`) return promises, answered in order.
//
// Anything wrong from the server (bad frame, sequence gap, unexpected message)
// closes the connection with a ClientError; nothing is thrown into the event
// loop. With `reconnect`, a lost session is re-established with exponential
// backoff and logged in again with the same API key and login options;
// `onReconnect(info)` then lets the app re-query its open orders (and re-arm
// its dead-man's switch). Orders queued but not written when the connection
// dropped are discarded: only the exchange knows which of the sent ones
// arrived, so the app reconciles with `openOrders()`.
//
// Every timer (heartbeats, idle detection, login and connect timeouts,
// backoff) runs on `options.clock` (clock.ts), so tests advance a ManualClock.

import { MassCancelSide, OrderType, Stp, Tif } from "../engine/constants.ts";
import {
  Body,
  ClientMessage,
  ClientMessageWriter,
  Encoder,
  type ExecReport,
  FrameSplitter,
  FrameStatus,
  LogoutReason,
  type OpenOrderInfo,
  openOrdersPageCountMax,
  protocolErrorNames,
  ProtocolError,
  ServerDecoder,
  serverFrameBytesMax,
  ServerMessage,
  type WireSymbol,
} from "../protocol/index.ts";
import { type ClientClock, type ClientTimer, systemClock } from "./clock.ts";
import { Outbox } from "./outbox.ts";
import { TemplateReportReader } from "./report-reader.ts";
import { type ReportData, ReportQueue } from "./report-queue.ts";
import {
  type CancelParams,
  ClientError,
  type ClientErrorCode,
  type ClientOptions,
  ClientState,
  type ClientStats,
  clientDefaults,
  clientStateNames,
  type LoginInfo,
  type LoginOptions,
  loginRejectReasonNames,
  logoutReasonNames,
  type MassCancelParams,
  type ModifyParams,
  type NewOrderParams,
  type ReconnectOptions,
  SendStatus,
} from "./types.ts";

/** Logouts that say this client broke the protocol: reconnecting would only repeat it. */
const clientFaultLogouts: readonly number[] = [
  LogoutReason.MalformedFrame,
  LogoutReason.BadFrameLength,
  LogoutReason.UnknownMessage,
  LogoutReason.NotLoggedIn,
  LogoutReason.SequenceGap,
];

interface Conn {
  generation: number;
}

interface OpenOrdersWaiter {
  orders: OpenOrderInfo[];
  resolve: (orders: OpenOrderInfo[]) => void;
  reject: (error: ClientError) => void;
}

interface Waiter<T> {
  resolve: (value: T) => void;
  reject: (error: ClientError) => void;
}

/**
 * The flushes of every client with pending bytes, run by one setImmediate per
 * event-loop turn in the order they were asked for (a load generator drives
 * many clients: one immediate per client per turn was a native call and an
 * allocation each).
 */
const turnFlushes: (() => void)[] = [];
let turnFlushScheduled = false;

function runTurnFlushes(): void {
  turnFlushScheduled = false;
  // A flush asked for while these run (an app hook sending on another client) runs in this pass too.
  let failure: unknown = null;
  for (let i = 0; i < turnFlushes.length; i++) {
    try {
      turnFlushes[i]!();
    } catch (e) {
      // One client's failure must not strand the others' bytes: it surfaces after they are written, as its own
      // immediate's would have.
      failure ??= e;
    }
  }
  turnFlushes.length = 0;
  if (failure !== null) throw failure;
}

function flushAtEndOfTurn(flush: () => void): void {
  turnFlushes.push(flush);
  if (turnFlushScheduled) return;
  turnFlushScheduled = true;
  setImmediate(runTurnFlushes);
}

function asClientError(e: unknown, code: ClientErrorCode): ClientError {
  return e instanceof ClientError
    ? e
    : new ClientError(code, e instanceof Error ? e.message : String(e), 0, { cause: e });
}

export class ExchangeClient {
  readonly options: Readonly<ClientOptions>;
  private readonly reconnectOptions: ReconnectOptions | null;
  private readonly encoder = new Encoder();
  private readonly writer = new ClientMessageWriter();
  /** Where a frame that does not fit the outbox is written anyway, so a bad value throws as it would with room. */
  private readonly scratch = new Uint8Array(this.writer.frameBytesMax);
  private readonly decoder = new ServerDecoder();
  /**
   * Execution reports of the gateway's fixed layout are read without the generic decoder (same
   * values; see report-reader.ts).
   */
  private readonly reportReader = new TemplateReportReader();
  private readonly splitter = new FrameSplitter(serverFrameBytesMax);
  private readonly inMsg = new ServerMessage();
  private readonly outMsg = new ClientMessage();
  private readonly outbox: Outbox;
  private readonly flushBytes: number;
  private readonly clock: ClientClock;

  private stateValue: ClientState = ClientState.Idle;
  private socket: Bun.Socket<Conn> | null = null;
  /** Bumped whenever a socket is abandoned: callbacks of older sockets are ignored. */
  private generation = 0;
  private seqOut = 1;
  private seqInExpected = 1;
  private apiKey: string | null = null;
  /** Sent with every Login, the reconnects' included. */
  private loginOptions: LoginOptions = {};
  private infoValue: LoginInfo | null = null;
  private everLoggedIn = false;

  private loginWaiter: Waiter<LoginInfo> | null = null;
  private loginTimer: ClientTimer | null = null;
  private openOrdersWaiters: OpenOrdersWaiter[] = [];
  /** deadMansSwitch() calls awaiting their DeadMansSwitchStatus, oldest first. */
  private switchWaiters: Waiter<number>[] = [];
  private deadMansSwitchMsValue = 0;
  private flushScheduled = false;
  private waitingDrain = false;
  private endSent = false;

  private heartbeatMs = 0;
  private idleMs = 0;
  private tickTimer: ClientTimer | null = null;
  private lastSentMs = 0;
  private lastReceivedMs = 0;
  private readPaused = false;

  private reconnectAttempts = 0;
  private reconnectTimer: ClientTimer | null = null;
  private closeWaiters: (() => void)[] = [];
  private closeTimer: ClientTimer | null = null;
  private queue: ReportQueue | null = null;

  readonly stats: ClientStats = {
    framesSent: 0,
    bytesWritten: 0,
    shortWrites: 0,
    framesReceived: 0,
    chunksReceived: 0,
    reconnects: 0,
  };

  constructor(options: ClientOptions) {
    if (!(Number.isInteger(options.port) && options.port > 0 && options.port < 65536))
      throw new Error(`port ${options.port}`);
    this.options = options;
    this.reconnectOptions = options.reconnect ? { ...clientDefaults.reconnect, ...options.reconnect } : null;
    const r = this.reconnectOptions;
    if (
      r !== null &&
      !(
        r.delayMsMin > 0 &&
        r.delayMsMax >= r.delayMsMin &&
        r.factor >= 1 &&
        r.jitter >= 0 &&
        r.jitter < 1 &&
        r.attemptsMax >= 1
      )
    ) {
      throw new Error(`reconnect options ${JSON.stringify(r)}`);
    }
    this.clock = options.clock ?? systemClock;
    this.outbox = new Outbox(options.outBytesMax ?? clientDefaults.outBytesMax);
    this.flushBytes = Math.min(options.flushBytes ?? clientDefaults.flushBytes, this.outbox.bytes.length);
  }

  get state(): ClientState {
    return this.stateValue;
  }

  /** The last LoginAccepted, or null before the first login. */
  get info(): LoginInfo | null {
    return this.infoValue;
  }

  /** Bytes queued and not yet taken by the kernel. */
  get pendingBytes(): number {
    return this.outbox.pendingBytes;
  }

  // ---- Session -------------------------------------------------------------

  /** Opens the TCP connection. Rejects with connect_failed / connect_timeout (the client stays usable). */
  async connect(): Promise<void> {
    if (this.stateValue !== ClientState.Idle)
      throw new ClientError("not_ready", `connect in state ${clientStateNames[this.stateValue]}`);
    try {
      await this.open();
    } catch (e) {
      if ((this.stateValue as ClientState) === ClientState.Connecting) this.stateValue = ClientState.Idle;
      throw e;
    }
  }

  /**
   * Sends Login with `options` (kept: every reconnect sends the same); resolves
   * with LoginAccepted, rejects with login_rejected (reason = LoginRejectReason)
   * and the client is closed. A grace period the wire cannot carry throws.
   */
  login(apiKey: string, options: LoginOptions = {}): Promise<LoginInfo> {
    const graceMs = options.graceMs ?? 0;
    if (!(Number.isInteger(graceMs) && graceMs >= 0 && graceMs <= 0xffffffff))
      throw new Error(`login: graceMs ${graceMs} is not a uint32`);
    if (this.stateValue !== ClientState.Connected) {
      return Promise.reject(new ClientError("not_ready", `login in state ${clientStateNames[this.stateValue]}`));
    }
    this.apiKey = apiKey;
    this.loginOptions = { cancelOnDisconnect: options.cancelOnDisconnect ?? false, graceMs };
    return this.sendLogin(apiKey);
  }

  /** The timeout of the dead-man's switch the exchange last confirmed, ms (0 = disarmed or never armed). */
  get deadMansSwitchMs(): number {
    return this.deadMansSwitchMsValue;
  }

  /** Sends Logout, flushes, ends the connection; resolves once it is closed. Final. */
  close(): Promise<void> {
    if (this.stateValue === ClientState.Closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.stateValue === ClientState.Closing) return done;
    this.clearReconnectTimer();
    const socket = this.socket;
    if (socket === null) {
      this.generation++;
      this.finalClose(new ClientError("closed", "closed by the application"), null);
      return done;
    }
    const loggedIn = this.stateValue === ClientState.Ready || this.stateValue === ClientState.LoggingIn;
    this.stateValue = ClientState.Closing;
    if (loggedIn) {
      this.outMsg.body = Body.Logout;
      this.outMsg.logoutReason = LogoutReason.ClientRequest;
      this.outMsg.text = "";
      this.enqueue();
    }
    this.flush();
    this.closeTimer = this.clock.after(clientDefaults.closeTimeoutMs, () => socket.terminate());
    return done;
  }

  /** Reports as plain copies; reading pauses while the consumer lags. One iterator per client. */
  reports(): AsyncIterableIterator<ReportData> {
    if (this.queue !== null && !this.queue.isEnded) throw new Error("reports(): an iterator is already open");
    const highWater = this.options.reportQueueHighWater ?? clientDefaults.reportQueueHighWater;
    this.queue = new ReportQueue(
      { pause: () => this.pauseReading(), resume: () => this.resumeReading() },
      highWater,
      highWater >>> 2,
    );
    if (this.stateValue === ClientState.Closed) this.queue.end(null);
    return this.queue;
  }

  // ---- Orders (pipelined: none waits for an acknowledgement) -----------------
  // Values the wire cannot carry (a price outside int32, a fractional or
  // negative quantity or id) throw from the encoder: a caller bug, found loudly.

  newOrder(o: NewOrderParams): SendStatus {
    if (this.stateValue !== ClientState.Ready) return SendStatus.NotReady;
    const m = this.outMsg;
    m.body = Body.NewOrder;
    m.clientOrderId = o.clientOrderId;
    m.symbolId = o.symbolId;
    m.side = o.side;
    m.type = o.type ?? OrderType.Limit;
    m.tif = o.tif ?? Tif.Gtc;
    m.postOnly = o.postOnly ?? false;
    m.stp = o.stp ?? Stp.None;
    m.priceTicks = o.priceTicks;
    m.qtyLots = o.qtyLots;
    m.stopPriceTicks = o.stopPriceTicks ?? 0;
    return this.enqueue() ? SendStatus.Ok : SendStatus.BufferFull;
  }

  cancel(o: CancelParams): SendStatus {
    if (this.stateValue !== ClientState.Ready) return SendStatus.NotReady;
    const m = this.outMsg;
    m.body = Body.Cancel;
    m.clientOrderId = o.clientOrderId;
    m.symbolId = o.symbolId;
    return this.enqueue() ? SendStatus.Ok : SendStatus.BufferFull;
  }

  modify(o: ModifyParams): SendStatus {
    if (this.stateValue !== ClientState.Ready) return SendStatus.NotReady;
    const m = this.outMsg;
    m.body = Body.Modify;
    m.clientOrderId = o.clientOrderId;
    m.symbolId = o.symbolId;
    m.priceTicks = o.priceTicks;
    m.qtyLots = o.qtyLots;
    return this.enqueue() ? SendStatus.Ok : SendStatus.BufferFull;
  }

  /**
   * Cancels the user's live orders (every session's), optionally of one symbol
   * and one side: one Cancelled report per order (reason MassCancel), then one
   * report of kind MassCancelled with `clientOrderId` = `requestId` and
   * `qtyLots` = orders cancelled (or a Rejected report, e.g. UnknownSymbol).
   * Pipelined like the orders. A request id, symbol or side the wire cannot
   * carry throws.
   */
  massCancel(p: MassCancelParams): SendStatus {
    if (this.stateValue !== ClientState.Ready) return SendStatus.NotReady;
    const m = this.outMsg;
    m.body = Body.MassCancel;
    m.clientOrderId = p.requestId;
    m.oneSymbol = p.symbolId !== undefined;
    m.symbolId = p.symbolId ?? 0;
    m.massSide = p.side ?? MassCancelSide.Both;
    // The exchange names the reason; a client sends None.
    m.cancelReason = 0;
    return this.enqueue() ? SendStatus.Ok : SendStatus.BufferFull;
  }

  /**
   * Arms (or renews) the dead-man's switch: unless the app calls this again
   * within `timeoutMs`, the exchange cancels all the user's live orders
   * (reports with reason DeadMansSwitch). 0 disarms it. Resolves with the
   * timeout the exchange confirmed; concurrent calls are answered in order.
   * A timeout that is not a uint32 throws.
   */
  deadMansSwitch(timeoutMs: number): Promise<number> {
    if (!(Number.isInteger(timeoutMs) && timeoutMs >= 0 && timeoutMs <= 0xffffffff))
      throw new Error(`deadMansSwitch: ${timeoutMs} ms is not a uint32`);
    if (this.stateValue !== ClientState.Ready) {
      return Promise.reject(
        new ClientError("not_ready", `deadMansSwitch in state ${clientStateNames[this.stateValue]}`),
      );
    }
    if (this.switchWaiters.length >= clientDefaults.deadMansSwitchRequestsMax) {
      return Promise.reject(
        new ClientError("too_many_requests", `${this.switchWaiters.length} deadMansSwitch() outstanding`),
      );
    }
    this.outMsg.body = Body.DeadMansSwitch;
    this.outMsg.timeoutMs = timeoutMs;
    if (!this.enqueue()) return Promise.reject(new ClientError("buffer_full", "outgoing buffer full"));
    return new Promise((resolve, reject) => this.switchWaiters.push({ resolve, reject }));
  }

  /** Sends a Heartbeat now (the client also sends them by itself when idle). */
  heartbeat(): SendStatus {
    if (this.stateValue !== ClientState.Ready) return SendStatus.NotReady;
    this.outMsg.body = Body.Heartbeat;
    return this.enqueue() ? SendStatus.Ok : SendStatus.BufferFull;
  }

  /** The user's live orders, all pages collected. Concurrent calls are answered in order. */
  openOrders(): Promise<OpenOrderInfo[]> {
    if (this.stateValue !== ClientState.Ready)
      return Promise.reject(new ClientError("not_ready", `openOrders in state ${clientStateNames[this.stateValue]}`));
    if (this.openOrdersWaiters.length >= clientDefaults.openOrdersRequestsMax) {
      return Promise.reject(
        new ClientError("too_many_requests", `${this.openOrdersWaiters.length} openOrders() outstanding`),
      );
    }
    this.outMsg.body = Body.OpenOrdersRequest;
    if (!this.enqueue()) return Promise.reject(new ClientError("buffer_full", "outgoing buffer full"));
    return new Promise((resolve, reject) => this.openOrdersWaiters.push({ orders: [], resolve, reject }));
  }

  // ---- Connection ------------------------------------------------------------

  private async open(): Promise<void> {
    this.stateValue = ClientState.Connecting;
    const generation = ++this.generation;
    const timeoutMs = this.options.connectTimeoutMs ?? clientDefaults.connectTimeoutMs;
    let timer: ClientTimer | null = null;
    const timeout = new Promise<never>((_, reject) => {
      timer = this.clock.after(timeoutMs, () =>
        reject(new ClientError("connect_timeout", `no connection within ${timeoutMs} ms`)),
      );
    });
    let socket: Bun.Socket<Conn>;
    try {
      socket = await Promise.race([
        Bun.connect<Conn>({
          hostname: this.options.host,
          port: this.options.port,
          data: { generation },
          socket: this.handlers,
        }),
        timeout,
      ]);
    } catch (e) {
      // A socket that opens after a timeout sees a newer generation and is ended in `open`.
      if (generation === this.generation) this.generation++;
      throw asClientError(e, "connect_failed");
    } finally {
      (timer as ClientTimer | null)?.cancel();
    }
    if (generation !== this.generation) {
      socket.end();
      throw new ClientError("closed", "closed while connecting");
    }
    this.socket = socket;
    socket.setNoDelay(true);
    this.splitter.reset();
    this.outbox.reset();
    this.seqOut = 1;
    this.seqInExpected = 1;
    this.waitingDrain = false;
    this.endSent = false;
    this.readPaused = false;
    this.lastReceivedMs = this.clock.nowMs();
    this.stateValue = ClientState.Connected;
  }

  private sendLogin(apiKey: string): Promise<LoginInfo> {
    this.stateValue = ClientState.LoggingIn;
    const m = this.outMsg;
    m.body = Body.Login;
    m.apiKey = apiKey;
    m.cancelOnDisconnect = this.loginOptions.cancelOnDisconnect ?? false;
    m.cancelOnDisconnectGraceMs = this.loginOptions.graceMs ?? 0;
    // The outbox is empty on a new connection; a Login always fits.
    if (!this.enqueue()) throw new Error("Login did not fit an empty outbox");
    const timeoutMs = this.options.loginTimeoutMs ?? clientDefaults.loginTimeoutMs;
    this.loginTimer = this.clock.after(timeoutMs, () =>
      this.dropConnection(new ClientError("login_timeout", `no login answer within ${timeoutMs} ms`), 0),
    );
    return new Promise((resolve, reject) => {
      this.loginWaiter = { resolve, reject };
    });
  }

  // Typed with Bun's default binary type; "uint8array" hands `data` a plain Uint8Array (no Buffer wrapper).
  private readonly handlers: Bun.SocketHandler<Conn> = {
    binaryType: "uint8array",
    open: (socket) => {
      if (socket.data.generation !== this.generation) socket.end();
    },
    data: (socket, chunk: Uint8Array) => {
      if (socket.data.generation !== this.generation) return;
      try {
        this.onData(socket, chunk);
      } catch (e) {
        this.dropConnection(
          new ClientError("callback_threw", e instanceof Error ? e.message : String(e), 0, { cause: e }),
          0,
        );
      }
    },
    drain: (socket) => {
      if (socket.data.generation !== this.generation) return;
      this.waitingDrain = false;
      this.flush();
    },
    close: (socket, error) => {
      if (socket.data.generation !== this.generation) return;
      this.socket = null;
      this.generation++;
      const reason = error === undefined ? "connection closed by the server" : `connection closed: ${error.message}`;
      this.connectionLost(new ClientError("disconnected", reason, 0, { cause: error }));
    },
    error: (socket, error) => {
      if (socket.data.generation !== this.generation) return;
      this.dropConnection(new ClientError("disconnected", `socket error: ${error.message}`, 0, { cause: error }), 0);
    },
    connectError: () => {
      // The promise of Bun.connect rejects too; `open` handles it there.
    },
  };

  /**
   * Abandons the current socket: optionally a last Logout, then end. The
   * socket's own close callback is ignored from here on (new generation).
   */
  private dropConnection(error: ClientError, logoutReason: number): void {
    const socket = this.socket;
    if (socket === null) return;
    if (logoutReason !== 0 && !this.endSent) {
      this.outMsg.body = Body.Logout;
      this.outMsg.logoutReason = logoutReason;
      this.outMsg.text = error.message.slice(0, 200);
      this.waitingDrain = false;
      if (this.enqueue()) this.outbox.flushTo(socket);
    }
    this.socket = null;
    this.generation++;
    socket.end();
    this.connectionLost(error);
  }

  /** The connection is gone: settle what waited on it, then reconnect or close for good. */
  private connectionLost(error: ClientError): void {
    this.stopTimers();
    this.outbox.reset();
    this.waitingDrain = false;
    if (this.readPaused) this.readPaused = false;
    const login = this.loginWaiter;
    this.loginWaiter = null;
    const closing = this.stateValue === ClientState.Closing;
    const settleError = closing ? new ClientError("closed", "closed by the application") : error;
    if (login !== null) login.reject(settleError);
    this.rejectWaiters(settleError);
    this.callHook("onDisconnect", () => this.options.onDisconnect?.(error));
    if (closing) {
      this.finalClose(settleError, null);
    } else if (this.shouldReconnect(error)) {
      this.stateValue = ClientState.Reconnecting;
      this.scheduleReconnect(error);
    } else {
      this.finalClose(error, error);
    }
  }

  private shouldReconnect(error: ClientError): boolean {
    if (this.reconnectOptions === null || !this.everLoggedIn || this.apiKey === null) return false;
    if (error.code === "login_rejected" || error.code === "callback_threw") return false;
    if (error.code === "logout" && clientFaultLogouts.includes(error.reason)) return false;
    return true;
  }

  private scheduleReconnect(error: ClientError): void {
    const r = this.reconnectOptions!;
    const attempt = this.reconnectAttempts++;
    if (attempt >= r.attemptsMax) {
      this.finalClose(error, error);
      return;
    }
    const base = Math.min(r.delayMsMax, r.delayMsMin * r.factor ** attempt);
    const delayMs = base * (1 - r.jitter * Math.random());
    this.reconnectTimer = this.clock.after(delayMs, () => void this.reconnectNow());
  }

  private async reconnectNow(): Promise<void> {
    this.reconnectTimer = null;
    if (this.stateValue !== ClientState.Reconnecting) return;
    try {
      await this.open();
    } catch (e) {
      if ((this.stateValue as ClientState) === ClientState.Connecting) {
        this.stateValue = ClientState.Reconnecting;
        this.scheduleReconnect(asClientError(e, "connect_failed"));
      }
      return;
    }
    let info: LoginInfo;
    try {
      info = await this.sendLogin(this.apiKey!);
    } catch {
      // connectionLost has already chosen: another attempt, or the final close.
      return;
    }
    this.reconnectAttempts = 0;
    this.stats.reconnects++;
    this.callHook("onReconnect", () => this.options.onReconnect?.(info));
  }

  private finalClose(settleError: ClientError, reported: ClientError | null): void {
    this.stateValue = ClientState.Closed;
    this.stopTimers();
    this.clearReconnectTimer();
    this.closeTimer?.cancel();
    this.closeTimer = null;
    this.rejectWaiters(settleError);
    this.queue?.end(reported);
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
    this.callHook("onClose", () => this.options.onClose?.(reported));
  }

  /** Settles every request that waits for an answer on the lost connection. */
  private rejectWaiters(error: ClientError): void {
    const pages = this.openOrdersWaiters;
    const switches = this.switchWaiters;
    if (pages.length !== 0) this.openOrdersWaiters = [];
    if (switches.length !== 0) this.switchWaiters = [];
    for (const w of pages) w.reject(error);
    for (const w of switches) w.reject(error);
  }

  private clearReconnectTimer(): void {
    this.reconnectTimer?.cancel();
    this.reconnectTimer = null;
  }

  /** App hooks other than onReport must not break the client; their errors are logged. */
  private callHook(name: string, hook: () => void): void {
    try {
      hook();
    } catch (e) {
      console.error(`ExchangeClient ${name} threw:`, e);
    }
  }

  // ---- Writing ---------------------------------------------------------------

  /** Encodes `outMsg` with the next sequence number into the outbox; false when it does not fit. */
  private enqueue(): boolean {
    const m = this.outMsg;
    m.seq = this.seqOut;
    const fixedBytes = this.writer.bytesOf(m.body);
    if (fixedBytes > 0) {
      const at = this.outbox.reserve(fixedBytes);
      if (at < 0) {
        // Values are checked before space, as the Encoder did: a caller bug throws even when the buffer is full.
        this.writer.write(this.scratch, 0, m);
        return false;
      }
      this.outbox.commit(this.writer.write(this.outbox.bytes, at, m));
    } else {
      const e = this.encoder;
      e.client(m);
      if (!this.outbox.append(e.bytes, e.start, e.end)) return false;
    }
    this.seqOut++;
    this.stats.framesSent++;
    this.lastSentMs = this.clock.nowMs();
    if (this.outbox.pendingBytes >= this.flushBytes) {
      this.flush();
    } else if (!this.flushScheduled) {
      this.flushScheduled = true;
      flushAtEndOfTurn(this.flushOnTurn);
    }
    return true;
  }

  private readonly flushOnTurn = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  private flush(): void {
    const socket = this.socket;
    if (socket === null || this.waitingDrain) return;
    const before = this.outbox.pendingBytes;
    const left = this.outbox.flushTo(socket);
    if (left < 0) return; // closed: the close callback follows
    this.stats.bytesWritten += before - left;
    if (left > 0) {
      this.waitingDrain = true;
      this.stats.shortWrites++;
    } else if (this.stateValue === ClientState.Closing && !this.endSent) {
      this.endSent = true;
      socket.end();
    }
  }

  // ---- Reading ---------------------------------------------------------------

  private onData(socket: Bun.Socket<Conn>, chunk: Uint8Array): void {
    this.stats.chunksReceived++;
    this.lastReceivedMs = this.clock.nowMs();
    const s = this.splitter;
    s.push(chunk);
    for (;;) {
      const status = s.next();
      if (status === FrameStatus.NeedMore) return;
      if (status === FrameStatus.Error) {
        this.protocolError(s.error, `frame length ${s.errorLength}`);
        return;
      }
      if (!this.reportReader.read(s.bytes, s.start, s.end, this.inMsg)) {
        const code = this.decoder.decode(s.bytes, s.start, s.end, this.inMsg);
        if (code !== ProtocolError.Ok) {
          this.protocolError(code, "frame failed verification");
          return;
        }
      }
      this.stats.framesReceived++;
      this.dispatch();
      // A callback may have closed the client, or the message ended the session.
      if (this.socket !== socket) return;
    }
  }

  private protocolError(code: number, detail: string): void {
    const name = protocolErrorNames[code] ?? String(code);
    const reason =
      code === ProtocolError.FrameZeroLength || code === ProtocolError.FrameTooLong
        ? LogoutReason.BadFrameLength
        : LogoutReason.MalformedFrame;
    this.dropConnection(new ClientError("protocol_error", `${name} (${detail})`, code), reason);
  }

  private unexpected(what: string): void {
    this.dropConnection(
      new ClientError("protocol_error", `unexpected ${what} in state ${clientStateNames[this.stateValue]}`),
      LogoutReason.UnknownMessage,
    );
  }

  private dispatch(): void {
    const m = this.inMsg;
    if (m.seq !== this.seqInExpected) {
      this.dropConnection(
        new ClientError("sequence_gap", `server seq ${m.seq}, expected ${this.seqInExpected}`),
        LogoutReason.SequenceGap,
      );
      return;
    }
    this.seqInExpected++;
    // After close() asked to end, answers to what was already sent are still delivered.
    const ready =
      this.stateValue === ClientState.Ready || (this.stateValue === ClientState.Closing && this.everLoggedIn);
    switch (m.body) {
      case Body.ExecutionReport:
        if (!ready) return this.unexpected("ExecutionReport");
        this.options.onReport?.(m.report);
        this.queue?.push(m.report);
        return;
      case Body.Heartbeat:
        return;
      case Body.OpenOrders:
        if (!ready) return this.unexpected("OpenOrders");
        return this.openOrdersPage(m);
      case Body.DeadMansSwitchStatus:
        if (!ready) return this.unexpected("DeadMansSwitchStatus");
        return this.switchStatus(m);
      case Body.LoginAccepted:
        if (this.stateValue !== ClientState.LoggingIn) return this.unexpected("LoginAccepted");
        return this.loginAccepted(m);
      case Body.LoginRejected: {
        if (this.stateValue !== ClientState.LoggingIn) return this.unexpected("LoginRejected");
        const name = loginRejectReasonNames[m.reason] ?? String(m.reason);
        return this.dropConnection(
          new ClientError("login_rejected", m.text === "" ? name : `${name}: ${m.text}`, m.reason),
          0,
        );
      }
      case Body.Logout: {
        const name = logoutReasonNames[m.reason] ?? String(m.reason);
        return this.dropConnection(new ClientError("logout", m.text === "" ? name : `${name}: ${m.text}`, m.reason), 0);
      }
      default:
        // The verifier admits only exchange-to-client bodies; any other is a schema change this client does not know.
        return this.unexpected(`body ${m.body}`);
    }
  }

  private loginAccepted(m: ServerMessage): void {
    const l = m.limits;
    const info: LoginInfo = {
      userId: m.userId,
      sessionId: m.sessionId,
      symbols: m.symbols,
      limits: {
        frameBytesMax: l.frameBytesMax,
        openOrdersMax: l.openOrdersMax,
        messagesPerSecondMax: l.messagesPerSecondMax,
        heartbeatIntervalMs: l.heartbeatIntervalMs,
      },
    };
    this.infoValue = info;
    this.everLoggedIn = true;
    this.stateValue = ClientState.Ready;
    this.loginTimer?.cancel();
    this.loginTimer = null;
    this.startTimers(info.limits.heartbeatIntervalMs);
    const w = this.loginWaiter;
    this.loginWaiter = null;
    w?.resolve(info);
  }

  private openOrdersPage(m: ServerMessage): void {
    const w = this.openOrdersWaiters[0];
    if (w === undefined) return this.unexpected("OpenOrders (none requested)");
    const countMax = (this.infoValue?.limits.openOrdersMax || 1 << 20) + openOrdersPageCountMax;
    if (w.orders.length + m.orders.length > countMax) return this.unexpected(`OpenOrders above ${countMax} orders`);
    for (const o of m.orders) w.orders.push(o);
    if (m.more) return;
    this.openOrdersWaiters.shift();
    w.resolve(w.orders);
  }

  private switchStatus(m: ServerMessage): void {
    const w = this.switchWaiters.shift();
    if (w === undefined) return this.unexpected("DeadMansSwitchStatus (no DeadMansSwitch sent)");
    this.deadMansSwitchMsValue = m.timeoutMs;
    w.resolve(m.timeoutMs);
  }

  private pauseReading(): void {
    this.readPaused = true;
    this.socket?.pause();
  }

  private resumeReading(): void {
    this.readPaused = false;
    // Silence while paused was ours, not the server's.
    this.lastReceivedMs = this.clock.nowMs();
    this.socket?.resume();
  }

  // ---- Heartbeats and idle detection -----------------------------------------

  private startTimers(serverIntervalMs: number): void {
    this.stopTimers();
    const o = this.options;
    this.heartbeatMs =
      o.heartbeatIntervalMs !== undefined && o.heartbeatIntervalMs > 0 ? o.heartbeatIntervalMs : serverIntervalMs;
    // Silence is judged by the server's promise (its interval), whatever interval this side uses.
    this.idleMs = o.idleTimeoutMs ?? clientDefaults.idleHeartbeats * serverIntervalMs;
    if (this.heartbeatMs <= 0 && this.idleMs <= 0) return;
    // A quarter of the shorter period: a heartbeat leaves at most 25% late.
    const periodMs = Math.min(
      this.heartbeatMs > 0 ? this.heartbeatMs : Infinity,
      this.idleMs > 0 ? this.idleMs : Infinity,
    );
    this.tickTimer = this.clock.every(Math.max(1, Math.floor(periodMs / 4)), this.onTick);
  }

  private stopTimers(): void {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    this.loginTimer?.cancel();
    this.loginTimer = null;
  }

  private readonly onTick = (): void => {
    if (this.stateValue !== ClientState.Ready) return;
    const now = this.clock.nowMs();
    if (this.idleMs > 0 && !this.readPaused && now - this.lastReceivedMs >= this.idleMs) {
      this.dropConnection(
        new ClientError("idle_timeout", `nothing from the server for ${Math.round(now - this.lastReceivedMs)} ms`),
        LogoutReason.HeartbeatTimeout,
      );
      return;
    }
    if (this.heartbeatMs > 0 && now - this.lastSentMs >= this.heartbeatMs) this.heartbeat();
  };
}

/** The symbol named `name` in a LoginAccepted, or undefined. */
export function findSymbol(info: LoginInfo, name: string): WireSymbol | undefined {
  return info.symbols.find((s) => s.name === name);
}
