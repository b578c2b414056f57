// What the sequencer tells metrics about each command it applies (the
// sequencer's ApplyProbe): its type and whether the engine rejected it, and
// for one command in `sampleEvery` the engine's time. Per command this is a
// few typed-array reads and one increment (the counters are mirrored into the
// registry at scrape time): no allocation, no clock read. Timing
// every command would cost two clock reads (about 40 ns) on a path of a few
// hundred nanoseconds; a power-of-two sample keeps the histogram's shape at
// a small fraction of that (bench/gateway.bench.ts, README Observability).

import { EventKind } from "../engine/constants.ts";
import type { CounterChild } from "./counter.ts";
import type { ExchangeMetrics } from "./exchange-metrics.ts";
import type { HistogramChild } from "./histogram.ts";
import type { MetricsRegistry } from "./registry.ts";

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
  /** Commands applied, at (code << 1) | rejected: plain typed-array increments on the hot path, mirrored at scrape. */
  private readonly counts = new Float64Array(commandCodesMax * 2);
  /** Engine rejects by reason code. */
  private readonly rejectCounts = new Float64Array(rejectCodesMax);
  private readonly matching: HistogramChild;

  constructor(registry: MetricsRegistry, metrics: ExchangeMetrics, sampleEvery: number) {
    if (!(Number.isInteger(sampleEvery) && sampleEvery >= 1 && (sampleEvery & (sampleEvery - 1)) === 0)) {
      throw new Error(`metrics: sampleEvery ${sampleEvery} must be a power of two`);
    }
    this.sampleMask = sampleEvery - 1;
    this.matching = metrics.matchingSeconds;
    const children: (CounterChild | null)[] = [];
    for (let code = 0; code < commandCodesMax; code++) {
      const known = metrics.hasCommand(code);
      children.push(known ? metrics.commandChild(code, true) : null, known ? metrics.commandChild(code, false) : null);
    }
    const rejects: CounterChild[] = [];
    for (let code = 0; code < rejectCodesMax; code++) rejects.push(metrics.rejectChild(code));
    const mirroredRejects = new Float64Array(rejectCodesMax);
    registry.onCollect("commands", () => {
      for (let i = 0; i < children.length; i++) children[i]?.setTotal(this.counts[i]!);
      // The reject counter is shared with the gateway's rejects: add what is new since the last scrape.
      for (let code = 0; code < rejectCodesMax; code++) {
        const added = this.rejectCounts[code]! - mirroredRejects[code]!;
        if (added > 0) rejects[code]!.inc(added);
        mirroredRejects[code] = this.rejectCounts[code]!;
      }
    });
  }

  /**
   * One command was applied; `events` holds its events (the last chunk of them
   * if the buffer filled mid-command, which never happens to a rejected
   * command: a reject is its command's only event).
   */
  applied(command: number, events: EventsView): void {
    if (events.count > 0 && events.kind[0] === EventKind.Rejected) {
      this.counts[(command << 1) | 1]!++;
      this.rejectCounts[events.code[0]!]!++;
    } else this.counts[command << 1]!++;
  }

  /** Engine time of one sampled command, ns. */
  sampled(ns: number): void {
    this.matching.observe(ns / 1e9);
  }
}
