// The load generator's run: log every session in, drive the open or closed
// loop for the duration, print a progress line each second, drain the
// outstanding acknowledgements, cancel what this run left resting, close.
//
// Open-loop pacing: each session sends every command whose scheduled time has
// come, then the driver sleeps until the next one is due. Bun's setTimeout
// has a 1 ms floor, so when the next command is due within 2 ms the driver
// yields with setImmediate instead (a busy loop that still lets socket I/O
// run): at high rates the generator keeps one core busy, as load generators
// of this kind (wrk2) do. Lateness this leaves shows in `sendLag`.

import { Histogram } from "./histogram.ts";
import type { LoadOptions } from "./options.ts";
import { LoadSession, type MidPrice } from "./session.ts";
import { type RunSummary, summarize } from "./summary.ts";
import { OpenLoopSchedule } from "./tracker.ts";

export interface RunHooks {
  log: (line: string) => void;
  /** Called once a millisecond-ish during the run (tests inject stalls here). */
  onTick?: (elapsedMs: number) => void;
  /** True ends the sending early (Ctrl-C); the drain, summary and cleanup follow as usual. */
  shouldStop?: () => boolean;
}

const msNs = 1e6;
/** Below this wait the driver spins on setImmediate rather than setTimeout's 1 ms floor. */
const spinBelowNs = 2 * msNs;
/** Time between login and the first scheduled command, so the first ones are not born late. */
const startDelayNs = 20 * msNs;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() >= deadline) return false;
    await sleep(5);
  }
  return true;
}

export async function runLoad(options: LoadOptions, hooks: RunHooks): Promise<RunSummary> {
  const midRef: { mid: MidPrice | null } = { mid: null };
  const sessions = options.keys.map((key, i) => new LoadSession(i, key, options, midRef));
  const started = await Promise.allSettled(sessions.map((s) => s.start()));
  const failed = started
    .map((r, i) =>
      r.status === "rejected" ? `session ${i + 1} (${sessions[i]!.key}): ${String(r.reason?.message ?? r.reason)}` : "",
    )
    .filter((x) => x !== "");
  if (failed.length > 0) {
    await Promise.all(sessions.map((s) => s.client.close()));
    throw new Error(`login failed:\n  ${failed.join("\n  ")}`);
  }
  warnAboutLimits(options, sessions, hooks);
  const durationNs = options.durationMs * msNs;
  const startNs = Bun.nanoseconds() + startDelayNs;
  const endNs = startNs + durationNs;
  if (options.mode === "open") {
    const n = sessions.length;
    const intervalNs = (1e9 * n) / options.rate;
    const count = Math.floor(durationNs / intervalNs);
    sessions.forEach((s, k) => (s.schedule = new OpenLoopSchedule(startNs + (k * intervalNs) / n, intervalNs, count)));
  }
  const progress = options.progress ? startProgress(sessions, startNs, hooks) : null;
  await drive(options, sessions, startNs, endNs, hooks);
  for (const s of sessions) s.topUpOnAck = false;
  await waitUntil(() => sessions.every((s) => s.tracker.inFlight === 0 || s.error !== null), options.drainMs);
  if (progress !== null) clearInterval(progress);
  const summary = summarize(options, sessions, { startNs, endNs: Bun.nanoseconds() });
  if (options.cleanup) await cleanup(sessions, options.drainMs, hooks);
  await Promise.all(sessions.map((s) => s.client.close()));
  return summary;
}

