// The TCP order-entry gateway (Bun.listen): clients log in with an API key,
// send FlatBuffers frames and receive execution reports. This file only
// composes the parts, each with one job:
//   acceptor.ts          connections, logins, connection and login limits
//   inbound.ts           bytes -> frames -> messages, input held while the log is full
//   order-entry.ts       commands checked against the session's limits, into the log
//   reports.ts           engine events -> execution reports to the owning session
//   durability.ts        reports held until the log says their command is durable
//   open-orders-queries.ts  OpenOrders answers paged as the client reads
//   cancel-timers.ts     cancel on disconnect and the dead-man's switch, through the log
//   session-timers.ts    heartbeats, idle and login timeouts, hard closes
//   output.ts            encoding, sending, backpressure, logout, slow consumers

import type { TCPSocketListener } from "bun";
import { LogoutReason } from "../protocol/index.ts";
import type { Clock } from "../sequencer/clock.ts";
import type { CommandIntake } from "../sequencer/intake.ts";
import { Acceptor } from "./acceptor.ts";
import { CancelTimers } from "./cancel-timers.ts";
import type { GatewayConfig } from "./config.ts";
import { closeGraceMs, deadlineTickMs, outboundChunkBytes, outboundChunksKeptMax, sweepMs } from "./constants.ts";
import { DurabilityGate } from "./durability.ts";
import { Inbound } from "./inbound.ts";
import { OpenOrdersQueries } from "./open-orders-queries.ts";
import { OrderEntry } from "./order-entry.ts";
import { ChunkPool } from "./outbound.ts";
import { type LogLine, Output } from "./output.ts";
import { Reports } from "./reports.ts";
import { Session, SessionState } from "./session.ts";
import { SessionTimers } from "./session-timers.ts";
import { Users } from "./user-state.ts";

export { GatewayReject } from "./gateway-reject.ts";

export interface GatewayOptions {
  /** Where the gateway's informational lines go (a dead-man's switch fired...; default: stdout). */
  log?: LogLine;
  /** Where its warnings go (slow consumers, blocked addresses, socket errors; default: stderr, "warning: ..."). */
  warn?: LogLine;
}

/** One session as an operator (or a test) sees it. */
export interface SessionStats {
  id: number;
  user: number;
  remoteAddress: string;
  state: SessionState;
  /** Unsent bytes queued for the client, held or sendable. */
  outboundBytes: number;
  inFlight: number;
  /** An OpenOrders answer is being written (the session's input waits meanwhile). */
  queryActive: boolean;
}

/** One connection as the admin session list shows it. */
export interface SessionInfo {
  session: number;
  /** -1 until logged in. */
  user: number;
  state: "awaiting_login" | "active" | "closing";
  remote: string;
  connectedAtMs: number;
  lastReceivedAtMs: number;
  inFlight: number;
  queuedBytes: number;
  /** The cancel-on-disconnect grace this session logged in with, or -1 when off. */
  cancelOnDisconnectGraceMs: number;
}

const stateNames = ["awaiting_login", "active", "closing"] as const;

export class TcpGateway {
  private readonly sequencer: CommandIntake;
  private readonly config: GatewayConfig;
  private readonly clock: Clock;
  private readonly warn: LogLine;
  private readonly sessions = new Set<Session>();
  private readonly users = new Users();
  private readonly pool = new ChunkPool(outboundChunkBytes, outboundChunksKeptMax);
  private readonly output: Output;
  private readonly gate: DurabilityGate;
  private readonly queries: OpenOrdersQueries;
  private readonly cancelTimers: CancelTimers;
  private readonly inbound: Inbound;
  private readonly acceptor: Acceptor;
  private readonly sessionTimers: SessionTimers;
  private server: TCPSocketListener<Session> | null = null;
  private readonly stopTimers: (() => void)[] = [];
  private nextSessionId: number;
  /** Called on a programmer error (a broken invariant) inside a socket handler; by default the process exits. */
  onFatal: (error: unknown) => void = (error) => {
    console.error("gateway: fatal error, exiting so recovery can restore a consistent state:", error);
    process.exit(70);
  };

