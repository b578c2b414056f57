// The admin API (docs/admin.md) on the operations listener, under /admin/v1:
// authentication, routing, one audit line per request (operator, action,
// arguments, result, engine seq, time taken; never the key) and the
// exchange_admin_requests_total counter. What each action does is in
// actions.ts; what a request may carry in requests.ts.

import type { ExchangeConfig } from "../config/index.ts";
import type { TcpGateway } from "../gateway/tcp-gateway.ts";
import type { Logger } from "../log/index.ts";
import type { CounterChild, MetricsRegistry, MountedRoutes } from "../metrics/index.ts";
import { nowNs } from "../sequencer/clock.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { Snapshotter } from "../sequencer/snapshotter.ts";
import { AdminActions, type Outcome } from "./actions.ts";
import { AdminAuth, type Operator } from "./auth.ts";
import {
  type Action,
  actions,
  apiPrefix,
  bodyBytesMax,
  changingActions,
  parseBody,
  parseCancel,
  parseHalt,
  parseLevels,
  route,
} from "./requests.ts";

export interface AdminApiOptions {
  config: ExchangeConfig;
  sequencer: Sequencer;
  gateway: TcpGateway;
  snapshotter: Snapshotter | null;
  log: Logger;
  metrics: MetricsRegistry;
}

const results = ["ok", "refused", "unauthorized", "forbidden", "error"] as const;
type Result = (typeof results)[number];

const json = (status: number, body: unknown): Response =>
  new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });

export class AdminApi {
  private readonly auth: AdminAuth;
  private readonly actions: AdminActions;
  private readonly log: Logger;
  private readonly counts = new Map<string, CounterChild>();
  private closed = false;

  constructor(o: AdminApiOptions) {
    this.auth = new AdminAuth(o.config.adminKeys);
    this.actions = new AdminActions({
      sequencer: o.sequencer,
      gateway: o.gateway,
      snapshotter: o.snapshotter,
      requestTimeoutMs: o.config.admin.requestTimeoutMs,
      nowNs: () => o.sequencer.clock.nowNs(),
    });
    this.log = o.log;
    const family = o.metrics.counter({
      name: "exchange_admin_requests_total",
      help: "Admin API requests by action and result (ok, refused, unauthorized, forbidden, error).",
      labels: { action: [...actions, "unknown"], result: results },
    });
    for (const action of [...actions, "unknown" as const])
      for (const result of results) this.counts.set(`${action}/${result}`, family.labels({ action, result }));
  }

  /** Mounted on the operations listener. */
  routes(): MountedRoutes {
    return { prefix: "/admin/", handle: (request, remote) => this.handle(request, remote) };
  }

  /** A graceful stop began: state-changing requests are refused from now on (reads still answer). */
  close(): void {
    this.closed = true;
  }

  private async handle(request: Request, remote: string): Promise<Response> {
    const started = nowNs();
    const url = new URL(request.url);
    const operator = this.auth.operatorOf(request);
    const routed = route(request.method, url.pathname);
    const action: Action | "unknown" = routed.ok ? routed.route.action : "unknown";
    if (operator === null) {
      const delayMs = this.auth.failed();
      this.count(action, "unauthorized");
      this.log.warn("admin request without a valid key", { action, path: url.pathname.slice(0, 120), remote, delayMs });
      if (delayMs > 0) await Bun.sleep(delayMs);
      return json(401, { error: "a valid admin key is required: Authorization: Bearer <key> (admin.keysFile)" });
    }
    if (!routed.ok) {
      this.count(action, "refused");
      this.log.info("admin request refused", {
        operator: operator.name,
        path: url.pathname.slice(0, 120),
        status: routed.status,
        error: routed.error,
      });
      return json(routed.status, { error: routed.error, api: apiPrefix });
    }
    if (changingActions.has(routed.route.action) && operator.role !== "operate") {
      this.count(action, "forbidden");
      this.log.warn("admin request forbidden", { operator: operator.name, role: operator.role, action, remote });
      return json(403, { error: `${action} needs role operate; ${operator.name} has role ${operator.role}` });
    }
    let outcome: Outcome;
    let args: Record<string, unknown> = {};
    try {
      const r = await this.run(routed.route.action, routed.route.symbol, request, url);
      outcome = r.outcome;
      args = r.args;
    } catch (error) {
      outcome = { status: 500, body: { error: (error as Error).message } };
    }
    this.audit(operator, action, args, outcome, started, remote);
    return json(outcome.status, outcome.body);
  }

  private async run(
    action: Action,
    symbol: string | null,
    request: Request,
    url: URL,
  ): Promise<{ outcome: Outcome; args: Record<string, unknown> }> {
    if (changingActions.has(action) && this.closed)
      return { outcome: { status: 503, body: { error: "the exchange is stopping" } }, args: {} };
    if (action === "book") {
      const levels = parseLevels(url);
      if (!levels.ok) return bad(levels.error, { symbol });
      return { outcome: this.actions.book(symbol!, levels.value), args: { symbol, levels: levels.value } };
    }
    if (action === "sessions") return { outcome: this.actions.sessions(), args: {} };
    if (action === "symbols") return { outcome: this.actions.symbols(), args: {} };
    const length = Number(request.headers.get("content-length") ?? "0");
    if (length > bodyBytesMax) return bad(`body above ${bodyBytesMax} bytes`, {});
    const body = parseBody(await request.text());
    if (!body.ok) return bad(body.error, {});
    if (action === "snapshot") {
      if (Object.keys(body.value).length > 0) return bad("snapshot takes no fields", {});
      return { outcome: await this.actions.snapshot(), args: {} };
    }
    if (action === "cancel") {
      const c = parseCancel(body.value);
      if (!c.ok) return bad(c.error, {});
      return { outcome: await this.actions.cancel(c.value), args: { ...c.value } };
    }
    const h = parseHalt(body.value, action === "resume");
    if (!h.ok) return bad(h.error, { symbol });
    return { outcome: await this.actions.setStatus(symbol!, action === "halt", h.value), args: { symbol, ...h.value } };
  }

  /** The audit line: who asked what, and what happened. */
  private audit(
    operator: Operator,
    action: Action | "unknown",
    args: Record<string, unknown>,
    o: Outcome,
    startedNs: number,
    remote: string,
  ): void {
    const result: Result = o.status < 300 ? "ok" : o.status < 500 ? "refused" : "error";
    this.count(action, result);
    const engineSeq = typeof o.body.engineSeq === "number" ? o.body.engineSeq : undefined;
    const fields = {
      operator: operator.name,
      action,
      ...args,
      status: o.status,
      result,
      engineSeq,
      error: o.body.error as string | undefined,
      ms: Math.round((nowNs() - startedNs) / 1e5) / 10,
      remote,
    };
    this.log.info(`admin ${action}`, fields);
  }

  private count(action: Action | "unknown", result: Result): void {
    this.counts.get(`${action}/${result}`)!.inc();
  }
}

function bad(error: string, args: Record<string, unknown>): { outcome: Outcome; args: Record<string, unknown> } {
  return { outcome: { status: 400, body: { error } }, args };
}
