// Proves every message type survives encode -> frame -> verify -> decode unchanged, that value checks give the engine's
// reject codes, and that the encoder refuses what the wire cannot carry.

import { describe, expect, test } from "bun:test";
import { Reject } from "../engine/constants.ts";
import {
  Body,
  ClientDecoder,
  Command,
  Encoder,
  InputRecordDecoder,
  ServerDecoder,
  validateMassCancel,
  validateNewOrder,
} from "./codec.ts";
import {
  clientFrameBytesMax,
  loginSymbolsCountMax,
  openOrdersPageCountMax,
  ProtocolError,
  serverFrameBytesMax,
  symbolNameBytesMax,
} from "./constants.ts";
import {
  CheckedByteBuffer,
  clientBodies,
  commands,
  fieldsOf,
  randomClient,
  randomRecord,
  randomServer,
  randomSymbol,
  Rng,
  serverBodies,
} from "./fixtures.ts";
import { FrameSplitter, FrameStatus } from "./frame.ts";
import { ClientMessage, InputRecordView, OpenOrderInfo, ServerMessage } from "./messages.ts";

const seed = Number(process.env.SEED ?? 12345);
console.log(`codec.test seed=${seed}`);

/** Encodes with `encode`, splits the frame back out, decodes with a bounds-checked buffer. */
function roundTrip<T>(
  encode: (e: Encoder) => number,
  decode: (bb: CheckedByteBuffer, bytes: Uint8Array, start: number, end: number) => T,
): T {
  const encoder = new Encoder();
  const frameBytes = encode(encoder);
  const frame = encoder.frame();
  expect(frame.length).toBe(frameBytes);
  const splitter = new FrameSplitter(serverFrameBytesMax);
  splitter.push(frame);
  expect(splitter.next()).toBe(FrameStatus.Frame);
  expect(splitter.next()).toBe(FrameStatus.NeedMore);
  const bb = new CheckedByteBuffer(new Uint8Array(0));
  bb.window(splitter.start, splitter.end);
  return decode(bb, splitter.bytes, splitter.start, splitter.end);
}

function clientRoundTrip(m: ClientMessage): ClientMessage {
  return roundTrip(
    (e) => e.client(m),
    (bb, bytes, start, end) => {
      const out = new ClientMessage();
      const decoder = new ClientDecoder(bb);
      expect(decoder.decode(bytes, start, end, out)).toBe(ProtocolError.Ok);
      return out;
    },
  );
}

function serverRoundTrip(m: ServerMessage): ServerMessage {
  return roundTrip(
    (e) => e.server(m),
    (bb, bytes, start, end) => {
      const out = new ServerMessage();
      const decoder = new ServerDecoder(bb);
      expect(decoder.decode(bytes, start, end, out)).toBe(ProtocolError.Ok);
      return out;
    },
  );
}

function recordRoundTrip(r: InputRecordView): InputRecordView {
  return roundTrip(
    (e) => e.inputRecord(r),
    (bb, bytes, start, end) => {
      const out = new InputRecordView();
      const decoder = new InputRecordDecoder(bb);
      expect(decoder.decode(bytes, start, end, out)).toBe(ProtocolError.Ok);
      return out;
    },
  );
}

