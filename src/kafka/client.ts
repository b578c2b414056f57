// One librdkafka handle (rd_kafka_t) and its main event queue. librdkafka
// never calls into JS: logs, errors and delivery reports are events on the
// main queue that the owner polls from the JS thread.

import { CString, type Pointer } from "bun:ffi";
import { errstr, errstrText, type KafkaProperties, newConf } from "./config.ts";
import { closedError, KafkaConfigError, KafkaError } from "./errors.ts";
import { rdk } from "./ffi.ts";
import { RD_KAFKA_EVENT_ERROR, RD_KAFKA_EVENT_LOG, Scratch } from "./native.ts";

export interface ClientHooks {
  /** librdkafka's log lines (syslog levels: 3 error, 4 warning, 6 info, 7 debug). Default: levels 0–4 to stderr. */
  onLog?: (level: number, facility: string, message: string) => void;
  /**
   * Errors librdkafka raises outside any one call: brokers down (it keeps
   * retrying), or a fatal error after which the client is unusable. Default:
   * fatal ones to stderr (the rest repeat what the log already says).
   */
  onError?: (error: KafkaError) => void;
}

/** Who handles the events that are not logs or errors (delivery reports). */
export interface EventSink {
  handleEvent(event: Pointer, type: number): void;
}

/** Syslog warning: librdkafka's "connection refused" and friends; info and debug stay quiet by default. */
const logLevelPrintMax = 4;

function defaultOnLog(clientName: string): (level: number, facility: string, message: string) => void {
  return (level, facility, message) => {
    if (level <= logLevelPrintMax) console.error(`kafka ${clientName} [${level} ${facility}] ${message}`);
  };
}

function defaultOnError(clientName: string): (error: KafkaError) => void {
  return (error) => {
    if (error.fatal) console.error(`kafka ${clientName}: ${error.message}`);
  };
}

/** Properties every client sets, whatever its kind. */
export function commonProperties(bootstrapServers: string, clientId: string): KafkaProperties {
  return {
    "bootstrap.servers": bootstrapServers,
    "client.id": clientId,
    // Logs become events on the main queue, served on the JS thread (no log_cb from librdkafka's threads).
    "log.queue": "true",
    log_level: "6",
    // Idle disconnects are normal; a broken broker still logs its errors.
    "log.connection.close": "false",
    // Latency over packet count: every request goes out at once.
    "socket.nagle.disable": "true",
    "socket.keepalive.enable": "true",
    // A restarted broker is found within a second instead of up to the 10 s default.
    "reconnect.backoff.ms": "100",
    "reconnect.backoff.max.ms": "1000",
    "socket.connection.setup.timeout.ms": "10000",
    "topic.metadata.refresh.interval.ms": "30000",
    // Topics are created by the project's setup; a typo must not create one.
    "allow.auto.create.topics": "false",
    "api.version.request": "true",
    "statistics.interval.ms": "0",
  };
}

export class ClientHandle {
  readonly rk: Pointer;
  readonly mainQueue: Pointer;
  /** librdkafka's instance name (client.id#producer-N), for messages. */
  readonly name: string;
  /** Set once librdkafka raises a fatal error; the client then refuses work. */
  fatalError: KafkaError | null = null;
  private open = true;
  private readonly logOut = new Scratch(24);
  private readonly onLog: NonNullable<ClientHooks["onLog"]>;
  private readonly onError: NonNullable<ClientHooks["onError"]>;

  /**
   * `what` names the client in errors ("producer", "consumer", "admin").
   * `events` is the RD_KAFKA_EVENT_* mask for the main queue; logs and errors are always in it.
   */
  constructor(
    type: number,
    readonly what: string,
    properties: KafkaProperties,
    events: number,
    hooks: ClientHooks,
  ) {
    const conf = newConf(properties, what);
    rdk.rd_kafka_conf_set_events(conf, events | RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR);
    errstr.u8[0] = 0;
    const rk = rdk.rd_kafka_new(type, conf, errstr.ptr, errstr.u8.length) as Pointer | null;
    if (rk === null) {
      // rd_kafka_new destroys the conf only on success.
      rdk.rd_kafka_conf_destroy(conf);
      throw new KafkaConfigError(null, `${what}: rd_kafka_new refused the configuration`, errstrText());
    }
    this.rk = rk;
    this.mainQueue = rdk.rd_kafka_queue_get_main(rk) as Pointer;
    rdk.rd_kafka_set_log_queue(rk, this.mainQueue);
    this.name = rdk.rd_kafka_name(rk) ?? what;
    this.onLog = hooks.onLog ?? defaultOnLog(this.name);
    this.onError = hooks.onError ?? defaultOnError(this.name);
  }

  get isOpen(): boolean {
    return this.open;
  }

  assertOpen(operation: string): void {
    if (!this.open) throw closedError(this.what, operation);
  }

  /**
   * Serves the main queue: waits up to `timeoutMs` for the first event, then
   * takes whatever else is already there, at most `eventsMax` in all. Logs and
   * errors are handled here; every other event goes to `sink` (or is dropped).
   */
  serve(timeoutMs: number, eventsMax: number, sink: EventSink | null): number {
    let served = 0;
    let wait = timeoutMs;
    while (served < eventsMax) {
      const event = rdk.rd_kafka_queue_poll(this.mainQueue, wait) as Pointer | null;
      if (event === null) break;
      wait = 0;
      served++;
      // A hook that throws must not leak the event (and, for delivery reports, the messages it holds).
      try {
        const type = rdk.rd_kafka_event_type(event);
        if (type === RD_KAFKA_EVENT_LOG) this.handleLog(event);
        else if (type === RD_KAFKA_EVENT_ERROR) this.handleError(event);
        else if (sink !== null) sink.handleEvent(event, type);
      } finally {
        rdk.rd_kafka_event_destroy(event);
      }
    }
    return served;
  }

  private handleLog(event: Pointer): void {
    const out = this.logOut;
    if (rdk.rd_kafka_event_log(event, out.ptr, (out.ptr + 8) as Pointer, (out.ptr + 16) as Pointer) !== 0) return;
    const facility = new CString(out.getU64(0) as Pointer).toString();
    const message = new CString(out.getU64(8) as Pointer).toString();
    this.onLog(out.getI32(16), facility, message);
  }

  private handleError(event: Pointer): void {
    const fatal = rdk.rd_kafka_event_error_is_fatal(event) !== 0;
    let code = rdk.rd_kafka_event_error(event);
    let reason = rdk.rd_kafka_event_error_string(event) ?? "";
    if (fatal) {
      // The event carries _FATAL; the error that caused it is kept by the handle.
      errstr.u8[0] = 0;
      code = rdk.rd_kafka_fatal_error(this.rk, errstr.ptr, errstr.u8.length);
      reason = errstrText();
    }
    const error = new KafkaError(code, `${this.what} ${this.name}${fatal ? " fatal error" : ""}`, { fatal, reason });
    if (fatal) this.fatalError ??= error;
    this.onError(error);
  }

  /** Releases the main queue and destroys the handle (blocks until librdkafka's threads end). Idempotent. */
  destroy(): void {
    if (!this.open) return;
    this.open = false;
    rdk.rd_kafka_queue_destroy(this.mainQueue);
    rdk.rd_kafka_destroy(this.rk);
  }
}
