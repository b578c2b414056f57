// The clients of the abuse benchmark (bench/gateway-abuse.bench.ts) on raw
// sockets: victims that place and cancel one order at a time and time each
// answer, and an abuser that asks for its open orders over and over, either
// without reading (stuck) or reading as fast as it can (greedy).

import type { Socket } from "bun";
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

const answerTimeoutMs = 30_000;

/** A raw session: frames out with the session's seq, every frame in decoded, and a hook per message. */
export class RawBenchSession {
  readonly key: string;
  private socket: Socket<RawBenchSession> | null = null;
  private readonly encoder = new Encoder();
  private readonly decoder = new ServerDecoder();
  private readonly splitter = new FrameSplitter(serverFrameBytesMax);
  readonly msg = new ServerMessage();
  private readonly out = new ClientMessage();
  private seq = 0;
  closed = false;
  onMessage: (m: ServerMessage) => void = () => {};

  constructor(key: string) {
    this.key = key;
  }

  async connect(port: number): Promise<void> {
    this.socket = await Bun.connect<RawBenchSession>({
      hostname: "127.0.0.1",
      port,
      data: this,
      socket: {
        data: (_s, chunk) => this.onData(chunk),
        close: () => {
          this.closed = true;
        },
        error: () => {},
      },
    });
  }

  /** Logs in; rejects with the reason when refused. */
  async login(): Promise<void> {
    const handler = this.onMessage;
    const answered = new Promise<ServerMessage>((resolve) => {
      this.onMessage = (m) => resolve(m);
    });
    this.send((m) => {
      m.body = Body.Login;
      m.apiKey = this.key;
    });
    const m = await withTimeout(answered, `login of ${this.key}`);
    this.onMessage = handler;
    if (m.body !== Body.LoginAccepted)
      throw new Error(`${this.key}: login refused (body ${m.body}, reason ${m.reason}: ${m.text})`);
  }

  private onData(chunk: Uint8Array): void {
    const sp = this.splitter;
    sp.push(chunk);
    for (let st = sp.next(); st !== FrameStatus.NeedMore; st = sp.next()) {
      if (st === FrameStatus.Error) throw new Error(`${this.key}: bad frame from the exchange`);
      const code = this.decoder.decode(sp.bytes, sp.start, sp.end, this.msg);
      if (code !== 0) throw new Error(`${this.key}: undecodable frame from the exchange (${code})`);
      this.onMessage(this.msg);
    }
  }

  /** Encodes one message with the next seq; returns the bytes the socket did not take (0: all written). */
  send(fill: (m: ClientMessage) => void): number {
    const m = this.out;
    m.clearOrder();
    m.seq = ++this.seq;
    fill(m);
    this.encoder.client(m);
    const frame = this.encoder.frame();
    return frame.length - this.socket!.write(frame);
  }

  /** Many messages in one write; returns the bytes the socket took. */
  sendMany(count: number, fill: (m: ClientMessage) => void): number {
    const frames: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const m = this.out;
      m.clearOrder();
      m.seq = ++this.seq;
      fill(m);
      this.encoder.client(m);
      frames.push(this.encoder.frame().slice());
    }
    return this.socket!.write(Buffer.concat(frames));
  }

  pause(): void {
    this.socket!.pause();
  }

  close(): void {
    this.socket?.terminate();
  }
}

/**
 * A victim: alternately places a resting buy and cancels it. Commands go out on
 * the caller's schedule (an open loop), never waiting for answers; each answer
 * (one per command, in order) reports its latency from the command's send.
 */
export class Victim {
  readonly session: RawBenchSession;
  private nextId = 1;
  private live = 0;
  /** Send times (Bun.nanoseconds) of the commands not answered yet, oldest first. */
  private readonly sentNs: number[] = [];
  onLatency: (ns: number) => void = () => {};

  constructor(key: string) {
    this.session = new RawBenchSession(key);
    this.session.onMessage = (m) => {
      if (m.body !== Body.ExecutionReport) return;
      const sent = this.sentNs.shift();
      if (sent === undefined) throw new Error(`${key}: an answer to nothing sent`);
      this.onLatency(Bun.nanoseconds() - sent);
    };
  }

  get unanswered(): number {
    return this.sentNs.length;
  }

  send(symbolId: number): void {
    this.sentNs.push(Bun.nanoseconds());
    if (this.live === 0) {
      const id = this.nextId++;
      this.session.send((m) => {
        m.body = Body.NewOrder;
        m.clientOrderId = id;
        m.symbolId = symbolId;
        m.priceTicks = 1000 + (id % 100);
        m.qtyLots = 1;
      });
      this.live = id;
      return;
    }
    const id = this.live;
    this.session.send((m) => {
      m.body = Body.Cancel;
      m.clientOrderId = id;
      m.symbolId = symbolId;
    });
    this.live = 0;
  }
}

export type AbuserKind = "stuck" | "greedy";

/**
 * The abuser: a session whose user has many open orders, asking for them
 * again and again. Stuck: never reads, writes as many requests as its socket
 * takes. Greedy: reads everything and keeps `greedyOutstanding` requests in flight.
 */
export class Abuser {
  readonly session: RawBenchSession;
  readonly kind: AbuserKind;
  /** Greedy: requests sent and answers read. Stuck: the bytes of requests its socket took. */
  requestsSent = 0;
  answersRead = 0;
  burstBytes = 0;
  private stopped = false;
  private static readonly greedyOutstanding = 4;
  private static readonly stuckBurst = 10_000;

  constructor(key: string, kind: AbuserKind) {
    this.session = new RawBenchSession(key);
    this.kind = kind;
  }

  start(): void {
    if (this.kind === "stuck") {
      this.session.pause();
      this.burstBytes = this.session.sendMany(Abuser.stuckBurst, (m) => {
        m.body = Body.OpenOrdersRequest;
      });
      return;
    }
    this.session.onMessage = (m) => {
      if (m.body !== Body.OpenOrders || m.more || this.stopped) return;
      this.answersRead++;
      this.request();
    };
    for (let i = 0; i < Abuser.greedyOutstanding; i++) this.request();
  }

  private request(): void {
    this.requestsSent++;
    this.session.send((m) => {
      m.body = Body.OpenOrdersRequest;
    });
  }

  stop(): void {
    this.stopped = true;
    this.session.close();
  }
}

function withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${answerTimeoutMs} ms`)), answerTimeoutMs);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