describe("round trips", () => {
  test("every client message type, 200 random values each", () => {
    const rng = new Rng(seed);
    for (const body of clientBodies) {
      for (let i = 0; i < 200; i++) {
        const m = randomClient(rng, body);
        const out = clientRoundTrip(m);
        const expected = fieldsOf(m);
        const reject = out.reject;
        expected.reject = reject;
        expect(fieldsOf(out)).toEqual(expected);
        // The decoder's verdict equals the value checks applied to the source.
        if (body === Body.NewOrder) expect(reject).toBe(validateNewOrder(m));
        if (body === Body.MassCancel) expect(reject).toBe(validateMassCancel(m));
      }
    }
  });

  test("every exchange message type, 200 random values each", () => {
    const rng = new Rng(seed + 1);
    for (const body of serverBodies) {
      for (let i = 0; i < 200; i++) {
        const m = randomServer(rng, body);
        const out = serverRoundTrip(m);
        const expected = fieldsOf(m);
        const actual = fieldsOf(out);
        // Only the fields of the message's own body are compared; the rest are zero in the output.
        if (body === Body.ExecutionReport) expect(actual.report).toEqual(expected.report);
        if (body === Body.LoginAccepted) {
          for (const k of ["userId", "sessionId", "symbols", "limits"]) expect(actual[k]).toEqual(expected[k]);
        }
        if (body === Body.OpenOrders) {
          expect(actual.orders).toEqual(expected.orders);
          expect(out.more).toBe(m.more);
        }
        if (body === Body.LoginRejected || body === Body.Logout) {
          expect(out.reason).toBe(m.reason);
          expect(out.text).toBe(m.text);
        }
        expect(out.timeoutMs).toBe(body === Body.DeadMansSwitchStatus ? m.timeoutMs : 0);
        expect(out.seq).toBe(m.seq);
        expect(out.body).toBe(body);
      }
    }
  });

  test("every input-record command, 200 random values each", () => {
    const rng = new Rng(seed + 2);
    for (const command of commands) {
      for (let i = 0; i < 200; i++) {
        const r = randomRecord(rng, command);
        expect(fieldsOf(recordRoundTrip(r))).toEqual(fieldsOf(r));
      }
    }
  });

  test("extreme values: 0, 2^53 - 1, int32 bounds, full 64-bit timestamp", () => {
    const m = new ClientMessage();
    m.body = Body.NewOrder;
    m.seq = 2 ** 53 - 1;
    m.clientOrderId = 2 ** 53 - 1;
    m.qtyLots = 2 ** 53 - 1;
    m.priceTicks = 0x7fffffff;
    m.stopPriceTicks = 0x7fffffff;
    m.symbolId = 0xffffffff;
    const out = clientRoundTrip(m);
    expect(out.seq).toBe(2 ** 53 - 1);
    expect(out.clientOrderId).toBe(2 ** 53 - 1);
    expect(out.qtyLots).toBe(2 ** 53 - 1);
    expect(out.priceTicks).toBe(0x7fffffff);
    expect(out.symbolId).toBe(0xffffffff);
    expect(out.reject).toBe(0);

    const s = new ServerMessage();
    s.body = Body.ExecutionReport;
    s.report.timestampNs = 2 ** 64 - 2 ** 11; // the largest double below 2^64
    s.report.priceTicks = -0x80000000;
    expect(serverRoundTrip(s).report.timestampNs).toBe(2 ** 64 - 2 ** 11);
    expect(serverRoundTrip(s).report.priceTicks).toBe(-0x80000000);
  });

  test("full pages fit the exchange frame limit", () => {
    const rng = new Rng(seed + 3);
    const login = randomServer(rng, Body.LoginAccepted, 0);
    login.symbols = Array.from({ length: loginSymbolsCountMax }, () => {
      const s = randomSymbol(rng);
      s.name = "X".repeat(symbolNameBytesMax);
      return s;
    });
    expect(serverRoundTrip(login).symbols.length).toBe(loginSymbolsCountMax);
    const page = randomServer(rng, Body.OpenOrders, 0);
    page.orders = Array.from({ length: openOrdersPageCountMax }, () => {
      const o = new OpenOrderInfo();
      o.clientOrderId = 2 ** 53 - 1;
      o.orderId = 2 ** 53 - 1;
      o.qtyLots = 2 ** 53 - 1;
      o.leavesQtyLots = 2 ** 53 - 1;
      o.priceTicks = 1;
      o.stopPriceTicks = 1;
      return o;
    });
    expect(serverRoundTrip(page).orders.length).toBe(openOrdersPageCountMax);
  });
});

