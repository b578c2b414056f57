// One benchmark session on a raw socket: Login through the generic Encoder,
// then pre-encoded command bytes written as fast as the socket takes them (or
// on a schedule, by the caller), and every report counted as it arrives.
//
// The receiver reads the gateway's execution reports as the client library
// does: TemplateReportReader (src/client/report-reader.ts) when a frame has
// the fixed layout of ExecReportWriter, ServerDecoder (verifier included) for
// anything else.

import type { Socket } from "bun";
import { TemplateReportReader } from "../../src/client/report-reader.ts";
import {
  Body,
  ClientMessage,
  Encoder,
  FrameSplitter,
  FrameStatus,
  ProtocolError,
  protocolErrorNames,
  ServerDecoder,
  serverFrameBytesMax,
  ServerMessage,
  type WireSymbol,
} from "../../src/protocol/index.ts";
import type { CommandBatch } from "./stream.ts";

const Kind = { Accepted: 1, Rejected: 2, Trade: 3, Cancelled: 4, Modified: 5 } as const;
const CancelReasonUser = 1;
const rejectReasonsCount = 64;

export interface SessionCounts {
  answers: number;
  fills: number;
  /** Reports that are neither an answer nor a fill (IOC remainder cancels). */
  otherReports: number;
  /** Answers whose client order id was not the one of the command they answer (must stay 0). */
  outOfOrder: number;
  /** Reports read through the verifying decoder rather than the template check. */
  decodedReports: number;
  /** Answers the gateway gave without the engine (engine seq 0: its rejects). */
  gatewayAnswers: number;
  rejectsByReason: Record<string, number>;
}

export class BenchSession {
  readonly key: string;
  socket: Socket<BenchSession> | null = null;
  /** Set when the session failed (logout, protocol error, closed); the run stops with it. */
  error: string | null = null;
  symbols: WireSymbol[] = [];
  private readonly splitter = new FrameSplitter(serverFrameBytesMax);
  private readonly decoder = new ServerDecoder();
  private readonly reader = new TemplateReportReader();
  private readonly msg = new ServerMessage();
  private loginWaiter: { resolve: () => void; reject: (e: Error) => void } | null = null;
  private drainWaiter: (() => void) | null = null;
  private expectedSeq = 1;

  // ---- The batch being answered ----
  batch: CommandBatch | null = null;
  /** Answers received for the batch; answer k is for command k. */
  answered = 0;
  /** Arrival time (Bun.nanoseconds of its chunk) of each answer. */
  arrivalNs: Float64Array = new Float64Array(0);
  /** Called once every command of the batch has its answer. */
  onComplete: (() => void) | null = null;
  // Counts since `resetCounts`.
  fills = 0;
  otherReports = 0;
  outOfOrder = 0;
  decodedReports = 0;
  /** Answers the gateway gave itself (engine seq 0). */
  gatewayAnswers = 0;
  readonly rejectsByReason = new Float64Array(rejectReasonsCount);

  constructor(key: string) {
    this.key = key;
  }

  /** Connects and logs in; resolves with LoginAccepted's symbols. */
  async open(port: number): Promise<void> {
    const session = this;
    this.socket = await Bun.connect<BenchSession>({
      hostname: "127.0.0.1",
      port,
      data: this,
      socket: {
        binaryType: "uint8array",
        data(_socket, chunk: Uint8Array) {
          session.onData(chunk);
        },
        drain() {
          const w = session.drainWaiter;
          session.drainWaiter = null;
          w?.();
        },
        close() {
          session.fail("connection closed");
        },
        error(_socket, e) {
          session.fail(`socket error: ${e.message}`);
        },
      },
    });
    this.socket.setNoDelay(true);
    const login = new ClientMessage();
    login.body = Body.Login;
    login.seq = 1;
    login.apiKey = this.key;
    const e = new Encoder();
    e.client(login);
    const answered = new Promise<void>((resolve, reject) => {
      this.loginWaiter = { resolve, reject };
    });
    if (this.socket.write(e.bytes, e.start, e.end - e.start) !== e.end - e.start)
      throw new Error(`${this.key}: Login not written at once`);
    await answered;
  }

  /** Ends the connection (the gateway forgets the session; its orders stay in the book). */
  close(): void {
    const s = this.socket;
    this.socket = null;
    s?.end();
  }

  /** Expects the answers to `batch`, from command 0. */
  expect(batch: CommandBatch, onComplete: () => void): void {
    this.batch = batch;
    this.answered = 0;
    if (this.arrivalNs.length < batch.countMax) this.arrivalNs = new Float64Array(batch.countMax);
    this.onComplete = onComplete;
  }

  resetCounts(): void {
    this.fills = 0;
    this.otherReports = 0;
    this.outOfOrder = 0;
    this.decodedReports = 0;
    this.gatewayAnswers = 0;
    this.rejectsByReason.fill(0);
  }

