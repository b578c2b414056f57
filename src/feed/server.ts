// The feed's WebSocket server (Bun.serve, loopback): one connection per
// client, Bun's topic pub/sub for fan-out (one `publish` per frame, whatever
// the number of subscribers), requests verified and rate-limited, slow
// connections closed with a reason, and static files (the live market page)
// from the same port.
//
// Order on subscribe: `Subscribed`, then the channel's snapshot (or first
// picture), then its live frames; the connection joins the topic in the same
// turn as the last snapshot part (or after replaying the frames retained
// while a large snapshot waited for `drain`), so no frame is missed or doubled.

import type { Server, ServerWebSocket } from "bun";
import type { CandleAggregator } from "../marketdata/candles.ts";
import type { MarketDataStream } from "../marketdata/stream.ts";
import type { TickRing } from "../marketdata/tick-ring.ts";
import { Connection, type CatchUp } from "./connection.ts";
import { Channel, CloseCode, closeCodeBase, ErrorCode, type FeedLimits } from "./constants.ts";
import type { SymbolEntry } from "./encode.ts";
import { FrameEncoder } from "./encode.ts";
import { FeedPublisher, Slot, slotOf, slotsPerSymbol } from "./publisher.ts";
import { RequestDecoder, RequestKind } from "./requests.ts";

type Socket = ServerWebSocket<Connection>;

/** The symbols the feed serves, as the engine knows them now. */
export interface SymbolDirectory {
  list(): SymbolEntry[];
  /** Symbol id of a name, or -1. */
  idOf(name: string): number;
}

export interface StaticFile {
  body: Uint8Array | string;
  contentType: string;
}

export interface FeedServerOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  limits: FeedLimits;
  /** Path of the WebSocket endpoint. */
  path: string;
  /** Served as they are (the market page); any other path is 404. */
  files: Map<string, StaticFile>;
}

export interface FeedServerStats {
  connectionsOpened: number;
  closedSlow: number;
  closedAbuse: number;
  errorsSent: number;
  snapshotRestarts: number;
  /** Times a snapshot stopped to wait for the client to read (`drain`). */
  snapshotWaits: number;
}

const hbTopic = "hb";

export class FeedServer {
  readonly publisher: FeedPublisher;
  readonly stats: FeedServerStats = {
    connectionsOpened: 0,
    closedSlow: 0,
    closedAbuse: 0,
    errorsSent: 0,
    snapshotRestarts: 0,
    snapshotWaits: 0,
  };
  private readonly server: Server<Connection>;
  private readonly limits: FeedLimits;
  private readonly stream: MarketDataStream;
  private readonly symbols: SymbolDirectory;
  private readonly encoder = new FrameEncoder();
  private readonly decoder = new RequestDecoder();
  private readonly sockets = new Set<Socket>();
  /**
   * Sockets that joined each (symbol * slotsPerSymbol + slot) topic: checked for unread bytes
   * after a flush publishes there.
   */
  private readonly joined = new Map<number, Set<Socket>>();
  private readonly timers: ReturnType<typeof setInterval>[] = [];
  private nextId = 1;

