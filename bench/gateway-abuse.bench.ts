// One abusive session against everyone else (issue 8, defect 2): the real
// exchange as a child process (its own default limits), V victim sessions
// that place and cancel orders in an open loop (a fixed rate, never waiting
// for answers, so a stall delays every command sent during it), and the
// victims' answer latency (send to answer) collected by mitata in manual
// mode, one sample per command, in interleaved rounds:
//   quiet   no abuser
//   stuck   one session whose user has M open orders writes a burst of
//           OpenOrdersRequests and never reads its socket
//   greedy  the same user reads every answer and keeps 4 requests in flight
// Figure: victims' p99 with an abuser / p99 in the same round without one,
// per round; the median over rounds must stay below 1.5 for the stuck abuser.
// The abuser runs on a thread of its own (abuser-worker.ts): reading its
// answers must not delay the victims' event loop. On a 2-core machine the
// exchange, the victims and a greedy abuser still share the cores.
//
//   ./bunw bench/gateway-abuse.bench.ts [--quick] [--json <file>] [--victims n] [--orders m]
//                                       [--rate r] [--seconds s] [--rounds r] [--root dir]

import { measure } from "mitata";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Body } from "../src/protocol/index.ts";
import { type AbuserKind, RawBenchSession, Victim } from "./gateway/abuse-clients.ts";
import { ExchangeProcess } from "./gateway/exchange-process.ts";

const HELP = `bun bench/gateway-abuse.bench.ts [flags]
  --quick          short run: 2 rounds of 0.5 s per phase
  --victims <n>    victim sessions (default 4)
  --orders <m>     open orders of the abuser's user (default 20000: 79 pages an answer)
  --rate <r>       victim commands per second, all victims together (default 4000)
  --seconds <s>    length of each phase (default 2)
  --rounds <r>     interleaved rounds of quiet, stuck, greedy (default 5)
  --root <dir>     the checkout whose src/server/main.ts runs (default: this one; for before/after runs)
  --json <file>    also write every figure as JSON`;

const ratioMax = 1.5;
/** A victim answer later than this ends the run with an error (a victim was logged out, or the exchange is stuck). */
const answerTimeoutMs = 30_000;
/** The abuser thread's answer to start or stop (its login waits up to 10 s for the previous session to end). */
const abuserReplyTimeoutMs = 20_000;
/** A hard stop for the whole run: whatever hangs, the bench (and its exchange) ends. */
const watchdogMs = { quick: 150_000, full: 900_000 };
/** The abuser's user (abuser-worker.ts logs in with the same key). */
const abuserKey = "loadtest-64";
const symbolId = 0;

interface Options {
  quick: boolean;
  victims: number;
  orders: number;
  rate: number;
  seconds: number;
  rounds: number;
  root: string;
  json: string | null;
}

function positive(flag: string, v: number): number {
  if (!(v > 0 && v <= 600)) throw new Error(`${flag} must be in (0, 600]`);
  return v;
}

function parseArgs(argv: string[]): Options {
  const given = new Map<string, string>();
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help") {
      console.log(HELP);
      process.exit(0);
    }
    if (a === "--quick") quick = true;
    else if (
      ["--victims", "--orders", "--rate", "--seconds", "--rounds", "--root", "--json"].includes(a) &&
      argv[i + 1] !== undefined
    )
      given.set(a, argv[++i]!);
    else throw new Error(`bad flag ${a}\n${HELP}`);
  }
  const num = (flag: string, fallback: number, lo: number, hi: number): number => {
    const v = Number(given.get(flag) ?? fallback);
    if (!(Number.isInteger(v) && v >= lo && v <= hi)) throw new Error(`${flag} must be an integer in [${lo}, ${hi}]`);
    return v;
  };
  return {
    quick,
    victims: num("--victims", 4, 1, 32),
    orders: num("--orders", 20_000, 1, 100_000),
    rate: num("--rate", 4000, 100, 100_000),
    seconds: positive("--seconds", Number(given.get("--seconds") ?? (quick ? 0.5 : 2))),
    rounds: num("--rounds", quick ? 2 : 5, 1, 100),
    root: given.get("--root") ?? join(import.meta.dir, ".."),
    json: given.get("--json") ?? null,
  };
}

