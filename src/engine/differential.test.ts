// Proves the fast engine agrees with the naive reference book on every event (all fields), on depth and on the state
// hash over a million seeded random commands, and that its invariants hold after each command.
//
// Environment: DIFF_SEEDS=5,6 runs those seeds instead of the defaults,
// DIFF_COMMANDS=N sets the commands per seed, DIFF_PROFILE=deep forces one stream
// shape (by default seed % 4 picks it), SOAK=1 runs 16 seeds of 2M commands,
// DIFF_SHRINK_MS sets the time spent shrinking a failure (default 60000, 0 = off).
// A failure prints the seed, profile and command index, the command, both event
// lists, and a shrunk command list that still reproduces a disagreement.

import { describe, expect, test } from "bun:test";
import { fillCommand } from "./apply.ts";
import { type Command, CommandStruct, type EventRecord } from "./command.ts";
import { CancelReason, EventKind, Reject, Side, eventKindNames } from "./constants.ts";
import { Engine } from "./engine.ts";
import {
  DEFAULT_BOOKS,
  GENERATOR_DEFAULTS,
  type GeneratorOptions,
  generateCommands,
} from "../../test/engine/random-commands.ts";
import { ReferenceEngine } from "./reference.ts";

// validate() walks every column, so its cost grows with the capacities: keep
// them just above what the streams can reach. The generator keeps every live
// order in a per-book pool of at most poolMax ids, so live orders (and the
// levels they use, stop levels included) never exceed books x poolMax; users
// are 1..usersCount plus two extremes. A small event buffer makes long sweeps
// go through the onFull path too.
const ENGINE_CONFIG = {
  ordersMax: 1024,
  levelsMax: 1024,
  levelsPerSideMax: 256,
  symbolsMax: 8,
  usersMax: 16,
  eventsMax: 16,
};
const STATE_CHECK_EVERY = 1000;
const DEPTH_LEVELS_MAX = 100_000;
const RECENT_COMMANDS_MAX = 16;

/** Stream shapes; each seed uses one, so a default run covers all of them. */
const PROFILES: readonly { name: string; options: GeneratorOptions }[] = [
  { name: "default", options: {} },
  // Few prices and two users: dense levels, long FIFO queues, self-trades everywhere.
  { name: "narrow", options: { bandTicks: 3, usersCount: 2, poolMax: 80 } },
  // Wide deep books: long sweeps and many levels per side.
  { name: "deep", options: { bandTicks: 100, poolMax: 250, usersCount: 6, passiveShare: 0.97 } },
  // Lots of invalid fields and rejects.
  { name: "noisy", options: { invalidRate: 0.25, poolMax: 120 } },
];

interface Run {
  seed: number;
  count: number;
  profile: (typeof PROFILES)[number];
}

/** The streams must never reach a capacity: the reference has none, so a capacity_full would be a false alarm. */
function checkCapacities(): void {
  const booksCount = DEFAULT_BOOKS.length;
  for (const p of PROFILES) {
    const liveMax = booksCount * (p.options.poolMax ?? GENERATOR_DEFAULTS.poolMax);
    const usersMax = (p.options.usersCount ?? GENERATOR_DEFAULTS.usersCount) + 2;
    if (liveMax > ENGINE_CONFIG.ordersMax || liveMax > ENGINE_CONFIG.levelsMax)
      throw new Error(`profile ${p.name}: ${liveMax} live orders may exceed the engine's capacity`);
    if ((p.options.poolMax ?? GENERATOR_DEFAULTS.poolMax) > ENGINE_CONFIG.levelsPerSideMax)
      throw new Error(`profile ${p.name}: levels per side may exceed the capacity`);
    if (usersMax > ENGINE_CONFIG.usersMax)
      throw new Error(`profile ${p.name}: ${usersMax} users may exceed the capacity`);
  }
  if (booksCount > ENGINE_CONFIG.symbolsMax) throw new Error(`${booksCount} books exceed symbolsMax`);
}