  counts(): SessionCounts {
    const rejects: Record<string, number> = {};
    this.rejectsByReason.forEach((n, reason) => {
      if (n > 0) rejects[reason] = n;
    });
    return {
      answers: this.answered,
      fills: this.fills,
      otherReports: this.otherReports,
      outOfOrder: this.outOfOrder,
      decodedReports: this.decodedReports,
      gatewayAnswers: this.gatewayAnswers,
      rejectsByReason: rejects,
    };
  }

  /** Writes `bytes[from, to)`; returns the bytes the kernel took (maybe fewer), or -1 when the socket is gone. */
  write(bytes: Uint8Array, from: number, to: number): number {
    const s = this.socket;
    if (s === null || this.error !== null) return -1;
    return s.write(bytes, from, to - from);
  }

  /** Resolves at the socket's next drain (after a short write). */
  drained(): Promise<void> {
    return new Promise((resolve) => {
      this.drainWaiter = resolve;
    });
  }

  private fail(reason: string): void {
    if (this.socket === null && this.error === null && this.loginWaiter === null) return; // closed by us
    if (this.error === null) this.error = `${this.key}: ${reason}`;
    const w = this.loginWaiter;
    this.loginWaiter = null;
    w?.reject(new Error(this.error));
    const d = this.drainWaiter;
    this.drainWaiter = null;
    d?.();
    // Whoever waits for the batch learns of the error through `error`.
    this.onComplete?.();
  }

  private onData(chunk: Uint8Array): void {
    // After a failure the splitter may hold an unread chunk: nothing more is read.
    if (this.error !== null) return;
    const nowNs = Bun.nanoseconds();
    const sp = this.splitter;
    sp.push(chunk);
    for (;;) {
      const status = sp.next();
      if (status === FrameStatus.NeedMore) return;
      if (status === FrameStatus.Error) return this.fail(`bad frame: ${protocolErrorNames[sp.error]}`);
      if (this.reader.read(sp.bytes, sp.start, sp.end, this.msg)) this.message(nowNs, false);
      else this.decoded(sp.bytes, sp.start, sp.end, nowNs);
    }
  }

  private decoded(bytes: Uint8Array, start: number, end: number, nowNs: number): void {
    const code = this.decoder.decode(bytes, start, end, this.msg);
    if (code !== ProtocolError.Ok) return this.fail(`frame failed verification: ${this.decoder.verifier.reason()}`);
    this.message(nowNs, true);
  }

  private message(nowNs: number, decoded: boolean): void {
    const m = this.msg;
    if (m.seq !== this.expectedSeq) return this.fail(`server seq ${m.seq}, expected ${this.expectedSeq}`);
    this.expectedSeq++;
    switch (m.body) {
      case Body.ExecutionReport: {
        if (decoded) this.decodedReports++;
        const r = m.report;
        return this.report(r.kind, r.rejectReason, r.cancelReason, r.clientOrderId, r.engineSeq, nowNs);
      }
      case Body.LoginAccepted: {
        this.symbols = m.symbols;
        const w = this.loginWaiter;
        this.loginWaiter = null;
        w?.resolve();
        return;
      }
      case Body.Heartbeat:
        return;
      case Body.LoginRejected:
        return this.fail(`login rejected (reason ${m.reason}): ${m.text}`);
      case Body.Logout:
        return this.fail(`logged out (reason ${m.reason}): ${m.text}`);
      default:
        return this.fail(`unexpected message body ${m.body}`);
    }
  }

  /**
   * An answer with engine seq 0 was decided by the gateway (limits, unknown order, journal full): the
   * command never reached the engine.
   */
  private report(
    kind: number,
    rejectReason: number,
    cancelReason: number,
    cid: number,
    engineSeq: number,
    nowNs: number,
  ): void {
    if (kind === Kind.Trade) {
      this.fills++;
      return;
    }
    const answer =
      kind === Kind.Accepted ||
      kind === Kind.Rejected ||
      kind === Kind.Modified ||
      (kind === Kind.Cancelled && cancelReason === CancelReasonUser);
    if (!answer) {
      this.otherReports++;
      return;
    }
    const batch = this.batch;
    const k = this.answered;
    if (batch === null || k >= batch.count) return this.fail(`an answer (kind ${kind}, order ${cid}) to no command`);
    if (batch.cid[k] !== cid) this.outOfOrder++;
    if (kind === Kind.Rejected) this.rejectsByReason[rejectReason & (rejectReasonsCount - 1)]!++;
    if (engineSeq === 0) this.gatewayAnswers++;
    this.arrivalNs[k] = nowNs;
    this.answered = k + 1;
    if (k + 1 === batch.count) this.onComplete?.();
  }
}
