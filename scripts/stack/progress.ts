// Visible progress for long steps (downloads, server start-ups): a line when a
// step starts, its elapsed time while it runs (rewritten in place on a
// terminal, a line every few seconds otherwise), and a closing line with the
// total. Clock and output are injected so tests need no sleeping.

export interface ProgressClock {
  nowMs(): number;
  every(ms: number, fn: () => void): () => void;
}

export const realProgressClock: ProgressClock = {
  nowMs: () => performance.now(),
  every: (ms, fn) => {
    const timer = setInterval(fn, ms);
    return () => clearInterval(timer);
  },
};

/** On a non-terminal, one "still running" line this often keeps CI logs readable and alive. */
const lineEveryMs = 5000;
/** On a terminal the elapsed time is redrawn this often. */
const redrawEveryMs = 200;

export class Progress {
  private readonly write: (text: string) => void;
  private readonly tty: boolean;
  private readonly clock: ProgressClock;
  private readonly startedMs: number;

  constructor(options: { write?: (text: string) => void; tty?: boolean; clock?: ProgressClock } = {}) {
    this.write = options.write ?? ((text) => process.stderr.write(text));
    this.tty = options.tty ?? process.stderr.isTTY === true;
    this.clock = options.clock ?? realProgressClock;
    this.startedMs = this.clock.nowMs();
  }

  /** Runs one step, showing its name and elapsed time; the step's own result or error passes through. */
  async step<T>(label: string, work: () => Promise<T>): Promise<T> {
    const started = this.clock.nowMs();
    const elapsed = () => seconds(this.clock.nowMs() - started);
    if (this.tty) this.write(`  … ${label}`);
    else this.write(`  … ${label}\n`);
    const cancel = this.clock.every(this.tty ? redrawEveryMs : lineEveryMs, () => {
      if (this.tty) this.write(`\r  … ${label} ${elapsed()}\x1b[K`);
      else this.write(`  … ${label} (still running, ${elapsed()})\n`);
    });
    try {
      const result = await work();
      cancel();
      this.close(`  ✓ ${label} (${elapsed()})`);
      return result;
    } catch (error) {
      cancel();
      this.close(`  ✗ ${label} failed after ${elapsed()}: ${(error as Error).message}`);
      throw error;
    }
  }

  /** A line of its own, with the time since the whole run started. */
  note(text: string): void {
    this.write(`[${seconds(this.clock.nowMs() - this.startedMs).padStart(7)}] ${text}\n`);
  }

  private close(text: string): void {
    this.write(this.tty ? `\r${text}\x1b[K\n` : `${text}\n`);
  }
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
