// Proves the latency accounting: a synthetic 1 s sender stall shows in the open loop's corrected latency (measured from
// the schedule) and not in service time; and the per-order state machine matches acks to commands (cancel racing a
// fill, rejected modify, IOC remainder, unknown ids).

import { describe, expect, test } from "bun:test";
import { Reject } from "../engine/constants.ts";
import { ExecReport } from "../protocol/index.ts";
import { MixKind } from "./options.ts";
import { ExecKind, OpenLoopSchedule, OrderTracker } from "./tracker.ts";

const ms = 1e6;
const CancelReason = { User: 1, Ioc: 2 } as const;

function report(kind: number, cid: number, fields: Partial<ExecReport> = {}): ExecReport {
  const r = new ExecReport();
  Object.assign(r, { kind, clientOrderId: cid }, fields);
  return r;
}

describe("coordinated omission", () => {
  test("a 1 s stall of the sender is charged to the commands due during it", () => {
    // 1000 commands/s for 10 s; the exchange answers 0.1 ms after each send;
    // from 5 s to 6 s the sender is blocked, then sends the backlog at once.
    const schedule = new OpenLoopSchedule(0, 1 * ms, 10000);
    const tracker = new OrderTracker(20000, 0);
    const answerNs = 0.1 * ms;
    const stallStartNs = 5000 * ms;
    const stallEndNs = 6000 * ms;
    let now = 0;
    const inFlight: { cid: number; ackNs: number }[] = [];
    while (!schedule.done) {
      // The clock jumps over the stall: the sender wakes only at its end.
      now = now >= stallStartNs && now < stallEndNs ? stallEndNs : now;
      const due = schedule.dueBy(now);
      while (schedule.next < due) {
        const slot = tracker.allocate();
        tracker.sentNew(slot, MixKind.place, 0, 100, 1, schedule.intendedNs(schedule.next), now);
        inFlight.push({ cid: tracker.cidOf(slot), ackNs: now + answerNs });
        schedule.next++;
      }
      for (const a of inFlight.splice(0)) expect(tracker.onReport(report(ExecKind.Accepted, a.cid), a.ackNs)).toBe(1);
      now += 1 * ms;
    }
    expect(tracker.acked).toBe(10000);
    expect(tracker.inFlight).toBe(0);
    const lat = tracker.latency;
    // 9000 commands at 0.1 ms; the 1000 due during the stall waited 1000 ms down to 1 ms (+0.1).
    expect(lat.percentile(50) / ms).toBeCloseTo(0.1, 2);
    expect(lat.percentile(90) / ms).toBeLessThan(1.2);
    expect(lat.percentile(95) / ms).toBeGreaterThan(480);
    expect(lat.percentile(95) / ms).toBeLessThan(520);
    expect(lat.percentile(99) / ms).toBeGreaterThan(890);
    expect(lat.percentile(99) / ms).toBeLessThan(910);
    expect(lat.max / ms).toBeCloseTo(1000.1, 1);
    // Measured from the actual send, the stall is invisible: that is the omission.
    expect(tracker.service.percentile(99.9) / ms).toBeCloseTo(0.1, 2);
    expect(tracker.service.max / ms).toBeCloseTo(0.1, 2);
    // The generator's lateness shows where the time went.
    expect(tracker.sendLag.max / ms).toBeCloseTo(1000, 0);
  });

  test("the schedule: due counts, staggered starts, backlog", () => {
    const s = new OpenLoopSchedule(10 * ms, 2 * ms, 5);
    expect(s.dueBy(9 * ms)).toBe(0);
    expect(s.dueBy(10 * ms)).toBe(1);
    expect(s.dueBy(13.9 * ms)).toBe(2);
    expect(s.dueBy(1000 * ms)).toBe(5);
    expect(s.intendedNs(3)).toBe(16 * ms);
    s.next = 1;
    expect(s.backlog(15 * ms)).toBe(2);
    s.next = 5;
    expect(s.done).toBe(true);
  });
});

