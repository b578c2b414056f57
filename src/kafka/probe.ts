// One Kafka ApiVersions (v0) round trip over a raw socket: the cheapest request
// every broker answers, and proof that the broker's request handling runs, not
// just that something holds the port. No client library, so the scripts work
// before librdkafka is installed, and the exchange's readiness check (full
// mode) needs no client either.

import { connect } from "node:net";

export interface KafkaProbe {
  /** 0 when the broker handled the request; a Kafka error code otherwise. */
  errorCode: number;
  /** API keys the broker advertises (0 when errorCode is set). */
  apiKeysCount: number;
  /** Round trip from connect to the full response, ms. */
  roundTripMs: number;
}

const apiKeyApiVersions = 18;
const correlationId = 0x6b61666b;
const clientId = "exchange-probe";
/** A v0 ApiVersions response lists about 90 keys at 6 bytes each; anything much larger is not a broker. */
const responseBytesMax = 64 * 1024;

function encodeRequest(): Buffer {
  const clientIdBytes = Buffer.from(clientId, "latin1");
  const bodyBytes = 2 + 2 + 4 + 2 + clientIdBytes.length;
  const frame = Buffer.alloc(4 + bodyBytes);
  frame.writeInt32BE(bodyBytes, 0);
  frame.writeInt16BE(apiKeyApiVersions, 4);
  frame.writeInt16BE(0, 6);
  frame.writeInt32BE(correlationId, 8);
  frame.writeInt16BE(clientIdBytes.length, 12);
  clientIdBytes.copy(frame, 14);
  return frame;
}

/** Parses a complete v0 response body (after the size prefix); null when it is not one. */
function decodeResponse(body: Buffer): { errorCode: number; apiKeysCount: number } | null {
  if (body.length < 4 + 2 + 4) return null;
  if (body.readInt32BE(0) !== correlationId) return null;
  const errorCode = body.readInt16BE(4);
  const apiKeysCount = body.readInt32BE(6);
  if (errorCode === 0 && (apiKeysCount < 0 || body.length < 10 + apiKeysCount * 6)) return null;
  return { errorCode, apiKeysCount: errorCode === 0 ? apiKeysCount : 0 };
}

/** Resolves with the broker's answer, or null when nothing Kafka-like answers within `timeoutMs`. */
export function probeKafka(port: number, timeoutMs: number, host = "127.0.0.1"): Promise<KafkaProbe | null> {
  const startedMs = performance.now();
  return new Promise((resolvePromise) => {
    let received = Buffer.alloc(0);
    let done = false;
    const finish = (value: KafkaProbe | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolvePromise(value);
    };
    const socket = connect({ host, port, noDelay: true });
    const timer = setTimeout(() => finish(null), timeoutMs);
    socket.on("error", () => finish(null));
    socket.on("close", () => finish(null));
    socket.on("connect", () => socket.write(encodeRequest()));
    socket.on("data", (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4) return;
      const bodyBytes = received.readInt32BE(0);
      if (bodyBytes < 0 || bodyBytes > responseBytesMax) return finish(null);
      if (received.length < 4 + bodyBytes) return;
      const decoded = decodeResponse(received.subarray(4, 4 + bodyBytes));
      finish(decoded === null ? null : { ...decoded, roundTripMs: performance.now() - startedMs });
    });
  });
}