/** Rejects with `what` if `p` has not settled within `ms`. */
function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Gives the abuser's user its open orders, on a session that reads, then leaves. */
async function placeAbuserOrders(port: number, count: number): Promise<void> {
  const s = new RawBenchSession(abuserKey);
  await s.connect(port);
  await s.login();
  let answered = 0;
  const done = new Promise<void>((resolve) => {
    s.onMessage = (m) => {
      if (m.body === Body.ExecutionReport && ++answered === count) resolve();
    };
  });
  for (let at = 0; at < count; at += 1000) {
    const n = Math.min(1000, count - at);
    s.sendMany(n, (m) => {
      m.body = Body.NewOrder;
      // Seq 1 was the Login: order k goes with seq k + 1.
      m.clientOrderId = m.seq - 1;
      m.symbolId = symbolId;
      m.priceTicks = 1 + (m.seq % 500);
      m.qtyLots = 1;
    });
  }
  await within(done, answerTimeoutMs, `answer to each of the abuser's ${count} orders (${answered} so far)`);
  s.close();
}

interface AbuserReply {
  started?: boolean;
  answersRead?: number;
  error?: string;
}

/** The abuser, on its own thread (abuser-worker.ts). Every request has a deadline: a lost answer ends the run. */
class AbuserThread {
  private readonly worker = new Worker(new URL("./gateway/abuser-worker.ts", import.meta.url).href);
  private next: ((data: AbuserReply) => void) | null = null;

  constructor() {
    this.worker.onmessage = (e) => this.next?.(e.data);
    this.worker.onerror = (e) => this.next?.({ error: e.message });
  }

  private async request(message: unknown, what: string): Promise<AbuserReply> {
    const reply = new Promise<AbuserReply>((resolve) => {
      this.next = resolve;
    });
    this.worker.postMessage(message);
    const r = await within(reply, abuserReplyTimeoutMs, `answer from the abuser thread to ${what}`);
    if (r.error !== undefined) throw new Error(`abuser thread, ${what}: ${r.error}`);
    return r;
  }

  async start(port: number, kind: AbuserKind): Promise<void> {
    await this.request({ port, kind }, `start ${kind}`);
  }

  /** Stops the abuser; returns the answers it read. */
  async stop(): Promise<number> {
    return (await this.request("stop", "stop")).answersRead ?? 0;
  }

  terminate(): void {
    this.worker.terminate();
  }
}

interface PhaseStats {
  p50: number;
  p99: number;
  p999: number;
  max: number;
  samples: number;
  /**
   * The exchange's CPU seconds per wall second over the phase (all threads):
   * what an abuser costs the exchange, a figure the shared machine's noise
   * moves far less than the victims' p99.
   */
  exchangeCores: number;
}

/**
 * One phase: `rate` commands a second over the victims for `seconds`, sent on
 * a 1 ms timer whatever the answers do; mitata (manual mode) takes each
 * answer's latency as a sample, in the order they arrive.
 */
