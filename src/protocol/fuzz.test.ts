// Proves that random and mutated frames, cut into random chunks, always come out of splitter + verifier + decoder as a
// decoded message or an error value: no exception, no read outside the frame, no frame lost.
//   FUZZ_SEED=n reproduces a run; FUZZ_FRAMES=n sets the count; SOAK=1 runs 20,000,000 frames
//   (default 2,000,000, about 7 s).

import { expect, test } from "bun:test";
import { ClientDecoder, Encoder, InputRecordDecoder, ServerDecoder } from "./codec.ts";
import { ProtocolError, protocolErrorNames, serverFrameBytesMax } from "./constants.ts";
import { CheckedByteBuffer, fieldsOf, randomClient, randomRecord, randomServer, Rng } from "./fixtures.ts";
import { FrameSplitter, FrameStatus, writeLength } from "./frame.ts";
import { ClientMessage, InputRecordView, ServerMessage } from "./messages.ts";

const seed =
  process.env.FUZZ_SEED !== undefined
    ? Number(process.env.FUZZ_SEED)
    : (Date.now() ^ Math.floor(Math.random() * 2 ** 32)) >>> 0;
const framesTarget =
  process.env.FUZZ_FRAMES !== undefined
    ? Number(process.env.FUZZ_FRAMES)
    : process.env.SOAK === "1"
      ? 20_000_000
      : 2_000_000;
console.log(
  `fuzz seed=${seed} frames=${framesTarget} (reproduce: FUZZ_SEED=${seed} FUZZ_FRAMES=${framesTarget} ./bunw ` +
    `test src/protocol/fuzz.test.ts)`,
);

const Kind = { Client: 0, Server: 1, Record: 2 } as const;

/** A decoder of each kind, each reading through a bounds-checked ByteBuffer. */
class Decoders {
  readonly bb = new CheckedByteBuffer(new Uint8Array(0));
  readonly client = new ClientDecoder(this.bb);
  readonly server = new ServerDecoder(this.bb);
  readonly record = new InputRecordDecoder(this.bb);
  readonly clientOut = new ClientMessage();
  readonly serverOut = new ServerMessage();
  readonly recordOut = new InputRecordView();

  decode(kind: number, bytes: Uint8Array, start: number, end: number): number {
    this.bb.window(start, end);
    if (kind === Kind.Client) return this.client.decode(bytes, start, end, this.clientOut);
    if (kind === Kind.Server) return this.server.decode(bytes, start, end, this.serverOut);
    return this.record.decode(bytes, start, end, this.recordOut);
  }

  out(kind: number): object {
    return kind === Kind.Client ? this.clientOut : kind === Kind.Server ? this.serverOut : this.recordOut;
  }
}

interface Sample {
  kind: number;
  payload: Uint8Array;
  /** The decoded form of the unmutated payload. */
  fields: Record<string, unknown>;
}

function corpus(rng: Rng): Sample[] {
  const e = new Encoder();
  const d = new Decoders();
  const samples: Sample[] = [];
  for (let i = 0; i < 64; i++) {
    for (const kind of [Kind.Client, Kind.Server, Kind.Record]) {
      if (kind === Kind.Client) e.client(randomClient(rng));
      else if (kind === Kind.Server) e.server(randomServer(rng, undefined, 6));
      else e.inputRecord(randomRecord(rng));
      const payload = e.frame().slice(4);
      expect(d.decode(kind, payload, 0, payload.length)).toBe(ProtocolError.Ok);
      samples.push({ kind, payload, fields: fieldsOf(d.out(kind)) });
    }
  }
  return samples;
}

const interesting32 = [
  0, 1, 2, 3, 4, 8, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff,
];
const interesting16 = [0, 1, 2, 3, 4, 5, 6, 0x7fff, 0x8000, 0xfffe, 0xffff];

