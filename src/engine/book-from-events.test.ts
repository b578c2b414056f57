// Proves the event stream is self-describing: a level-2 and level-3 book rebuilt from the events alone equals the
// engine's depth and queue order after seeded random streams with stop cascades, self-trades and mass cancels.
import { describe, expect, test } from "bun:test";
import { applyCommand } from "./apply.ts";
import type { EventRecord } from "./command.ts";
import { EventKind, Side } from "./constants.ts";
import { Engine } from "./engine.ts";
import { DEFAULT_BOOKS, type GeneratorOptions, generateCommands } from "../../test/engine/random-commands.ts";
import { L3Book } from "../../test/engine/l3-book.ts";

const CONFIG = { ordersMax: 2048, levelsMax: 2048, levelsPerSideMax: 512, symbolsMax: 8, eventsMax: 64 };
const COMPARE_EVERY = 500;
const COMMANDS = Number(process.env.BOOK_EVENTS_COMMANDS ?? 60_000);

const runs: { seed: number; options: GeneratorOptions }[] = [
  { seed: 101, options: {} },
  { seed: 102, options: { bandTicks: 3, usersCount: 2, poolMax: 80 } },
  { seed: 103, options: { bandTicks: 100, poolMax: 250, usersCount: 6, passiveShare: 0.97 } },
];

/** Plays a stream through the engine, feeding every event to the rebuilt book; compares both books now and then. */
function replayInto(
  seed: number,
  options: GeneratorOptions,
  count: number,
  filter: (e: EventRecord) => boolean = () => true,
): void {
  const engine = new Engine(CONFIG);
  const rebuilt = new L3Book();
  const feed = (events: EventRecord[]) => {
    for (const e of events) if (filter(e)) rebuilt.apply(e);
  };
  engine.events.onFull = (buffer) => feed(buffer.drain());
  let index = 0;
  for (const cmd of generateCommands(seed, count, options)) {
    applyCommand(engine, cmd);
    feed(engine.events.drain());
    if (++index % COMPARE_EVERY === 0 || index === count)
      compare(engine, rebuilt, `seed ${seed} after command ${index}`);
  }
}

function compare(engine: Engine, rebuilt: L3Book, where: string): void {
  for (let book = 0; book < DEFAULT_BOOKS.length; book++) {
    for (const side of [Side.Buy, Side.Sell]) {
      const depth = engine.depth(book, side, 1_000_000);
      if (JSON.stringify(rebuilt.depth(book, side)) !== JSON.stringify(depth)) {
        throw new Error(`${where}: level 2 of book ${book} side ${side} differs`);
      }
      if (JSON.stringify(rebuilt.bookOrders(book, side)) !== JSON.stringify(engine.bookOrders(book, side))) {
        throw new Error(`${where}: level 3 of book ${book} side ${side} differs`);
      }
    }
  }
}

describe("a book rebuilt from events equals the engine's", () => {
  for (const { seed, options } of runs) {
    test(`seed ${seed}, ${COMMANDS} commands`, () => replayInto(seed, options, COMMANDS), 120_000);
  }

  test("the rebuilt book notices a missing event (the check can fail)", () => {
    let dropped = false;
    const dropFirstBooked = (e: EventRecord) => {
      if (dropped || e.kind !== EventKind.Booked) return true;
      dropped = true;
      return false;
    };
    expect(() => replayInto(101, {}, 5_000, dropFirstBooked)).toThrow(/not in the book|differs/);
  });
});