describe("order tracking", () => {
  test("place, accept, cancel: one ack each, slot recycled with a new id", () => {
    const t = new OrderTracker(4, 3);
    const slot = t.allocate();
    const cid = t.cidOf(slot);
    t.sentNew(slot, MixKind.place, 1, 500, 2, 0, 0);
    expect(t.onReport(report(ExecKind.Accepted, cid, { leavesQtyLots: 2 }), 5 * ms)).toBe(1);
    expect(t.restingCount).toBe(1);
    expect(t.pickResting(0.99)).toBe(slot);
    t.sentCancel(slot, 6 * ms, 6 * ms);
    expect(t.restingCount).toBe(0);
    expect(t.onReport(report(ExecKind.Cancelled, cid, { cancelReason: CancelReason.User }), 7 * ms)).toBe(1);
    expect(t.usedCount).toBe(0);
    expect(t.acked).toBe(2);
    expect(t.ackedByKind[MixKind.cancel]).toBe(1);
    const again = t.allocate();
    expect(t.cidOf(again)).not.toBe(cid);
    expect(t.cidOf(again) % 4).toBe(again);
  });

  test("a cancel that races a fill: the fill empties the order, the reject is the cancel's ack", () => {
    const t = new OrderTracker(4, 0);
    const slot = t.allocate();
    const cid = t.cidOf(slot);
    t.sentNew(slot, MixKind.place, 0, 500, 2, 0, 0);
    t.onReport(report(ExecKind.Accepted, cid), 1);
    t.sentCancel(slot, 2, 2);
    expect(t.onReport(report(ExecKind.Fill, cid, { qtyLots: 2, leavesQtyLots: 0 }), 3)).toBe(0);
    expect(t.inFlight).toBe(1);
    expect(t.onReport(report(ExecKind.Rejected, cid, { rejectReason: Reject.UnknownOrder }), 4)).toBe(1);
    expect(t.inFlight).toBe(0);
    expect(t.usedCount).toBe(0);
    expect(t.rejected).toBe(1);
    expect(t.rejectsByReason[Reject.UnknownOrder]).toBe(1);
  });

  test("a rejected modify leaves the order resting; a modify then a partial fill", () => {
    const t = new OrderTracker(4, 0);
    const slot = t.allocate();
    const cid = t.cidOf(slot);
    t.sentNew(slot, MixKind.place, 0, 500, 5, 0, 0);
    t.onReport(report(ExecKind.Accepted, cid), 1);
    t.sentModify(slot, 510, 4, 2, 2);
    expect(t.onReport(report(ExecKind.Rejected, cid, { rejectReason: Reject.PriceOutOfBand }), 3)).toBe(1);
    expect(t.restingCount).toBe(1);
    t.sentModify(slot, 505, 4, 4, 4);
    expect(t.onReport(report(ExecKind.Modified, cid, { priceTicks: 505, leavesQtyLots: 4 }), 5)).toBe(1);
    expect(t.onReport(report(ExecKind.Fill, cid, { qtyLots: 1, leavesQtyLots: 3 }), 6)).toBe(0);
    expect(t.leaves[slot]).toBe(3);
    expect(t.restingCount).toBe(1);
    expect(t.usedCount).toBe(1);
  });

  test("IOC: accepted is the ack; fills and the remainder cancel free it without resting", () => {
    const t = new OrderTracker(4, 0);
    const slot = t.allocate();
    const cid = t.cidOf(slot);
    t.sentNew(slot, MixKind.ioc, 0, 500, 5, 0, 0);
    expect(t.onReport(report(ExecKind.Accepted, cid), 1)).toBe(1);
    expect(t.restingCount).toBe(0);
    expect(t.onReport(report(ExecKind.Fill, cid, { leavesQtyLots: 2 }), 2)).toBe(0);
    expect(t.onReport(report(ExecKind.Cancelled, cid, { cancelReason: CancelReason.Ioc }), 3)).toBe(0);
    expect(t.usedCount).toBe(0);
    expect(t.acked).toBe(1);
    expect(t.cancelsByReason[CancelReason.Ioc]).toBe(1);
  });

  test("reports for unknown or stale ids are counted, not applied", () => {
    const t = new OrderTracker(4, 0);
    expect(t.onReport(report(ExecKind.Accepted, 12345), 1)).toBe(0);
    const slot = t.allocate();
    const cid = t.cidOf(slot);
    t.sentNew(slot, MixKind.place, 0, 500, 1, 0, 0);
    t.onReport(report(ExecKind.Rejected, cid, { rejectReason: Reject.BadQuantity }), 1);
    expect(t.onReport(report(ExecKind.Accepted, cid), 2)).toBe(0); // slot freed: stale id
    expect(t.unmatched).toBe(2);
    expect(t.reportsByKind[ExecKind.Accepted]).toBe(2);
  });

  test(
    "a mass cancel's summary is counted by kind but matched to no order, " +
      "even when its request id equals a live order's id",
    () => {
      const t = new OrderTracker(4, 0);
      const slot = t.allocate();
      const cid = t.cidOf(slot);
      t.sentNew(slot, MixKind.place, 0, 500, 1, 0, 0);
      t.onReport(report(ExecKind.Accepted, cid), 1);
      expect(t.onReport(report(ExecKind.MassCancelled, cid, { qtyLots: 1, cancelReason: 9 }), 2)).toBe(0);
      expect(t.reportsByKind[ExecKind.MassCancelled]).toBe(1);
      expect(t.unmatched).toBe(0);
      expect(t.usedCount).toBe(1);
      // The order's own Cancelled report (reason Disconnect) retires it.
      t.onReport(report(ExecKind.Cancelled, cid, { cancelReason: 9 }), 3);
      expect(t.usedCount).toBe(0);
    },
  );

  test("ids differ between sessions and generations; skipIdsBelow steps past earlier runs", () => {
    const a = new OrderTracker(8, 0);
    const b = new OrderTracker(8, 1);
    const seen = new Set<number>();
    for (const t of [a, b]) {
      for (let i = 0; i < 100; i++) {
        const slot = t.allocate();
        const cid = t.cidOf(slot);
        expect(seen.has(cid)).toBe(false);
        seen.add(cid);
        t.release(slot);
      }
    }
    const c = new OrderTracker(8, 0);
    c.skipIdsBelow(1_000_000);
    expect(c.cidOf(c.allocate())).toBeGreaterThan(1_000_000);
  });

  test("while not recording (cleanup), state moves but no figure does", () => {
    const t = new OrderTracker(4, 0);
    const slot = t.allocate();
    const cid = t.cidOf(slot);
    t.sentNew(slot, MixKind.place, 0, 500, 1, 0, 0);
    t.onReport(report(ExecKind.Accepted, cid), 1);
    t.recording = false;
    t.sentCancel(slot, 0, 0);
    t.onReport(report(ExecKind.Cancelled, cid, { cancelReason: CancelReason.User }), 2);
    expect(t.acked).toBe(1);
    expect(t.latency.count).toBe(1);
    expect(t.inFlight).toBe(0);
    expect(t.usedCount).toBe(0);
  });
});
