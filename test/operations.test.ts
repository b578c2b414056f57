// Proves `bun run engine` as an operator runs it (embedded mode): a bad configuration (missing file, wrong type,
// unknown key, out of range) names each problem and exits 2; the start-up summary says what listens where; /health and
// /ready answer JSON with reasons; /metrics parses as Prometheus text and its counters move when orders flow; SIGTERM
// logs sessions out (Logout ServerShutdown), exits 0 and leaves a snapshot the restart uses with 0 commands replayed;
// `bun run admin` halts, cancels and resumes, and the journal replays to the state hash the exchange stopped with (a
// halt survives the restart).
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { main as adminMain } from "../src/admin/main.ts";
import { CancelReason, EventKind, Reject, Side } from "../src/engine/constants.ts";
import { parseExposition, sampleValue } from "../src/metrics/test-support.ts";
import { Body, LogoutReason } from "../src/protocol/index.ts";
import { ExchangeProcess, hashOf, killAll, repoRoot, replayJournalFile, tempDir } from "./support/exchange-process.ts";
import { RawSession } from "./support/raw-session.ts";

const BTC = 0;
const ETH = 1;
const dir = tempDir("operations");
const sessions: RawSession[] = [];
afterAll(async () => {
  for (const s of sessions) s.destroy();
  await killAll();
  dir.cleanup();
});

function cleanEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith("EXCHANGE_")) env[k] = v;
  return { ...env, ...extra };
}

async function session(port: number, key: string): Promise<RawSession> {
  const s = await RawSession.open(port);
  sessions.push(s);
  expect((await s.login(key)).body).toBe(Body.LoginAccepted);
  return s;
}

async function scrape(url: string) {
  const res = await fetch(`${url}/metrics`);
  expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return parseExposition(await res.text());
}

async function admin(url: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await adminMain(
    [...argv, "--url", url],
    {},
    (l) => out.push(l),
    (l) => err.push(l),
  );
  return { code, out: out.join("\n"), err: err.join("\n") };
}

/** SIGTERM, exit 0, and the stop line's seq and hash. */
async function stopGracefully(p: ExchangeProcess): Promise<{ seq: number; hash: string }> {
  expect(await p.stop(30_000)).toBe(0);
  const line = p.stdout.lines.find((l) => l.startsWith("stopped at seq"));
  if (line === undefined) throw new Error(`no stop line:\n${p.output()}`);
  return { seq: Number(/stopped at seq (\d+)/.exec(line)![1]), hash: hashOf(line) };
}

describe("configuration errors", () => {
  const cases: [string, string, Record<string, string>, string[]][] = [
    ["a missing file", "", {}, ["expected an existing file, found no such file"]],
    [
      "a wrong type",
      '[tcp]\nport = "abc"\n',
      {},
      ['tcp.port: expected an integer in [0, 65535], found the string "abc"'],
    ],
    [
      "an unknown key",
      "[tcp]\nprot = 7001\n",
      {},
      ["tcp.prot: expected a key of tcp, found an unknown key", "did you mean tcp.port?"],
    ],
    ["out of range", "[snapshots]\nkeep = 0\n", {}, ["snapshots.keep: expected an integer in [1, 1000], found 0"]],
    [
      "several at once, the environment's too",
      '[limits]\nidleTimeoutMs = "10s"\n[admin]\nkeysFile = "nope.toml"\n',
      { EXCHANGE_TCP_PORT: "70000", EXCHANGE_FEED_PROT: "1" },
      [
        "configuration: 4 problems",
        "EXCHANGE_FEED_PROT: expected a known EXCHANGE_ variable, found an unknown variable (environment); " +
          "did you mean EXCHANGE_FEED_PORT?",
        "tcp.port: expected an integer in [0, 65535], found 70000 (env EXCHANGE_TCP_PORT)",
        'limits.idleTimeoutMs: expected an integer in [10, 3600000], found the string "10s"',
        "expected an existing file, found no such file (admin keys file",
      ],
    ],
  ];
  for (const [name, text, env, says] of cases) {
    test(`${name}: named, nothing starts, exit 2`, () => {
      const path = join(dir.dir, `${name.replaceAll(" ", "-")}.toml`);
      if (text !== "") writeFileSync(path, text);
      const p = Bun.spawnSync([process.execPath, "src/server/main.ts", "--config", path], {
        cwd: repoRoot,
        env: cleanEnv({ EXCHANGE_DATA_DIR: join(dir.dir, "never"), ...env }),
        stdin: "ignore",
        stdout: "pipe",
        stderr: "pipe",
      });
      const err = p.stderr.toString();
      expect(p.exitCode).toBe(2);
      for (const s of says) expect(err).toContain(s);
      expect(p.stdout.toString()).not.toContain("listening on");
    });
  }
});