  constructor(sequencer: CommandIntake, config: GatewayConfig, options: GatewayOptions = {}) {
    this.sequencer = sequencer;
    this.config = config;
    this.clock = sequencer.clock;
    const log = options.log ?? ((line) => console.log(line));
    this.warn = options.warn ?? ((line) => console.error(`warning: ${line}`));
    // Session ids stay unique across restarts: microseconds at start-up, then counted.
    this.nextSessionId = Math.floor(this.clock.nowNs() / 1000);
    const output = (this.output = new Output(config.limits, this.clock, this.warn));
    const gate = (this.gate = new DurabilityGate(sequencer, output));
    const reports = new Reports(this.users, output, gate, !sequencer.eventsDurable);
    this.queries = new OpenOrdersQueries(sequencer.engine, output, this.clock);
    this.cancelTimers = new CancelTimers(sequencer, gate, log);
    const entry = new OrderEntry(sequencer, output, gate, this.cancelTimers, config.limits);
    this.inbound = new Inbound(sequencer, output, gate, entry, this.queries);
    this.acceptor = new Acceptor(
      config,
      sequencer.engine,
      this.users,
      output,
      this.cancelTimers,
      this.clock,
      this.warn,
    );
    this.inbound.login = this.acceptor;
    this.queries.onDone = (s) => this.inbound.queryDone(s);
    this.queries.requestPass = () => gate.schedule();
    gate.onFatal = (error) => this.onFatal(error);
    output.onSessionEnd = (s) => this.acceptor.endSession(s);
    gate.afterTurn = () => {
      this.inbound.resumeHeld();
      this.queries.pass();
    };
    gate.onReleased = () => {
      this.inbound.resumeHeld();
      this.queries.schedule();
    };
    this.sessionTimers = new SessionTimers(this.sessions, output, config.limits, this.clock);
    sequencer.addConsumer({
      onEvents: (events, cmd) => reports.onEvents(events, cmd),
      onDurable: (seq) => gate.onDurable(seq),
    });
    this.learnLiveOrders();
  }

  /** Every live order (after a restart: every recovered one) by its user and client id, in id order. */
  private learnLiveOrders(): void {
    const live: [number, number, number][] = [];
    this.sequencer.engine.forEachLiveOrder((id, user, clientId) => live.push([id, user, clientId]));
    live.sort((a, b) => a[0] - b[0]);
    for (const [id, user, clientId] of live) this.users.of(user).add(clientId, id);
  }

  get port(): number {
    if (this.server === null) throw new Error("gateway not started");
    return this.server.port;
  }

  /** Connections, logged in or not. */
  get sessionsCount(): number {
    return this.sessions.size;
  }

  /** Logged-in sessions. */
  get activeSessionsCount(): number {
    let n = 0;
    for (const s of this.sessions) if (s.state === SessionState.Active) n++;
    return n;
  }

  /** Rejects decided by the gateway itself, by RejectReason code (totals since start). */
  get gatewayRejects(): Float64Array {
    return this.output.gatewayRejects;
  }

  /**
   * A command entered the log from outside the gateway (the admin API): the
   * reports it causes to sessions leave with the batch closed at the end of
   * this event-loop turn, once the log says it is durable.
   */
  commandSubmitted(): void {
    this.gate.schedule();
  }

  /** Every connection, oldest first (the admin API's session list; allocates). */
  sessionList(): SessionInfo[] {
    const out: SessionInfo[] = [];
    for (const s of this.sessions) {
      out.push({
        session: s.id,
        user: s.user,
        state: stateNames[s.state],
        remote: s.remoteAddress,
        connectedAtMs: s.openedMs,
        lastReceivedAtMs: s.lastRecvMs,
        inFlight: s.inFlight,
        queuedBytes: s.out.queued,
        cancelOnDisconnectGraceMs: s.cancelOnDisconnectGraceMs,
      });
    }
    return out;
  }

