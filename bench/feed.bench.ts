// The market-data feed under load: the real sequencer and engine with the
// feed attached (in this process), and WebSocket clients in child processes
// (bench/feed/clients.ts) on loopback, all on this machine.
//
//   ./bunw bench/feed.bench.ts [--quick] [--rounds n] [--json <file>] [--only a,b]   (--help)
//
// depth        1,000 clients, each on the conflated depth channel (10 frames/s,
//              top 20) and the trades of one of 3 symbols, while an open-loop
//              order flow runs. Delay = arrival at the client − engine time of
//              the event (the command's receive stamp): per trade, and per
//              depth frame (its newest event). Target p99 < 100 ms.
// incremental  100 clients on the full incremental feed (book, orders, trades)
//              of one busy symbol taking ~20k level-3 updates/s, frames every
//              5 ms (≤ 10 ms). Delay per frame. Target p99 < 30 ms.
// idle         10,000 connected clients with no subscription: RSS growth per
//              client (after GC) of a process running only the feed
//              (bench/feed/idle-server.ts), and the time to connect them all.
//              Target < 8 KB per client.
// engine       sequencer + engine throughput on a fixed command stream, applied
//              in chunks of 1,000 back to back on this thread (mitata times
//              each chunk), without the feed and with the feed (its worker
//              thread, as `bun run engine` runs it) and 1,000 depth + trades
//              clients attached. What the feed costs the matching thread is
//              the copy of each needed event into the shared ring; on 2 shared
//              cores the worker and the client process also compete for CPU.
//              Target: with ≥ 90 % of without.
//
// Rounds are interleaved (engine: without, with, without, with, ...); each
// figure is reported as the median over rounds with its min-max spread.
// Client delays include the client process's own decoding and scheduling: on
// a 2-core machine the clients compete with the server for the same cores.

import { writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { Channel } from "../src/feed/constants.ts";
import { type FeedWorker, startFeedWorker } from "../src/feed/start.ts";
import type { Sequencer } from "../src/sequencer/sequencer.ts";
import type { ClientsOptions, ClientsResult } from "./feed/clients.ts";
import {
  benchSequencer,
  benchSymbols,
  type CommandList,
  generateFlow,
  submitOne,
  timeChunks,
  wallNs,
} from "./feed/flow.ts";
import { type Spread, spread } from "./report.ts";

const HELP = `bun bench/feed.bench.ts [flags]
  --quick          short run: 2 rounds, 2 s measured per round, smaller engine stream (< 2 min)
  --rounds <n>     rounds per scenario (default 3; quick 2)
  --seconds <s>    measured seconds per latency round (default 10; quick 2)
  --only <list>    subset of: depth,incremental,idle,engine
  --json <file>    also write every figure as JSON
  --help`;

const scenarios = ["depth", "incremental", "idle", "engine"] as const;
type Scenario = (typeof scenarios)[number];

interface Options {
  quick: boolean;
  rounds: number;
  seconds: number;
  only: Scenario[];
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { quick: false, rounds: 0, seconds: 0, only: [...scenarios], json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = () => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--rounds") o.rounds = Number(v());
    else if (a === "--seconds") o.seconds = Number(v());
    else if (a === "--only") o.only = v().split(",") as Scenario[];
    else if (a === "--json") o.json = v();
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  if (o.rounds === 0) o.rounds = o.quick ? 2 : 3;
  if (o.seconds === 0) o.seconds = o.quick ? 2 : 10;
  for (const s of o.only) if (!scenarios.includes(s)) throw new Error(`--only: unknown scenario ${s}`);
  return o;
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A child process read line by line. */
class LineProcess {
  private readonly proc;
  private readonly lines: string[] = [];
  private taken = 0;
  private waiters: (() => void)[] = [];

  constructor(cmd: string[]) {
    this.proc = Bun.spawn(cmd, { stdin: "pipe", stdout: "pipe", stderr: "inherit" });
    void this.read();
  }

  private async read(): Promise<void> {
    let buf = "";
    for await (const chunk of this.proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        for (const w of this.waiters.splice(0)) w();
      }
    }
  }

  /** The first line starting with `prefix` (from the start). */
  async line(prefix: string, timeoutMs: number): Promise<string> {
    return this.wait(() => this.lines.find((l) => l.startsWith(prefix)), prefix, timeoutMs);
  }

  /** The next line starting with `prefix` after the last one `next` returned. */
  async next(prefix: string, timeoutMs: number): Promise<string> {
    return this.wait(
      () => {
        for (let i = this.taken; i < this.lines.length; i++) {
          if (this.lines[i]!.startsWith(prefix)) {
            this.taken = i + 1;
            return this.lines[i];
          }
        }
        return undefined;
      },
      prefix,
      timeoutMs,
    );
  }

  private async wait(find: () => string | undefined, prefix: string, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (performance.now() > deadline) throw new Error(`feed bench: no "${prefix}" line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  write(line: string): void {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
  }

  kill(): void {
    this.proc.kill();
  }
}

/** The client child process. */
class Clients {
  private readonly proc;
  private readonly lines: string[] = [];
  private waiters: (() => void)[] = [];
  connectMs = 0;

  constructor(options: ClientsOptions) {
    this.proc = Bun.spawn([process.execPath, join(import.meta.dir, "feed", "clients.ts"), JSON.stringify(options)], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "inherit",
    });
    void this.read();
  }

  private async read(): Promise<void> {
    let buf = "";
    for await (const chunk of this.proc.stdout) {
      buf += new TextDecoder().decode(chunk);
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        this.lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        for (const w of this.waiters.splice(0)) w();
      }
    }
  }

  private async line(prefix: string, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find((l) => l.startsWith(prefix));
      if (found !== undefined) return found;
      if (performance.now() > deadline)
        throw new Error(`feed bench clients: no "${prefix}" line within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 100);
      });
    }
  }

  async ready(): Promise<number> {
    const l = await this.line("ready", 120_000);
    const [, connected, ms] = l.split(" ");
    this.connectMs = Number(ms);
    return Number(connected);
  }

  start(): void {
    this.proc.stdin.write("start\n");
    this.proc.stdin.flush();
  }

  async stop(): Promise<ClientsResult> {
    this.proc.stdin.write("stop\n");
    this.proc.stdin.flush();
    const l = await this.line("{", 60_000);
    await this.proc.exited;
    return JSON.parse(l) as ClientsResult;
  }

  kill(): void {
    this.proc.kill();
  }
}

