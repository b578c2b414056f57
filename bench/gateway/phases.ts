// The two measurements against a running exchange: throughput (pre-encoded
// command streams blasted down pipelined sessions) and latency (an open loop
// at a fixed offered rate, timed from each command's scheduled send time).

import { Histogram } from "../../src/loadgen/histogram.ts";
import { ClientMessageWriter } from "../../src/protocol/index.ts";
import { type CpuSample, type ExchangeProcess, benchSymbol, selfCpu } from "./exchange-process.ts";
import { gcCell, type GcSummary } from "./gc-log.ts";
import { BenchSession, type SessionCounts } from "./session.ts";
import { CommandBatch, defaultShape, type StreamShape, StreamGenerator } from "./stream.ts";

const msNs = 1e6;
/** A round or a latency run that has not got every answer this long after its last send failed. */
const answersTimeoutMs = 30_000;
/** Between login and the first scheduled command of the latency run. */
const scheduleLeadNs = 50 * msNs;
/** Width of a latency timeline window. */
const timelineWindowMs = 100;

export interface CpuUse {
  /** CPU seconds over the window. */
  exchangeSeconds: number;
  senderSeconds: number;
  wallSeconds: number;
  /** CPU seconds per wall second: 1.0 is one core kept busy. */
  exchangeCores: number;
  senderCores: number;
}

function cpuUse(x0: CpuSample, x1: CpuSample, s0: CpuSample, s1: CpuSample, wallSeconds: number): CpuUse {
  const exchangeSeconds = x1.userSeconds + x1.systemSeconds - x0.userSeconds - x0.systemSeconds;
  const senderSeconds = s1.userSeconds + s1.systemSeconds - s0.userSeconds - s0.systemSeconds;
  return {
    exchangeSeconds,
    senderSeconds,
    wallSeconds,
    exchangeCores: exchangeSeconds / wallSeconds,
    senderCores: senderSeconds / wallSeconds,
  };
}

export interface Totals {
  commands: number;
  answers: number;
  fills: number;
  otherReports: number;
  outOfOrder: number;
  decodedReports: number;
  /** Commands the gateway answered itself (engine seq 0: its rejects); they never reached the engine. */
  gatewayAnswers: number;
  rejectsByReason: Record<string, number>;
  commandsByKind: Record<string, number>;
}

function totals(sessions: BenchSession[], batches: CommandBatch[]): Totals {
  const t: Totals = {
    commands: 0,
    answers: 0,
    fills: 0,
    otherReports: 0,
    outOfOrder: 0,
    decodedReports: 0,
    gatewayAnswers: 0,
    rejectsByReason: {},
    commandsByKind: {},
  };
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  sessions.forEach((s, i) => {
    const c: SessionCounts = s.counts();
    t.commands += batches[i]!.count;
    t.answers += c.answers;
    t.fills += c.fills;
    t.otherReports += c.otherReports;
    t.outOfOrder += c.outOfOrder;
    t.decodedReports += c.decodedReports;
    t.gatewayAnswers += c.gatewayAnswers;
    add(t.rejectsByReason, c.rejectsByReason);
    add(t.commandsByKind, batches[i]!.countsByKind());
  });
  return t;
}

async function openSessions(
  x: ExchangeProcess,
  keys: string[],
): Promise<{ sessions: BenchSession[]; symbolId: number }> {
  const sessions = keys.map((k) => new BenchSession(k));
  try {
    await Promise.all(sessions.map((s) => s.open(x.port)));
  } catch (e) {
    for (const s of sessions) s.close();
    throw e;
  }
  const symbol = sessions[0]!.symbols.find((s) => s.name === benchSymbol.name);
  if (symbol === undefined) throw new Error(`the exchange does not list ${benchSymbol.name}`);
  return { sessions, symbolId: symbol.symbolId };
}

function shapeFor(symbolId: number): StreamShape {
  return { ...defaultShape, symbolId };
}

