// The async-iterator side of report delivery. The callback path hands out one
// reused object; an iterator's consumer runs later, so each report is copied
// into a plain object here (one allocation per report: the price of the
// convenience). The queue is bounded: above `highWater` the client pauses
// reading the socket (TCP backpressure reaches the exchange) and resumes below
// `lowWater`, so a slow consumer never grows memory without bound.

import type { ExecReport } from "../protocol/index.ts";

/** A report as a plain object that the consumer may keep. */
export interface ReportData {
  kind: number;
  rejectReason: number;
  cancelReason: number;
  clientOrderId: number;
  orderId: number;
  symbolId: number;
  side: number;
  priceTicks: number;
  qtyLots: number;
  leavesQtyLots: number;
  tradeId: number;
  liquidity: number;
  engineSeq: number;
  timestampNs: number;
}

export function copyReport(r: ExecReport): ReportData {
  return {
    kind: r.kind,
    rejectReason: r.rejectReason,
    cancelReason: r.cancelReason,
    clientOrderId: r.clientOrderId,
    orderId: r.orderId,
    symbolId: r.symbolId,
    side: r.side,
    priceTicks: r.priceTicks,
    qtyLots: r.qtyLots,
    leavesQtyLots: r.leavesQtyLots,
    tradeId: r.tradeId,
    liquidity: r.liquidity,
    engineSeq: r.engineSeq,
    timestampNs: r.timestampNs,
  };
}

export interface FlowControl {
  pause(): void;
  resume(): void;
}

export class ReportQueue implements AsyncIterableIterator<ReportData> {
  private items: ReportData[] = [];
  private head = 0;
  private waiter: ((r: IteratorResult<ReportData>) => void) | null = null;
  private failWaiter: ((e: Error) => void) | null = null;
  private ended = false;
  private error: Error | null = null;
  private paused = false;

  constructor(
    private readonly flow: FlowControl,
    private readonly highWater: number,
    private readonly lowWater: number,
  ) {
    if (!(lowWater >= 0 && lowWater < highWater))
      throw new Error(`report queue water marks ${lowWater} / ${highWater}`);
  }

  get length(): number {
    return this.items.length - this.head;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  push(r: ExecReport): void {
    if (this.ended) return;
    const data = copyReport(r);
    if (this.waiter !== null) {
      const w = this.waiter;
      this.waiter = null;
      this.failWaiter = null;
      w({ value: data, done: false });
      return;
    }
    this.items.push(data);
    if (!this.paused && this.length >= this.highWater) {
      this.paused = true;
      this.flow.pause();
    }
  }

  /** Ends the iteration after the queued reports; with an error, `next` rejects once they are consumed. */
  end(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    if (this.waiter !== null) this.settleEnd();
  }

  next(): Promise<IteratorResult<ReportData>> {
    if (this.length > 0) return Promise.resolve({ value: this.shift(), done: false });
    if (this.ended) {
      return new Promise((resolve, reject) => {
        this.waiter = resolve;
        this.failWaiter = reject;
        this.settleEnd();
      });
    }
    if (this.waiter !== null)
      return Promise.reject(new Error("ReportQueue: next() while a previous next() is pending"));
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  return(): Promise<IteratorResult<ReportData>> {
    this.items = [];
    this.head = 0;
    this.end(null);
    this.resumeIfPaused();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ReportData> {
    return this;
  }

  private shift(): ReportData {
    const r = this.items[this.head]!;
    this.head++;
    // Empty: reuse the array. Otherwise compact once the consumed prefix is
    // large and half the array: amortised O(1) per report.
    if (this.head === this.items.length) {
      this.items.length = 0;
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    if (this.paused && this.length <= this.lowWater) this.resumeIfPaused();
    return r;
  }

  private resumeIfPaused(): void {
    if (!this.paused) return;
    this.paused = false;
    this.flow.resume();
  }

  private settleEnd(): void {
    const resolve = this.waiter!;
    const reject = this.failWaiter!;
    this.waiter = null;
    this.failWaiter = null;
    const error = this.error;
    this.error = null;
    if (error !== null) reject(error);
    else resolve({ value: undefined, done: true });
  }
}
