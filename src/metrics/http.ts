// The operations endpoints as one request handler, for Bun.serve or any
// server taking `(Request) => Response`:
//   GET /metrics  Prometheus text 0.0.4
//   GET /health   200 while the process runs (liveness): {"status":"up",…}
//   GET /ready    200 when every readiness check passes, else 503; JSON with each check's reason

import { expositionContentType } from "./exposition.ts";
import { type ReadinessCheck, runChecks } from "./readiness.ts";
import type { MetricsRegistry } from "./registry.ts";

export interface OpsHandlerOptions {
  registry: MetricsRegistry;
  checks: readonly ReadinessCheck[];
  /** Per-check limit for /ready. */
  checkTimeoutMs?: number;
  /** Milliseconds, for uptime. */
  nowMs?: () => number;
}

const json = (body: unknown, status: number) =>
  new Response(`${JSON.stringify(body)}\n`, { status, headers: { "content-type": "application/json", "cache-control": "no-store" } });

export function opsHandler(options: OpsHandlerOptions): (request: Request) => Promise<Response> {
  const now = options.nowMs ?? Date.now;
  const startedMs = now();
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path !== "/metrics" && path !== "/health" && path !== "/ready") return json({ error: "not found", paths: ["/metrics", "/health", "/ready"] }, 404);
    if (request.method !== "GET" && request.method !== "HEAD") return json({ error: "method not allowed" }, 405);
    if (path === "/metrics") {
      return new Response(options.registry.expose(), { headers: { "content-type": expositionContentType, "cache-control": "no-store" } });
    }
    if (path === "/health") return json({ status: "up", pid: process.pid, uptimeS: Math.round((now() - startedMs) / 1000) }, 200);
    const report = await runChecks(options.checks, options.checkTimeoutMs);
    return json(report, report.ready ? 200 : 503);
  };
}

/** Serves the handler on loopback; returns the server (its `port` is the bound one when 0 was asked). */
export function serveOps(handler: (request: Request) => Promise<Response>, host: string, port: number): ReturnType<typeof Bun.serve> {
  return Bun.serve({ hostname: host, port, fetch: handler, idleTimeout: 30 });
}