/** A restart from the graceful stop's snapshot: nothing to replay, the same state, and ETH-USD still halted. */
async function expectHaltAfterRestart(data: string, hash: string): Promise<void> {
  const again = await ExchangeProcess.start({ dataDir: data });
  expect(await again.waitForLine(/^recovery: /, 5000)).toContain(", 0 commands replayed");
  expect(hashOf(await again.waitForLine(/^engine: /, 5000))).toBe(hash);
  const c = await session(again.port, "dev-key-4");
  const rejected = await c.placeResting([[1, ETH, Side.Buy]]);
  expect(rejected[0]).toMatchObject({ kind: EventKind.Rejected, rejectReason: Reject.SymbolHalted });
  expect(await again.stop(30_000)).toBe(0);
}

describe("embedded mode", () => {
  test(
    "summary, health, readiness, metrics that move; SIGTERM logs sessions out and leaves a snapshot; " +
      "the restart replays nothing",
    async () => {
      const data = join(dir.dir, "embedded");
      const p = await ExchangeProcess.start({ dataDir: data });
      const summary = p.summary();
      expect(summary.order_entry_tcp).toBe(`127.0.0.1:${p.port}`);
      expect(summary.market_data_feed).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/feed$/);
      expect(summary.live_market_page).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      // The test exchanges run without the query API unless asked (test/support/exchange-process.ts).
      expect(summary.http_api).toBe("off (http.enabled = false)");
      expect(summary.metrics).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics/);
      const url = p.opsUrl();
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: "up" });
      const ready = await fetch(`${url}/ready`);
      expect(ready.status).toBe(200);
      const readiness = (await ready.json()) as {
        ready: boolean;
        checks: { name: string; ready: boolean; reason: string }[];
      };
      expect(readiness.checks.map((c) => c.name)).toEqual(["exchange", "journal", "snapshots"]);
      expect(readiness.checks[0]!.reason).toMatch(/^recovered to seq \d+; taking orders$/);

      const before = await scrape(url);
      const accepted = () => sampleValue(before, "exchange_commands_total", { type: "new_order", result: "accepted" });
      expect(accepted()).toBe(0);
      const a = await session(p.port, "dev-key-1");
      const answers = await a.placeResting([
        [1, BTC, Side.Buy],
        [2, BTC, Side.Buy],
        [3, BTC, Side.Sell],
        [4, ETH, Side.Buy],
      ]);
      expect(answers.every((m) => m.kind === EventKind.Accepted)).toBe(true);
      // Not a multiple of the lot (1000): the engine rejects it.
      a.write(a.orderFrame(5, { symbolId: BTC, qtyLots: 1 }));
      await a.waitFor(
        () => a.received.filter((m) => m.kind === EventKind.Rejected).length >= 1,
        "the bad lot's reject",
      );
      const after = await scrape(url);
      expect(sampleValue(after, "exchange_commands_total", { type: "new_order", result: "accepted" })).toBe(4);
      expect(sampleValue(after, "exchange_commands_total", { type: "new_order", result: "rejected" })).toBe(1);
      expect(sampleValue(after, "exchange_rejects_total", { reason: "bad_quantity" })).toBe(1);
      expect(sampleValue(after, "exchange_open_orders", { symbol: "BTC-USD" })).toBe(3);
      expect(sampleValue(after, "exchange_book_levels", { symbol: "BTC-USD", side: "buy" })).toBe(1);
      expect(sampleValue(after, "exchange_book_levels", { symbol: "BTC-USD", side: "sell" })).toBe(1);
      expect(sampleValue(after, "exchange_sessions")).toBe(1);
      expect(sampleValue(after, "exchange_journal_records_total")).toBeGreaterThan(
        sampleValue(before, "exchange_journal_records_total"),
      );
      expect(sampleValue(after, "exchange_journal_batch_records")).toBeGreaterThan(0);
      expect(sampleValue(after, "bun_heap_size_bytes")).toBeGreaterThan(0);

      const first = await stopGracefully(p);
      // The session was logged out, not cut: its last message is Logout(ServerShutdown).
      await a.waitFor(() => a.closed, "the close");
      expect(a.received.at(-1)).toMatchObject({ body: Body.Logout, reason: LogoutReason.ServerShutdown });
      expect(p.stdout.lines).toContain(`final snapshot: seq ${first.seq}`);
      expect(p.stderr.lines).toEqual([]);

      const again = await ExchangeProcess.start({ dataDir: data });
      expect(await again.waitForLine(/^recovery: /, 5000)).toMatch(
        new RegExp(`^recovery: snapshot seq ${first.seq} .*, 0 commands replayed`),
      );
      expect(hashOf(await again.waitForLine(/^engine: /, 5000))).toBe(first.hash);
      expect(await again.stop(30_000)).toBe(0);
    },
    120_000,
  );

  test(
    "bun run admin: halt, cancel, resume through the input log; the journal replays to the same state hash, " +
      "and a halt survives the restart",
    async () => {
      const data = join(dir.dir, "admin");
      const p = await ExchangeProcess.start({ dataDir: data });
      const url = p.opsUrl();
      const a = await session(p.port, "dev-key-2");
      const b = await session(p.port, "dev-key-3");
      await a.placeResting([
        [1, BTC, Side.Buy],
        [2, ETH, Side.Buy],
      ]);
      await b.placeResting([
        [1, BTC, Side.Sell],
        [2, ETH, Side.Sell],
      ]);

      const halt = await admin(url, "halt", "BTC-USD", "--reason", "test halt");
      expect(halt).toMatchObject({ code: 0, err: "" });
      expect(halt.out).toMatch(/^BTC-USD halted \(engine seq \d+, request \d+\)$/);
      let at = a.received.length;
      a.write(a.orderFrame(3, { symbolId: BTC }));
      await a.waitFor(() => a.received.length > at, "the answer");
      expect(a.received[at]).toMatchObject({ kind: EventKind.Rejected, rejectReason: Reject.SymbolHalted });

      expect((await admin(url, "cancel", "--user", "2", "--symbol", "ETH-USD")).out).toMatch(
        /^1 orders cancelled: user 2, symbol ETH-USD/,
      );
      expect((await admin(url, "cancel", "--symbol", "BTC-USD")).out).toMatch(
        /^2 orders cancelled: user all, symbol BTC-USD/,
      );
      await b.waitFor(
        () => b.received.some((m) => m.kind === EventKind.Cancelled && m.clientOrderId === 1),
        "b's BTC cancel",
      );
      expect(b.received.find((m) => m.kind === EventKind.Cancelled && m.clientOrderId === 1)).toMatchObject({
        cancelReason: CancelReason.Admin,
      });
      expect((await admin(url, "resume", "BTC-USD")).out).toMatch(/^BTC-USD open/);
      at = a.received.length;
      a.write(a.orderFrame(4, { symbolId: BTC }));
      await a.waitFor(() => a.received.length > at, "the answer");
      expect(a.received[at]!.kind).toBe(EventKind.Accepted);
      expect((await admin(url, "halt", "ETH-USD")).code).toBe(0);
      expect((await admin(url, "halt", "NOPE")).code).toBe(1);
      const book = await admin(url, "book", "ETH-USD", "--json");
      expect(JSON.parse(book.out)).toMatchObject({
        symbol: "ETH-USD",
        status: "halted",
        bids: [],
        asks: [[900_00, 10_000, 1]],
      });
      const snap = await admin(url, "snapshot");
      expect(snap.out).toMatch(/^snapshot at seq \d+: \d+ bytes/);
      const metrics = await scrape(url);
      expect(sampleValue(metrics, "exchange_admin_requests_total", { action: "halt", result: "ok" })).toBe(2);
      expect(sampleValue(metrics, "exchange_symbol_halted", { symbol: "ETH-USD" })).toBe(1);
      expect(sampleValue(metrics, "exchange_commands_total", { type: "symbol_status", result: "accepted" })).toBe(3);

      const stopped = await stopGracefully(p);
      // Every admin action is a record of the journal: replaying it from scratch gives the
      // state the exchange stopped with.
      const replayed = replayJournalFile(join(data, "journal.bin"));
      expect(replayed.lastSeq).toBe(stopped.seq);
      expect(replayed.hash).toBe(stopped.hash);
      expect(replayed.exchange.engine.tradingStatus(ETH)).toBe(1);

      await expectHaltAfterRestart(data, stopped.hash);
    },
    120_000,
  );
});