/** Resolves when every session answered its batch; rejects on a session error or after the timeout. */
function allAnswered(
  sessions: BenchSession[],
  batches: CommandBatch[],
  timeoutMs: number,
): { done: Promise<void>; arm: () => void } {
  let resolve!: () => void;
  let reject!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  let pending = sessions.length;
  let settled = false;
  const settle = (error: string | null) => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    if (error === null) resolve();
    else reject(new Error(error));
  };
  let timer: Timer | undefined;
  sessions.forEach((s, i) => {
    s.expect(batches[i]!, () => {
      if (s.error !== null) return settle(s.error);
      if (--pending === 0) settle(null);
    });
  });
  const arm = () => {
    timer = setTimeout(() => {
      const got = sessions.map((s, i) => `${s.answered}/${batches[i]!.count}`).join(", ");
      settle(`answers missing ${timeoutMs} ms after the last send (answered per session: ${got})`);
    }, timeoutMs);
  };
  return { done, arm };
}

// ---------------------------------------------------------------------------
// Throughput

export interface ThroughputOptions {
  keys: string[];
  /** Commands per round over all sessions. */
  commandsPerRound: number;
  warmupRounds: number;
  rounds: number;
  seed: number;
}

export interface RoundResult {
  commands: number;
  /** First byte written → last answer received. */
  seconds: number;
  commandsPerSec: number;
  /** Commands that reached the engine (their answer carries an engine seq) per second: the target's figure. */
  engineCommandsPerSec: number;
  /** First byte → last byte taken by the kernel (how long sending alone took). */
  sendSeconds: number;
  totals: Totals;
  cpu: CpuUse;
  /** The exchange's collector pauses in the round (with --gc), null otherwise. */
  gc: GcSummary | null;
}

export interface ThroughputResult {
  sessions: number;
  commandsPerRound: number;
  frameBytesMean: number;
  warmupRounds: number;
  rounds: RoundResult[];
  /** Median of the measured rounds' commands/s, and the best. */
  commandsPerSecMedian: number;
  commandsPerSecBest: number;
  /** The same for the commands that reached the engine. */
  engineCommandsPerSecMedian: number;
  engineCommandsPerSecBest: number;
}

/** Writes a whole batch as fast as the socket takes it; resolves when the kernel has every byte. */
async function pump(s: BenchSession, batch: CommandBatch): Promise<void> {
  const end = batch.totalBytes;
  let at = 0;
  while (at < end) {
    const n = s.write(batch.bytes, at, end);
    if (n < 0 || s.error !== null)
      throw new Error(s.error ?? `${s.key}: the socket refused a write after ${at} of ${end} bytes`);
    at += n;
    if (at < end) await s.drained();
  }
}

async function blast(x: ExchangeProcess, sessions: BenchSession[], batches: CommandBatch[]): Promise<RoundResult> {
  for (const s of sessions) s.resetCounts();
  const answered = allAnswered(sessions, batches, answersTimeoutMs);
  // The encoding's garbage is collected now, not inside the timed window.
  Bun.gc(true);
  const x0 = x.cpu();
  const s0 = selfCpu();
  const t0 = Bun.nanoseconds();
  const windowFromMs = performance.now();
  const sent = Promise.all(sessions.map((s, i) => pump(s, batches[i]!))).then(() => Bun.nanoseconds());
  const sentNs = await sent;
  answered.arm();
  await answered.done;
  const x1 = x.cpu();
  const s1 = selfCpu();
  let lastNs = 0;
  sessions.forEach((s, i) => {
    lastNs = Math.max(lastNs, s.arrivalNs[batches[i]!.count - 1]!);
  });
  const seconds = (lastNs - t0) / 1e9;
  const t = totals(sessions, batches);
  if (t.outOfOrder !== 0)
    throw new Error(
      `${t.outOfOrder} answers named another order than their command's: the answer count cannot be trusted`,
    );
  return {
    commands: t.commands,
    seconds,
    commandsPerSec: t.commands / seconds,
    engineCommandsPerSec: (t.commands - t.gatewayAnswers) / seconds,
    sendSeconds: (sentNs - t0) / 1e9,
    totals: t,
    cpu: cpuUse(x0, x1, s0, s1, (Bun.nanoseconds() - t0) / 1e9),
    gc: x.gc?.summary(windowFromMs, performance.now()) ?? null,
  };
}