describe("value checks (engine reject codes)", () => {
  const decode = (mutate: (m: ClientMessage) => void, body: number = Body.NewOrder): number => {
    const m = new ClientMessage();
    m.body = body;
    m.clientOrderId = 1;
    m.qtyLots = 10;
    m.priceTicks = 100;
    mutate(m);
    return clientRoundTrip(m).reject;
  };

  test("a valid order has no reject", () => {
    expect(decode(() => {})).toBe(0);
    expect(decode(() => {}, Body.Cancel)).toBe(0);
    expect(decode(() => {}, Body.Modify)).toBe(0);
  });

  test("enums out of range are bad_field", () => {
    expect(decode((m) => (m.side = 2))).toBe(Reject.BadField);
    expect(decode((m) => (m.type = 4))).toBe(Reject.BadField);
    expect(decode((m) => (m.tif = 3))).toBe(Reject.BadField);
    expect(decode((m) => (m.stp = 5))).toBe(Reject.BadField);
    expect(decode((m) => (m.side = 255))).toBe(Reject.BadField);
  });

  test("quantity 0 is bad_quantity; negative prices are out of band", () => {
    expect(decode((m) => (m.qtyLots = 0))).toBe(Reject.BadQuantity);
    expect(decode((m) => (m.qtyLots = 0), Body.Modify)).toBe(Reject.BadQuantity);
    expect(decode((m) => (m.priceTicks = -1))).toBe(Reject.PriceOutOfBand);
    expect(decode((m) => (m.stopPriceTicks = -0x80000000))).toBe(Reject.PriceOutOfBand);
    expect(decode((m) => (m.priceTicks = -5), Body.Modify)).toBe(Reject.PriceOutOfBand);
  });

  test(
    "mass cancel: a side outside MassCancelSide, a reason other than None, all_users, " +
      "or a request id of 2^53 is bad_field",
    () => {
      const mass = (mutate: (m: ClientMessage) => void): number =>
        decode((m) => {
          m.clearOrder();
          m.clientOrderId = 77;
          mutate(m);
        }, Body.MassCancel);
      expect(mass(() => {})).toBe(0);
      for (const side of [0, 1, 2]) expect(mass((m) => (m.massSide = side))).toBe(0);
      expect(mass((m) => Object.assign(m, { oneSymbol: true, symbolId: 0xffffffff }))).toBe(0);
      expect(mass((m) => (m.massSide = 3))).toBe(Reject.BadField);
      expect(mass((m) => (m.massSide = 255))).toBe(Reject.BadField);
      for (const reason of [1, 8, 9, 10, 11, 255]) expect(mass((m) => (m.cancelReason = reason))).toBe(Reject.BadField);
      // Only an operator (the input log's admin records) cancels every user's orders.
      expect(mass((m) => (m.allUsers = true))).toBe(Reject.BadField);
      const decoded = clientRoundTrip(
        Object.assign(new ClientMessage(), {
          body: Body.MassCancel,
          seq: 3,
          clientOrderId: 2 ** 53 - 1,
          oneSymbol: true,
          symbolId: 9,
          massSide: 2,
        }),
      );
      expect([
        decoded.clientOrderId,
        decoded.oneSymbol,
        decoded.symbolId,
        decoded.massSide,
        decoded.cancelReason,
        decoded.reject,
      ]).toEqual([2 ** 53 - 1, true, 9, 2, 0, 0]);
    },
  );

  test("dead-man's switch and login options carry their values; they have no reject", () => {
    for (const timeoutMs of [0, 1, 60_000, 0xffffffff]) {
      const out = clientRoundTrip(Object.assign(new ClientMessage(), { body: Body.DeadMansSwitch, seq: 1, timeoutMs }));
      expect([out.body, out.timeoutMs, out.reject]).toEqual([Body.DeadMansSwitch, timeoutMs, 0]);
      const status = serverRoundTrip(
        Object.assign(new ServerMessage(), { body: Body.DeadMansSwitchStatus, seq: 1, timeoutMs }),
      );
      expect([status.body, status.timeoutMs]).toEqual([Body.DeadMansSwitchStatus, timeoutMs]);
    }
    const login = clientRoundTrip(
      Object.assign(new ClientMessage(), {
        body: Body.Login,
        seq: 1,
        apiKey: "k",
        cancelOnDisconnect: true,
        cancelOnDisconnectGraceMs: 2500,
      }),
    );
    expect([login.apiKey, login.cancelOnDisconnect, login.cancelOnDisconnectGraceMs, login.reject]).toEqual([
      "k",
      true,
      2500,
      0,
    ]);
    const plain = clientRoundTrip(Object.assign(new ClientMessage(), { body: Body.Login, seq: 1, apiKey: "k" }));
    expect([plain.cancelOnDisconnect, plain.cancelOnDisconnectGraceMs]).toEqual([false, 0]);
  });

  test("bad_field wins over bad_quantity (RULES.md order)", () => {
    expect(
      decode((m) => {
        m.side = 9;
        m.qtyLots = 0;
        m.priceTicks = -1;
      }),
    ).toBe(Reject.BadField);
  });

  test("U53 halves at or above 2^53 decode as -1 and are refused", () => {
    // Hand-patch the high half of client_order_id and qty to 2^21 (value 2^53).
    const encoder = new Encoder();
    const m = new ClientMessage();
    m.body = Body.NewOrder;
    m.clientOrderId = 0x0abcdef1;
    m.qtyLots = 0x0fedcba9;
    encoder.client(m);
    const frame = encoder.frame();
    const view = new DataView(frame.buffer);
    const patch = (lo: number): void => {
      for (let i = 4; i + 8 <= frame.length; i += 4) {
        if (view.getUint32(i, true) === lo) view.setUint32(i + 4, 0x200000, true);
      }
    };
    const out = new ClientMessage();
    const decoder = new ClientDecoder();
    patch(0x0fedcba9);
    expect(decoder.decode(frame, 4, frame.length, out)).toBe(ProtocolError.Ok);
    expect(out.qtyLots).toBe(-1);
    expect(out.reject).toBe(Reject.BadQuantity);
    patch(0x0abcdef1);
    decoder.decode(frame, 4, frame.length, out);
    expect(out.clientOrderId).toBe(-1);
    expect(out.reject).toBe(Reject.BadField);
  });
});