/**
 * Drives `list` from `from` at `rate` commands/s (open loop: every millisecond
 * what is due is submitted, then the batch is flushed, like a gateway batch)
 * for `seconds`. Returns the index reached.
 */
async function drive(seq: Sequencer, list: CommandList, from: number, rate: number, seconds: number): Promise<number> {
  const start = performance.now();
  let i = from;
  for (;;) {
    const elapsed = (performance.now() - start) / 1000;
    if (elapsed >= seconds) return i;
    const due = Math.min(list.count, from + Math.floor(elapsed * rate));
    if (due > i) {
      const ns = wallNs();
      for (; i < due; i++) submitOne(seq, list, i, ns);
      seq.flush();
    }
    if (i >= list.count) throw new Error("feed bench: command list too short for the run");
    // Sleep (not spin) until the next millisecond: the driver must leave the CPUs to the feed and the clients.
    await Bun.sleep(1);
  }
}

const fmt = (s: Spread, digits = 1) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

/** The feed as `bun run engine` runs it: in a worker thread. */
function startBenchFeed(seq: Sequencer): Promise<FeedWorker> {
  return startFeedWorker(seq, {
    limits: { connectionsMax: 20_000, frameMs: 5, depthPeriodMs: 100, requestsPerSecond: 100, requestBurst: 100 },
  });
}

// ---------------------------------------------------------------------------

async function latencyScenario(o: Options, name: "depth" | "incremental"): Promise<Record<string, unknown>> {
  const depth = name === "depth";
  const clientsCount = depth ? 1000 : 100;
  const rate = depth ? 3_000 : 20_000;
  const busy = depth ? 0.4 : 0.95;
  const perRound: Record<string, number[]> = {};
  const updatesPerSec: number[] = [];
  const framesPerSec: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    const seq = benchSequencer();
    const list = generateFlow(1000 + round, Math.ceil(rate * (o.seconds + 2) * 1.2) + 5_000, busy);
    const feed = await startBenchFeed(seq);
    let at = await drive(seq, list, 0, 50_000, 0.1);
    const clients = new Clients({
      url: `ws://127.0.0.1:${feed.port}/feed`,
      count: clientsCount,
      channels: depth ? [Channel.Depth, Channel.Trades] : [Channel.Book, Channel.Orders, Channel.Trades],
      symbols: depth ? benchSymbols.map((s) => s.name) : [benchSymbols[0]!.name],
      parallel: 100,
    });
    try {
      await clients.ready();
      at = await drive(seq, list, at, rate, 1); // warm-up
      clients.start();
      const before = (await feed.stats()).orderChanges;
      at = await drive(seq, list, at, rate, o.seconds);
      const after = await feed.stats();
      updatesPerSec.push((after.orderChanges - before) / o.seconds);
      (perRound["server trade lag max ms"] ??= []).push(after.tradeLagMsMax);
      await drive(seq, list, at, 0, 0.3); // let the last frames arrive
      const r = await clients.stop();
      framesPerSec.push(r.frames / o.seconds);
      if (r.closed > 0) console.warn(`  ${name} round ${round}: ${r.closed} clients were closed`);
      for (const [kind, l] of Object.entries(r.latency)) {
        (perRound[`${kind} p50 ms`] ??= []).push(l.p50);
        (perRound[`${kind} p99 ms`] ??= []).push(l.p99);
        (perRound[`${kind} max ms`] ??= []).push(l.max);
      }
    } finally {
      clients.kill();
      await feed.stop();
    }
    console.log(`  ${name} round ${round + 1}/${o.rounds} done`);
  }
  const out: Record<string, unknown> = {
    clients: clientsCount,
    offeredCommandsPerSec: rate,
    updatesPerSec: spread(updatesPerSec),
    framesReceivedPerSec: spread(framesPerSec),
  };
  console.log(`\n${name}: ${clientsCount} clients, ${rate} commands/s offered`);
  console.log(`  level-3 updates/s   ${fmt(spread(updatesPerSec), 0)}`);
  console.log(`  frames received/s   ${fmt(spread(framesPerSec), 0)}`);
  for (const [k, v] of Object.entries(perRound)) {
    out[k] = spread(v);
    console.log(`  ${k.padEnd(18)}  ${fmt(spread(v))}`);
  }
  return out;
}

