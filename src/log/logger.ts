// Structured logging: one logger per component (`root.child("gateway")`),
// JSON lines by default and a human format on a terminal. When a level is off
// the call returns before anything is built: no record, no string, no JSON;
// a message that costs something to compute can be passed as a function and
// is then called only when the line is written. Writing never throws into the
// caller.

import { type Fields, humanLine, jsonLine, type LogRecord } from "./format.ts";
import { Level, type LevelName, levelOff } from "./levels.ts";

export type LogFormat = "json" | "human" | "auto";

export interface LoggerOptions {
  level: LevelName | "off";
  /** auto: human when `isTty`, JSON lines otherwise. */
  format: LogFormat;
  /** Receives one line, without its newline. Default: stdout (debug, info) and stderr (warn, error). */
  write?: (line: string, level: LevelName) => void;
  /** Whether the output is a terminal; default process.stdout.isTTY. */
  isTty?: boolean;
  /** Milliseconds since the epoch. */
  nowMs?: () => number;
}

export type Message = string | (() => string);

const defaultWrite = (line: string, level: LevelName) => {
  if (level === "warn" || level === "error") process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
};

interface Sink {
  threshold: number;
  human: boolean;
  write: (line: string, level: LevelName) => void;
  nowMs: () => number;
}

export class Logger {
  private readonly sink: Sink;
  readonly component: string;
  private readonly bound: Fields | null;

  private constructor(sink: Sink, component: string, bound: Fields | null) {
    this.sink = sink;
    this.component = component;
    this.bound = bound;
  }

  static create(options: LoggerOptions, component = "exchange"): Logger {
    const isTty = options.isTty ?? process.stdout.isTTY === true;
    const human = options.format === "human" || (options.format === "auto" && isTty);
    const threshold = options.level === "off" ? levelOff : Level[options.level];
    return new Logger(
      { threshold, human, write: options.write ?? defaultWrite, nowMs: options.nowMs ?? Date.now },
      component,
      null,
    );
  }

  /** A logger for a component (or the same component with more fields bound), sharing this one's output. */
  child(component: string, fields: Fields | null = null): Logger {
    const bound = this.bound === null ? fields : fields === null ? this.bound : { ...this.bound, ...fields };
    return new Logger(this.sink, component, bound);
  }

  /** Whether lines are written for people (a terminal) rather than as JSON. */
  get human(): boolean {
    return this.sink.human;
  }

  /**
   * An info line with a block of text under it for people (the effective
   * configuration, the start-up summary): on a terminal the message line, then
   * each line of the block as it is; as JSON one line with `fields` only.
   */
  infoBlock(msg: string, block: readonly string[], fields?: Fields): void {
    if (Level.info < this.sink.threshold) return;
    if (!this.sink.human) return this.emit("info", msg, fields);
    this.emit("info", msg, undefined);
    try {
      for (const line of block) this.sink.write(line, "info");
    } catch {
      // As emit: logging never throws into the caller.
    }
  }

  /**
   * An info line whose fields only restate its message for machines (the
   * start-up summary, the stop line): JSON carries them, a terminal shows the
   * message alone.
   */
  infoRestated(msg: string, fields: Fields): void {
    if (Level.info >= this.sink.threshold) this.emit("info", msg, this.sink.human ? undefined : fields);
  }

  /** Whether a level is written: test it before building costly fields. */
  enabled(level: LevelName): boolean {
    return Level[level] >= this.sink.threshold;
  }

  debug(msg: Message, fields?: Fields): void {
    if (Level.debug >= this.sink.threshold) this.emit("debug", msg, fields);
  }

  info(msg: Message, fields?: Fields): void {
    if (Level.info >= this.sink.threshold) this.emit("info", msg, fields);
  }

  warn(msg: Message, fields?: Fields): void {
    if (Level.warn >= this.sink.threshold) this.emit("warn", msg, fields);
  }

  error(msg: Message, fields?: Fields): void {
    if (Level.error >= this.sink.threshold) this.emit("error", msg, fields);
  }

  private emit(level: LevelName, msg: Message, fields: Fields | undefined): void {
    try {
      const record: LogRecord = {
        timeMs: this.sink.nowMs(),
        level,
        component: this.component,
        msg: typeof msg === "string" ? msg : msg(),
        bound: this.bound,
        fields: fields ?? null,
      };
      this.sink.write(this.sink.human ? humanLine(record) : jsonLine(record), level);
    } catch {
      // Logging must never take the exchange down (a closed stdout, a throwing message function).
    }
  }
}