export async function throughputPhase(
  x: ExchangeProcess,
  o: ThroughputOptions,
  log: (line: string) => void,
): Promise<ThroughputResult> {
  const { sessions, symbolId } = await openSessions(x, o.keys);
  try {
    const writer = new ClientMessageWriter();
    const perSession = Math.ceil(o.commandsPerRound / sessions.length);
    const batches = sessions.map(() => new CommandBatch(perSession, writer.frameBytesMax));
    // Login was seq 1.
    const generators = sessions.map((_, i) => new StreamGenerator(o.seed + 7919 * i, shapeFor(symbolId), writer, 2));
    const rounds: RoundResult[] = [];
    let bytes = 0;
    let commands = 0;
    for (let r = 0; r < o.warmupRounds + o.rounds; r++) {
      generators.forEach((g, i) => g.fill(batches[i]!, perSession));
      for (const b of batches) {
        bytes += b.totalBytes;
        commands += b.count;
      }
      const result = await blast(x, sessions, batches);
      const warm = r < o.warmupRounds;
      log(
        `  throughput ${warm ? "warm-up" : `round ${r - o.warmupRounds + 1}`}: ${result.commands} commands ` +
          `in ${result.seconds.toFixed(3)} s = ` +
          `${Math.round(result.commandsPerSec)}/s, into the ` +
          `engine ${Math.round(result.engineCommandsPerSec)}/s (sent in ${result.sendSeconds.toFixed(3)} s); ` +
          `cpu exchange ${result.cpu.exchangeCores.toFixed(2)}, sender ${result.cpu.senderCores.toFixed(2)} ` +
          `cores` +
          (result.gc === null ? "" : `; gc ${gcCell(result.gc)}`),
      );
      if (!warm) rounds.push(result);
    }
    const rates = rounds.map((r) => r.commandsPerSec).sort((a, b) => a - b);
    const engineRates = rounds.map((r) => r.engineCommandsPerSec).sort((a, b) => a - b);
    return {
      sessions: sessions.length,
      commandsPerRound: perSession * sessions.length,
      frameBytesMean: bytes / commands,
      warmupRounds: o.warmupRounds,
      rounds,
      commandsPerSecMedian: rates[Math.floor((rates.length - 1) / 2)]!,
      commandsPerSecBest: rates[rates.length - 1]!,
      engineCommandsPerSecMedian: engineRates[Math.floor((engineRates.length - 1) / 2)]!,
      engineCommandsPerSecBest: engineRates[engineRates.length - 1]!,
    };
  } finally {
    for (const s of sessions) s.close();
  }
}

// ---------------------------------------------------------------------------
// Latency

export interface LatencyOptions {
  keys: string[];
  /** Offered commands per second over all sessions. */
  rate: number;
  warmupSeconds: number;
  measureSeconds: number;
  seed: number;
}

export interface Percentiles {
  count: number;
  mean: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
}

function percentiles(h: Histogram): Percentiles {
  return {
    count: h.count,
    mean: h.mean,
    p50: h.percentile(50),
    p90: h.percentile(90),
    p99: h.percentile(99),
    p999: h.percentile(99.9),
    max: h.max,
  };
}

export interface LatencyResult {
  sessions: number;
  offeredPerSec: number;
  warmupSeconds: number;
  measureSeconds: number;
  /**
   * Measured commands / (start of the measured schedule → last of their answers): below the offered rate when the
   * exchange fell behind.
   */
  answeredPerSec: number;
  /** Scheduled send time → answer arrival, ns (corrected for coordinated omission). */
  latencyNs: Percentiles;
  /** Actual send → answer arrival, ns: the exchange and the loopback alone. */
  serviceNs: Percentiles;
  /** Scheduled → actual send, ns: the sender's own lateness. */
  sendLagNs: Percentiles;
  /** Longest time between two turns of the sender's loop, ns. */
  senderTurnGapNsMax: number;
  /**
   * Per window of the measured period: the worst latency, service time and send lag in it, ns (when
   * stalls happened, and whose).
   */
  timeline: { fromSeconds: number; latencyNsMax: number; serviceNsMax: number; sendLagNsMax: number }[];
  totals: Totals;
  cpu: CpuUse;
  /** The exchange's collector pauses over the measured period (with --gc), null otherwise. */
  gc: GcSummary | null;
}

