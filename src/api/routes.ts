// The API's routes: one table that the server matches requests against and
// that the OpenAPI test compares with docs/openapi.json (every path, method,
// parameter and whether it is required or needs a key).

import { klines, liveCandle } from "./candles.ts";
import type { ApiContext } from "./context.ts";
import { exchangeTime, symbols } from "./meta.ts";
import { openOrders, order, orderEvents, orderHistory } from "./orders.ts";
import type { Params } from "./params.ts";
import { latestTick, ticksInWindow, volume } from "./ticks.ts";

export interface RouteRequest {
  params: Params;
  /** Path parameters by name (`{orderId}`). */
  path: Record<string, string>;
  /** The caller's user (routes with `auth` only). */
  user: number;
}

export interface Route {
  method: "GET";
  /** OpenAPI path template, e.g. /api/v1/orders/{orderId}. */
  path: string;
  /** Needs the caller's API key (X-API-Key) and shows only the caller's data. */
  auth: boolean;
  /** Query parameters, and which of them are required. */
  query: readonly string[];
  required: readonly string[];
  handle(ctx: ApiContext, r: RouteRequest): unknown;
}

const timeWindow = ["startTime", "endTime"] as const;

export const routes: readonly Route[] = [
  { method: "GET", path: "/api/v1/time", auth: false, query: [], required: [], handle: (ctx) => exchangeTime(ctx) },
  { method: "GET", path: "/api/v1/symbols", auth: false, query: [], required: [], handle: (ctx) => symbols(ctx) },
  {
    method: "GET",
    path: "/api/v1/ticks/latest",
    auth: false,
    query: ["symbol"],
    required: ["symbol"],
    handle: (ctx, r) => latestTick(ctx, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/ticks",
    auth: false,
    query: ["symbol", ...timeWindow, "fromId", "limit"],
    required: ["symbol"],
    handle: (ctx, r) => ticksInWindow(ctx, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/volume",
    auth: false,
    query: ["symbol", ...timeWindow],
    required: ["symbol"],
    handle: (ctx, r) => volume(ctx, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/klines",
    auth: false,
    query: ["symbol", "interval", ...timeWindow, "limit"],
    required: ["symbol", "interval"],
    handle: (ctx, r) => klines(ctx, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/klines/live",
    auth: false,
    query: ["symbol", "interval"],
    required: ["symbol", "interval"],
    handle: (ctx, r) => liveCandle(ctx, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/openOrders",
    auth: true,
    query: ["symbol", "fromId", "limit"],
    required: [],
    handle: (ctx, r) => openOrders(ctx, r.user, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/orders",
    auth: true,
    query: ["symbol", "status", ...timeWindow, "fromId", "limit"],
    required: [],
    handle: (ctx, r) => orderHistory(ctx, r.user, r.params),
  },
  {
    method: "GET",
    path: "/api/v1/orders/{orderId}",
    auth: true,
    query: [],
    required: [],
    handle: (ctx, r) => order(ctx, r.user, r.path.orderId!),
  },
  {
    method: "GET",
    path: "/api/v1/orders/{orderId}/events",
    auth: true,
    query: ["limit"],
    required: [],
    handle: (ctx, r) => orderEvents(ctx, r.user, r.path.orderId!, r.params),
  },
];

/** The route of a request path, with its path parameters; null when none matches. */
export function matchRoute(pathname: string): { route: Route; path: Record<string, string> } | null {
  const parts = pathname.split("/");
  for (const route of routes) {
    const want = route.path.split("/");
    if (want.length !== parts.length) continue;
    const path: Record<string, string> = {};
    let ok = true;
    for (let i = 0; i < want.length && ok; i++) {
      const w = want[i]!;
      if (w.startsWith("{")) {
        if (parts[i]!.length === 0) ok = false;
        else path[w.slice(1, -1)] = decodeURIComponentSafe(parts[i]!);
      } else ok = w === parts[i];
    }
    if (ok) return { route, path };
  }
  return null;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
