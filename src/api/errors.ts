// Every error the query API answers has one shape:
//   { "error": { "status": 400, "code": "bad_parameter", "parameter": "limit", "message": "..." } }
// `parameter` names the query or path parameter at fault (null when none).

export const ErrorCode = {
  BadParameter: "bad_parameter",
  Unauthorized: "unauthorized",
  Forbidden: "forbidden",
  NotFound: "not_found",
  MethodNotAllowed: "method_not_allowed",
  TooLarge: "request_too_large",
  NotAvailable: "not_available",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly parameter: string | null = null,
  ) {
    super(message);
  }

  body(): { error: { status: number; code: ErrorCode; parameter: string | null; message: string } } {
    return { error: { status: this.status, code: this.code, parameter: this.parameter, message: this.message } };
  }
}

/** 400 naming the parameter. */
export function badParameter(parameter: string, message: string): ApiError {
  return new ApiError(400, ErrorCode.BadParameter, `${parameter}: ${message}`, parameter);
}

export function notFound(message: string): ApiError {
  return new ApiError(404, ErrorCode.NotFound, message);
}

/** 503: the answer needs data this process does not have right now (still replaying, or QuestDB unreachable). */
export function notAvailable(message: string): ApiError {
  return new ApiError(503, ErrorCode.NotAvailable, message);
}
