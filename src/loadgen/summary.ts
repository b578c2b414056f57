// The load generator's figures: one plain object (written as JSON) built from
// every session's tracker, and its human-readable form.

import { cancelReasonNames, rejectNames } from "../engine/constants.ts";
import { Histogram } from "./histogram.ts";
import { type LoadOptions, mixKinds } from "./options.ts";
import type { LoadSession } from "./session.ts";
import { execKindNames, type OrderTracker } from "./tracker.ts";

export interface LatencySummary {
  count: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  meanUs: number;
}

export interface RunSummary {
  mode: "open" | "closed";
  /** Open loop: commands/s offered over all sessions; closed loop: 0. */
  offeredRatePerS: number;
  /** Closed loop: in-flight commands per session; open loop: 0. */
  window: number;
  sessions: number;
  symbol: string;
  seed: number;
  durationS: number;
  /** From the first scheduled command to the last acknowledgement (or the end of the drain). */
  elapsedS: number;
  /** True in the open loop: `latencyUs` is measured from each command's scheduled time. */
  coordinatedOmissionCorrected: boolean;
  counts: {
    /** Open loop: commands the schedule held for the duration. */
    scheduled: number;
    sent: number;
    acked: number;
    rejected: number;
    /** Scheduled but never sent (the generator or the socket could not keep up). */
    unsent: number;
    /** Sent but not acknowledged by the end of the drain. */
    unacked: number;
    unmatchedReports: number;
    bufferFull: number;
    openAtLogin: number;
  };
  sentByKind: Record<string, number>;
  ackedByKind: Record<string, number>;
  throughput: { ackedPerS: number; sentPerS: number };
  /** Intended → acknowledgement: the figure to quote (corrected in the open loop). */
  latencyUs: LatencySummary;
  /** Actual send → acknowledgement. */
  serviceTimeUs: LatencySummary;
  /** Intended → actual send: the generator's own lateness. */
  sendLagUs: LatencySummary;
  reports: Record<string, number>;
  rejectReasons: Record<string, number>;
  cancelReasons: Record<string, number>;
  errors: string[];
}

const round1 = (x: number) => Math.round(x * 10) / 10;

/** The engine's reject names, then the gateway's (schema RejectReason 20 and up). */
const rejectReasonNames: string[] = [...rejectNames];
Object.assign(rejectReasonNames, {
  20: "rate_limited",
  21: "in_flight_limit",
  22: "open_orders_limit",
  23: "unavailable",
});

export function latencySummary(h: Histogram): LatencySummary {
  const us = (ns: number) => round1(ns / 1000);
  return {
    count: h.count,
    p50Us: us(h.percentile(50)),
    p90Us: us(h.percentile(90)),
    p99Us: us(h.percentile(99)),
    p999Us: us(h.percentile(99.9)),
    maxUs: us(h.max),
    meanUs: us(h.mean),
  };
}

function named(counts: Float64Array, names: readonly string[], skipZero: boolean): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < counts.length; i++) {
    const n = counts[i]!;
    if (skipZero && n === 0) continue;
    out[names[i] || `code_${i}`] = n;
  }
  return out;
}

function sumColumns(trackers: OrderTracker[], pick: (t: OrderTracker) => Float64Array): Float64Array {
  const out = new Float64Array(pick(trackers[0]!).length);
  for (const t of trackers) {
    const c = pick(t);
    for (let i = 0; i < c.length; i++) out[i]! += c[i]!;
  }
  return out;
}

export interface RunTimes {
  startNs: number;
  endNs: number;
}

