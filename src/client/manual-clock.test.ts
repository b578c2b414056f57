// Proves the manual clock fires exactly the timers that fall due while it advances, in due order (ties in the order
// set), each with the clock reading its due time; periodic timers re-arm, cancelled ones never fire.

import { expect, test } from "bun:test";
import { ManualClock } from "./manual-clock.ts";

test("due order, due-time readings, ties in order set, re-arming and cancelling", () => {
  const clock = new ManualClock(100);
  const fired: string[] = [];
  const at = (name: string) => () => fired.push(`${name}@${clock.nowMs()}`);
  clock.after(30, at("b"));
  clock.after(10, at("a"));
  clock.after(30, at("c"));
  const tick = clock.every(25, at("tick"));
  const never = clock.after(5, at("never"));
  never.cancel();
  never.cancel();
  expect(clock.pendingCount).toBe(4);
  expect(clock.nextDueMs()).toBe(110);
  clock.advance(9);
  expect(fired).toEqual([]);
  expect(clock.nowMs()).toBe(109);
  clock.advance(41);
  expect(fired).toEqual(["a@110", "tick@125", "b@130", "c@130", "tick@150"]);
  expect(clock.nowMs()).toBe(150);
  tick.cancel();
  clock.advance(1000);
  expect(fired.length).toBe(5);
  expect(clock.pendingCount).toBe(0);
  expect(clock.nextDueMs()).toBe(Infinity);
});

test("a timer set by a firing timer fires in the same advance when it falls due", () => {
  const clock = new ManualClock(0);
  const fired: number[] = [];
  clock.after(10, () => {
    fired.push(clock.nowMs());
    clock.after(5, () => fired.push(clock.nowMs()));
  });
  clock.advance(15);
  expect(fired).toEqual([10, 15]);
  expect(() => clock.every(0, () => {})).toThrow(/positive/);
  expect(() => clock.advance(-1)).toThrow();
});
