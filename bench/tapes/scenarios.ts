// The five price scenarios of the tapes: where the model mid price is at each
// point of the tape, and (flash crash only) when market orders sweep the book
// toward a target. Progress k runs from 0 to 1 over the tape's new orders.
// Makers quote around the model mid; when it moves, quotes placed at the new
// mid cross stale ones left on the other side, so the trend itself trades.

import type { Prng } from "../prng.ts";
import { TapeSide } from "./tape.ts";

export const scenarioNames = ["normal", "static", "swing-25", "swing-40", "flash-crash"] as const;
export type ScenarioName = (typeof scenarioNames)[number];

/** Model mid at the start of every scenario, in ticks: a 1,000.00 quote with a 0.01 tick. */
export const MID_START = 100_000;

export const scenarioDescriptions: Record<ScenarioName, string> = {
  normal: "mid follows a random walk (0.1 ticks per order, kept within +-3%)",
  static: "mid fixed; only crossing limits, IOCs and small market orders trade",
  "swing-25": "mid swings one sine period +25% then -25% over the tape, with the random walk on top",
  "swing-40": "mid swings one sine period +40% then -40% over the tape, with the random walk on top",
  "flash-crash":
    "random walk; at 40% of the tape the mid falls 35% within 3% of the orders while market sells sweep the bids " +
    "to 3% below it (up to 1000 levels each), holds, then market buys sweep the asks (to 3% above) back up to " +
    "-5% within 6%, then calm",
};

/** A market sweep toward `target`: sells take bids down to it, buys take asks up to it. */
export interface Sweep {
  side: number;
  target: number;
}

export interface PricePath {
  /** Model mid at progress k in [0, 1], in ticks (not rounded). Called once per new order, in order. */
  mid(k: number): number;
  /** The sweep to send at progress k instead of a regular order, or null (flash crash only). */
  sweep(k: number, rng: Prng): Sweep | null;
}

/** Standard normal draw (Irwin-Hall of 4 uniforms, rescaled): enough for a price walk. */
function normal(rng: Prng): number {
  return (rng.float() + rng.float() + rng.float() + rng.float() - 2) * Math.sqrt(3);
}

/** A random walk of stepTicks per order, reflected at +-bandTicks so a long tape stays in range. */
class Walk {
  value = 0;
  constructor(
    private readonly rng: Prng,
    private readonly stepTicks: number,
    private readonly bandTicks: number,
  ) {}

  step(): number {
    let v = this.value + normal(this.rng) * this.stepTicks;
    if (v > this.bandTicks) v = 2 * this.bandTicks - v;
    if (v < -this.bandTicks) v = -2 * this.bandTicks - v;
    this.value = v;
    return v;
  }
}

const WALK_STEP_TICKS = 0.1;

/** Flash crash phases as fractions of the tape, and levels relative to MID_START. */
export const CRASH = {
  start: 0.4,
  bottom: 0.43,
  recoveryStart: 0.5,
  recoveryEnd: 0.56,
  lowLevel: 0.65,
  recoveredLevel: 0.95,
  /** Chance that an order during the fall or the recovery is a market sweep... */
  sweepChance: 0.02,
  /** ...that takes the book this far past the model mid (a share of MID_START), as stop-loss cascades do. */
  sweepOvershoot: 0.03,
} as const;

function lerp(a: number, b: number, t: number): number {
  return a + (b - a) * t;
}

function crashBase(k: number): number {
  const c = CRASH;
  if (k < c.start) return MID_START;
  if (k < c.bottom) return MID_START * lerp(1, c.lowLevel, (k - c.start) / (c.bottom - c.start));
  if (k < c.recoveryStart) return MID_START * c.lowLevel;
  if (k < c.recoveryEnd)
    return MID_START * lerp(c.lowLevel, c.recoveredLevel, (k - c.recoveryStart) / (c.recoveryEnd - c.recoveryStart));
  return MID_START * c.recoveredLevel;
}

export function pricePath(name: ScenarioName, rng: Prng): PricePath {
  const noSweep = () => null;
  switch (name) {
    case "static":
      return { mid: () => MID_START, sweep: noSweep };
    case "normal": {
      const walk = new Walk(rng, WALK_STEP_TICKS, MID_START * 0.03);
      return { mid: () => MID_START + walk.step(), sweep: noSweep };
    }
    case "swing-25":
    case "swing-40": {
      const amplitude = name === "swing-25" ? 0.25 : 0.4;
      const walk = new Walk(rng, WALK_STEP_TICKS, MID_START * 0.01);
      return { mid: (k) => MID_START * (1 + amplitude * Math.sin(2 * Math.PI * k)) + walk.step(), sweep: noSweep };
    }
    case "flash-crash": {
      const walk = new Walk(rng, WALK_STEP_TICKS, MID_START * 0.01);
      return {
        mid: (k) => crashBase(k) + walk.step(),
        sweep: (k, r) => {
          const falling = k >= CRASH.start && k < CRASH.bottom;
          const rising = k >= CRASH.recoveryStart && k < CRASH.recoveryEnd;
          if (!(falling || rising) || !r.chance(CRASH.sweepChance)) return null;
          const overshoot = (falling ? -1 : 1) * CRASH.sweepOvershoot * MID_START;
          return { side: falling ? TapeSide.Sell : TapeSide.Buy, target: Math.round(crashBase(k) + overshoot) };
        },
      };
    }
  }
}
