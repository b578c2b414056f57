// Per-session accounting of the load generator: which orders are live, which
// command on each is waiting for its acknowledgement, and the latency from
// the moment a command was due to the moment it was acknowledged.
//
// Coordinated omission. A generator that measures from the moment it actually
// sent a command hides every stall: while it (or the socket) is blocked, the
// commands that should have gone out are not sent, so they are not timed, and
// the ones sent late are timed from their late start. A real client population
// does not stop arriving while the exchange is slow. So in the open loop each
// command carries its *intended* time (the fixed schedule: start + i/rate) and
// latency = ack time - intended time: a 1 s stall charges the commands due
// during it 1 s down to 0, as their users would have seen. The time from the
// actual send ("service time") and the generator's own lateness ("send lag" =
// actual - intended) are kept beside it to tell a slow exchange from a slow
// generator. In the closed loop there is no schedule (a command is due when an
// ack frees its window slot), so intended = sent; the summary says that closed-
// loop figures are not corrected.
//
// Order state lives in typed-array columns indexed by a slot; the client order
// id encodes the slot (cid = (generation * stride) + sessionIndex * slotsCount + slot)
// so a report finds its slot by a modulo, ids never repeat within a run, and
// sessions of one user never share an id.

import type { ExecReport } from "../protocol/index.ts";
import { Histogram } from "./histogram.ts";
import { MixKind } from "./options.ts";

export const ExecKind = {
  Accepted: 1,
  Rejected: 2,
  Fill: 3,
  Cancelled: 4,
  Modified: 5,
  Triggered: 6,
  Reduced: 7,
  MassCancelled: 8,
} as const;
export const execKindNames = [
  "none",
  "accepted",
  "rejected",
  "fill",
  "cancelled",
  "modified",
  "triggered",
  "reduced",
  "mass_cancelled",
] as const;
const CancelReasonUser = 1;

const SlotState = {
  Free: 0,
  /** NewOrder sent, no report yet. */
  PendingNew: 1,
  /** On the book (or an IOC/market still executing), no command pending. */
  Live: 2,
  PendingCancel: 3,
  PendingModify: 4,
  /** Gone (filled, or cancelled by the exchange) while our cancel/modify is pending: its reject will come. */
  Gone: 5,
} as const;

/** Most sessions one run may have; part of the id layout. */
export const sessionsMax = 10000;

export class OrderTracker {
  readonly slotsCount: number;
  private readonly sessionIndex: number;
  private readonly cid: Float64Array;
  private readonly generation: Float64Array;
  private readonly state: Uint8Array;
  private readonly pendingKind: Uint8Array;
  /** Whether a Live slot may be picked for cancel/modify (resting GTC orders only). */
  private readonly rests: Uint8Array;
  readonly side: Uint8Array;
  readonly price: Int32Array;
  readonly leaves: Float64Array;
  private readonly intendedNs: Float64Array;
  private readonly sentNs: Float64Array;
  /** Slots that are Live and resting, for a uniform random pick. */
  private readonly restingList: Int32Array;
  private readonly restingIndex: Int32Array;
  restingCount = 0;
  private readonly freeList: Int32Array;
  private freeCount: number;
  /** Slots not Free. */
  usedCount = 0;

  /** False during cleanup: acks update state but not the figures. */
  recording = true;
  inFlight = 0;
  /** Intended → ack (corrected for coordinated omission in the open loop). */
  readonly latency = new Histogram();
  /** Like `latency`, reset by the progress line each second. */
  readonly latencyInterval = new Histogram();
  /** Sent → ack. */
  readonly service = new Histogram();
  /** Intended → sent: the generator's lateness. */
  readonly sendLag = new Histogram();
  readonly sentByKind = new Float64Array(5);
  readonly ackedByKind = new Float64Array(5);
  readonly reportsByKind = new Float64Array(execKindNames.length);
  readonly rejectsByReason = new Float64Array(64);
  readonly cancelsByReason = new Float64Array(64);
  acked = 0;
  rejected = 0;
  /** Reports for ids this session does not know, or that its state does not expect. */
  unmatched = 0;
  lastAckNs = 0;

