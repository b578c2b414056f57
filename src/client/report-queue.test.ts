// Proves the reports() queue: copies, order, pause above the high-water mark and resume below the low one, and ending
// with or without an error.

import { expect, test } from "bun:test";
import { ExecReport } from "../protocol/index.ts";
import { ReportQueue } from "./report-queue.ts";

function flow() {
  const calls: string[] = [];
  return { calls, pause: () => calls.push("pause"), resume: () => calls.push("resume") };
}

test("reports are copied and delivered in order; reading pauses and resumes", async () => {
  const f = flow();
  const q = new ReportQueue(f, 8, 2);
  const r = new ExecReport();
  for (let i = 1; i <= 10; i++) {
    r.clientOrderId = i;
    q.push(r);
  }
  expect(f.calls).toEqual(["pause"]);
  const got: number[] = [];
  for (let i = 0; i < 7; i++) got.push((await q.next()).value.clientOrderId);
  expect(f.calls).toEqual(["pause"]);
  got.push((await q.next()).value.clientOrderId); // 2 left: low water
  expect(f.calls).toEqual(["pause", "resume"]);
  expect(got).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
});

test("a waiting consumer gets the next push; end drains first, then finishes or rejects", async () => {
  const q = new ReportQueue(flow(), 8, 2);
  const r = new ExecReport();
  const waiting = q.next();
  r.clientOrderId = 42;
  q.push(r);
  expect((await waiting).value.clientOrderId).toBe(42);
  q.push(r);
  q.end(new Error("lost"));
  expect((await q.next()).value.clientOrderId).toBe(42);
  await expect(q.next()).rejects.toThrow("lost");
  const done = new ReportQueue(flow(), 8, 2);
  const pending = done.next();
  done.end(null);
  expect((await pending).done).toBe(true);
});

test("return() (a for-await break) ends the queue and resumes reading", async () => {
  const f = flow();
  const q = new ReportQueue(f, 2, 1);
  const r = new ExecReport();
  q.push(r);
  q.push(r);
  expect(f.calls).toEqual(["pause"]);
  await q.return();
  expect(f.calls).toEqual(["pause", "resume"]);
  expect(q.isEnded).toBe(true);
  q.push(r);
  expect((await q.next()).done).toBe(true);
});