async function timeVictims(x: ExchangeProcess, victims: Victim[], rate: number, seconds: number): Promise<PhaseStats> {
  const cpu0 = x.cpu();
  const wall0 = performance.now();
  const samples = Math.max(100, Math.round(rate * seconds));
  // One command more than samples: mitata's first call (its warm-up) takes an answer too.
  const total = samples + 1;
  const latencies: number[] = [];
  let waiting: ((ns: number) => void) | null = null;
  const onLatency = (ns: number) => {
    if (waiting === null) return void latencies.push(ns);
    const w = waiting;
    waiting = null;
    w(ns);
  };
  for (const v of victims) v.onLatency = onLatency;
  const next = (): Promise<number> | number => latencies.shift() ?? answer();
  const answer = () =>
    new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no victim answer within ${answerTimeoutMs} ms`)),
        answerTimeoutMs,
      );
      waiting = (ns) => {
        clearTimeout(timer);
        resolve(ns);
      };
    });
  const startMs = performance.now();
  let sent = 0;
  const sender = setInterval(() => {
    const due = Math.min(total, Math.floor(((performance.now() - startMs) * rate) / 1000));
    for (; sent < due; sent++) victims[sent % victims.length]!.send(symbolId);
    if (sent === total) clearInterval(sender);
  }, 1);
  // mitata's `manual` mode (a sample is what the function returns) is missing from its typings.
  const options = { manual: true, min_samples: samples, max_samples: samples, min_cpu_time: 0, warmup_samples: 0 };
  const stats = await measure(async () => next(), options as unknown as Parameters<typeof measure>[1]);
  clearInterval(sender);
  // Every answer is in before the next phase.
  while (victims.some((v) => v.unanswered > 0)) await next();
  const cpu1 = x.cpu();
  const cpuSeconds = cpu1.userSeconds + cpu1.systemSeconds - cpu0.userSeconds - cpu0.systemSeconds;
  const exchangeCores = cpuSeconds / ((performance.now() - wall0) / 1000);
  return {
    p50: stats.p50,
    p99: stats.p99,
    p999: stats.p999,
    max: stats.max,
    samples: stats.samples.length,
    exchangeCores,
  };
}

interface Round {
  quiet: PhaseStats;
  stuck: PhaseStats;
  greedy: PhaseStats;
  greedyAnswers: number;
}

async function round(x: ExchangeProcess, victims: Victim[], abuser: AbuserThread, o: Options): Promise<Round> {
  const quiet = await timeVictims(x, victims, o.rate, o.seconds);
  await abuser.start(x.port, "stuck");
  const stuck = await timeVictims(x, victims, o.rate, o.seconds);
  await abuser.stop();
  await abuser.start(x.port, "greedy");
  const greedy = await timeVictims(x, victims, o.rate, o.seconds);
  const greedyAnswers = await abuser.stop();
  return { quiet, stuck, greedy, greedyAnswers };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor((s.length - 1) / 2)]!;
}

const spread = (mid: number, xs: number[]) =>
  `${mid.toFixed(2)} (${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)})`;

const us = (ns: number) => `${(ns / 1000).toFixed(0)} µs`;

function report(o: Options, rounds: Round[]): { stuckRatio: number; greedyRatio: number } {
  const ratios = (kind: "stuck" | "greedy") => rounds.map((r) => r[kind].p99 / r.quiet.p99);
  console.log(
    `\nvictims' answer latency (${o.victims} victims, ${o.rate} commands/s open loop, abuser with ` +
      `${o.orders} open orders, ${o.seconds} s per phase)`,
  );
  console.log(
    "round  quiet p50  quiet p99  stuck p99  greedy p99  stuck/quiet  greedy/quiet  greedy answers  exchange cpu q/s/g",
  );
  rounds.forEach((r, i) => {
    const cells = [
      us(r.quiet.p50),
      us(r.quiet.p99),
      us(r.stuck.p99),
      us(r.greedy.p99),
      (r.stuck.p99 / r.quiet.p99).toFixed(2),
      (r.greedy.p99 / r.quiet.p99).toFixed(2),
      String(r.greedyAnswers),
      [r.quiet, r.stuck, r.greedy].map((p) => p.exchangeCores.toFixed(2)).join(" / "),
    ];
    console.log(`${String(i + 1).padStart(5)}  ${cells.map((c) => c.padStart(9)).join("  ")}`);
  });
  const s = ratios("stuck");
  const g = ratios("greedy");
  const stuckRatio = median(s);
  const greedyRatio = median(g);
  console.log(
    `p99 ratio, median (min-max) over rounds: stuck ${spread(stuckRatio, s)}, greedy ${spread(greedyRatio, g)}; ` +
      `target stuck < ${ratioMax}`,
  );
  return { stuckRatio, greedyRatio };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const x = await ExchangeProcess.start(o.root, {
    policy: "write",
    bunFlags: [],
    cpus: "",
    journalBatchBytes: 0,
    defaultLimits: true,
  });
  // The exchange never outlives the bench: an error exit or a SIGTERM (a test's timeout) takes it along.
  process.on("exit", () => x.killNow());
  process.on("SIGTERM", () => process.exit(143));
  const limitMs = o.quick ? watchdogMs.quick : watchdogMs.full;
  setTimeout(() => {
    console.error(`gateway-abuse bench: still running after ${limitMs / 1000} s; stopping`);
    process.exit(3);
  }, limitMs).unref();
  try {
    await placeAbuserOrders(x.port, o.orders);
    const victims = Array.from({ length: o.victims }, (_, i) => new Victim(`loadtest-${i + 1}`));
    for (const v of victims) {
      await v.session.connect(x.port);
      await v.session.login();
    }
    await timeVictims(x, victims, o.rate, 0.5); // warm-up, discarded
    const abuser = new AbuserThread();
    const rounds: Round[] = [];
    for (let r = 0; r < o.rounds; r++) rounds.push(await round(x, victims, abuser, o));
    abuser.terminate();
    const { stuckRatio, greedyRatio } = report(o, rounds);
    if (o.json !== null) {
      const doc = {
        schema: "exchange-core-bun/bench-gateway-abuse/1",
        date: new Date().toISOString(),
        options: o,
        rounds,
        stuckRatio,
        greedyRatio,
        ratioMax,
        met: stuckRatio < ratioMax,
      };
      writeFileSync(o.json, `${JSON.stringify(doc, null, 2)}\n`);
    }
    for (const v of victims) v.session.close();
  } finally {
    await x.stop();
  }
}

await main();
