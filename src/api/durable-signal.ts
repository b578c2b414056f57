// The matching thread tells the market-data worker how far the journal is
// durable: one seq in shared memory (two int32 halves) and a wake counter the
// worker waits on. The matching thread's whole cost is two stores and a
// notify per journal flush, never per command; the worker reads the journal
// itself (replica.ts).

import type { EventConsumer } from "../sequencer/sequencer.ts";

const LO = 0;
const HI = 1;
const WAKE = 2;
const CLOSED = 3;
const slots = 16;
const two32 = 4294967296;

export class DurableSignal implements EventConsumer {
  readonly buffer: SharedArrayBuffer;
  private readonly cells: Int32Array;

  constructor(buffer: SharedArrayBuffer = new SharedArrayBuffer(slots * 4)) {
    if (buffer.byteLength !== slots * 4)
      throw new Error(`durable signal: ${buffer.byteLength} bytes, expected ${slots * 4}`);
    this.buffer = buffer;
    this.cells = new Int32Array(buffer);
  }

  // ---- the matching thread (an EventConsumer with nothing to do per command) ----

  onEvents(): void {}

  onDurable(seq: number): void {
    this.publish(seq);
  }

  publish(seq: number): void {
    const hi = Math.floor(seq / two32);
    Atomics.store(this.cells, LO, (seq - hi * two32) | 0);
    Atomics.store(this.cells, HI, hi);
    this.wake();
  }

  close(): void {
    Atomics.store(this.cells, CLOSED, 1);
    this.wake();
  }

  private wake(): void {
    Atomics.add(this.cells, WAKE, 1);
    Atomics.notify(this.cells, WAKE);
  }

  // ---- the worker ----

  /** The durable seq last published (the halves are read high, low, high again so a torn pair is retried). */
  seq(): number {
    for (;;) {
      const hi = Atomics.load(this.cells, HI);
      const lo = Atomics.load(this.cells, LO);
      if (Atomics.load(this.cells, HI) === hi) return hi * two32 + (lo >>> 0);
    }
  }

  get closed(): boolean {
    return Atomics.load(this.cells, CLOSED) === 1;
  }

  wakeCounter(): number {
    return Atomics.load(this.cells, WAKE);
  }

  /**
   * Resolves once something was published after the counter read `seen` (at once if it
   * already was), or after `timeoutMs`.
   */
  async waitForWake(seen: number, timeoutMs: number): Promise<number> {
    const r = Atomics.waitAsync(this.cells, WAKE, seen, timeoutMs);
    if (r.async) await r.value;
    return Atomics.load(this.cells, WAKE);
  }
}
