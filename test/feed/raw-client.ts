// A bare WebSocket client for the hostile-input tests: sends whatever bytes
// it is given, keeps every server frame decoded to its message type (and
// errors to their code and reason), and records how the connection closed.

import { Builder, ByteBuffer } from "flatbuffers";
import { ClientFrame } from "../../src/feed/generated/feed/client-frame.ts";
import { Error as FeedError } from "../../src/feed/generated/feed/error.ts";
import { Message } from "../../src/feed/generated/feed/message.ts";
import { Ping } from "../../src/feed/generated/feed/ping.ts";
import { Request } from "../../src/feed/generated/feed/request.ts";
import { ServerFrame } from "../../src/feed/generated/feed/server-frame.ts";
import { Subscribe } from "../../src/feed/generated/feed/subscribe.ts";
import { Unsubscribe } from "../../src/feed/generated/feed/unsubscribe.ts";
import { waitFor } from "../support/wait.ts";

export interface ReceivedFrame {
  type: number;
  errorCode: number;
  errorRequestId: number;
  reason: string;
}

export class RawClient {
  readonly ws: WebSocket;
  readonly frames: ReceivedFrame[] = [];
  closeCode = 0;
  closeReason = "";
  opened = false;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => {
      this.opened = true;
    };
    this.ws.onmessage = (e) => {
      const f = ServerFrame.getRootAsServerFrame(new ByteBuffer(new Uint8Array(e.data as ArrayBuffer)));
      const frame: ReceivedFrame = { type: f.messageType(), errorCode: 0, errorRequestId: 0, reason: "" };
      if (frame.type === Message.Error) {
        const err = f.message(new FeedError()) as FeedError;
        frame.errorCode = err.code();
        frame.errorRequestId = err.requestId();
        frame.reason = err.reason() ?? "";
      }
      this.frames.push(frame);
    };
    this.ws.onclose = (e) => {
      this.closeCode = e.code;
      this.closeReason = e.reason;
    };
  }

  async open(): Promise<this> {
    await waitFor(() => this.frames.some((f) => f.type === Message.Welcome), { timeoutMs: 10_000, what: "welcome" });
    return this;
  }

  send(bytes: Uint8Array | string): void {
    this.ws.send(bytes);
  }

  errors(): ReceivedFrame[] {
    return this.frames.filter((f) => f.type === Message.Error);
  }

  count(type: number): number {
    return this.frames.filter((f) => f.type === type).length;
  }

  /** Waits for the n-th frame of `type` (counting from the start). */
  async nth(type: number, n: number): Promise<ReceivedFrame> {
    await waitFor(() => this.count(type) >= n, { timeoutMs: 10_000, what: `frame ${Message[type]} #${n}` });
    return this.frames.filter((f) => f.type === type)[n - 1]!;
  }

  async closed(): Promise<number> {
    await waitFor(() => this.closeCode !== 0, { timeoutMs: 10_000, what: "close" });
    return this.closeCode;
  }

  close(): void {
    this.ws.close();
  }
}

export function subscribeFrame(
  requestId: number,
  channel: number,
  symbol: string,
  interval = 0,
  unsubscribe = false,
): Uint8Array {
  const b = new Builder(128);
  const name = b.createString(symbol);
  const body = unsubscribe
    ? Unsubscribe.createUnsubscribe(b, requestId, channel, name, interval)
    : Subscribe.createSubscribe(b, requestId, channel, name, interval);
  b.finish(ClientFrame.createClientFrame(b, unsubscribe ? Request.Unsubscribe : Request.Subscribe, body));
  return b.asUint8Array().slice();
}

export function pingFrame(requestId: number): Uint8Array {
  const b = new Builder(64);
  b.finish(ClientFrame.createClientFrame(b, Request.Ping, Ping.createPing(b, requestId)));
  return b.asUint8Array().slice();
}