/**
 * The open loop: command k of session i (of m) is due at start + (k*m + i) / rate,
 * so the sessions' streams interleave into one evenly spaced stream. Each turn
 * of the loop (setImmediate: no timer granularity, socket I/O still runs
 * between turns) writes every session's due frames in one write; a frame's
 * send time is the clock read right after the write that completed it.
 */
function runSchedule(
  sessions: BenchSession[],
  batches: CommandBatch[],
  sentNs: Float64Array[],
  startNs: number,
  intervalNs: number,
): Promise<number> {
  const m = sessions.length;
  const sentFrames = new Int32Array(m);
  const sentBytes = new Float64Array(m);
  let gapMax = 0;
  let lastTurn = startNs;
  return new Promise((resolve, reject) => {
    const turn = () => {
      const now = Bun.nanoseconds();
      if (now > startNs && now - lastTurn > gapMax) gapMax = now - lastTurn;
      lastTurn = now;
      let allSent = true;
      for (let i = 0; i < m; i++) {
        const s = sessions[i]!;
        if (s.error !== null) return reject(new Error(s.error));
        const b = batches[i]!;
        const firstDue = startNs + i * intervalNs;
        const due = now < firstDue ? 0 : Math.min(b.count, Math.floor((now - firstDue) / (m * intervalNs)) + 1);
        let k = sentFrames[i]!;
        if (due > k) {
          const n = s.write(b.bytes, sentBytes[i]!, b.frameEnd[due - 1]!);
          const t = Bun.nanoseconds();
          if (n > 0) sentBytes[i]! += n;
          const times = sentNs[i]!;
          while (k < due && b.frameEnd[k]! <= sentBytes[i]!) times[k++] = t;
          sentFrames[i] = k;
        }
        if (k < b.count) allSent = false;
      }
      if (allSent) resolve(gapMax);
      else setImmediate(turn);
    };
    setImmediate(turn);
  });
}

type TimelineWindow = LatencyResult["timeline"][number];

/** The figures of the commands due from `measuredFromNs` on (the warm-up before it is left out). */
function latencyFigures(
  sessions: BenchSession[],
  batches: CommandBatch[],
  sentNs: Float64Array[],
  measuredFromNs: number,
  startNs: number,
  intervalNs: number,
  measureSeconds: number,
): { latency: Histogram; service: Histogram; lag: Histogram; timeline: TimelineWindow[]; answeredPerSec: number } {
  const m = sessions.length;
  const latency = new Histogram();
  const service = new Histogram();
  const lag = new Histogram();
  const windowNs = timelineWindowMs * msNs;
  const windows = Math.ceil((measureSeconds * 1e9) / windowNs) + 1;
  const timeline: TimelineWindow[] = Array.from({ length: windows }, (_, w) => ({
    fromSeconds: (w * windowNs) / 1e9,
    latencyNsMax: 0,
    serviceNsMax: 0,
    sendLagNsMax: 0,
  }));
  let lastArrivalNs = 0;
  sessions.forEach((s, i) => {
    const b = batches[i]!;
    const sent = sentNs[i]!;
    for (let k = 0; k < b.count; k++) {
      const due = startNs + (k * m + i) * intervalNs;
      if (due < measuredFromNs) continue;
      const arrival = s.arrivalNs[k]!;
      const l = arrival - due;
      const sv = arrival - sent[k]!;
      const lg = sent[k]! - due;
      latency.record(l);
      service.record(sv);
      lag.record(lg);
      if (arrival > lastArrivalNs) lastArrivalNs = arrival;
      const w = timeline[Math.min(windows - 1, Math.floor((due - measuredFromNs) / windowNs))]!;
      if (l > w.latencyNsMax) w.latencyNsMax = l;
      if (sv > w.serviceNsMax) w.serviceNsMax = sv;
      if (lg > w.sendLagNsMax) w.sendLagNsMax = lg;
    }
  });
  // Below the offered rate when the exchange fell behind and answered the backlog after the schedule ended.
  const answeredPerSec = latency.count / ((lastArrivalNs - measuredFromNs) / 1e9);
  return { latency, service, lag, timeline: timeline.filter((w) => w.latencyNsMax > 0), answeredPerSec };
}

