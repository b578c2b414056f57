// What the sequencer tells metrics about each command it applies (the
// sequencer's ApplyProbe): its type and whether the engine rejected it, and
// for one command in `sampleEvery` the engine's time. Per command this is a
// few array reads and one addition: no allocation, no clock read. Timing
// every command would cost two clock reads (about 40 ns) on a path of a few
// hundred nanoseconds; a power-of-two sample keeps the histogram's shape at
// a small fraction of that (bench/gateway.bench.ts, README Observability).

import { EventKind } from "../engine/constants.ts";
import type { CounterChild } from "./counter.ts";
import type { ExchangeMetrics } from "./exchange-metrics.ts";
import type { HistogramChild } from "./histogram.ts";

/** The event columns the probe reads (structural: the engine's EventBuffer). */
export interface EventsView {
  readonly count: number;
  readonly kind: ArrayLike<number>;
  readonly code: ArrayLike<number>;
}

/** Command codes are small integers (the schema's Command union). */
const commandCodesMax = 16;
/** Reject reasons are a ubyte. */
const rejectCodesMax = 256;

export class CommandMetrics {
  /** The sequencer times a command when (commands applied & sampleMask) === 0. */
  readonly sampleMask: number;
  private readonly accepted: (CounterChild | null)[] = [];
  private readonly rejected: (CounterChild | null)[] = [];
  private readonly rejects: CounterChild[] = [];
  private readonly matching: HistogramChild;

  constructor(metrics: ExchangeMetrics, sampleEvery: number) {
    if (!(Number.isInteger(sampleEvery) && sampleEvery >= 1 && (sampleEvery & (sampleEvery - 1)) === 0)) {
      throw new Error(`metrics: sampleEvery ${sampleEvery} must be a power of two`);
    }
    this.sampleMask = sampleEvery - 1;
    for (let code = 0; code < commandCodesMax; code++) {
      this.accepted.push(metrics.hasCommand(code) ? metrics.commandChild(code, true) : null);
      this.rejected.push(metrics.hasCommand(code) ? metrics.commandChild(code, false) : null);
    }
    for (let code = 0; code < rejectCodesMax; code++) this.rejects.push(metrics.rejectChild(code));
    this.matching = metrics.matchingSeconds;
  }

  /**
   * One command was applied; `events` holds its events (the last chunk of them
   * if the buffer filled mid-command, which never happens to a rejected
   * command: a reject is its command's only event).
   */
  applied(command: number, events: EventsView): void {
    const rejected = events.count > 0 && events.kind[0] === EventKind.Rejected;
    const child = rejected ? this.rejected[command] : this.accepted[command];
    if (child != null) child.value++;
    if (rejected) this.rejects[events.code[0]!]!.value++;
  }

  /** Engine time of one sampled command, ns. */
  sampled(ns: number): void {
    this.matching.observe(ns / 1e9);
  }
}
