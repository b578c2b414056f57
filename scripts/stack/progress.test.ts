// Proves a step shows its start, its elapsed time while running (a line every few seconds off a terminal, redrawn on
// one) and its total or its failure, driven by an injected clock.

import { describe, expect, test } from "bun:test";
import { Progress, type ProgressClock } from "./progress.ts";

class ManualClock implements ProgressClock {
  t = 0;
  ticks: (() => void)[] = [];
  nowMs = () => this.t;
  every = (_ms: number, fn: () => void) => {
    this.ticks.push(fn);
    return () => {
      this.ticks = this.ticks.filter((f) => f !== fn);
    };
  };
  advance(ms: number): void {
    this.t += ms;
    for (const f of this.ticks) f();
  }
}

describe("Progress", () => {
  test("off a terminal: start line, still-running lines with elapsed time, closing line with the total", async () => {
    const out: string[] = [];
    const clock = new ManualClock();
    const p = new Progress({ write: (t) => out.push(t), tty: false, clock });
    let finish!: () => void;
    const step = p.step("questdb: start", () => new Promise<void>((r) => (finish = r)));
    clock.advance(5000);
    clock.advance(5000);
    clock.t += 1200;
    finish();
    await step;
    expect(out).toEqual([
      "  … questdb: start\n",
      "  … questdb: start (still running, 5.0 s)\n",
      "  … questdb: start (still running, 10.0 s)\n",
      "  ✓ questdb: start (11.2 s)\n",
    ]);
    expect(clock.ticks).toHaveLength(0);
    p.note("stack up");
    expect(out.at(-1)).toBe("[ 11.2 s] stack up\n");
  });

  test("on a terminal the line is redrawn in place; a failure is shown and passed on", async () => {
    const out: string[] = [];
    const clock = new ManualClock();
    const p = new Progress({ write: (t) => out.push(t), tty: true, clock });
    const step = p.step("kafka: start", async () => {
      clock.advance(200);
      throw new Error("port taken");
    });
    await expect(step).rejects.toThrow("port taken");
    expect(out).toEqual([
      "  … kafka: start",
      "\r  … kafka: start 0.2 s\x1b[K",
      "\r  ✗ kafka: start failed after 0.2 s: port taken\x1b[K\n",
    ]);
  });
});
