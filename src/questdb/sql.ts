// The few SQL statements the ingestion side runs (DDL at start, resume points)
// go over QuestDB's REST endpoint `/exec`: one request per statement, JSON back.

export interface SqlResult {
  columns: { name: string; type: string }[];
  dataset: unknown[][];
  count: number;
}

/** Longest a statement may take before the caller sees an error (DDL on a busy box included). */
export const sqlTimeoutMsDefault = 60_000;

export class SqlError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

/** Runs one statement; throws SqlError with QuestDB's message on an error or a transport failure. */
export async function execSql(httpUrl: string, query: string, timeoutMs = sqlTimeoutMsDefault): Promise<SqlResult> {
  let response: Response;
  try {
    response = await fetch(`${httpUrl}/exec?query=${encodeURIComponent(query)}`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    throw new SqlError(`questdb unreachable at ${httpUrl}: ${(error as Error).message}`, null);
  }
  const text = await response.text();
  let body: Partial<SqlResult> & { error?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new SqlError(`questdb ${response.status} for ${query}: ${text.slice(0, 300)}`, response.status);
  }
  if (response.status !== 200 || body.error !== undefined) {
    throw new SqlError(`questdb ${response.status} for ${query}: ${body.error ?? text.slice(0, 300)}`, response.status);
  }
  return { columns: body.columns ?? [], dataset: body.dataset ?? [], count: body.count ?? 0 };
}