/** Writes a mutated copy of `sample` (or garbage) at `bytes[at]`; returns its length and whether it is unchanged. */
function mutate(rng: Rng, sample: Sample, bytes: Uint8Array, at: number): { length: number; intact: boolean } {
  const src = sample.payload;
  const how = rng.below(10);
  if (how === 0) {
    const length = 1 + rng.below(300);
    for (let i = 0; i < length; i++) bytes[at + i] = rng.below(256);
    return { length, intact: false };
  }
  let length = src.length;
  if (how === 1) length = 1 + rng.below(src.length);
  if (how === 2) length = src.length + 1 + rng.below(64);
  bytes.set(src.subarray(0, Math.min(length, src.length)), at);
  for (let i = src.length; i < length; i++) bytes[at + i] = rng.below(256);
  const view = new DataView(bytes.buffer, bytes.byteOffset + at, length);
  const flips = 1 + rng.below(4);
  switch (how) {
    case 3: // random bytes
      for (let i = 0; i < flips; i++) bytes[at + rng.below(length)] = rng.below(256);
      break;
    case 4: // an aligned 32-bit word (offsets, lengths, U53 halves) set to an edge value
      if (length >= 4)
        for (let i = 0; i < flips; i++)
          view.setUint32(4 * rng.below(length >> 2), rng.chance(0.8) ? rng.pick(interesting32) : rng.u32(), true);
      break;
    case 5: // an aligned 16-bit word (vtable entries) set to an edge value
      if (length >= 2)
        for (let i = 0; i < flips; i++) view.setUint16(2 * rng.below(length >> 1), rng.pick(interesting16), true);
      break;
    case 6: {
      // a vtable entry of the root table, found by following the (unmutated) root
      const root = length >= 8 ? view.getUint32(0, true) : length;
      if (root + 4 <= length) {
        const vt = root - view.getInt32(root, true);
        const slot = rng.below(6);
        if (vt >= 0 && vt + 6 + 2 * slot <= length) view.setUint16(vt + 2 * slot, rng.pick(interesting16), true);
      }
      break;
    }
    case 7: // splice in the tail of another payload at the same place
      break;
    default: // 8, 9: unchanged
      return { length, intact: how >= 8 };
  }
  return { length, intact: false };
}

/** One fuzz run's state: the corpus, the decoders, the stream buffer and what came out. */
class FuzzRun {
  readonly rng = new Rng(seed);
  readonly samples = corpus(this.rng);
  readonly decoders = new Decoders();
  readonly splitter = new FrameSplitter(serverFrameBytesMax);
  readonly stream = new Uint8Array(1 << 20);
  readonly scratch = new Uint8Array(1 << 16);
  /** Per frame of the current stream: the decoder kind that reads it, its corpus sample, whether it is unmutated. */
  readonly kinds: number[] = [];
  readonly sources: number[] = [];
  readonly intact: boolean[] = [];
  readonly errors = new Array<number>(protocolErrorNames.length).fill(0);
  framesIn = 0;
  framesOut = 0;
  decoded = 0;
  intactChecked = 0;
  moved = 0;
  streams = 0;

  /**
   * Builds a stream of frames: mutated corpus payloads and garbage, each with a true length prefix, and now and
   * then a bad length at the end. Returns the stream's bytes, frame count and whether it ends with a bad length.
   */
  buildStream(): { at: number; count: number; badLength: boolean } {
    const { rng, samples, stream, kinds, sources, intact } = this;
    this.streams++;
    kinds.length = 0;
    sources.length = 0;
    intact.length = 0;
    let at = 0;
    const count = 1 + rng.below(32);
    for (let i = 0; i < count; i++) {
      const source = rng.below(samples.length);
      const sample = samples[source]!;
      const m = mutate(rng, sample, stream, at + 4);
      if (rng.below(10) === 7 && m.length > 8) {
        const other = samples[rng.below(samples.length)]!.payload;
        const cut = rng.below(m.length);
        stream.set(other.subarray(cut, Math.min(other.length, m.length)), at + 4 + cut);
        m.intact = false;
      }
      writeLength(stream, at, m.length);
      at += 4 + m.length;
      // A third of the time the frame is read by another kind's decoder.
      kinds.push(rng.chance(0.67) ? sample.kind : rng.below(3));
      sources.push(source);
      intact.push(m.intact && kinds[kinds.length - 1] === sample.kind);
    }
    this.framesIn += count;
    const badLength = rng.chance(1 / 64);
    if (badLength) {
      writeLength(
        stream,
        at,
        rng.chance(0.5) ? 0 : serverFrameBytesMax - 3 + rng.below(2 ** 32 - serverFrameBytesMax + 3),
      );
      at += 4 + rng.below(16);
    }
    return { at, count, badLength };
  }

