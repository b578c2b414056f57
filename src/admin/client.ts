// The admin API from the operator's side: one method per action, each
// answering the HTTP status and the JSON body (docs/admin.md). Used by
// `bun run admin` and by the tests. A transport failure (nothing listens, a
// timeout) throws AdminUnreachable; every answer, refusals included, returns.

export interface AdminAnswer {
  status: number;
  body: Record<string, unknown>;
}

export class AdminUnreachable extends Error {
  override readonly name = "AdminUnreachable";
}

export interface AdminClientOptions {
  /** The operations listener, e.g. http://127.0.0.1:9464 */
  url: string;
  key: string;
  /** Longest wait for one answer (a state change waits for durability on the exchange). */
  timeoutMs?: number;
}

export class AdminClient {
  private readonly base: string;
  private readonly key: string;
  private readonly timeoutMs: number;

  constructor(o: AdminClientOptions) {
    this.base = `${o.url.replace(/\/+$/, "")}/admin/v1`;
    this.key = o.key;
    this.timeoutMs = o.timeoutMs ?? 30_000;
  }

  halt(symbol: string, reason = "", requestId?: number): Promise<AdminAnswer> {
    return this.post(`/symbols/${encodeURIComponent(symbol)}/halt`, { reason, requestId });
  }

  resume(symbol: string, requestId?: number): Promise<AdminAnswer> {
    return this.post(`/symbols/${encodeURIComponent(symbol)}/resume`, { requestId });
  }

  /** A user's orders (optionally one symbol), or every user's in a symbol; side buy, sell or both. */
  cancel(scope: {
    user?: number;
    symbol?: string;
    side?: "buy" | "sell" | "both";
    requestId?: number;
  }): Promise<AdminAnswer> {
    return this.post("/cancel", scope);
  }

  snapshot(): Promise<AdminAnswer> {
    return this.post("/snapshot", {});
  }

  book(symbol: string, levels?: number): Promise<AdminAnswer> {
    return this.get(`/book/${encodeURIComponent(symbol)}${levels === undefined ? "" : `?levels=${levels}`}`);
  }

  sessions(): Promise<AdminAnswer> {
    return this.get("/sessions");
  }

  symbols(): Promise<AdminAnswer> {
    return this.get("/symbols");
  }

  private get(path: string): Promise<AdminAnswer> {
    return this.request("GET", path, undefined);
  }

  private post(path: string, body: Record<string, unknown>): Promise<AdminAnswer> {
    // Undefined fields are left out, so the exchange sees only what the caller set.
    return this.request("POST", path, JSON.stringify(body));
  }

  private async request(method: string, path: string, body: string | undefined): Promise<AdminAnswer> {
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        body,
        headers: {
          authorization: `Bearer ${this.key}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new AdminUnreachable(`${this.base}: ${(error as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = { error: text.slice(0, 200) };
    }
    const record =
      typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : { value: parsed };
    return { status: res.status, body: record };
  }
}