  sessionStats(id: number): SessionStats | null {
    for (const s of this.sessions) {
      if (s.id !== id) continue;
      return {
        id,
        user: s.user,
        remoteAddress: s.remoteAddress,
        state: s.state,
        outboundBytes: s.out.queued,
        inFlight: s.inFlight,
        queryActive: s.queryActive,
      };
    }
    return null;
  }

  start(): void {
    this.server = Bun.listen<Session>({
      hostname: this.config.tcp.host,
      port: this.config.tcp.port,
      socket: this.handlers(),
    });
    this.stopTimers.push(this.clock.every(sweepMs, () => this.guard(() => this.sessionTimers.sweep())));
    this.stopTimers.push(
      this.clock.every(deadlineTickMs, () =>
        this.guard(() => {
          this.cancelTimers.tick();
          // Answers that ran out of page budget go on as it refills.
          this.queries.schedule();
        }),
      ),
    );
  }

  private handlers() {
    return {
      open: this.guarded((socket: Bun.Socket<Session>) => {
        const s = new Session(this.nextSessionId++, socket, this.config.limits, this.pool, this.clock.nowNs() / 1e6);
        socket.data = s;
        this.sessions.add(s);
        this.acceptor.onOpen(s);
        this.output.sendAll();
      }),
      data: this.guarded((socket: Bun.Socket<Session>, chunk: Uint8Array) => this.inbound.onData(socket.data, chunk)),
      drain: this.guarded((socket: Bun.Socket<Session>) => {
        this.output.send(socket.data);
        if (socket.data.queryActive) this.queries.schedule();
      }),
      close: this.guarded((socket: Bun.Socket<Session>) => {
        this.sessions.delete(socket.data);
        this.acceptor.onClose(socket.data);
      }),
      error: (socket: Bun.Socket<Session>, error: Error) =>
        this.warn(`gateway: session ${socket.data?.id}: ${error.message}`),
    };
  }

  /**
   * `fn` as a socket handler: a throw is a broken invariant (onFatal). The
   * wrapper is made once per handler, so a call allocates nothing (a closure
   * per data event was two heap cells the collector paused for).
   */
  private guarded<A, B>(fn: (a: A, b: B) => void): (a: A, b?: B) => void {
    return (a: A, b?: B) => {
      try {
        fn(a, b as B);
      } catch (error) {
        this.onFatal(error);
      }
    };
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.onFatal(error);
    }
  }

  /** Stops accepting, logs every session out and closes the listener. */
  async stop(): Promise<void> {
    this.acceptor.accepting = false;
    for (const stop of this.stopTimers.splice(0)) stop();
    this.gate.flushNow();
    for (const s of this.sessions) this.output.logout(s, LogoutReason.ServerShutdown, "exchange shutting down");
    this.output.sendAll();
    this.server?.stop(true);
    this.server = null;
    const deadline = Date.now() + closeGraceMs;
    while (this.sessions.size > 0 && Date.now() < deadline) await Bun.sleep(5);
    for (const s of this.sessions) s.socket.terminate();
  }

  /**
   * The input log failed: nothing after its last durable seq will be
   * acknowledged. Each client gets the acknowledgements already released, then
   * Logout(ServerShutdown) with `text`, as far as its socket takes them now;
   * the caller then exits, which closes every connection.
   */
  abort(text: string): void {
    this.acceptor.accepting = false;
    for (const stop of this.stopTimers.splice(0)) stop();
    for (const s of this.sessions) {
      if (s.state === SessionState.Closing) continue;
      s.outSeq = s.out.dropUnreleased();
      this.output.logout(s, LogoutReason.ServerShutdown, text);
    }
    this.output.sendAll();
    this.server?.stop(true);
    this.server = null;
  }
}