async function idleScenario(o: Options): Promise<Record<string, unknown>> {
  const count = 10_000;
  const perClient: number[] = [];
  const connectMs: number[] = [];
  for (let round = 0; round < o.rounds; round++) {
    // The feed in a process of its own, so its RSS growth is the connections' cost alone.
    const server = new LineProcess([process.execPath, join(import.meta.dir, "feed", "idle-server.ts")]);
    let clients: Clients | null = null;
    try {
      const port = Number((await server.line("port", 60_000)).split(" ")[1]);
      const rss = async (): Promise<[number, number]> => {
        server.write("rss");
        const [, bytes, connections] = (await server.next("rss", 60_000)).split(" ");
        return [Number(bytes), Number(connections)];
      };
      const [before] = await rss();
      clients = new Clients({
        url: `ws://127.0.0.1:${port}/feed`,
        count,
        channels: [],
        symbols: ["BTC-USD"],
        parallel: 200,
      });
      const connected = await clients.ready();
      if (connected !== count) throw new Error(`idle: ${connected} of ${count} connected`);
      let [after, held] = await rss();
      for (let i = 0; held < count && i < 100; i++) [after, held] = await rss();
      if (held < count) throw new Error(`idle: the server holds ${held} of ${count} connections`);
      perClient.push((after - before) / count);
      connectMs.push(clients.connectMs);
      await clients.stop();
      server.write("stop");
    } finally {
      clients?.kill();
      server.kill();
    }
    console.log(`  idle round ${round + 1}/${o.rounds} done`);
  }
  const out = { clients: count, rssBytesPerClient: spread(perClient), connectAllMs: spread(connectMs) };
  console.log(`\nidle: ${count} clients`);
  console.log(`  feed process RSS per client (bytes)  ${fmt(out.rssBytesPerClient, 0)}`);
  console.log(`  time to connect all (ms)             ${fmt(out.connectAllMs, 0)}`);
  return out;
}

/** Commands per second on the matching thread in one engine round: the median chunk's rate and the mean's. */
interface EngineRound {
  medianChunk: number;
  meanChunk: number;
}

/** One engine round: the flow in timed chunks, with or without the feed (and its clients) or a spinning thread. */
async function engineRound(
  list: CommandList,
  commands: number,
  chunk: number,
  withFeed: boolean,
  spinner = false,
  clientsCount = 1000,
): Promise<EngineRound> {
  const seq = benchSequencer();
  let feed: FeedWorker | null = null;
  let clients: Clients | null = null;
  const spin = spinner ? startSpinner() : null;
  if (withFeed) feed = await startBenchFeed(seq);
  if (feed !== null && clientsCount > 0) {
    clients = new Clients({
      url: `ws://127.0.0.1:${feed.port}/feed`,
      count: clientsCount,
      channels: [Channel.Depth, Channel.Trades],
      symbols: benchSymbols.map((s) => s.name),
      parallel: 100,
    });
    await clients.ready();
    clients.start();
  }
  try {
    // Chunks back to back on this (the matching) thread; the feed's worker publishes meanwhile on its own.
    const stats = await timeChunks(seq, list, commands, chunk);
    return { medianChunk: (chunk / stats.p50) * 1e9, meanChunk: (chunk / stats.avg) * 1e9 };
  } finally {
    spin?.stop();
    if (clients !== null) {
      await clients.stop().catch(() => null);
      clients.kill();
    }
    await feed?.stop();
  }
}