  constructor(slotsCount: number, sessionIndex: number) {
    if (!(Number.isInteger(slotsCount) && slotsCount > 0 && slotsCount <= 1 << 24))
      throw new Error(`slotsCount ${slotsCount}`);
    if (!(Number.isInteger(sessionIndex) && sessionIndex >= 0 && sessionIndex < sessionsMax))
      throw new Error(`sessionIndex ${sessionIndex}`);
    this.slotsCount = slotsCount;
    this.sessionIndex = sessionIndex;
    this.cid = new Float64Array(slotsCount);
    this.generation = new Float64Array(slotsCount);
    this.state = new Uint8Array(slotsCount);
    this.pendingKind = new Uint8Array(slotsCount);
    this.rests = new Uint8Array(slotsCount);
    this.side = new Uint8Array(slotsCount);
    this.price = new Int32Array(slotsCount);
    this.leaves = new Float64Array(slotsCount);
    this.intendedNs = new Float64Array(slotsCount);
    this.sentNs = new Float64Array(slotsCount);
    this.restingList = new Int32Array(slotsCount);
    this.restingIndex = new Int32Array(slotsCount).fill(-1);
    this.freeList = new Int32Array(slotsCount);
    for (let i = 0; i < slotsCount; i++) this.freeList[i] = slotsCount - 1 - i;
    this.freeCount = slotsCount;
  }

  /** Ids below this were given before the run (open orders found at login): start above them. */
  skipIdsBelow(cid: number): void {
    const stride = sessionsMax * this.slotsCount;
    const generation = Math.floor(cid / stride) + 1;
    for (let i = 0; i < this.slotsCount; i++) if (this.generation[i]! < generation) this.generation[i] = generation;
  }

  /** A free slot with its new client order id set, or -1. Undo with `release` if the send fails. */
  allocate(): number {
    if (this.freeCount === 0) return -1;
    const slot = this.freeList[--this.freeCount]!;
    const g = this.generation[slot]!;
    this.generation[slot] = g + 1;
    this.cid[slot] = (g * sessionsMax + this.sessionIndex) * this.slotsCount + slot;
    this.usedCount++;
    return slot;
  }

  release(slot: number): void {
    if (!(this.state[slot] === SlotState.Free || this.state[slot] === SlotState.PendingNew))
      throw new Error(`release of slot ${slot} in state ${this.state[slot]}`);
    this.removeResting(slot);
    this.state[slot] = SlotState.Free;
    this.cid[slot] = -1;
    this.freeList[this.freeCount++] = slot;
    this.usedCount--;
  }

  cidOf(slot: number): number {
    return this.cid[slot]!;
  }

  /** A random resting order with no command pending, or -1. `r` in [0, 1). */
  pickResting(r: number): number {
    if (this.restingCount === 0) return -1;
    return this.restingList[Math.floor(r * this.restingCount)]!;
  }

  sentNew(
    slot: number,
    kind: number,
    side: number,
    price: number,
    qty: number,
    intendedNs: number,
    sentNs: number,
  ): void {
    this.state[slot] = SlotState.PendingNew;
    this.rests[slot] = kind === MixKind.place ? 1 : 0;
    this.side[slot] = side;
    this.price[slot] = price;
    this.leaves[slot] = qty;
    this.pending(slot, kind, intendedNs, sentNs);
  }

  sentCancel(slot: number, intendedNs: number, sentNs: number): void {
    this.expectState(slot, SlotState.Live);
    this.removeResting(slot);
    this.state[slot] = SlotState.PendingCancel;
    this.pending(slot, MixKind.cancel, intendedNs, sentNs);
  }