/** Sends until the end of the duration (open: on schedule; closed: on acks, with a timer for retries). */
function drive(
  options: LoadOptions,
  sessions: LoadSession[],
  startNs: number,
  endNs: number,
  hooks: RunHooks,
): Promise<void> {
  return new Promise((resolve) => {
    let lastTickNs = 0;
    const turn = () => {
      const now = Bun.nanoseconds();
      if (hooks.onTick !== undefined && now - lastTickNs >= msNs) {
        lastTickNs = now;
        hooks.onTick((now - startNs) / msNs);
      }
      // Counted, not filtered: this runs up to a million times a second and allocates nothing.
      let liveCount = 0;
      let allDone = true;
      for (const s of sessions) {
        if (s.error !== null) continue;
        liveCount++;
        if (options.mode === "open" && !s.schedule!.done) allDone = false;
      }
      if (now >= endNs || liveCount === 0 || hooks.shouldStop?.() === true || (options.mode === "open" && allDone)) {
        // Commands scheduled before the end are due: a last pass sends what the socket takes.
        if (options.mode === "open") for (const s of sessions) if (s.error === null) s.sendDue(now);
        resolve();
        return;
      }
      if (now < startNs) {
        setTimeout(turn, Math.max(1, Math.floor((startNs - now) / msNs)));
        return;
      }
      if (options.mode === "closed") {
        for (const s of sessions) {
          if (s.error !== null) continue;
          s.topUpOnAck = true;
          s.topUp();
        }
        setTimeout(turn, 1);
        return;
      }
      let nextDueNs = Infinity;
      for (const s of sessions) {
        if (s.error !== null) continue;
        s.sendDue(now);
        const sch = s.schedule!;
        if (!sch.done) nextDueNs = Math.min(nextDueNs, sch.intendedNs(sch.next));
      }
      const waitNs = Math.min(nextDueNs, endNs) - Bun.nanoseconds();
      if (waitNs < spinBelowNs) setImmediate(turn);
      else setTimeout(turn, Math.floor(waitNs / msNs) - 1);
    };
    turn();
  });
}

function startProgress(sessions: LoadSession[], startNs: number, hooks: RunHooks): Timer {
  let lastAcked = 0;
  let lastNs = Bun.nanoseconds();
  const interval = new Histogram();
  return setInterval(() => {
    const now = Bun.nanoseconds();
    let sent = 0;
    let acked = 0;
    let rejected = 0;
    let inFlight = 0;
    let backlog = 0;
    interval.reset();
    for (const s of sessions) {
      const t = s.tracker;
      sent += s.sentCount;
      acked += t.acked;
      rejected += t.rejected;
      inFlight += t.inFlight;
      if (s.schedule !== null) backlog += Math.max(0, s.schedule.backlog(now));
      interval.add(t.latencyInterval);
      t.latencyInterval.reset();
    }
    const rate = Math.round((acked - lastAcked) / ((now - lastNs) / 1e9));
    lastAcked = acked;
    lastNs = now;
    const secs = Math.max(0, (now - startNs) / 1e9);
    const p99 = (interval.percentile(99) / 1000).toFixed(0);
    hooks.log(
      `[${secs.toFixed(0).padStart(4)} s] sent ${sent}  acked ${acked}  rejects ${rejected}  ` +
        `in flight ${inFlight}  backlog ${backlog}  rate ${rate}/s  p99 ${p99} us`,
    );
  }, 1000);
}

function warnAboutLimits(options: LoadOptions, sessions: LoadSession[], hooks: RunHooks): void {
  const info = sessions[0]!.client.info!;
  const perSession = options.rate / sessions.length;
  const max = info.limits.messagesPerSecondMax;
  if (options.mode === "open" && max > 0 && perSession > max) {
    hooks.log(
      `warning: ${Math.round(perSession)} commands/s per session is above the session limit of ${max}/s: ` +
        `expect Logout(rate_limited); add sessions`,
    );
  }
  for (const s of sessions) {
    if (s.liveCap < options.ordersMax)
      hooks.log(
        `note: session ${s.index + 1} keeps at most ${s.liveCap} live orders (the exchange's open-order limit)`,
      );
  }
}

async function cleanup(sessions: LoadSession[], drainMs: number, hooks: RunHooks): Promise<void> {
  let resting = 0;
  for (const s of sessions) {
    if (s.error !== null) continue;
    s.tracker.recording = false;
    resting += s.tracker.restingCount;
    s.cancelAll();
  }
  if (resting === 0) return;
  const done = await waitUntil(() => sessions.every((s) => s.tracker.inFlight === 0 || s.error !== null), drainMs);
  hooks.log(`cleanup: cancelled ${resting} resting order(s)${done ? "" : " (some unanswered)"}`);
}
