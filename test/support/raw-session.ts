// Test support: a raw TCP session that speaks frames by hand (node:net, so a
// test can choose the source address on 127.0.0.0/8 and stop reading), for
// input no client library would send and for clients that misbehave.

import net from "node:net";
import {
  Body,
  ClientMessage,
  Encoder,
  FrameSplitter,
  FrameStatus,
  ServerDecoder,
  ServerMessage,
  serverFrameBytesMax,
} from "../../src/protocol/index.ts";
import { waitFor } from "./wait.ts";

/** What a test needs of one exchange message. */
export interface RawReceived {
  seq: number;
  body: number;
  /** LoginAccepted. */
  sessionId: number;
  /** LoginRejected / Logout reason. */
  reason: number;
  text: string;
  kind: number;
  rejectReason: number;
  cancelReason: number;
  clientOrderId: number;
  orderId: number;
  qtyLots: number;
  engineSeq: number;
  /** OpenOrders page. */
  orders: number[];
  more: boolean;
  /** DeadMansSwitchStatus. */
  timeoutMs: number;
}

export interface RawOptions {
  /** Source address (any of 127.0.0.0/8 on Linux). */
  localAddress?: string;
}

export class RawSession {
  private readonly encoder = new Encoder();
  private readonly decoder = new ServerDecoder();
  private readonly splitter = new FrameSplitter(serverFrameBytesMax);
  private readonly msg = new ServerMessage();
  readonly received: RawReceived[] = [];
  bytesReceived = 0;
  closed = false;
  /** Set when a frame from the exchange failed to decode (a test failure of its own). */
  decodeError = 0;
  seq = 0;
  private readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("close", () => {
      this.closed = true;
    });
    socket.on("error", () => {});
  }

  static async open(port: number, options: RawOptions = {}): Promise<RawSession> {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress: options.localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", () => resolve());
      socket.once("error", reject);
    });
    return new RawSession(socket);
  }

  private onData(chunk: Buffer): void {
    this.bytesReceived += chunk.length;
    const sp = this.splitter;
    const m = this.msg;
    sp.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    for (let st = sp.next(); st === FrameStatus.Frame; st = sp.next()) {
      const code = this.decoder.decode(sp.bytes, sp.start, sp.end, m);
      if (code !== 0) {
        this.decodeError = code;
        continue;
      }
      const r = m.report;
      this.received.push({
        seq: m.seq,
        body: m.body,
        sessionId: m.sessionId,
        reason: m.reason,
        text: m.text,
        kind: r.kind,
        rejectReason: r.rejectReason,
        cancelReason: r.cancelReason,
        clientOrderId: r.clientOrderId,
        orderId: r.orderId,
        qtyLots: r.qtyLots,
        engineSeq: r.engineSeq,
        orders: m.orders.map((o) => o.clientOrderId),
        more: m.more,
        timeoutMs: m.timeoutMs,
      });
    }
  }

  /** One client frame with this session's next seq. */
  frame(fill: (m: ClientMessage) => void): Uint8Array {
    const m = new ClientMessage();
    m.seq = ++this.seq;
    fill(m);
    this.encoder.client(m);
    return this.encoder.frame().slice();
  }

  write(bytes: Uint8Array): boolean {
    return this.socket.write(bytes);
  }

  /** Bytes written by the test that the kernel has not taken yet. */
  get writeBacklogBytes(): number {
    return this.socket.writableLength;
  }

  /** Stops reading: the kernel buffers fill and the exchange sees a client that does not read. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  async waitFor(pred: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    await waitFor(pred, {
      timeoutMs,
      what: () => `${what}; last received: ${JSON.stringify(this.received.slice(-5))}`,
    });
  }

  /** Sends Login and waits for its answer; returns it. */
  async login(key: string, options: { cancelOnDisconnect?: boolean; graceMs?: number } = {}): Promise<RawReceived> {
    const at = this.received.length;
    this.write(
      this.frame((m) => {
        m.body = Body.Login;
        m.apiKey = key;
        m.cancelOnDisconnect = options.cancelOnDisconnect ?? false;
        m.cancelOnDisconnectGraceMs = options.graceMs ?? 0;
      }),
    );
    await this.waitFor(() => this.received.length > at || this.closed, `an answer to Login(${key})`);
    const answer = this.received[at];
    if (answer === undefined) throw new Error(`connection closed before an answer to Login(${key})`);
    return answer;
  }

  orderFrame(
    clientOrderId: number,
    o: { symbolId?: number; side?: number; priceTicks?: number; qtyLots?: number; tif?: number } = {},
  ): Uint8Array {
    return this.frame((m) => {
      m.body = Body.NewOrder;
      m.clientOrderId = clientOrderId;
      m.symbolId = o.symbolId ?? 0;
      m.side = o.side ?? 0;
      m.priceTicks = o.priceTicks ?? 100_00;
      m.qtyLots = o.qtyLots ?? 1000;
      m.tif = o.tif ?? 0;
    });
  }

  cancelFrame(clientOrderId: number, symbolId: number): Uint8Array {
    return this.frame((m) => {
      m.body = Body.Cancel;
      m.clientOrderId = clientOrderId;
      m.symbolId = symbolId;
    });
  }

  modifyFrame(clientOrderId: number, symbolId: number, priceTicks: number, qtyLots: number): Uint8Array {
    return this.frame((m) => {
      m.body = Body.Modify;
      m.clientOrderId = clientOrderId;
      m.symbolId = symbolId;
      m.priceTicks = priceTicks;
      m.qtyLots = qtyLots;
    });
  }

  /**
   * Places resting orders ([client id, symbol id, side]: buys at 100.00, sells
   * at 900.00, one lot of the default symbols) and waits for one answer each;
   * returns the answers.
   */
  async placeResting(orders: [number, number, number][]): Promise<RawReceived[]> {
    const at = this.received.length;
    for (const [id, symbolId, side] of orders) {
      const lot = symbolId === 1 ? 10_000 : 1000;
      this.write(this.orderFrame(id, { symbolId, side, priceTicks: side === 0 ? 100_00 : 900_00, qtyLots: lot }));
    }
    await this.waitFor(() => this.received.length >= at + orders.length, "the orders' answers", 30_000);
    return this.received.slice(at, at + orders.length);
  }

  massCancelFrame(requestId: number, o: { symbolId?: number; side?: number } = {}): Uint8Array {
    return this.frame((m) => {
      m.body = Body.MassCancel;
      m.clientOrderId = requestId;
      m.oneSymbol = o.symbolId !== undefined;
      m.symbolId = o.symbolId ?? 0;
      m.massSide = o.side ?? 0;
    });
  }

  deadMansSwitchFrame(timeoutMs: number): Uint8Array {
    return this.frame((m) => {
      m.body = Body.DeadMansSwitch;
      m.timeoutMs = timeoutMs;
    });
  }

  bodyFrame(body: number): Uint8Array {
    return this.frame((m) => {
      m.body = body;
    });
  }
}
