// The operations endpoints as one request handler, for Bun.serve or any
// server taking `(Request) => Response`:
//   GET /metrics  Prometheus text 0.0.4
//   GET /health   200 while the process runs (liveness): {"status":"up",…}
//   GET /ready    200 when every readiness check passes, else 503; JSON with each check's reason
// plus the routes the caller mounts under a path prefix (the admin API, /admin/).

import { expositionContentType } from "./exposition.ts";
import { type ReadinessCheck, runChecks } from "./readiness.ts";
import type { MetricsRegistry } from "./registry.ts";

export interface MountedRoutes {
  /** Paths starting with this go to `handle`, e.g. "/admin/". */
  prefix: string;
  /** `remote`: the client's address ("" when unknown). */
  handle(request: Request, remote: string): Promise<Response>;
}

/** What the handler asks of the server for a request's remote address (Bun.serve's server has it). */
export interface RemoteAddressOf {
  requestIP(request: Request): { address: string } | null;
}

export type OpsHandler = (request: Request, server?: RemoteAddressOf) => Promise<Response>;

export interface OpsHandlerOptions {
  /** Null: /metrics is not served (metrics.enabled = false), /health and /ready still are. */
  registry: MetricsRegistry | null;
  /** Read at every /ready: checks may be added after start (an output's own check). */
  checks: readonly ReadinessCheck[];
  /** Per-check limit for /ready. */
  checkTimeoutMs?: number;
  /** Milliseconds, for uptime. */
  nowMs?: () => number;
  routes?: readonly MountedRoutes[];
}

const json = (body: unknown, status: number) =>
  new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });

export function opsHandler(options: OpsHandlerOptions): OpsHandler {
  const now = options.nowMs ?? Date.now;
  const startedMs = now();
  const routes = options.routes ?? [];
  const own = options.registry === null ? ["/health", "/ready"] : ["/metrics", "/health", "/ready"];
  const paths = [...own, ...routes.map((r) => `${r.prefix}…`)];
  return async (request, server) => {
    const path = new URL(request.url).pathname;
    const mounted = routes.find((r) => path.startsWith(r.prefix));
    if (mounted !== undefined) return await mounted.handle(request, server?.requestIP(request)?.address ?? "");
    if (!own.includes(path)) return json({ error: "not found", paths }, 404);
    if (request.method !== "GET" && request.method !== "HEAD") return json({ error: "method not allowed" }, 405);
    if (path === "/metrics" && options.registry !== null) {
      await options.registry.collect();
      return new Response(options.registry.expose(), {
        headers: { "content-type": expositionContentType, "cache-control": "no-store" },
      });
    }
    if (path === "/health")
      return json({ status: "up", pid: process.pid, uptimeS: Math.round((now() - startedMs) / 1000) }, 200);
    const report = await runChecks(options.checks, options.checkTimeoutMs);
    return json(report, report.ready ? 200 : 503);
  };
}

/** Serves the handler on loopback; returns the server (its `port` is the bound one when 0 was asked). */
export function serveOps(handler: OpsHandler, host: string, port: number): ReturnType<typeof Bun.serve> {
  return Bun.serve({ hostname: host, port, fetch: handler, idleTimeout: 30 });
}