  sentModify(slot: number, price: number, qty: number, intendedNs: number, sentNs: number): void {
    this.expectState(slot, SlotState.Live);
    this.removeResting(slot);
    this.state[slot] = SlotState.PendingModify;
    this.price[slot] = price;
    this.leaves[slot] = qty;
    this.pending(slot, MixKind.modify, intendedNs, sentNs);
  }

  /** Every resting slot with no command pending (cleanup). */
  restingSlots(): number[] {
    return Array.from(this.restingList.subarray(0, this.restingCount));
  }

  /**
   * Applies one execution report received at `nowNs`. Returns 1 when it
   * acknowledged a pending command (the closed loop sends the next), else 0.
   */
  onReport(r: ExecReport, nowNs: number): number {
    if (this.recording) {
      this.reportsByKind[r.kind < execKindNames.length ? r.kind : 0]!++;
      if (r.kind === ExecKind.Rejected) this.rejectsByReason[r.rejectReason & 63]!++;
      if (r.kind === ExecKind.Cancelled) this.cancelsByReason[r.cancelReason & 63]!++;
    }
    // A mass cancel's summary names its request, not an order; its orders came as Cancelled reports.
    if (r.kind === ExecKind.MassCancelled) return 0;
    const slot = r.clientOrderId >= 0 ? r.clientOrderId % this.slotsCount : -1;
    if (slot < 0 || this.cid[slot] !== r.clientOrderId || this.state[slot] === SlotState.Free) {
      if (this.recording) this.unmatched++;
      return 0;
    }
    switch (this.state[slot]) {
      case SlotState.PendingNew:
        return this.onPendingNew(slot, r, nowNs);
      case SlotState.Live:
        this.onLive(slot, r);
        return 0;
      case SlotState.PendingCancel:
        return this.onPendingCancel(slot, r, nowNs);
      case SlotState.PendingModify:
        return this.onPendingModify(slot, r, nowNs);
      default:
        return this.onGone(slot, r, nowNs);
    }
  }

  private onPendingNew(slot: number, r: ExecReport, nowNs: number): number {
    this.ack(slot, nowNs, r.kind === ExecKind.Rejected);
    if (r.kind === ExecKind.Rejected) {
      this.release(slot);
      return 1;
    }
    this.state[slot] = SlotState.Live;
    if (r.kind === ExecKind.Accepted) {
      if (this.rests[slot] === 1) this.addResting(slot);
    } else {
      this.onLive(slot, r);
    }
    return 1;
  }

  /** Events on an order with no command pending: fills, exchange-side cancels, reductions. */
  private onLive(slot: number, r: ExecReport): void {
    if (r.kind === ExecKind.Fill || r.kind === ExecKind.Reduced) {
      this.leaves[slot] = r.leavesQtyLots;
      if (r.leavesQtyLots === 0) this.retire(slot);
    } else if (r.kind === ExecKind.Cancelled) {
      this.retire(slot);
    } else if (r.kind !== ExecKind.Triggered && this.recording) {
      this.unmatched++;
    }
  }

  private onPendingCancel(slot: number, r: ExecReport, nowNs: number): number {
    if (r.kind === ExecKind.Cancelled && r.cancelReason === CancelReasonUser) {
      this.ack(slot, nowNs, false);
      this.retire(slot);
      return 1;
    }
    if (r.kind === ExecKind.Rejected) {
      // The exchange does not know the order (it filled on the way): it is gone either way.
      this.ack(slot, nowNs, true);
      this.retire(slot);
      return 1;
    }
    this.goneOrUpdated(slot, r);
    return 0;
  }

  private onPendingModify(slot: number, r: ExecReport, nowNs: number): number {
    if (r.kind === ExecKind.Modified || r.kind === ExecKind.Rejected) {
      this.ack(slot, nowNs, r.kind === ExecKind.Rejected);
      this.state[slot] = SlotState.Live;
      this.addResting(slot);
      return 1;
    }
    this.goneOrUpdated(slot, r);
    return 0;
  }

