// Admin requests as values: the route of a method and path, and the body of
// each state-changing action checked field by field. Anything else (an
// unknown path, a body that is not a JSON object, a field of the wrong type or
// range, an unknown field) is a reason string for a 4xx answer; nothing here
// throws on what a client sends.

import { MassCancelSide } from "../engine/constants.ts";

export type Action = "halt" | "resume" | "cancel" | "snapshot" | "book" | "sessions" | "symbols";
export const actions: readonly Action[] = ["halt", "resume", "cancel", "snapshot", "book", "sessions", "symbols"];
/** Actions that change the exchange (role operate); the others only read. */
export const changingActions: ReadonlySet<Action> = new Set<Action>(["halt", "resume", "cancel", "snapshot"]);

export const apiPrefix = "/admin/v1/";
/** A request body larger than this is refused unread. */
export const bodyBytesMax = 4096;
/** Longest halt reason kept (the input log's limit). */
export const reasonBytesMax = 256;
/** Book levels a request may ask for. */
export const bookLevelsMax = 1000;
export const bookLevelsDefault = 10;

export interface Route {
  action: Action;
  /** The symbol named in the path (halt, resume, book). */
  symbol: string | null;
}

export type Routed =
  { ok: true; route: Route; method: "GET" | "POST" } | { ok: false; status: 404 | 405; error: string };

const routes: { action: Action; method: "GET" | "POST"; pattern: RegExp }[] = [
  { action: "halt", method: "POST", pattern: /^symbols\/([^/]+)\/halt$/ },
  { action: "resume", method: "POST", pattern: /^symbols\/([^/]+)\/resume$/ },
  { action: "cancel", method: "POST", pattern: /^cancel$/ },
  { action: "snapshot", method: "POST", pattern: /^snapshot$/ },
  { action: "book", method: "GET", pattern: /^book\/([^/]+)$/ },
  { action: "sessions", method: "GET", pattern: /^sessions$/ },
  { action: "symbols", method: "GET", pattern: /^symbols$/ },
];

export function route(method: string, path: string): Routed {
  if (!path.startsWith(apiPrefix))
    return { ok: false, status: 404, error: `no such path; the admin API is under ${apiPrefix}` };
  const rest = path.slice(apiPrefix.length);
  for (const r of routes) {
    const m = r.pattern.exec(rest);
    if (m === null) continue;
    if (method !== r.method) return { ok: false, status: 405, error: `${r.action} takes ${r.method}` };
    let symbol: string | null = null;
    if (m[1] !== undefined) {
      try {
        symbol = decodeURIComponent(m[1]);
      } catch {
        return { ok: false, status: 404, error: "the symbol in the path is not valid percent-encoding" };
      }
    }
    return { ok: true, route: { action: r.action, symbol }, method: r.method };
  }
  return { ok: false, status: 404, error: `no such admin path: ${rest.slice(0, 80)}` };
}

export interface HaltBody {
  reason: string;
  requestId: number | null;
}

export interface CancelBody {
  user: number | null;
  symbol: string | null;
  /** MassCancelSide. */
  side: number;
  requestId: number | null;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const sides: Record<string, number> = { both: MassCancelSide.Both, buy: MassCancelSide.Buy, sell: MassCancelSide.Sell };

/** A JSON object of at most `bodyBytesMax` bytes; an empty body is an empty object. */
export function parseBody(text: string): Parsed<Record<string, unknown>> {
  if (new TextEncoder().encode(text).length > bodyBytesMax)
    return { ok: false, error: `body above ${bodyBytesMax} bytes` };
  if (text.trim() === "") return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error: `body is not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return { ok: false, error: "body must be a JSON object" };
  return { ok: true, value: value as Record<string, unknown> };
}

function unknownFields(body: Record<string, unknown>, known: readonly string[]): string | null {
  const extra = Object.keys(body).filter((k) => !known.includes(k));
  return extra.length === 0 ? null : `unknown field ${extra[0]!.slice(0, 40)}; this action takes ${known.join(", ")}`;
}

function u53(body: Record<string, unknown>, key: string): Parsed<number | null> {
  const v = body[key];
  if (v === undefined || v === null) return { ok: true, value: null };
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0)
    return { ok: false, error: `${key} must be an integer in [0, 2^53)` };
  return { ok: true, value: v };
}

export function parseHalt(body: Record<string, unknown>, resume: boolean): Parsed<HaltBody> {
  const known = resume ? ["requestId", "reason"] : ["reason", "requestId"];
  const extra = unknownFields(body, known);
  if (extra !== null) return { ok: false, error: extra };
  const reason = body.reason ?? "";
  if (typeof reason !== "string") return { ok: false, error: "reason must be a string" };
  if (new TextEncoder().encode(reason).length > reasonBytesMax)
    return { ok: false, error: `reason above ${reasonBytesMax} bytes` };
  const requestId = u53(body, "requestId");
  if (!requestId.ok) return requestId;
  return { ok: true, value: { reason, requestId: requestId.value } };
}

export function parseCancel(body: Record<string, unknown>): Parsed<CancelBody> {
  const extra = unknownFields(body, ["user", "symbol", "side", "requestId"]);
  if (extra !== null) return { ok: false, error: extra };
  const user = u53(body, "user");
  if (!user.ok) return user;
  const symbol = body.symbol ?? null;
  if (symbol !== null && typeof symbol !== "string") return { ok: false, error: "symbol must be a string" };
  const sideName = body.side ?? "both";
  if (typeof sideName !== "string" || !Object.hasOwn(sides, sideName))
    return { ok: false, error: "side must be buy, sell or both" };
  if (user.value === null && symbol === null)
    return { ok: false, error: "name a user, a symbol or both (every order of the exchange is not one request)" };
  const requestId = u53(body, "requestId");
  if (!requestId.ok) return requestId;
  return { ok: true, value: { user: user.value, symbol, side: sides[sideName]!, requestId: requestId.value } };
}

/** `?levels=N`: 1..bookLevelsMax, default bookLevelsDefault. */
export function parseLevels(url: URL): Parsed<number> {
  const text = url.searchParams.get("levels");
  if (text === null) return { ok: true, value: bookLevelsDefault };
  const n = Number(text);
  if (!(/^[0-9]{1,4}$/.test(text) && n >= 1 && n <= bookLevelsMax))
    return { ok: false, error: `levels must be an integer in [1, ${bookLevelsMax}]` };
  return { ok: true, value: n };
}
