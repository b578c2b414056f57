// Plays plain commands through an engine and collects their events: the
// round-trip tests (image, snapshot) compare an engine with its restored copy
// by the events both give for the same later commands.

import { applyCommand } from "../../src/engine/apply.ts";
import type { Command, EventRecord } from "../../src/engine/command.ts";
import type { Engine } from "../../src/engine/engine.ts";

/** Capacities small enough that the thousands of fresh engines of the damage tests are cheap to build. */
export const ROUND_TRIP_CONFIG = {
  ordersMax: 4096,
  levelsMax: 4096,
  levelsPerSideMax: 1024,
  symbolsMax: 8,
  eventsMax: 1024,
};

export function drive(engine: Engine, commands: Command[]): EventRecord[] {
  const out: EventRecord[] = [];
  for (const c of commands) {
    applyCommand(engine, c);
    out.push(...engine.events.drain());
  }
  return out;
}