async function engineScenario(o: Options): Promise<Record<string, unknown>> {
  const commands = o.quick ? 300_000 : 2_000_000;
  const chunk = 1_000;
  const list = generateFlow(77, commands, 0.4);
  const run = (withFeed: boolean, spinner = false, clientsCount = 1000) =>
    engineRound(list, commands, chunk, withFeed, spinner, clientsCount);
  const without: EngineRound[] = [];
  const withFeed: EngineRound[] = [];
  const withSpinner: EngineRound[] = [];
  const feedNoClients: EngineRound[] = [];
  for (let round = 0; round < o.rounds; round++) {
    without.push(await run(false));
    withFeed.push(await run(true));
    withSpinner.push(await run(false, true));
    feedNoClients.push(await run(true, false, 0));
    console.log(`  engine round ${round + 1}/${o.rounds} done`);
  }
  const pick = (rs: EngineRound[], k: keyof EngineRound) => spread(rs.map((r) => r[k]));
  const ratio = (k: keyof EngineRound) => spread(without.map((w, i) => withFeed[i]![k] / w[k]));
  const out = {
    commandsPerRound: commands,
    chunk,
    medianChunkCommandsPerSec: {
      without: pick(without, "medianChunk"),
      with: pick(withFeed, "medianChunk"),
      ratio: ratio("medianChunk"),
    },
    meanChunkCommandsPerSec: {
      without: pick(without, "meanChunk"),
      with: pick(withFeed, "meanChunk"),
      ratio: ratio("meanChunk"),
    },
    // Control: no feed, but a thread spinning on the other CPU the whole time. On a 2-vCPU machine whose
    // vCPUs share a core, this alone slows the matching thread; compare it with the feed's figure.
    spinnerMedianChunkCommandsPerSec: pick(withSpinner, "medianChunk"),
    spinnerRatio: spread(without.map((w, i) => withSpinner[i]!.medianChunk / w.medianChunk)),
    // The feed attached with no client: the matching thread's own cost (the copy into the
    // ring) without the clients' CPU.
    feedNoClientsMedianChunkCommandsPerSec: pick(feedNoClients, "medianChunk"),
    feedNoClientsRatio: spread(without.map((w, i) => feedNoClients[i]!.medianChunk / w.medianChunk)),
  };
  console.log(`\nengine: ${commands} commands per round, chunks of ${chunk} timed by mitata on the matching thread`);
  console.log("                          without feed          with feed + 1,000 clients     with / without");
  for (const [label, k] of [
    ["median chunk", "medianChunkCommandsPerSec"],
    ["mean chunk", "meanChunkCommandsPerSec"],
  ] as const) {
    const f = out[k];
    console.log(
      `  ${label.padEnd(22)}  ${fmt(f.without, 0).padEnd(21)} ${fmt(f.with, 0).padEnd(29)} ${fmt(f.ratio, 3)}`,
    );
  }
  console.log(
    `  control: no feed, a spinning thread beside it: median ` +
      `chunk ${fmt(out.spinnerMedianChunkCommandsPerSec, 0)}, ratio ${fmt(out.spinnerRatio, 3)}`,
  );
  console.log(
    `  feed attached, no clients:                    median ` +
      `chunk ${fmt(out.feedNoClientsMedianChunkCommandsPerSec, 0)}, ratio ${fmt(out.feedNoClientsRatio, 3)}`,
  );
  return out;
}

/** A worker thread that keeps one CPU busy until stopped (the engine scenario's control). */
function startSpinner(): { stop(): void } {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const code =
    "self.onmessage = (e) => { const f = new Int32Array(e.data); let x = 0; while (Atomics.load(f, " +
    "0) === 0) x++; postMessage(x); };";
  const w = new Worker(URL.createObjectURL(new Blob([code], { type: "application/javascript" })));
  w.postMessage(flag.buffer);
  return {
    stop() {
      Atomics.store(flag, 0, 1);
      w.terminate();
    },
  };
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const watchdog = setTimeout(
    () => {
      console.error("feed bench: watchdog fired; stopping");
      process.exit(2);
    },
    o.quick ? 600_000 : 3_600_000,
  );
  console.log(
    `feed bench: ${o.rounds} rounds, ${o.seconds} s measured per latency round; ${os.cpus().length} cpus, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")}`,
  );
  const results: Record<string, unknown> = {
    options: o,
    machine: { cpus: os.cpus().length, loadavg: os.loadavg(), bun: Bun.version },
  };
  for (const s of o.only) {
    if (s === "depth" || s === "incremental") results[s] = await latencyScenario(o, s);
    else if (s === "idle") results[s] = await idleScenario(o);
    else results[s] = await engineScenario(o);
  }
  if (o.json !== null) writeFileSync(o.json, `${JSON.stringify(results, null, 2)}\n`);
  clearTimeout(watchdog);
  process.exit(0);
}

await main();
