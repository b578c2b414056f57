// Durability gating: execution reports leave only once the input log says the
// commands that caused them are durable. Group commit: everything a turn of
// the event loop submitted is one batch; at the end of the turn the batch is
// closed (each touched session's queue marked), the log is asked to make it
// durable, and when it says so the marked bytes are released and sent.

import type { Sequencer } from "../sequencer/sequencer.ts";
import type { Output } from "./output.ts";
import type { Session } from "./session.ts";

/** A batch closed at one flush, waiting for the log to make it durable. */
interface Batch {
  lastSeq: number;
  sessions: Session[];
  /** Each session's `out.appended` at the close, and its commands in the batch. */
  marks: number[];
  counts: number[];
}

export class DurabilityGate {
  private readonly sequencer: Sequencer;
  private readonly output: Output;
  private batchId = 0;
  private readonly batchSessions: Session[] = [];
  /** Closed batches waiting for durability, oldest first, and spare ones (no allocation per flush). */
  private readonly pending: Batch[] = [];
  private readonly spare: Batch[] = [];
  private flushScheduled = false;
  private readonly flushTask = () => {
    try {
      this.flushNow();
    } catch (error) {
      this.onFatal(error);
    }
  };
  /** A broken invariant at the end of a turn (the gateway's handler exits the process). */
  onFatal: (error: unknown) => void = (error) => {
    throw error;
  };
  /** After each flush and each durable notice: the parts that go on with waiting work (held input, queries). */
  afterTurn: () => void = () => {};

  constructor(sequencer: Sequencer, output: Output) {
    this.sequencer = sequencer;
    this.output = output;
  }

  /** The session got gated bytes (or commands) in the batch being collected. */
  touch(s: Session): void {
    if (s.batchId === this.batchId) return;
    s.batchId = this.batchId;
    this.batchSessions.push(s);
  }

  /** One command of the session went to the log: it stays in flight until durable. */
  countCommand(s: Session): void {
    s.inFlight++;
    s.batchCommands++;
    this.touch(s);
  }

  /** Closes the batch at the end of this event-loop turn. */
  schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.flushTask);
  }

  /** Closes the batch of this turn, asks the log to make it durable, and sends what may leave. */
  flushNow(): void {
    this.flushScheduled = false;
    const sessions = this.batchSessions;
    if (sessions.length > 0) {
      const batch = this.spare.pop() ?? { lastSeq: 0, sessions: [], marks: [], counts: [] };
      batch.lastSeq = this.sequencer.lastSeq;
      for (const s of sessions) {
        batch.sessions.push(s);
        batch.marks.push(s.out.appended);
        batch.counts.push(s.batchCommands);
        s.batchCommands = 0;
      }
      sessions.length = 0;
      this.pending.push(batch);
      this.batchId++;
      this.sequencer.flush();
    }
    this.output.sendAll();
    this.afterTurn();
  }

  /** The log made every command up to `seq` durable: release the batches it covers. */
  onDurable(seq: number): void {
    while (this.pending.length > 0 && this.pending[0]!.lastSeq <= seq) {
      const b = this.pending.shift()!;
      for (let k = 0; k < b.sessions.length; k++) {
        const s = b.sessions[k]!;
        s.out.releaseTo(b.marks[k]!);
        s.inFlight -= b.counts[k]!;
        this.output.queueSend(s);
      }
      b.sessions.length = 0;
      b.marks.length = 0;
      b.counts.length = 0;
      this.spare.push(b);
    }
    this.output.sendAll();
    this.afterTurn();
  }
}
