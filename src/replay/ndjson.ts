// NDJSON command lines of the replay tool (README, Replay tool) to plain
// commands. A line that cannot be read as a command is an error value with a
// reason; values that are well-typed but invalid (off-tick price, bad
// quantity, unknown symbol...) pass through so the engine rejects them.

import type { Command, SymbolSpec } from "../engine/command.ts";
import { CancelReason, MassCancelSide, OrderType, Side, Stp, Tif } from "../engine/constants.ts";

export type ParsedLine = { ok: true; command: Command } | { ok: false; reason: string };

/** Resolves a symbol name to its book index, -1 when unknown. */
export type BookLookup = (name: string) => number;

const sides: Record<string, number> = { buy: Side.Buy, sell: Side.Sell };
const types: Record<string, number> = {
  limit: OrderType.Limit,
  market: OrderType.Market,
  stop_limit: OrderType.StopLimit,
  stop_market: OrderType.StopMarket,
};
const tifs: Record<string, number> = { gtc: Tif.Gtc, ioc: Tif.Ioc, fok: Tif.Fok };
const massSides: Record<string, number> = {
  both: MassCancelSide.Both,
  buy: MassCancelSide.Buy,
  sell: MassCancelSide.Sell,
};
const massReasons: Record<string, number> = {
  mass_cancel: CancelReason.MassCancel,
  disconnect: CancelReason.Disconnect,
  dead_mans_switch: CancelReason.DeadMansSwitch,
  admin: CancelReason.Admin,
};
const stps: Record<string, number> = {
  none: Stp.None,
  cancel_taker: Stp.CancelTaker,
  cancel_maker: Stp.CancelMaker,
  cancel_both: Stp.CancelBoth,
  decrement: Stp.Decrement,
};

/** Longest line the tool reads; a longer one is malformed (a command is well under 1 KiB). */
export const LINE_CHARS_MAX = 4096;

class LineError extends Error {}

function fail(reason: string): never {
  throw new LineError(reason);
}

function num(o: Record<string, unknown>, key: string, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`"${key}" must be a finite number`);
  return v;
}

function str(o: Record<string, unknown>, key: string): string {
  const v = o[key];
  if (typeof v !== "string") fail(`"${key}" must be a string`);
  return v;
}

function code(o: Record<string, unknown>, key: string, table: Record<string, number>, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "string" || !Object.hasOwn(table, v))
    fail(`"${key}" must be one of ${Object.keys(table).join(", ")}`);
  return table[v]!;
}

function parseObject(line: string): Record<string, unknown> {
  if (line.length > LINE_CHARS_MAX) fail(`line longer than ${LINE_CHARS_MAX} characters`);
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e) {
    fail(`not JSON: ${(e as Error).message}`);
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail("not a JSON object");
  return v as Record<string, unknown>;
}

export function parseSymbol(o: Record<string, unknown>): SymbolSpec {
  return {
    name: str(o, "sym"),
    tickSize: num(o, "tickSize", 1),
    lotSize: num(o, "lotSize", 1),
    minPrice: num(o, "minPrice"),
    maxPrice: num(o, "maxPrice"),
    maxQty: num(o, "maxQty", 1_000_000_000),
  };
}

function parseNew(o: Record<string, unknown>, seq: number, ts: number, book: number): Command {
  const type = code(o, "type", types);
  const isMarket = type === OrderType.Market || type === OrderType.StopMarket;
  const isStop = type === OrderType.StopLimit || type === OrderType.StopMarket;
  const postOnly = o.postOnly ?? false;
  if (typeof postOnly !== "boolean") fail(`"postOnly" must be true or false`);
  return {
    op: "new",
    seq,
    tsUs: ts,
    book,
    id: num(o, "id"),
    user: num(o, "user"),
    clientOrderId: 0,
    side: code(o, "side", sides),
    type,
    tif: code(o, "tif", tifs, Tif.Gtc),
    postOnly,
    stp: code(o, "stp", stps, Stp.None),
    priceTicks: isMarket ? num(o, "price", 0) : num(o, "price"),
    qtyLots: num(o, "qty"),
    stopPriceTicks: isStop ? num(o, "stop") : 0,
  };
}

/** `sym` absent: every symbol; an unknown one reaches the engine, which rejects it. */
function parseMassCancel(o: Record<string, unknown>, seq: number, ts: number, books: BookLookup): Command {
  const oneSymbol = o.sym !== undefined;
  return {
    op: "mass_cancel",
    seq,
    tsUs: ts,
    user: num(o, "user"),
    clientOrderId: num(o, "requestId", 0),
    oneSymbol,
    book: oneSymbol ? books(str(o, "sym")) : 0,
    massSide: code(o, "side", massSides, MassCancelSide.Both),
    cancelReason: code(o, "reason", massReasons, CancelReason.MassCancel),
  };
}

/** Parses one line into a command numbered `seq`. */
export function parseLine(line: string, seq: number, books: BookLookup): ParsedLine {
  try {
    const o = parseObject(line);
    const op = str(o, "op");
    const ts = num(o, "ts", 0);
    if (op === "symbol") return { ok: true, command: { op: "symbol", seq, tsUs: ts, spec: parseSymbol(o) } };
    if (op === "mass_cancel") return { ok: true, command: parseMassCancel(o, seq, ts, books) };
    const book = books(str(o, "sym"));
    switch (op) {
      case "new":
        return { ok: true, command: parseNew(o, seq, ts, book) };
      case "cancel":
        return {
          ok: true,
          command: { op: "cancel", seq, tsUs: ts, book, id: num(o, "id"), user: num(o, "user"), clientOrderId: 0 },
        };
      case "modify":
        return {
          ok: true,
          command: {
            op: "modify",
            seq,
            tsUs: ts,
            book,
            id: num(o, "id"),
            user: num(o, "user"),
            clientOrderId: 0,
            priceTicks: num(o, "price"),
            qtyLots: num(o, "qty"),
          },
        };
      default:
        fail(`unknown op "${op}"`);
    }
  } catch (e) {
    if (e instanceof LineError) return { ok: false, reason: e.message };
    throw e;
  }
}