  /** Feeds the stream's first `at` bytes in random chunks and checks each frame; returns the splitter's last status. */
  feed(at: number): { status: FrameStatus; frames: number } {
    const { rng, splitter } = this;
    splitter.reset();
    let index = 0;
    let status: FrameStatus = FrameStatus.NeedMore;
    for (let from = 0; from < at && status !== FrameStatus.Error;) {
      const to = Math.min(at, from + 1 + rng.below(rng.chance(0.3) ? 16 : 2048));
      splitter.push(this.stream.subarray(from, to));
      from = to;
      for (status = splitter.next(); status === FrameStatus.Frame; status = splitter.next()) {
        this.checkFrame(index);
        index++;
        this.framesOut++;
      }
    }
    return { status, frames: index };
  }

  /** Decodes the splitter's current frame, the `index`th of the stream, and checks what came out. */
  private checkFrame(index: number): void {
    const { rng, splitter, decoders, scratch } = this;
    const kind = this.kinds[index]!;
    const code = decoders.decode(kind, splitter.bytes, splitter.start, splitter.end);
    this.errors[code]!++;
    if (code === ProtocolError.Ok) {
      this.decoded++;
      if (this.intact[index]) {
        // An unmutated frame decodes to exactly what the corpus decoded.
        if ((this.framesOut & 15) === 0)
          expect(fieldsOf(decoders.out(kind))).toEqual(this.samples[this.sources[index]!]!.fields);
        this.intactChecked++;
      } else if ((this.framesOut & 31) === 0) {
        // Position independence: the same bytes elsewhere, amid garbage, decode the same.
        const length = splitter.end - splitter.start;
        const shift = rng.below(8);
        const first = fieldsOf(decoders.out(kind));
        scratch.fill(rng.below(256), 0, length + 16);
        scratch.set(splitter.bytes.subarray(splitter.start, splitter.end), shift);
        expect(decoders.decode(kind, scratch, shift, shift + length)).toBe(ProtocolError.Ok);
        expect(fieldsOf(decoders.out(kind))).toEqual(first);
        this.moved++;
      }
    } else if (this.intact[index]) {
      throw new Error(`unmutated frame ${index} of stream ${this.streams} refused: ${protocolErrorNames[code]}`);
    }
  }
}

test(
  `fuzz: ${framesTarget} random and mutated frames through splitter, verifier and decoder`,
  () => {
    const run = new FuzzRun();
    const { splitter, errors } = run;
    const started = performance.now();
    while (run.framesIn < framesTarget) {
      const { at, count, badLength } = run.buildStream();
      const { status, frames } = run.feed(at);
      // Every frame came out; a bad length, and only a bad length, ends the stream with an error value.
      expect(frames).toBe(count);
      if (badLength) {
        expect(status).toBe(FrameStatus.Error);
        expect(splitter.error === ProtocolError.FrameZeroLength || splitter.error === ProtocolError.FrameTooLong).toBe(
          true,
        );
        errors[splitter.error]!++;
      } else {
        expect(status).toBe(FrameStatus.NeedMore);
        expect(splitter.pendingBytes).toBe(0);
      }
    }

    const seconds = (performance.now() - started) / 1000;
    const { framesIn, decoded } = run;
    expect(run.framesOut).toBe(framesIn);
    const summary = errors.map((n, code) => (n > 0 ? `${protocolErrorNames[code]}=${n}` : "")).filter((s) => s !== "");
    console.log(
      `fuzz: ${framesIn} frames in ${run.streams} streams, ${seconds.toFixed(1)} s; ` +
        `decoded ${decoded} (intact checked ${run.intactChecked}, moved ${run.moved}); ${summary.join(" ")}`,
    );
    // Every error kind a mutation can produce showed up at least once, so the run reached deep into the verifier.
    expect(decoded).toBeGreaterThan(framesIn / 10);
    for (const code of [
      ProtocolError.BufferTooShort,
      ProtocolError.VtableOutOfBounds,
      ProtocolError.VtableBadSize,
      ProtocolError.FieldOutOfBounds,
      ProtocolError.OffsetOutOfBounds,
      ProtocolError.LengthOutOfBounds,
      ProtocolError.RequiredFieldMissing,
      ProtocolError.UnknownMessageType,
    ]) {
      if (framesIn >= 100_000)
        expect({ code: protocolErrorNames[code], seen: errors[code]! > 0 }).toEqual({
          code: protocolErrorNames[code],
          seen: true,
        });
    }
  },
  // SOAK runs take minutes; the default run stays under a minute.
  3_600_000,
);
