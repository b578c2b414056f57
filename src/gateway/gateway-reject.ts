// Reject codes decided by the gateway itself (schema RejectReason 20 and up):
// the command never reached the input log, so the report carries engine seq 0.

export const GatewayReject = {
  RateLimited: 20,
  InFlightLimit: 21,
  OpenOrdersLimit: 22,
  Unavailable: 23,
  MalformedMessage: 24,
  UnknownMessage: 25,
} as const;

/** LoginRejected reasons (schema LoginRejectReason). */
export const LoginReject = { BadApiKey: 1, AlreadyLoggedIn: 2, SessionLimit: 3, UserDisabled: 4 } as const;
