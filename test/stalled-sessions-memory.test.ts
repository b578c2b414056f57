// Proves that sessions which stop reading cannot grow the exchange's memory without bound (issue 8, defect 4): 50
// stalled sessions, each with a burst of OpenOrdersRequests and a flood of commands it never reads the answers to,
// raise the exchange process's RSS by less than the bound the README states (what each session may hold, from the
// gateway's constants, plus the chunk pool and the collector's slack), and a control session is still served.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import {
  outboundChunkBytes,
  outboundChunksKeptMax,
  queryPageOrdersMax,
  queryRoomBytes,
} from "../src/gateway/constants.ts";
import { Body, openOrdersPageBytes } from "../src/protocol/index.ts";
import { ExchangeProcess, killAll, tempDir } from "./support/exchange-process.ts";
import { RawSession } from "./support/raw-session.ts";

const stalledCount = 50;
const ordersPerSession = 300;
const queriesPerSession = 1000;
const commandsPerSession = 20_000;
/** Bun hands a socket's input to JS in reads of at most this much (uSockets' receive buffer). */
const socketReadBytesMax = 512 * 1024;
/**
 * What a stalled session may hold: its unsent output stops growing at queryRoomBytes plus one page,
 * which at most three chunks hold (a chunk holds whole frames; the oldest one goes back to the pool
 * only once all of it is sent), and its input waits in the one read Bun delivered before reading paused.
 */
const sessionBytesMax = 3 * outboundChunkBytes + socketReadBytesMax;
/**
 * The stated bound on the RSS growth (src/gateway/README.md): what 50 stalled sessions may hold, the
 * free chunks the gateway keeps for reuse, and 32 MiB for the collector's slack (garbage not yet
 * collected: Bun's read buffers, one Immediate per event-loop turn) and compiled code.
 */
const rssGrowthBytesMax = stalledCount * sessionBytesMax + outboundChunksKeptMax * outboundChunkBytes + 32 * 2 ** 20;

const dir = tempDir("stalled-sessions");
afterAll(async () => {
  await killAll();
  dir.cleanup();
});

const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

test("50 sessions that stop reading keep the exchange's RSS within the stated bound", async () => {
  expect(queryRoomBytes + openOrdersPageBytes(queryPageOrdersMax)).toBeLessThanOrEqual(2 * outboundChunkBytes);
  const ex = await ExchangeProcess.start({ dataDir: dir.dir, policy: "write" });
  const sessions: RawSession[] = [];
  for (let k = 1; k <= stalledCount; k++) {
    const s = await RawSession.open(ex.port);
    expect((await s.login(`loadtest-${k}`)).body).toBe(Body.LoginAccepted);
    const frames: Uint8Array[] = [];
    for (let i = 1; i <= ordersPerSession; i++) frames.push(s.orderFrame(i, { priceTicks: 1_00 + i }));
    // One answered query per session first, so the baseline includes the code paths the burst uses.
    frames.push(s.bodyFrame(Body.OpenOrdersRequest));
    s.write(Buffer.concat(frames));
    sessions.push(s);
  }
  for (const s of sessions)
    await s.waitFor(() => s.received.some((m) => m.body === Body.OpenOrders && !m.more), "acks and one answer", 30_000);
  const control = await RawSession.open(ex.port);
  expect((await control.login("dev-key-1")).body).toBe(Body.LoginAccepted);
  let controlId = 0;
  const roundTrip = async () => {
    const at = control.received.length;
    control.write(control.orderFrame(++controlId, { priceTicks: 2_00 }));
    await control.waitFor(() => control.received.length > at, "the control session's ack", 30_000);
  };
  await roundTrip();
  const baseline = rssBytes(ex.proc.pid);
  let peak = baseline;
  for (const s of sessions) {
    s.pause();
    const burst: Uint8Array[] = [];
    for (let i = 0; i < queriesPerSession; i++) burst.push(s.bodyFrame(Body.OpenOrdersRequest));
    for (let i = 0; i < commandsPerSession; i++) burst.push(s.cancelFrame(1_000_000 + i, 0));
    s.write(Buffer.concat(burst));
    await roundTrip();
    peak = Math.max(peak, rssBytes(ex.proc.pid));
    // Stop early on a breach: an unbounded exchange must not take the shared machine down with it.
    if (peak - baseline > rssGrowthBytesMax) break;
  }
  for (let i = 0; i < 20 && peak - baseline <= rssGrowthBytesMax; i++) {
    await roundTrip();
    peak = Math.max(peak, rssBytes(ex.proc.pid));
  }
  console.log(
    `stalled sessions: RSS ${mib(baseline)} MiB before, peak ${mib(peak)} MiB, growth ${mib(peak - baseline)} MiB ` +
      `(bound ${mib(rssGrowthBytesMax)} MiB)`,
  );
  expect(peak - baseline).toBeLessThanOrEqual(rssGrowthBytesMax);
  expect(ex.alive).toBe(true);
  for (const s of sessions) s.destroy();
  control.end();
  expect(await ex.stop()).toBe(0);
}, 180_000);
