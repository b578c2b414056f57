// Proves the ops handler: /metrics as Prometheus text, /health always up, /ready 200 or 503 with each check's reason (a
// hung or throwing check is not ready), and the handler served by Bun.serve.

import { describe, expect, test } from "bun:test";
import { opsHandler, serveOps } from "./http.ts";
import type { ReadinessCheck } from "./readiness.ts";
import { MetricsRegistry } from "./registry.ts";
import { parseExposition, sampleValue } from "./test-support.ts";

function setup(checks: ReadinessCheck[]) {
  const registry = new MetricsRegistry();
  const orders = registry.counter({ name: "t_orders_total", help: "Orders." }).labels();
  return { orders, handler: opsHandler({ registry, checks, checkTimeoutMs: 50 }) };
}

const get = (path: string, method = "GET") => new Request(`http://127.0.0.1${path}`, { method });

describe("ops handler", () => {
  test("/metrics is Prometheus text and its counters move", async () => {
    const { orders, handler } = setup([]);
    const first = await handler(get("/metrics"));
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(sampleValue(parseExposition(await first.text()), "t_orders_total")).toBe(0);
    orders.inc(4);
    expect(sampleValue(parseExposition(await (await handler(get("/metrics"))).text()), "t_orders_total")).toBe(4);
  });

  test("/health answers while the process runs, whatever readiness says", async () => {
    const { handler } = setup([{ name: "redis", check: () => ({ ready: false, reason: "connection refused" }) }]);
    const res = await handler(get("/health"));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: "up", pid: process.pid });
  });

  test("/ready is 200 when every check passes and 503 with reasons when one does not", async () => {
    let redisUp = true;
    const { handler } = setup([
      { name: "recovered", check: () => ({ ready: true, reason: "recovered to seq 10" }) },
      {
        name: "redis",
        check: async () =>
          redisUp ? { ready: true, reason: "connected" } : { ready: false, reason: "connection refused" },
      },
    ]);
    let res = await handler(get("/ready"));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ready: true,
      checks: [
        { name: "recovered", ready: true, reason: "recovered to seq 10" },
        { name: "redis", ready: true, reason: "connected" },
      ],
    });
    redisUp = false;
    res = await handler(get("/ready"));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: unknown[] }).checks[1]).toEqual({
      name: "redis",
      ready: false,
      reason: "connection refused",
    });
    redisUp = true;
    expect((await handler(get("/ready"))).status).toBe(200);
  });

  test("a check that hangs or throws is not ready, and says why", async () => {
    const { handler } = setup([
      { name: "hung", check: () => new Promise(() => {}) },
      {
        name: "throws",
        check: () => {
          throw new Error("no socket");
        },
      },
    ]);
    const res = await handler(get("/ready"));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: unknown[] }).checks).toEqual([
      { name: "hung", ready: false, reason: "no answer within 50 ms" },
      { name: "throws", ready: false, reason: "check failed: no socket" },
    ]);
  });

  test("unknown paths are 404 and other methods 405", async () => {
    const { handler } = setup([]);
    expect((await handler(get("/nope"))).status).toBe(404);
    expect((await handler(get("/metrics", "POST"))).status).toBe(405);
  });

  test("served by Bun.serve on a free loopback port", async () => {
    const { handler } = setup([]);
    const server = serveOps(handler, "127.0.0.1", 0);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/health`);
      expect(res.status).toBe(200);
    } finally {
      await server.stop(true);
    }
  });
});
