// Every librdkafka failure becomes a KafkaError: librdkafka's error code, its
// name (rd_kafka_err2name, e.g. "MSG_SIZE_TOO_LARGE") and a message saying
// what we were doing. Hot paths return the code instead and build the error
// only when a caller wants one.

import type { Pointer } from "bun:ffi";
import { rdk } from "./ffi.ts";

/**
 * The librdkafka error codes this module handles by name (rd_kafka_resp_err_t). Negative: raised by librdkafka itself;
 * positive: by the broker.
 */
export const ErrorCode = {
  NO_ERROR: 0,
  OFFSET_OUT_OF_RANGE: 1,
  UNKNOWN_TOPIC_OR_PART: 3,
  LEADER_NOT_AVAILABLE: 5,
  NOT_LEADER_FOR_PARTITION: 6,
  MSG_SIZE_TOO_LARGE: 10,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38,
  INVALID_CONFIG: 40,
  POLICY_VIOLATION: 44,
  _BAD_MSG: -199,
  _DESTROY: -197,
  _FAIL: -196,
  _TRANSPORT: -195,
  _MSG_TIMED_OUT: -192,
  _PARTITION_EOF: -191,
  _UNKNOWN_PARTITION: -190,
  _UNKNOWN_TOPIC: -188,
  _ALL_BROKERS_DOWN: -187,
  _INVALID_ARG: -186,
  _TIMED_OUT: -185,
  _QUEUE_FULL: -184,
  _STATE: -172,
  _NO_OFFSET: -168,
  _PURGE_QUEUE: -152,
  _PURGE_INFLIGHT: -151,
  _FATAL: -150,
} as const;

export interface KafkaErrorDetails {
  /** librdkafka says the client can no longer be used (idempotence broken, etc.). */
  fatal?: boolean;
  /** librdkafka says the same call may succeed later. */
  retriable?: boolean;
  /** The text librdkafka gave for this occurrence; rd_kafka_err2str(code) when absent. */
  reason?: string;
}

export class KafkaError extends Error {
  override readonly name = "KafkaError";
  /** rd_kafka_resp_err_t. */
  readonly code: number;
  /** rd_kafka_err2name(code), e.g. "_UNKNOWN_TOPIC" or "MSG_SIZE_TOO_LARGE". */
  readonly codeName: string;
  readonly fatal: boolean;
  readonly retriable: boolean;
  /** What librdkafka said, without our context. */
  readonly reason: string;

  /** `context` says what failed, e.g. "produce to orders[3]". */
  constructor(code: number, context: string, details: KafkaErrorDetails = {}) {
    const codeName = errorName(code);
    const reason = details.reason ?? rdk.rd_kafka_err2str(code) ?? "";
    super(`${context}: ${codeName} (${code}): ${reason}`);
    this.code = code;
    this.codeName = codeName;
    this.fatal = details.fatal === true;
    this.retriable = details.retriable === true;
    this.reason = reason;
  }
}

/** A configuration property librdkafka refused (unknown name or invalid value) or a client it would not create. */
export class KafkaConfigError extends KafkaError {
  /** The property that failed, or null when rd_kafka_new refused the configuration as a whole. */
  readonly property: string | null;

  constructor(property: string | null, context: string, reason: string) {
    super(ErrorCode._INVALID_ARG, context, { reason });
    this.property = property;
  }
}

export function errorName(code: number): string {
  return rdk.rd_kafka_err2name(code) ?? `ERR_${code}`;
}

export function throwIfError(code: number, context: string): void {
  if (code !== ErrorCode.NO_ERROR) throw new KafkaError(code, context);
}

/** Turns an rd_kafka_error_t* into a KafkaError (null for NULL) and destroys it. */
export function takeRdError(error: Pointer | null, context: string): KafkaError | null {
  if (error === null) return null;
  const result = new KafkaError(rdk.rd_kafka_error_code(error), context, {
    fatal: rdk.rd_kafka_error_is_fatal(error) !== 0,
    reason: rdk.rd_kafka_error_string(error) ?? undefined,
  });
  rdk.rd_kafka_error_destroy(error);
  return result;
}

/** The error a call on a closed client raises: a programmer error, not a broker condition. */
export function closedError(what: string, operation: string): KafkaError {
  return new KafkaError(ErrorCode._DESTROY, `${operation} on a closed ${what}`, {
    reason: `the ${what} was closed and its librdkafka handle freed`,
  });
}
