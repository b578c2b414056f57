// The query API over HTTP: JSON, GET only, on loopback. Every request is
// checked before a handler sees it (route, method, size, key, parameters);
// every answer is JSON of a stable shape, errors included (errors.ts).

import type { Server } from "bun";
import type { ApiContext } from "./context.ts";
import { callerOf } from "./context.ts";
import { ApiError, badParameter, ErrorCode } from "./errors.ts";
import { Params } from "./params.ts";
import { questdbQueryTimeoutMs } from "./questdb-reader.ts";
import { matchRoute } from "./routes.ts";

export interface ApiServerOptions {
  hostname: "127.0.0.1" | "localhost" | "::1";
  /** 0 picks a free port. */
  port: number;
  /** Longest request line accepted (path and query), bytes. */
  urlBytesMax: number;
  /** Largest request body accepted (the API takes none). */
  requestBytesMax: number;
  log: (line: string) => void;
}

export const apiServerDefaults: Readonly<Omit<ApiServerOptions, "log">> = {
  hostname: "127.0.0.1",
  port: 0,
  urlBytesMax: 2048,
  requestBytesMax: 64 << 10,
};

export interface ApiStats {
  requests: number;
  /** Answers by class: 2xx, 4xx, 5xx. */
  ok: number;
  clientErrors: number;
  serverErrors: number;
}

const jsonHeaders = { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" };

/**
 * Seconds Bun lets a connection stay idle, a request unanswered included: set (Bun's default is 10 s) well past the
 * QuestDB query timeout, so a client whose history query waits on a stalled QuestDB gets its 503, never a reset.
 */
const idleTimeoutS = 30;
if (idleTimeoutS * 1000 < 2 * questdbQueryTimeoutMs)
  throw new Error("api: idle timeout too close to the query timeout");

function json(status: number, body: unknown, extra: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...jsonHeaders, ...extra } });
}

export class ApiServer {
  readonly stats: ApiStats = { requests: 0, ok: 0, clientErrors: 0, serverErrors: 0 };
  private readonly server: Server<undefined>;

  constructor(
    private readonly ctx: ApiContext,
    private readonly options: ApiServerOptions,
  ) {
    this.server = Bun.serve({
      hostname: options.hostname,
      port: options.port,
      maxRequestBodySize: options.requestBytesMax,
      idleTimeout: idleTimeoutS,
      fetch: (req) => this.answer(req),
      error: (error) => {
        options.log(`api: ${error.message}`);
        return json(500, new ApiError(500, ErrorCode.Internal, "internal error").body());
      },
    });
  }

  get port(): number {
    return this.server.port!;
  }

  get url(): string {
    return `http://${this.options.hostname}:${this.port}`;
  }

  async stop(): Promise<void> {
    await this.server.stop(true);
  }

  /** One request, start to answer: never throws. */
  async answer(req: Request): Promise<Response> {
    this.stats.requests++;
    let response: Response;
    try {
      response = json(200, await this.route(req));
    } catch (error) {
      if (error instanceof ApiError)
        response = json(error.status, error.body(), error.status === 405 ? { allow: "GET, HEAD" } : {});
      else {
        this.options.log(`api: ${req.method} ${req.url.slice(0, 200)}: ${(error as Error).stack ?? String(error)}`);
        response = json(500, new ApiError(500, ErrorCode.Internal, "internal error; the server logged it").body());
      }
    }
    const s = response.status;
    if (s < 400) this.stats.ok++;
    else if (s < 500) this.stats.clientErrors++;
    else this.stats.serverErrors++;
    return response;
  }

  private async route(req: Request): Promise<unknown> {
    if (req.url.length > this.options.urlBytesMax)
      throw new ApiError(414, ErrorCode.TooLarge, `request line longer than ${this.options.urlBytesMax} bytes`);
    const url = new URL(req.url);
    const match = matchRoute(url.pathname);
    if (match === null)
      throw new ApiError(404, ErrorCode.NotFound, `no route ${url.pathname.slice(0, 200)} (see docs/openapi.json)`);
    if (req.method !== "GET" && req.method !== "HEAD")
      throw new ApiError(405, ErrorCode.MethodNotAllowed, `${req.method} is not allowed; the API is read-only (GET)`);
    const { route, path } = match;
    const params = new Params(url.searchParams, route.query);
    for (const name of route.required) if (!params.has(name)) throw badParameter(name, "required");
    const user = route.auth ? callerOf(this.ctx, req.headers) : -1;
    return await route.handle(this.ctx, { params, path, user });
  }
}