function plannedRuns(): Run[] {
  const soak = process.env.SOAK === "1";
  const seedsEnv = process.env.DIFF_SEEDS;
  const countEnv = process.env.DIFF_COMMANDS;
  const seeds = seedsEnv ? seedsEnv.split(",").map((s) => Number(s.trim())) : soak ? range(1, 16) : [1, 2, 3, 4];
  const count = countEnv ? Number(countEnv) : soak ? 2_000_000 : 260_000;
  for (const seed of seeds) if (!Number.isSafeInteger(seed)) throw new Error(`DIFF_SEEDS: bad seed ${seed}`);
  if (!(Number.isSafeInteger(count) && count > 0)) throw new Error(`DIFF_COMMANDS: bad count ${countEnv}`);
  const forced = process.env.DIFF_PROFILE;
  const forcedProfile = forced ? PROFILES.find((p) => p.name === forced) : undefined;
  if (forced && forcedProfile === undefined) throw new Error(`DIFF_PROFILE: no profile ${forced}`);
  return seeds.map((seed) => ({ seed, count, profile: forcedProfile ?? PROFILES[seed % PROFILES.length]! }));
}

function range(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let i = lo; i <= hi; i++) out.push(i);
  return out;
}

// ---- One engine pair --------------------------------------------------------

const EVENT_FIELDS = [
  "kind",
  "seq",
  "tsUs",
  "book",
  "id",
  "user",
  "side",
  "clientId",
  "code",
  "priceTicks",
  "qtyLots",
  "leavesQtyLots",
  "otherId",
  "otherUser",
  "otherClientId",
  "otherLeavesQtyLots",
  "tradeId",
  "oldPriceTicks",
  "oldQtyLots",
] as const satisfies readonly (keyof EventRecord)[];

/** The reference and the engine side by side; `step` returns a description of the first disagreement, or null. */
class Pair {
  readonly ref = new ReferenceEngine();
  readonly engine = new Engine(ENGINE_CONFIG);
  /** Both sides read the same reused command struct, as the engine does in production. */
  private readonly cmd = new CommandStruct();
  private readonly spilled: EventRecord[] = [];
  want: EventRecord[] = [];
  got: EventRecord[] = [];

  constructor() {
    // One command may emit more events than the buffer holds (a long sweep): keep them in order.
    this.engine.events.onFull = (buffer) => {
      for (const e of buffer.drain()) this.spilled.push(e);
    };
  }

  step(cmd: Command, checkState: boolean): string | null {
    const struct = fillCommand(cmd, this.cmd);
    this.want = this.ref.apply(struct);
    this.engine.apply(struct);
    this.got =
      this.spilled.length === 0
        ? this.engine.events.drain()
        : [...this.spilled.splice(0), ...this.engine.events.drain()];
    const eventsProblem = diffEvents(this.want, this.got);
    if (eventsProblem !== null) return `events differ: ${eventsProblem}`;
    try {
      this.engine.validate();
    } catch (e) {
      return `engine.validate() threw: ${(e as Error).message}`;
    }
    return checkState ? this.diffState() : null;
  }

  diffState(): string | null {
    for (let book = 0; book < this.ref.booksCount; book++) {
      for (const side of [Side.Buy, Side.Sell]) {
        const want = JSON.stringify(this.ref.depth(book, side, DEPTH_LEVELS_MAX));
        const got = JSON.stringify(this.engine.depth(book, side, DEPTH_LEVELS_MAX));
        if (want !== got) return `depth of book ${book} side ${side} differs:\n  reference ${want}\n  engine    ${got}`;
      }
    }
    const want = this.ref.stateHash();
    const got = this.engine.stateHash();
    if (want !== got) return `state hash differs: reference ${want}, engine ${got}`;
    return null;
  }
}

function diffEvents(want: EventRecord[], got: EventRecord[]): string | null {
  const n = Math.max(want.length, got.length);
  for (let i = 0; i < n; i++) {
    const w = want[i];
    const g = got[i];
    if (w === undefined || g === undefined)
      return `event ${i}: reference has ${want.length} events, engine ${got.length}`;
    for (const f of EVENT_FIELDS) {
      if (w[f] !== g[f] && !(Number.isNaN(w[f]) && Number.isNaN(g[f])))
        return `event ${i} field ${f}: reference ${w[f]}, engine ${g[f]}`;
    }
  }
  return null;
}

