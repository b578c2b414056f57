// A WebSocket client over a plain TCP socket that can stop reading: the
// backpressure tests need a client whose kernel buffers fill while the server
// keeps publishing, which a WebSocket object cannot do. It does the opening
// handshake, sends masked binary frames, and parses what it read once resumed.

import { connect, type Socket } from "node:net";
import { waitFor } from "../support/wait.ts";

export class TcpWsClient {
  private readonly socket: Socket;
  private buffer = Buffer.alloc(0);
  private upgraded = false;
  /** Binary message payloads received, in order. */
  readonly messages: Uint8Array[] = [];
  /** Close frame's code, 0 until one arrives. */
  closeCode = 0;
  closeReason = "";
  ended = false;

  constructor(port: number, path: string) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.on("data", (d: Buffer) => this.onData(d));
    this.socket.on("close", () => {
      this.ended = true;
    });
    this.socket.on("error", () => {
      this.ended = true;
    });
    this.socket.write(
      `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: ` +
        `Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  }

  async open(): Promise<this> {
    await waitFor(() => this.upgraded && this.messages.length > 0, {
      timeoutMs: 10_000,
      what: "websocket upgrade and welcome",
    });
    return this;
  }

  /** Sends one masked binary frame (clients must mask). */
  send(payload: Uint8Array): void {
    const mask = [0x12, 0x34, 0x56, 0x78];
    if (payload.length > 125) throw new Error("tcp ws client: small frames only");
    const frame = Buffer.alloc(6 + payload.length);
    frame[0] = 0x82;
    frame[1] = 0x80 | payload.length;
    for (let i = 0; i < 4; i++) frame[2 + i] = mask[i]!;
    for (let i = 0; i < payload.length; i++) frame[6 + i] = payload[i]! ^ mask[i & 3]!;
    this.socket.write(frame);
  }

  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    if (!this.upgraded) {
      const end = this.buffer.indexOf("\r\n\r\n");
      if (end < 0) return;
      if (!this.buffer.subarray(0, end).toString().startsWith("HTTP/1.1 101"))
        throw new Error(`no upgrade: ${this.buffer.subarray(0, end)}`);
      this.upgraded = true;
      this.buffer = this.buffer.subarray(end + 4);
    }
    this.parse();
  }

  private parse(): void {
    for (;;) {
      const b = this.buffer;
      if (b.length < 2) return;
      const opcode = b[0]! & 0x0f;
      let length = b[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        at = 10;
      }
      if (b.length < at + length) return;
      const payload = b.subarray(at, at + length);
      if (opcode === 0x2) this.messages.push(new Uint8Array(payload));
      else if (opcode === 0x8) {
        this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
        this.closeReason = payload.subarray(2).toString();
      }
      this.buffer = b.subarray(at + length);
    }
  }
}
