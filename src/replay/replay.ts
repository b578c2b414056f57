// The replay loop: NDJSON command lines in, NDJSON event lines out, then a
// summary with the state hash. Shared by the CLI (main.ts) and the tests.

import { applyCommand } from "../engine/apply.ts";
import { type EngineConfig } from "../engine/config.ts";
import { EventKind } from "../engine/constants.ts";
import { Engine } from "../engine/engine.ts";
import { formatEvent } from "./format.ts";
import { parseLine } from "./ndjson.ts";

export interface ReplaySummary {
  commands: number;
  trades: number;
  malformed: number;
  hash: string;
}

export interface ReplaySink {
  /** One NDJSON event line, without the newline. */
  event(line: string): void;
  /** A malformed input line: its 1-based line number and why. */
  malformed(lineNumber: number, reason: string): void;
}

export class Replay {
  readonly engine: Engine;
  private readonly sink: ReplaySink;
  private commands = 0;
  private trades = 0;
  private malformedCount = 0;
  private lineNumber = 0;

  constructor(sink: ReplaySink, config: Partial<EngineConfig> = {}) {
    this.engine = new Engine(config);
    this.sink = sink;
    this.engine.events.onFull = () => this.flushEvents();
  }

  /** Feeds one input line (without its newline). Blank lines are skipped silently. */
  line(text: string): void {
    this.lineNumber++;
    if (text.trim() === "") return;
    const parsed = parseLine(text, this.commands + 1, (name) => this.engine.bookOf(name));
    if (!parsed.ok) return this.bad(parsed.reason);
    const cmd = parsed.command;
    if (cmd.op === "symbol") {
      const error = this.engine.symbolError(cmd.spec);
      if (error !== null) return this.bad(`symbol ${JSON.stringify(cmd.spec.name)}: ${error}`);
    }
    this.commands++;
    applyCommand(this.engine, cmd);
    this.flushEvents();
  }

  private bad(reason: string): void {
    this.malformedCount++;
    this.sink.malformed(this.lineNumber, reason);
  }

  private flushEvents(): void {
    const ev = this.engine.events;
    for (let i = 0; i < ev.count; i++) {
      if (ev.kind(i) === EventKind.Trade) this.trades++;
      this.sink.event(formatEvent(ev, i, this.engine.symNames));
    }
    ev.clear();
  }

  summary(): ReplaySummary {
    return {
      commands: this.commands,
      trades: this.trades,
      malformed: this.malformedCount,
      hash: this.engine.stateHash(),
    };
  }

  summaryLine(): string {
    const s = this.summary();
    return (
      `{"ev":"summary","commands":${s.commands},"trades":${s.trades},"malformed":${s.malformed},"hash":"` +
      `${s.hash}"}`
    );
  }
}