function formatEvents(events: EventRecord[]): string {
  if (events.length === 0) return "    (none)";
  return events
    .map((e) => {
      const fields = EVENT_FIELDS.filter((f) => f !== "kind" && e[f] !== 0).map((f) => `${f}=${e[f]}`);
      return `    ${eventKindNames[e.kind] ?? `kind${e.kind}`} ${fields.join(" ")}`;
    })
    .join("\n");
}

// ---- Shrinking a failure ----------------------------------------------------

/** Plays commands on a fresh pair; the first disagreement, or null. Checks state after every command. */
function firstProblem(commands: Command[]): string | null {
  const pair = new Pair();
  for (const cmd of commands) {
    let problem: string | null;
    try {
      problem = pair.step(cmd, true);
    } catch (e) {
      problem = `threw: ${(e as Error).message}`;
    }
    if (problem !== null) return problem;
  }
  return null;
}

/** The last `window` commands before and including `index`, after the symbol prefix. */
function windowOf(
  seed: number,
  options: GeneratorOptions,
  index: number,
  window: number,
): { prefix: Command[]; body: Command[] } {
  const prefix: Command[] = [];
  const body: Command[] = [];
  let i = 0;
  for (const cmd of generateCommands(seed, index + 1, options)) {
    if (cmd.op === "symbol") prefix.push(cmd);
    else if (i > index - window) body.push(cmd);
    i++;
  }
  return { prefix, body };
}