  constructor(
    stream: MarketDataStream,
    recent: { ticks: TickRing; candles: CandleAggregator } | null,
    symbols: SymbolDirectory,
    o: FeedServerOptions,
  ) {
    if (o.hostname !== "127.0.0.1" && o.hostname !== "localhost" && o.hostname !== "::1")
      throw new Error(`feed: ${o.hostname}: services listen on loopback only`);
    this.limits = o.limits;
    this.stream = stream;
    this.symbols = symbols;
    let server: Server<Connection> | null = null;
    this.publisher = new FeedPublisher(stream, recent, o.limits, (topic, frame) => server!.publish(topic, frame));
    const files = o.files;
    server = Bun.serve<Connection>({
      hostname: o.hostname,
      port: o.port,
      fetch: (req, srv) => {
        const url = new URL(req.url);
        if (url.pathname === o.path) {
          if (this.sockets.size >= this.limits.connectionsMax)
            return new Response("feed: too many connections\n", { status: 503 });
          if (srv.upgrade(req, { data: new Connection(this.nextId++, this.limits.requestBurst, performance.now()) }))
            return undefined;
          return new Response("feed: WebSocket upgrade expected\n", { status: 426 });
        }
        const file = files.get(url.pathname);
        if (file === undefined || req.method !== "GET") return new Response("not found\n", { status: 404 });
        return new Response(file.body, { headers: { "content-type": file.contentType, "cache-control": "no-cache" } });
      },
      websocket: {
        data: {} as Connection,
        backpressureLimit: o.limits.backpressureBytesMax,
        closeOnBackpressureLimit: true,
        maxPayloadLength: o.limits.clientFrameBytesMax,
        idleTimeout: o.limits.idleTimeoutS,
        perMessageDeflate: false,
        sendPings: true,
        publishToSelf: false,
        open: (ws) => this.onOpen(ws),
        message: (ws, message) => this.onMessage(ws, message),
        drain: (ws) => this.pump(ws),
        close: (ws) => this.onClose(ws),
      },
    });
    this.server = server;
    this.publisher.onFlushed = (keys, count) => this.checkJoined(keys, count);
    this.timers.push(setInterval(() => this.heartbeat(), o.limits.heartbeatMs));
    this.timers.push(setInterval(() => this.sweep(), o.limits.sweepMs));
  }

  get port(): number {
    return this.server.port!;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** Closes every connection (CloseCode.ServerShutdown) and stops listening. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearInterval(t);
    this.publisher.stop();
    for (const ws of this.sockets) this.close(ws, CloseCode.ServerShutdown, "server stopping");
    await this.server.stop(true);
  }

  // ---- connection events ----

  private onOpen(ws: Socket): void {
    this.sockets.add(ws);
    this.stats.connectionsOpened++;
    ws.subscribe(hbTopic);
    ws.send(this.encoder.welcome(this.symbols.list(), this.limits));
  }

  private onClose(ws: Socket): void {
    this.sockets.delete(ws);
    const c = ws.data;
    c.closing = true;
    for (const key of c.subscriptions) this.dropSubscription(ws, key, false);
  }

  private onMessage(ws: Socket, message: string | Buffer): void {
    const c = ws.data;
    if (c.closing) return;
    const l = this.limits;
    if (!c.takeToken(performance.now(), l.requestsPerSecond, l.requestBurst)) {
      if (++c.rateLimited > l.rateLimitedMax)
        return this.close(ws, CloseCode.RateLimitAbuse, `more than ${l.rateLimitedMax} requests over the rate limit`);
      // The request id lets the client retry the right request (decoding is bounded work; abusers are closed above).
      const requestId =
        typeof message !== "string" && this.decoder.decode(message) ? this.decoder.request.requestId : 0;
      return this.sendError(
        ws,
        requestId,
        ErrorCode.RateLimited,
        `over ${l.requestsPerSecond} requests/s (burst ${l.requestBurst}); request dropped`,
      );
    }
    if (typeof message === "string")
      return this.malformed(
        ws,
        0,
        ErrorCode.TextFrame,
        "text frames are not accepted; send binary ClientFrame messages",
      );
    const d = this.decoder;
    if (!d.decode(message)) {
      const e = d.error;
      if (e.code === ErrorCode.MalformedFrame || e.code === ErrorCode.UnknownRequest)
        return this.malformed(ws, e.requestId, e.code, e.reason);
      return this.sendError(ws, e.requestId, e.code, e.reason);
    }
    const r = d.request;
    if (r.kind === RequestKind.Ping) {
      ws.send(this.encoder.pong(r.requestId));
      return;
    }
    const symbol = this.symbols.idOf(r.symbol);
    if (symbol < 0 || symbol >= this.publisher.symbolsMax)
      return this.sendError(ws, r.requestId, ErrorCode.UnknownSymbol, `unknown symbol ${JSON.stringify(r.symbol)}`);
    const slot = slotOf(r.channel, r.interval);
    if (r.kind === RequestKind.Subscribe) this.subscribe(ws, r.requestId, r.channel, r.interval, symbol, slot);
    else this.unsubscribe(ws, r.requestId, r.channel, r.interval, symbol, slot);
  }