export function summarize(options: LoadOptions, sessions: LoadSession[], times: RunTimes): RunSummary {
  const trackers = sessions.map((s) => s.tracker);
  const merge = (pick: (t: OrderTracker) => Histogram) => {
    const h = new Histogram();
    for (const t of trackers) h.add(pick(t));
    return h;
  };
  const sum = (f: (s: LoadSession) => number) => sessions.reduce((a, s) => a + f(s), 0);
  const lastAckNs = Math.max(...trackers.map((t) => t.lastAckNs));
  const elapsedNs = Math.max(1, (lastAckNs > times.startNs ? lastAckNs : times.endNs) - times.startNs);
  const acked = sum((s) => s.tracker.acked);
  const sent = sum((s) => s.sentCount);
  const scheduled = options.mode === "open" ? sum((s) => s.schedule?.count ?? 0) : sent;
  const sentAll = options.mode === "open" ? sum((s) => s.schedule?.next ?? 0) : sent;
  return {
    mode: options.mode,
    offeredRatePerS: options.mode === "open" ? options.rate : 0,
    window: options.mode === "closed" ? options.window : 0,
    sessions: sessions.length,
    symbol: sessions[0]?.symbol?.name ?? "",
    seed: options.seed,
    durationS: options.durationMs / 1000,
    elapsedS: Math.round(elapsedNs / 1e6) / 1000,
    coordinatedOmissionCorrected: options.mode === "open",
    counts: {
      scheduled,
      sent,
      acked,
      rejected: sum((s) => s.tracker.rejected),
      unsent: scheduled - sentAll,
      unacked: sum((s) => s.tracker.inFlight),
      unmatchedReports: sum((s) => s.tracker.unmatched),
      bufferFull: sum((s) => s.bufferFull),
      openAtLogin: sum((s) => s.openAtLogin),
    },
    sentByKind: named(
      sumColumns(trackers, (t) => t.sentByKind),
      mixKinds,
      false,
    ),
    ackedByKind: named(
      sumColumns(trackers, (t) => t.ackedByKind),
      mixKinds,
      false,
    ),
    throughput: { ackedPerS: Math.round(acked / (elapsedNs / 1e9)), sentPerS: Math.round(sent / (elapsedNs / 1e9)) },
    latencyUs: latencySummary(merge((t) => t.latency)),
    serviceTimeUs: latencySummary(merge((t) => t.service)),
    sendLagUs: latencySummary(merge((t) => t.sendLag)),
    reports: named(
      sumColumns(trackers, (t) => t.reportsByKind),
      execKindNames,
      true,
    ),
    rejectReasons: named(
      sumColumns(trackers, (t) => t.rejectsByReason),
      rejectReasonNames,
      true,
    ),
    cancelReasons: named(
      sumColumns(trackers, (t) => t.cancelsByReason),
      cancelReasonNames,
      true,
    ),
    errors: sessions
      .filter((s) => s.error !== null)
      .map((s) => `session ${s.index + 1} (${s.key}): ${s.error!.message}`),
  };
}

function latencyLine(label: string, l: LatencySummary): string {
  const f = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} us`);
  return (
    `${label.padEnd(22)} p50 ${f(l.p50Us)}  p90 ${f(l.p90Us)}  p99 ${f(l.p99Us)}  p99.9 ${f(l.p999Us)}  ` +
    `max ${f(l.maxUs)}  (n=${l.count})`
  );
}

const kv = (r: Record<string, number>) =>
  Object.entries(r)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ") || "none";

export function formatSummary(s: RunSummary): string {
  const c = s.counts;
  const load =
    s.mode === "open"
      ? `open loop at ${s.offeredRatePerS} commands/s offered`
      : `closed loop, window ${s.window} per session`;
  const lines = [
    `== loadgen: ${load}, ${s.sessions} session(s), symbol ${s.symbol}, ${s.durationS} s, seed ${s.seed}`,
    `throughput             ${s.throughput.ackedPerS} acked/s, ${s.throughput.sentPerS} sent/s over ${s.elapsedS} s`,
    `commands               scheduled ${c.scheduled}, sent ${c.sent}, acked ${c.acked}, ` +
      `rejected ${c.rejected}, unsent ${c.unsent}, unacked ${c.unacked}`,
    `sent by kind           ${kv(s.sentByKind)}`,
    latencyLine(s.coordinatedOmissionCorrected ? "latency (CO-corrected)" : "latency (closed loop)", s.latencyUs),
    latencyLine("service time", s.serviceTimeUs),
    latencyLine("send lag", s.sendLagUs),
    `reports                ${kv(s.reports)}`,
    `reject reasons         ${kv(s.rejectReasons)}`,
    `cancel reasons         ${kv(s.cancelReasons)}`,
  ];
  if (c.unmatchedReports > 0 || c.bufferFull > 0 || c.openAtLogin > 0) {
    lines.push(
      `notes                  unmatched reports ${c.unmatchedReports}, buffer-full retries ${c.bufferFull}, ` +
        `open orders at login ${c.openAtLogin}`,
    );
  }
  if (!s.coordinatedOmissionCorrected)
    lines.push(
      "note: closed-loop latency is measured from the actual send and is not corrected for coordinated omission",
    );
  for (const e of s.errors) lines.push(`error: ${e}`);
  return lines.join("\n");
}