/** Delta debugging over the commands after the symbol prefix, within a time budget. */
function shrink(seed: number, options: GeneratorOptions, index: number, budgetMs: number): Command[] | null {
  const deadline = performance.now() + budgetMs;
  let found: { prefix: Command[]; body: Command[] } | null = null;
  // A recent window usually reproduces: the book's state comes from the last few hundred commands.
  for (const window of [200, 2_000, 20_000, index + 1]) {
    const w = windowOf(seed, options, index, window);
    if (firstProblem([...w.prefix, ...w.body]) !== null) {
      found = w;
      break;
    }
    if (performance.now() > deadline) return null;
  }
  if (found === null) return null;
  const { prefix } = found;
  let body = found.body;
  let parts = 2;
  while (body.length >= 2 && performance.now() < deadline) {
    const chunk = Math.ceil(body.length / parts);
    let reduced = false;
    for (let start = 0; start < body.length && performance.now() < deadline; start += chunk) {
      const candidate = body.slice(0, start).concat(body.slice(start + chunk));
      if (firstProblem([...prefix, ...candidate]) !== null) {
        body = candidate;
        parts = Math.max(parts - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (parts >= body.length) break;
      parts = Math.min(body.length, parts * 2);
    }
  }
  return [...prefix, ...body];
}

// ---- The runs ---------------------------------------------------------------

function runDifferential(run: Run): void {
  const { seed, count, profile } = run;
  console.log(`differential: seed ${seed}, ${count} commands, profile ${profile.name}`);
  const started = performance.now();
  const pair = new Pair();
  const recent: Command[] = [];
  let index = 0;
  let eventsCount = 0;
  for (const cmd of generateCommands(seed, count, profile.options)) {
    recent.push(cmd);
    if (recent.length > RECENT_COMMANDS_MAX) recent.shift();
    const checkState = index % STATE_CHECK_EVERY === 0 || index === count - 1;
    let problem: string | null;
    try {
      problem = pair.step(cmd, checkState);
    } catch (e) {
      problem = `threw: ${(e as Error).stack ?? e}`;
    }
    if (problem !== null) fail(run, index, cmd, pair, recent, problem);
    eventsCount += pair.want.length;
    index++;
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `differential: seed ${seed} agreed on ${count} commands, ${eventsCount} events in ${seconds.toFixed(1)} s`,
  );
  expect(index).toBe(count);
}

function fail(run: Run, index: number, cmd: Command, pair: Pair, recent: Command[], problem: string): never {
  const lines = [
    `differential mismatch: seed ${run.seed}, profile ${run.profile.name}, command index ${index} (seq ${cmd.seq})`,
    `reproduce: DIFF_SEEDS=${run.seed} DIFF_COMMANDS=${index + 1} ./bunw test src/engine/differential.test.ts`,
    problem,
    `command: ${JSON.stringify(cmd)}`,
    "reference events:",
    formatEvents(pair.want),
    "engine events:",
    formatEvents(pair.got),
    "recent commands:",
    ...recent.map((c) => `    ${JSON.stringify(c)}`),
  ];
  const budgetMs = Number(process.env.DIFF_SHRINK_MS ?? 60_000);
  const shrunk = budgetMs > 0 ? shrink(run.seed, run.profile.options, index, budgetMs) : null;
  if (shrunk !== null) {
    lines.push(`shrunk to ${shrunk.length} commands (${firstProblem(shrunk)}):`);
    for (const c of shrunk) lines.push(`    ${JSON.stringify(c)}`);
  }
  throw new Error(lines.join("\n"));
}

// ---- The stream itself ------------------------------------------------------

describe("random command stream", () => {
  test("is deterministic per seed, starts with the symbols and numbers seq from 1", () => {
    const a = [...generateCommands(42, 3000)];
    const b = [...generateCommands(42, 3000)];
    const c = [...generateCommands(43, 3000)];
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    expect(a.slice(0, DEFAULT_BOOKS.length).every((cmd) => cmd.op === "symbol")).toBe(true);
    expect(a.slice(DEFAULT_BOOKS.length).every((cmd) => cmd.op !== "symbol")).toBe(true);
    expect(a.every((cmd, i) => cmd.seq === i + 1)).toBe(true);
  });

  test(
    "covers every op, order type, tif, stp, mass-cancel scope, symbol status, " +
      "event kind and reject reason except capacity_full",
    () => {
      const seen = new Set<string>();
      const ref = new ReferenceEngine();
      const scratch = new CommandStruct();
      for (const cmd of generateCommands(7, 50_000)) {
        seen.add(`op:${cmd.op}`);
        if (cmd.op === "new") {
          seen.add(`type:${cmd.type}`).add(`tif:${cmd.tif}`).add(`stp:${cmd.stp}`);
          if (cmd.postOnly) seen.add("postOnly");
        }
        if (cmd.op === "mass_cancel")
          seen
            .add(`massSide:${cmd.massSide}`)
            .add(`oneSymbol:${cmd.oneSymbol}`)
            .add(`allUsers:${cmd.allUsers === true}`);
        if (cmd.op === "symbol_status") seen.add(`status:${cmd.status}`);
        for (const e of ref.apply(fillCommand(cmd, scratch))) {
          seen.add(`kind:${e.kind}`);
          if (e.kind === EventKind.Rejected) seen.add(`reject:${e.code}`);
          if (e.kind === EventKind.Cancelled) seen.add(`cancel:${e.code}`);
        }
      }
      const missing: string[] = [];
      const want = (key: string) => {
        if (!seen.has(key)) missing.push(key);
      };
      for (const op of ["new", "cancel", "modify", "symbol", "mass_cancel", "symbol_status"]) want(`op:${op}`);
      for (const v of [0, 1, 2]) want(`status:${v}`);
      want("allUsers:true");
      for (let v = 0; v <= 2; v++) want(`massSide:${v}`);
      want("oneSymbol:true");
      want("oneSymbol:false");
      for (let v = 0; v <= 3; v++) want(`type:${v}`);
      for (let v = 0; v <= 2; v++) want(`tif:${v}`);
      for (let v = 0; v <= 4; v++) want(`stp:${v}`);
      want("postOnly");
      for (let k: number = EventKind.Accepted; k <= EventKind.Booked; k++) want(`kind:${k}`);
      for (let r: number = Reject.UnknownSymbol; r <= Reject.SymbolHalted; r++)
        if (r !== Reject.CapacityFull) want(`reject:${r}`);
      // Capacity is the one cancel reason a reference without limits cannot produce.
      for (let r: number = CancelReason.User; r <= CancelReason.Admin; r++)
        if (r !== CancelReason.Capacity) want(`cancel:${r}`);
      expect(missing).toEqual([]);
    },
  );
});

// ---- Engine against reference -------------------------------------------------

checkCapacities();
const runs = plannedRuns();
// Generous: a default seed takes seconds, a soak seed a few minutes; shrinking adds its budget.
const timeoutMs = 30 * 60_000;
for (const run of runs) {
  test(
    `reference and engine agree: seed ${run.seed}, ${run.count} commands, ${run.profile.name}`,
    () => runDifferential(run),
    timeoutMs,
  );
}