  // ---- subscriptions ----

  private subscribe(
    ws: Socket,
    requestId: number,
    channel: number,
    interval: number,
    symbol: number,
    slot: number,
  ): void {
    const c = ws.data;
    const p = this.publisher;
    const key = symbol * slotsPerSymbol + slot;
    if (channel === Channel.Candles && !p.hasCandles)
      return this.sendError(ws, requestId, ErrorCode.UnknownChannel, "this server keeps no candles");
    if (c.subscriptions.has(key))
      return this.sendError(ws, requestId, ErrorCode.AlreadySubscribed, "already subscribed");
    if (c.subscriptions.size >= this.limits.subscriptionsMax) {
      return this.sendError(
        ws,
        requestId,
        ErrorCode.TooManySubscriptions,
        `at most ${this.limits.subscriptionsMax} subscriptions per connection`,
      );
    }
    c.subscriptions.add(key);
    ws.send(this.encoder.subscribed(requestId, channel, symbol, interval));
    // Everything collected so far goes out first: the snapshot then includes exactly the frames up to its seq.
    p.flushSymbol(symbol);
    if (slot === Slot.Book || slot === Slot.Orders) {
      p.addListener(symbol, slot, true);
      c.catchUps.push({
        symbol,
        slot,
        seq: p.seqOf(symbol, slot),
        parts: this.snapshot(symbol, slot),
        sent: 0,
        restarts: 0,
      });
      this.pump(ws);
      return;
    }
    p.addListener(symbol, slot, false);
    if (slot === Slot.Trades) ws.send(p.tradesSnapshot(symbol));
    else if (slot === Slot.Bbo) ws.send(p.currentBboFrame(symbol));
    else if (slot === Slot.Depth) ws.send(p.currentDepthFrame(symbol));
    else ws.send(p.candlesSnapshot(symbol, slot - Slot.Candles));
    this.join(ws, symbol, slot);
  }

  private join(ws: Socket, symbol: number, slot: number): void {
    const key = symbol * slotsPerSymbol + slot;
    let set = this.joined.get(key);
    if (set === undefined) {
      set = new Set();
      this.joined.set(key, set);
    }
    set.add(ws);
    ws.subscribe(this.publisher.topic(symbol, slot));
  }

  private unsubscribe(
    ws: Socket,
    requestId: number,
    channel: number,
    interval: number,
    symbol: number,
    slot: number,
  ): void {
    const key = symbol * slotsPerSymbol + slot;
    if (!ws.data.subscriptions.has(key))
      return this.sendError(ws, requestId, ErrorCode.NotSubscribed, "not subscribed");
    this.dropSubscription(ws, key, true);
    ws.send(this.encoder.unsubscribed(requestId, channel, symbol, interval));
  }

  private dropSubscription(ws: Socket, key: number, live: boolean): void {
    const c = ws.data;
    const symbol = Math.floor(key / slotsPerSymbol);
    const slot = key % slotsPerSymbol;
    c.subscriptions.delete(key);
    const at = c.catchUpOf(key, slotsPerSymbol);
    if (at >= 0) {
      c.catchUps.splice(at, 1);
      this.publisher.removeListener(symbol, slot, true);
      return;
    }
    this.joined.get(key)?.delete(ws);
    if (live) ws.unsubscribe(this.publisher.topic(symbol, slot));
    this.publisher.removeListener(symbol, slot, false);
  }

  private snapshot(symbol: number, slot: number): Uint8Array[] {
    return slot === Slot.Book ? this.publisher.bookSnapshot(symbol) : this.publisher.ordersSnapshot(symbol);
  }