describe("decoders refuse the other direction", () => {
  test("a client decoder refuses exchange messages, and the reverse", () => {
    const rng = new Rng(seed + 4);
    const encoder = new Encoder();
    const client = new ClientDecoder();
    const server = new ServerDecoder();
    for (const body of serverBodies) {
      encoder.server(randomServer(rng, body));
      const f = encoder.frame();
      const code = client.decode(f, 4, f.length, new ClientMessage());
      if (body === Body.Heartbeat || body === Body.Logout) expect(code).toBe(ProtocolError.Ok);
      else expect(code).toBe(ProtocolError.UnknownMessageType);
    }
    for (const body of clientBodies) {
      encoder.client(randomClient(rng, body));
      const f = encoder.frame();
      const code = server.decode(f, 4, f.length, new ServerMessage());
      if (body === Body.Heartbeat || body === Body.Logout) expect(code).toBe(ProtocolError.Ok);
      else expect(code).toBe(ProtocolError.UnknownMessageType);
    }
  });
});

describe("encoder", () => {
  test("refuses values the wire cannot carry (caller bugs throw)", () => {
    const encoder = new Encoder();
    const m = new ClientMessage();
    m.body = Body.NewOrder;
    m.qtyLots = 1;
    m.clientOrderId = 2 ** 53;
    expect(() => encoder.client(m)).toThrow();
    m.clientOrderId = -1;
    expect(() => encoder.client(m)).toThrow();
    m.clientOrderId = 1.5;
    expect(() => encoder.client(m)).toThrow();
    m.clientOrderId = 1;
    m.priceTicks = 2 ** 31;
    expect(() => encoder.client(m)).toThrow();
    m.priceTicks = 1;
    m.side = 256;
    expect(() => encoder.client(m)).toThrow();
    m.side = 0;
    m.body = Body.ExecutionReport;
    expect(() => encoder.client(m)).toThrow();
    const login = new ClientMessage();
    login.body = Body.Login;
    login.apiKey = "k".repeat(129);
    expect(() => encoder.client(login)).toThrow();
    const page = new ServerMessage();
    page.body = Body.OpenOrders;
    page.orders = Array.from({ length: openOrdersPageCountMax + 1 }, () => new OpenOrderInfo());
    expect(() => encoder.server(page)).toThrow();
    // The encoder still works after a refused message.
    m.body = Body.NewOrder;
    expect(encoder.client(m)).toBeGreaterThan(0);
  });

  test("a NewOrder frame is small and well under the client limit", () => {
    const encoder = new Encoder();
    const m = randomClient(new Rng(seed), Body.NewOrder);
    const bytes = encoder.client(m);
    expect(bytes).toBeLessThanOrEqual(112);
    expect(bytes).toBeLessThan(clientFrameBytesMax);
  });

  test("encoding the same message twice gives the same bytes (builder reuse leaves no state)", () => {
    const rng = new Rng(seed + 5);
    const encoder = new Encoder();
    for (let i = 0; i < 100; i++) {
      const a = randomServer(rng);
      const b = randomServer(rng);
      encoder.server(a);
      const first = encoder.frame();
      encoder.server(b);
      encoder.server(a);
      expect(encoder.frame()).toEqual(first);
      expect(new Encoder().server(a)).toBe(first.length);
    }
  });

  test("the builder keeps its bookkeeping arrays across messages (no garbage per message)", () => {
    const encoder = new Encoder();
    const internals = (encoder as unknown as { builder: { vtables: unknown; vtable: unknown } }).builder;
    const m = randomClient(new Rng(seed), Body.NewOrder);
    encoder.client(m);
    const vtables = internals.vtables;
    const vtable = internals.vtable;
    expect(Array.isArray(vtables) && Array.isArray(vtable)).toBe(true);
    encoder.client(m);
    expect(internals.vtables).toBe(vtables);
    expect(internals.vtable).toBe(vtable);
  });

  test("records of every command kind have stable type codes", () => {
    expect([Command.NewOrder, Command.Cancel, Command.Modify, Command.SymbolDef, Command.MassCancel]).toEqual([
      1, 2, 3, 4, 5,
    ]);
    expect([Body.MassCancel, Body.DeadMansSwitch, Body.DeadMansSwitchStatus]).toEqual([12, 13, 14]);
  });
});
