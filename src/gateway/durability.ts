// Durability gating: execution reports leave only once the input log says the
// commands that caused them are durable. Group commit: the commands of one
// chunk of a client's input (everything Bun read from its socket at once)
// are one batch, closed when the chunk is handled (each touched session's
// queue marked); the log is asked to make it durable, and when it says so the
// marked bytes are released and sent. Under fsync, batches that arrive while
// one is syncing are written together (journal/writer.ts).
// Work that does not come from input (held input resuming, answers, timers)
// asks for the end-of-turn task: it flushes what that work submitted and runs
// the other parts' waiting work (`afterTurn`: held input, a pass of answers);
// whatever they ask for meanwhile gets the next turn.

import type { CommandIntake } from "../sequencer/intake.ts";
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
  private readonly sequencer: CommandIntake;
  private readonly output: Output;
  private batchId = 0;
  private readonly batchSessions: Session[] = [];
  /** Closed batches waiting for durability, oldest first, and spare ones (no allocation per flush). */
  private readonly pending: Batch[] = [];
  private readonly spare: Batch[] = [];
  private flushScheduled = false;
  /** Inside flushNow; a schedule() meanwhile means one more turn. */
  private flushing = false;
  private again = false;
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
  /** At the end of each turn's flush: the parts that go on with waiting work (held input, a pass of answers). */
  afterTurn: () => void = () => {};
  /** After each durable notice: the parts that go on as reports leave (held input, answers waiting for room). */
  onReleased: () => void = () => {};

  constructor(sequencer: CommandIntake, output: Output) {
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

  /**
   * A chunk of input is handled: its commands are a batch, flushed now, and
   * what may leave is sent. Flushing per chunk rather than per turn costs one
   * log write per chunk instead of one per turn (the same at high rates, where
   * a turn reads one large chunk per busy session), and saves the Immediate a
   * turn task allocates: at 100k commands/s in small chunks, one heap cell per
   * chunk the collector no longer pauses for.
   */
  flushInput(): void {
    if (this.flushing) return this.schedule();
    this.flushing = true;
    this.again = false;
    try {
      this.closeBatch();
      this.output.sendAll();
    } finally {
      this.flushing = false;
    }
    if (this.again) this.schedule();
  }

  /** Closes the batch (and runs `afterTurn`) at the end of this event-loop turn. */
  schedule(): void {
    if (this.flushScheduled) return;
    if (this.flushing) {
      this.again = true;
      return;
    }
    this.flushScheduled = true;
    setImmediate(this.flushTask);
  }

  /** Closes the batch of this turn, asks the log to make it durable, sends what may leave, runs `afterTurn`. */
  flushNow(): void {
    this.flushScheduled = false;
    this.flushing = true;
    this.again = false;
    try {
      this.closeBatch();
      this.output.sendAll();
      this.afterTurn();
    } finally {
      this.flushing = false;
    }
    if (this.again) this.schedule();
  }

  private closeBatch(): void {
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
    this.onReleased();
  }
}