  /**
   * Sends snapshot parts while the connection has room, at most
   * `snapshotPumpBytes` per event-loop turn (one big snapshot never holds up
   * the others); joins each topic once its snapshot is through.
   */
  private pump(ws: Socket): void {
    const c = ws.data;
    const p = this.publisher;
    c.pumpScheduled = false;
    let sentBytes = 0;
    while (c.catchUps.length > 0 && !c.closing) {
      const cu: CatchUp = c.catchUps[0]!;
      while (cu.sent < cu.parts.length) {
        if (ws.getBufferedAmount() > this.limits.snapshotPumpBytes) {
          // `drain` calls pump again.
          this.stats.snapshotWaits++;
          return;
        }
        if (sentBytes >= this.limits.snapshotPumpBytes) {
          this.stats.snapshotWaits++;
          if (!c.pumpScheduled) {
            c.pumpScheduled = true;
            setImmediate(() => this.pump(ws));
          }
          return;
        }
        const part = cu.parts[cu.sent++]!;
        sentBytes += part.length;
        ws.send(part);
      }
      if (!p.replayRetained(cu.symbol, cu.slot, cu.seq, (frame) => ws.send(frame))) {
        // The frames after the snapshot were no longer all retained: a fresh snapshot starts over.
        this.stats.snapshotRestarts++;
        if (++cu.restarts > this.limits.snapshotRestartsMax)
          return this.close(ws, CloseCode.SnapshotTooSlow, "could not take a snapshot in time");
        p.flushSymbol(cu.symbol);
        cu.seq = p.seqOf(cu.symbol, cu.slot);
        cu.parts = this.snapshot(cu.symbol, cu.slot);
        cu.sent = 0;
        continue;
      }
      this.join(ws, cu.symbol, cu.slot);
      p.stopRetaining(cu.symbol, cu.slot);
      c.catchUps.shift();
    }
  }

  // ---- errors, closing, timers ----

  private sendError(ws: Socket, requestId: number, code: number, reason: string): void {
    this.stats.errorsSent++;
    ws.send(this.encoder.error(requestId, code, reason));
  }

  private malformed(ws: Socket, requestId: number, code: number, reason: string): void {
    const c = ws.data;
    if (++c.malformed > this.limits.malformedMax)
      return this.close(ws, CloseCode.ProtocolAbuse, `more than ${this.limits.malformedMax} malformed frames`);
    this.sendError(ws, requestId, code, reason);
  }

  private close(ws: Socket, code: number, reason: string): void {
    const c = ws.data;
    if (c.closing) return;
    if (code === CloseCode.SlowConsumer) this.stats.closedSlow++;
    else if (code !== CloseCode.ServerShutdown) this.stats.closedAbuse++;
    // Subscriptions go now: a closing connection is sent nothing more.
    for (const key of c.subscriptions) this.dropSubscription(ws, key, true);
    c.closing = true;
    ws.close(closeCodeBase + code, reason);
  }

  private heartbeat(): void {
    this.server.publish(hbTopic, this.encoder.heartbeat(this.stream.releasedSeq, this.stream.releasedTsUs));
  }

  /** Closes connections that leave more than half the backpressure limit unread (every sweepMs). */
  private sweep(): void {
    for (const ws of this.sockets) this.checkUnread(ws);
  }

  /** After a flush: the subscribers of the topics it published to. */
  private checkJoined(keys: Int32Array, count: number): void {
    for (let k = 0; k < count; k++) {
      const set = this.joined.get(keys[k]!);
      if (set !== undefined) for (const ws of set) this.checkUnread(ws);
    }
  }

  private checkUnread(ws: Socket): void {
    const limit = this.limits.backpressureBytesMax / 2;
    const buffered = ws.getBufferedAmount();
    if (buffered > limit) this.close(ws, CloseCode.SlowConsumer, `${buffered} bytes unread (limit ${limit})`);
  }
}
