// Feed clients for the benchmark, in a process of their own (so their
// decoding does not share the server's event loop): opens `count` WebSocket
// connections, subscribes each, and records for every frame the delay from
// the engine time it carries to its arrival here. Reads only what it needs:
// the frame type and the time field (per trade for Trades frames).
//
//   bun bench/feed/clients.ts '<json Options>'
// stdout: "ready <connected> <connectMs>" once all are subscribed, then after
// "start" and "stop" on stdin one JSON line with the results.

import { Builder, ByteBuffer } from "flatbuffers";
import { join53 } from "../../src/feed/constants.ts";
import { BookUpdate } from "../../src/feed/generated/feed/book-update.ts";
import { ClientFrame } from "../../src/feed/generated/feed/client-frame.ts";
import { Depth } from "../../src/feed/generated/feed/depth.ts";
import { Message } from "../../src/feed/generated/feed/message.ts";
import { OrdersUpdate } from "../../src/feed/generated/feed/orders-update.ts";
import { Request } from "../../src/feed/generated/feed/request.ts";
import { ServerFrame } from "../../src/feed/generated/feed/server-frame.ts";
import { Subscribe } from "../../src/feed/generated/feed/subscribe.ts";
import { Trade } from "../../src/feed/generated/feed/trade.ts";
import { Trades } from "../../src/feed/generated/feed/trades.ts";
import { U53 } from "../../src/feed/generated/feed/u53.ts";

export interface ClientsOptions {
  url: string;
  count: number;
  /** Per client: [channel, symbol] pairs; client i takes symbols[i % symbols.length]. */
  channels: number[];
  symbols: string[];
  /** Connections opened at once (the rest wait for these to open). */
  parallel: number;
}

export interface ClientsResult {
  connected: number;
  closed: number;
  frames: number;
  bytes: number;
  /** Delay samples in ms, per kind of frame. */
  latency: Record<string, { count: number; p50: number; p90: number; p99: number; p999: number; max: number }>;
}

const samplesMax = 4_000_000;

class Samples {
  readonly values = new Float32Array(samplesMax);
  count = 0;
  seen = 0;
  add(ms: number): void {
    this.seen++;
    if (this.count < samplesMax) this.values[this.count++] = ms;
    else {
      // Reservoir: every sample stays equally likely to be kept.
      const j = Math.floor(Math.random() * this.seen);
      if (j < samplesMax) this.values[j] = ms;
    }
  }
  summary() {
    const v = this.values.slice(0, this.count).sort();
    const q = (p: number) => (v.length === 0 ? 0 : v[Math.min(v.length - 1, Math.floor(p * v.length))]!);
    return {
      count: this.seen,
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      p999: q(0.999),
      max: v.length === 0 ? 0 : v[v.length - 1]!,
    };
  }
}

function subscribeFrame(id: number, channel: number, symbol: string): Uint8Array {
  const b = new Builder(64);
  const s = b.createString(symbol);
  b.finish(ClientFrame.createClientFrame(b, Request.Subscribe, Subscribe.createSubscribe(b, id, channel, s, 0)));
  return b.asUint8Array().slice();
}

const nowUs = () => (performance.timeOrigin + performance.now()) * 1000;

/** What this process's clients received: frame and byte counts, and per kind the engine-to-client latency. */
class Received {
  readonly byKind: Record<string, Samples> = {};
  recording = false;
  frames = 0;
  bytes = 0;
  subscribed = 0;
  welcomed = 0;
  private readonly frame = new ServerFrame();
  private readonly u = new U53();
  private readonly trade = new Trade();
  private readonly trades = new Trades();
  private readonly depth = new Depth();
  private readonly book = new BookUpdate();
  private readonly orders = new OrdersUpdate();

  private sample(kind: string, ms: number): void {
    (this.byKind[kind] ??= new Samples()).add(ms);
  }

  onData(data: ArrayBuffer): void {
    const at = nowUs();
    const f = ServerFrame.getRootAsServerFrame(new ByteBuffer(new Uint8Array(data)), this.frame);
    const type = f.messageType();
    if (type === Message.Subscribed) this.subscribed++;
    else if (type === Message.Welcome) this.welcomed++;
    if (!this.recording) return;
    this.frames++;
    this.bytes += data.byteLength;
    const u = this.u;
    if (type === Message.Trades) {
      const t = f.message(this.trades) as Trades;
      if (t.snapshot()) return;
      for (let i = 0; i < t.tradesLength(); i++) {
        t.trades(i, this.trade);
        this.sample("trade", (at - join53(this.trade.timeUsLo(), this.trade.timeUsHi())) / 1000);
      }
    } else if (type === Message.Depth) {
      const e = (f.message(this.depth) as Depth).engineTimeUs(u)!;
      this.sample("depth", (at - join53(e.lo(), e.hi())) / 1000);
    } else if (type === Message.BookUpdate) {
      const e = (f.message(this.book) as BookUpdate).engineTimeUs(u)!;
      this.sample("book", (at - join53(e.lo(), e.hi())) / 1000);
    } else if (type === Message.OrdersUpdate) {
      const e = (f.message(this.orders) as OrdersUpdate).engineTimeUs(u)!;
      this.sample("orders", (at - join53(e.lo(), e.hi())) / 1000);
    }
  }
}

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2]!) as ClientsOptions;
  const received = new Received();
  let connected = 0;
  let closed = 0;

  const started = performance.now();
  const sockets: WebSocket[] = [];
  let next = 0;
  const open = () => {
    if (next >= o.count) return;
    const i = next++;
    const ws = new WebSocket(o.url);
    ws.binaryType = "arraybuffer";
    sockets.push(ws);
    ws.onopen = () => {
      connected++;
      const symbol = o.symbols[i % o.symbols.length]!;
      o.channels.forEach((ch, k) => ws.send(subscribeFrame(k + 1, ch, symbol)));
      open();
    };
    ws.onmessage = (e) => received.onData(e.data as ArrayBuffer);
    ws.onclose = () => {
      closed++;
    };
  };
  for (let k = 0; k < o.parallel; k++) open();
  const want = o.count * o.channels.length;
  while ((received.welcomed < o.count || received.subscribed < want) && closed === 0) await Bun.sleep(5);
  console.log(`ready ${connected} ${(performance.now() - started).toFixed(0)}`);

  for await (const line of console) {
    if (line === "start") received.recording = true;
    if (line === "stop") break;
  }
  const latency: ClientsResult["latency"] = {};
  for (const [k, s] of Object.entries(received.byKind)) latency[k] = s.summary();
  const { frames, bytes } = received;
  const result: ClientsResult = { connected, closed, frames, bytes, latency };
  console.log(JSON.stringify(result));
  for (const ws of sockets) ws.close();
  process.exit(0);
}

await main();