  /** The order went away while a command on it is pending; that command's reject is its ack. */
  private onGone(slot: number, r: ExecReport, nowNs: number): number {
    if (
      r.kind === ExecKind.Rejected ||
      r.kind === ExecKind.Modified ||
      (r.kind === ExecKind.Cancelled && r.cancelReason === CancelReasonUser)
    ) {
      this.ack(slot, nowNs, r.kind === ExecKind.Rejected);
      this.retire(slot);
      return 1;
    }
    if (this.recording) this.unmatched++;
    return 0;
  }

  private goneOrUpdated(slot: number, r: ExecReport): void {
    if (r.kind === ExecKind.Fill || r.kind === ExecKind.Reduced) {
      this.leaves[slot] = r.leavesQtyLots;
      if (r.leavesQtyLots === 0) this.state[slot] = SlotState.Gone;
    } else if (r.kind === ExecKind.Cancelled) {
      this.state[slot] = SlotState.Gone;
    } else if (this.recording) {
      this.unmatched++;
    }
  }

  private pending(slot: number, kind: number, intendedNs: number, sentNs: number): void {
    this.pendingKind[slot] = kind;
    this.intendedNs[slot] = intendedNs;
    this.sentNs[slot] = sentNs;
    this.inFlight++;
    if (!this.recording) return;
    this.sentByKind[kind]!++;
    this.sendLag.record(sentNs - intendedNs);
  }

  private ack(slot: number, nowNs: number, rejected: boolean): void {
    this.inFlight--;
    if (!this.recording) return;
    const latency = nowNs - this.intendedNs[slot]!;
    this.latency.record(latency);
    this.latencyInterval.record(latency);
    this.service.record(nowNs - this.sentNs[slot]!);
    this.ackedByKind[this.pendingKind[slot]!]!++;
    this.acked++;
    if (rejected) this.rejected++;
    this.lastAckNs = nowNs;
  }

  /** The order is finished: back to the free list. */
  private retire(slot: number): void {
    this.removeResting(slot);
    this.state[slot] = SlotState.Free;
    this.cid[slot] = -1;
    this.freeList[this.freeCount++] = slot;
    this.usedCount--;
  }

  private addResting(slot: number): void {
    if (this.restingIndex[slot]! >= 0 || this.rests[slot] === 0) return;
    this.restingIndex[slot] = this.restingCount;
    this.restingList[this.restingCount++] = slot;
  }

  private removeResting(slot: number): void {
    const index = this.restingIndex[slot]!;
    if (index < 0) return;
    const last = this.restingList[--this.restingCount]!;
    this.restingList[index] = last;
    this.restingIndex[last] = index;
    this.restingIndex[slot] = -1;
  }

  private expectState(slot: number, state: number): void {
    if (this.state[slot] !== state) throw new Error(`slot ${slot} in state ${this.state[slot]}, expected ${state}`);
  }
}

/**
 * The open loop's fixed schedule for one session: command i is due at
 * startNs + i * intervalNs, for i < count. Sessions get staggered starts so the
 * aggregate stream is evenly spaced.
 */
export class OpenLoopSchedule {
  /** Index of the next command to send. */
  next = 0;

  constructor(
    readonly startNs: number,
    readonly intervalNs: number,
    readonly count: number,
  ) {
    if (!(intervalNs > 0 && count >= 0)) throw new Error(`schedule interval ${intervalNs} ns, count ${count}`);
  }

  intendedNs(index: number): number {
    return this.startNs + index * this.intervalNs;
  }

  /** Commands due by `nowNs` (an index bound, capped at `count`). */
  dueBy(nowNs: number): number {
    if (nowNs < this.startNs) return 0;
    return Math.min(this.count, Math.floor((nowNs - this.startNs) / this.intervalNs) + 1);
  }

  /** Due but not sent. */
  backlog(nowNs: number): number {
    return this.dueBy(nowNs) - this.next;
  }

  get done(): boolean {
    return this.next >= this.count;
  }
}
