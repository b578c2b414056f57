// Proves docs/openapi.json describes exactly the routes the server serves (every path and method, every query and path
// parameter with whether it is required, the key requirement), and that real answers of every route, and its errors,
// match the response schemas the document gives.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Exchange, followExchange, get, keyOf, startExchange } from "../../test/support/market-data.ts";
import { routes } from "./routes.ts";
import type { MarketDataService } from "./service.ts";

type Json = any;
const doc: Json = JSON.parse(readFileSync(join(import.meta.dir, "../../docs/openapi.json"), "utf8"));

function resolve(node: Json): Json {
  if (node?.$ref === undefined) return node;
  const path = (node.$ref as string).replace(/^#\//, "").split("/");
  return resolve(path.reduce((n: Json, key: string) => n[key], doc));
}

/** Checks `value` against the subset of JSON Schema the document uses; returns the first mismatch or null. */
function mismatch(schemaNode: Json, value: unknown, at = "$"): string | null {
  const s = resolve(schemaNode);
  if (s.oneOf !== undefined) {
    const ok = (s.oneOf as Json[]).filter((o) => mismatch(o, value, at) === null);
    return ok.length === 1 ? null : `${at}: matches ${ok.length} of oneOf`;
  }
  const types: string[] = s.type === undefined ? [] : Array.isArray(s.type) ? s.type : [s.type];
  const typeOf =
    value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
  if (types.length > 0 && !types.includes(typeOf) && !(typeOf === "integer" && types.includes("number")))
    return `${at}: ${typeOf} is not ${types.join("|")}`;
  if (s.enum !== undefined && !s.enum.includes(value)) return `${at}: ${JSON.stringify(value)} not in enum`;
  if (s.pattern !== undefined && typeof value === "string" && !new RegExp(s.pattern).test(value))
    return `${at}: ${value} does not match ${s.pattern}`;
  if (typeOf === "object") {
    const o = value as Record<string, unknown>;
    for (const key of s.required ?? []) if (!(key in o)) return `${at}: missing ${key}`;
    if (s.additionalProperties === false)
      for (const key of Object.keys(o)) if (!(key in (s.properties ?? {}))) return `${at}: unexpected ${key}`;
    for (const [key, sub] of Object.entries(s.properties ?? {}))
      if (key in o) {
        const m = mismatch(sub, o[key], `${at}.${key}`);
        if (m !== null) return m;
      }
  }
  if (typeOf === "array") {
    const a = value as unknown[];
    if (s.minItems !== undefined && a.length < s.minItems) return `${at}: fewer than ${s.minItems} items`;
    if (s.maxItems !== undefined && a.length > s.maxItems) return `${at}: more than ${s.maxItems} items`;
    for (let i = 0; i < a.length; i++) {
      const sub = s.prefixItems?.[i] ?? s.items;
      if (sub === undefined) continue;
      const m = mismatch(sub, a[i], `${at}[${i}]`);
      if (m !== null) return m;
    }
  }
  return null;
}

describe("docs/openapi.json and the route table", () => {
  test("the same paths, methods, parameters and key requirements", () => {
    const documented = Object.keys(doc.paths).sort();
    expect(documented).toEqual(routes.map((r) => r.path).sort());
    for (const route of routes) {
      const op = doc.paths[route.path][route.method.toLowerCase()];
      expect({ path: route.path, methods: Object.keys(doc.paths[route.path]) }).toEqual({
        path: route.path,
        methods: ["get"],
      });
      const params = (op.parameters ?? []).map(resolve);
      const query = params.filter((p: Json) => p.in === "query");
      expect({ path: route.path, query: query.map((p: Json) => p.name).sort() }).toEqual({
        path: route.path,
        query: [...route.query].sort(),
      });
      expect({
        path: route.path,
        required: query
          .filter((p: Json) => p.required)
          .map((p: Json) => p.name)
          .sort(),
      }).toEqual({ path: route.path, required: [...route.required].sort() });
      const pathParams = params.filter((p: Json) => p.in === "path").map((p: Json) => p.name);
      expect(pathParams).toEqual([...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]));
      expect({ path: route.path, auth: op.security !== undefined }).toEqual({ path: route.path, auth: route.auth });
      if (route.auth)
        for (const status of ["401", "403"].slice(0, route.path.includes("{") ? 2 : 1))
          expect(op.responses[status]).toBeDefined();
      expect(op.responses["400"]).toBeDefined();
    }
  });

  test("the checker itself catches a wrong shape", () => {
    const order = doc.components.schemas.Order;
    expect(mismatch(order, { orderId: 1 })).toContain("missing");
    expect(mismatch({ $ref: "#/components/schemas/Kline" }, [1, "2"])).toContain("fewer");
    expect(mismatch({ $ref: "#/components/schemas/IntegerString" }, "1.5")).toContain("does not match");
  });
});

describe("real answers match the documented schemas", () => {
  let x: Exchange;
  let service: MarketDataService;
  beforeAll(async () => {
    x = startExchange(5);
    x.run(2_000);
    service = followExchange(x, { nowMs: () => Math.floor(x.truth.lastTsUs / 1000) + 1 });
    await service.caughtUp();
  });
  afterAll(async () => {
    await service?.stop();
    await x?.close();
  });

  test("every route's 200 and its errors", async () => {
    const order = [...x.truth.orders.orders.values()].find((o) => o.userId === 1)!;
    const examples: Record<string, string> = {
      "/api/v1/time": "/api/v1/time",
      "/api/v1/symbols": "/api/v1/symbols",
      "/api/v1/ticks/latest": "/api/v1/ticks/latest?symbol=BTC-USD",
      "/api/v1/ticks": "/api/v1/ticks?symbol=BTC-USD&limit=20",
      "/api/v1/volume": "/api/v1/volume?symbol=ETH-USD",
      "/api/v1/klines": "/api/v1/klines?symbol=SOL-USD&interval=1m&limit=30",
      "/api/v1/klines/live": "/api/v1/klines/live?symbol=BTC-USD&interval=1h",
      "/api/v1/openOrders": "/api/v1/openOrders?limit=10",
      "/api/v1/orders": "/api/v1/orders?limit=10",
      "/api/v1/orders/{orderId}": `/api/v1/orders/${order.orderId}`,
      "/api/v1/orders/{orderId}/events": `/api/v1/orders/${order.orderId}/events`,
    };
    for (const route of routes) {
      const op = doc.paths[route.path].get;
      const ok = await get(service, examples[route.path]!, route.auth ? keyOf(1) : null);
      expect({ path: route.path, status: ok.status }).toEqual({ path: route.path, status: 200 });
      const schema = op.responses["200"].content["application/json"].schema;
      expect({ path: route.path, mismatch: mismatch(schema, ok.body) }).toEqual({ path: route.path, mismatch: null });
      const bad = await get(service, `${route.path.replace("{orderId}", "x")}?nope=1`, route.auth ? keyOf(1) : null);
      expect(bad.status).toBe(400);
      expect(mismatch(doc.components.schemas.ErrorResponse, bad.body)).toBeNull();
    }
  });
});