/** One latency run in a line of the log. */
function latencyLine(result: LatencyResult): string {
  const us = (ns: number) => (ns / 1e3).toFixed(1);
  return (
    `  latency at ${result.offeredPerSec}/s: p50 ${us(result.latencyNs.p50)} µs, p99 ${us(result.latencyNs.p99)} µs, ` +
    `p99.9 ${us(result.latencyNs.p999)} µs, max ${us(result.latencyNs.max)} µs; ` +
    `send lag p99 ${us(result.sendLagNs.p99)} µs; cpu exchange ${result.cpu.exchangeCores.toFixed(2)}, ` +
    `sender ${result.cpu.senderCores.toFixed(2)} cores` +
    (result.gc === null ? "" : `; gc ${gcCell(result.gc)}`)
  );
}

export async function latencyPhase(
  x: ExchangeProcess,
  o: LatencyOptions,
  log: (line: string) => void,
): Promise<LatencyResult> {
  const { sessions, symbolId } = await openSessions(x, o.keys);
  try {
    const m = sessions.length;
    const writer = new ClientMessageWriter();
    const total = Math.ceil(o.rate * (o.warmupSeconds + o.measureSeconds));
    const perSession = Math.ceil(total / m);
    const batches = sessions.map(() => new CommandBatch(perSession, writer.frameBytesMax));
    sessions.forEach((_, i) =>
      new StreamGenerator(o.seed + 104729 * (i + 1), shapeFor(symbolId), writer, 2).fill(batches[i]!, perSession),
    );
    const sentNs = sessions.map(() => new Float64Array(perSession));
    for (const s of sessions) s.resetCounts();
    const answered = allAnswered(sessions, batches, answersTimeoutMs);
    const intervalNs = 1e9 / o.rate;
    // A full collection now: the streams' buffers (tens of MB) were just allocated, and their
    // collection debt would otherwise be paid by a long pause inside the schedule.
    Bun.gc(true);
    const x0 = x.cpu();
    const s0 = selfCpu();
    const startNs = Bun.nanoseconds() + scheduleLeadNs;
    const measuredFromMs = performance.now() + (scheduleLeadNs + o.warmupSeconds * 1e9) / 1e6;
    const gapMax = await runSchedule(sessions, batches, sentNs, startNs, intervalNs);
    answered.arm();
    await answered.done;
    const x1 = x.cpu();
    const s1 = selfCpu();
    const wallSeconds = (Bun.nanoseconds() - startNs + scheduleLeadNs) / 1e9;
    const f = latencyFigures(
      sessions,
      batches,
      sentNs,
      startNs + o.warmupSeconds * 1e9,
      startNs,
      intervalNs,
      o.measureSeconds,
    );
    const t = totals(sessions, batches);
    if (t.outOfOrder !== 0)
      throw new Error(`${t.outOfOrder} answers named another order than their command's: latencies cannot be matched`);
    const result: LatencyResult = {
      sessions: m,
      offeredPerSec: o.rate,
      warmupSeconds: o.warmupSeconds,
      measureSeconds: o.measureSeconds,
      answeredPerSec: f.answeredPerSec,
      latencyNs: percentiles(f.latency),
      serviceNs: percentiles(f.service),
      sendLagNs: percentiles(f.lag),
      senderTurnGapNsMax: gapMax,
      timeline: f.timeline,
      totals: t,
      cpu: cpuUse(x0, x1, s0, s1, wallSeconds),
      gc: x.gc?.summary(measuredFromMs, performance.now()) ?? null,
    };
    log(latencyLine(result));
    return result;
  } finally {
    for (const s of sessions) s.close();
  }
}
