// Proves the replay tool: the published NDJSON format, malformed and hostile lines reported and skipped,
// stdin and file modes identical.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { Replay } from "./replay.ts";
import { useTempDir } from "../../test/support/temp-dir.ts";

const root = join(import.meta.dir, "../..");
const sample = join(root, "test/fixtures/sample-orders.ndjson");

function replayLines(lines: string[]) {
  const events: Record<string, unknown>[] = [];
  const bad: { line: number; reason: string }[] = [];
  const r = new Replay({
    event: (l) => events.push(JSON.parse(l)),
    malformed: (line, reason) => bad.push({ line, reason }),
  });
  for (const l of lines) r.line(l);
  return { events, bad, summary: r.summary() };
}

const sym = `{"op":"symbol","sym":"BTC-USD","minPrice":1,"maxPrice":100000000}`;

test("events follow the published format", () => {
  const { events, summary } = replayLines([
    sym,
    `{"op":"new","sym":"BTC-USD","id":12,"user":1,"side":"sell","type":"limit","price":1000,"qty":5,` +
      `"tif":"gtc","postOnly":false,"stp":"none"}`,
    `{"op":"new","sym":"BTC-USD","id":17,"user":3,"side":"buy","type":"limit","price":1000,"qty":7,"tif":"ioc"}`,
    `{"op":"modify","sym":"BTC-USD","id":12,"user":1,"price":1001,"qty":6}`,
    `{"op":"new","sym":"BTC-USD","id":18,"user":3,"side":"buy","type":"stop_market","stop":990,"qty":1}`,
    `{"op":"cancel","sym":"BTC-USD","id":18,"user":3}`,
  ]);
  expect(events).toEqual([
    { ev: "accepted", seq: 2, id: 12, sym: "BTC-USD", user: 1, side: "sell", price: 1000, qty: 5 },
    { ev: "booked", seq: 2, id: 12, sym: "BTC-USD", user: 1, side: "sell", price: 1000, qty: 5 },
    { ev: "accepted", seq: 3, id: 17, sym: "BTC-USD", user: 3, side: "buy", price: 1000, qty: 7 },
    {
      ev: "trade",
      seq: 3,
      sym: "BTC-USD",
      tradeId: 1,
      price: 1000,
      qty: 5,
      maker: 12,
      taker: 17,
      makerUser: 1,
      takerUser: 3,
      takerSide: "buy",
      makerLeaves: 0,
      takerLeaves: 2,
    },
    // A taker's remainder was never in the book: price 0.
    { ev: "cancelled", seq: 3, id: 17, sym: "BTC-USD", side: "buy", price: 0, qty: 2, reason: "ioc" },
    { ev: "rejected", seq: 4, id: 12, user: 1, reason: "unknown_order" },
    { ev: "accepted", seq: 5, id: 18, sym: "BTC-USD", user: 3, side: "buy", price: 0, qty: 1 },
    // last trade 1000 >= stop 990: the buy stop triggers at once and finds no asks.
    { ev: "triggered", seq: 5, id: 18, stop: 990, qty: 1 },
    { ev: "cancelled", seq: 5, id: 18, sym: "BTC-USD", side: "buy", price: 0, qty: 1, reason: "market" },
    { ev: "rejected", seq: 6, id: 18, user: 3, reason: "unknown_order" },
  ]);
  expect(summary).toMatchObject({ commands: 6, trades: 1, malformed: 0 });
});

test("malformed and hostile lines are reported with their line number and skipped; the run goes on", () => {
  const hostile = [
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"buy","type":"limit","price":1000`, // truncated
    "\u0000\u00ff\u{1F4A5}garbage",
    `[1,2,3]`,
    `null`,
    `{"op":"explode","sym":"BTC-USD"}`,
    `{"op":"new","sym":"BTC-USD","id":"1","user":1,"side":"buy","type":"limit","price":1000,"qty":1}`,
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"up","type":"limit","price":1000,"qty":1}`,
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"buy","type":"limit","price":1e400,"qty":1}`,
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"buy","type":"limit","qty":1}`,
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"__proto__","type":"limit","price":1,"qty":1}`,
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"buy","type":"limit","price":1,"qty":1,"postOnly":"yes"}`,
    `{"op":"symbol","sym":"BTC-USD","minPrice":1,"maxPrice":100}`, // duplicate symbol
    `{"op":"symbol","sym":"X","minPrice":10,"maxPrice":1}`,
    `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"buy","type":"limit","price":1,"qty":1,"pad":"` +
      `${"x".repeat(5000)}"}`,
  ];
  const valid = `{"op":"new","sym":"BTC-USD","id":1,"user":1,"side":"buy","type":"limit","price":1000,"qty":1}`;
  const { events, bad, summary } = replayLines([sym, ...hostile, "", valid]);
  expect(bad.map((b) => b.line)).toEqual(hostile.map((_, i) => i + 2));
  for (const b of bad) expect(b.reason.length).toBeGreaterThan(5);
  // The valid command after them is the second command: malformed lines take no seq.
  expect(events).toEqual([
    { ev: "accepted", seq: 2, id: 1, sym: "BTC-USD", user: 1, side: "buy", price: 1000, qty: 1 },
    { ev: "booked", seq: 2, id: 1, sym: "BTC-USD", user: 1, side: "buy", price: 1000, qty: 1 },
  ]);
  expect(summary).toMatchObject({ commands: 2, malformed: hostile.length });
});

test(
  "book events name the level: modified with its old price and quantity, cancels with the price they left; " +
    "mass cancel",
  () => {
    const eth = `{"op":"symbol","sym":"ETH-USD","minPrice":1,"maxPrice":100000}`;
    const { events, bad } = replayLines([
      sym,
      eth,
      `{"op":"new","sym":"BTC-USD","id":1,"user":7,"side":"buy","type":"limit","price":1000,"qty":5}`,
      `{"op":"modify","sym":"BTC-USD","id":1,"user":7,"price":1001,"qty":4}`,
      `{"op":"new","sym":"ETH-USD","id":2,"user":7,"side":"sell","type":"limit","price":3000,"qty":2}`,
      `{"op":"new","sym":"ETH-USD","id":3,"user":7,"side":"buy","type":"stop_market","stop":3100,"qty":1}`,
      `{"op":"new","sym":"BTC-USD","id":4,"user":8,"side":"buy","type":"limit","price":999,"qty":1}`,
      `{"op":"mass_cancel","user":7,"sym":"ETH-USD","side":"sell","reason":"disconnect","requestId":41}`,
      `{"op":"mass_cancel","user":7,"requestId":42}`,
      `{"op":"mass_cancel","user":7,"sym":"NOPE"}`,
      `{"op":"mass_cancel","user":7,"side":"up"}`,
    ]);
    expect(bad.map((b) => b.line)).toEqual([11]);
    expect(events.slice(2)).toEqual([
      { ev: "modified", seq: 4, id: 1, sym: "BTC-USD", side: "buy", price: 1001, qty: 4, oldPrice: 1000, oldQty: 5 },
      { ev: "booked", seq: 4, id: 1, sym: "BTC-USD", user: 7, side: "buy", price: 1001, qty: 4 },
      { ev: "accepted", seq: 5, id: 2, sym: "ETH-USD", user: 7, side: "sell", price: 3000, qty: 2 },
      { ev: "booked", seq: 5, id: 2, sym: "ETH-USD", user: 7, side: "sell", price: 3000, qty: 2 },
      { ev: "accepted", seq: 6, id: 3, sym: "ETH-USD", user: 7, side: "buy", price: 0, qty: 1 },
      { ev: "accepted", seq: 7, id: 4, sym: "BTC-USD", user: 8, side: "buy", price: 999, qty: 1 },
      { ev: "booked", seq: 7, id: 4, sym: "BTC-USD", user: 8, side: "buy", price: 999, qty: 1 },
      { ev: "cancelled", seq: 8, id: 2, sym: "ETH-USD", side: "sell", price: 3000, qty: 2, reason: "disconnect" },
      { ev: "mass_cancelled", seq: 8, user: 7, sym: "ETH-USD", count: 1, reason: "disconnect", requestId: 41 },
      // Every symbol, both sides, in order id order: the resting buy, then the untriggered
      // stop (price 0: not in the book).
      { ev: "cancelled", seq: 9, id: 1, sym: "BTC-USD", side: "buy", price: 1001, qty: 4, reason: "mass_cancel" },
      { ev: "cancelled", seq: 9, id: 3, sym: "ETH-USD", side: "buy", price: 0, qty: 1, reason: "mass_cancel" },
      { ev: "mass_cancelled", seq: 9, user: 7, sym: null, count: 2, reason: "mass_cancel", requestId: 42 },
      { ev: "rejected", seq: 10, id: 0, user: 7, reason: "unknown_symbol" },
    ]);
  },
);

test("well-typed but invalid values reach the engine and are rejected with a reason", () => {
  const mk = (fields: string) => `{"op":"new","sym":"BTC-USD","side":"buy","type":"limit",${fields}}`;
  const { events } = replayLines([
    sym,
    mk(`"id":-1,"user":1,"price":1000,"qty":1`),
    mk(`"id":9007199254740992,"user":1,"price":1000,"qty":1`),
    mk(`"id":1.5,"user":1,"price":1000,"qty":1`),
    mk(`"id":1,"user":1,"price":1000.5,"qty":1`),
    mk(`"id":1,"user":1,"price":100000001,"qty":1`),
    mk(`"id":1,"user":1,"price":1000,"qty":0`),
    mk(`"id":1,"user":1,"price":1000,"qty":2000000000`),
    `{"op":"new","sym":"ETH-USD","id":1,"user":1,"side":"buy","type":"limit","price":1000,"qty":1}`,
  ]);
  expect(events.map((e) => e.reason)).toEqual([
    "bad_field",
    "bad_field",
    "bad_field",
    "price_off_tick",
    "price_out_of_band",
    "bad_quantity",
    "bad_quantity",
    "unknown_symbol",
  ]);
});

test("the CLI gives the same output from a file and from stdin, ending with the summary", async () => {
  const run = async (args: string[], stdin?: Blob) => {
    const p = Bun.spawn([process.execPath, "src/replay/main.ts", ...args], {
      cwd: root,
      stdin: stdin ?? "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    const [out, err, code] = await Promise.all([
      new Response(p.stdout).text(),
      new Response(p.stderr).text(),
      p.exited,
    ]);
    return { out, err, code };
  };
  const fromFile = await run([sample]);
  const fromStdin = await run(["-"], Bun.file(sample));
  expect(fromFile.code).toBe(0);
  expect(fromStdin.out).toBe(fromFile.out);
  const lines = fromFile.out.trimEnd().split("\n");
  const summary = JSON.parse(lines.at(-1)!);
  expect(summary.ev).toBe("summary");
  expect(summary.commands).toBe(2002);
  expect(summary.hash).toMatch(/^[0-9a-f]{16}$/);
  const inProcess = replayLines((await Bun.file(sample).text()).split("\n"));
  expect(summary.hash).toBe(inProcess.summary.hash);
  expect(lines.length - 1).toBe(inProcess.events.length);
  const missing = await run(["/nonexistent.ndjson"]);
  expect(missing.code).toBe(2);
  expect(missing.err).toMatch(/no such file/);
});

const journalDir = useTempDir("replay-journal");

test("a binary journal replays to the state hash of the run that wrote it, and the CLI recognises it", async () => {
  const { JournalLog } = await import("../sequencer/journal-log.ts");
  const { Sequencer } = await import("../sequencer/sequencer.ts");
  const { ClientMessage } = await import("../protocol/index.ts");
  const { replayJournal } = await import("./journal.ts");
  const path = join(journalDir, "journal.bin");
  const exchange = new Sequencer({ ordersMax: 4096, levelsMax: 1024, levelsPerSideMax: 256, symbolsMax: 2 }, null);
  const log = JournalLog.open(path, "write", 1 << 16, 0, (r) => exchange.apply(r));
  exchange.setLog(log);
  expect(
    exchange.defineSymbol(
      { name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000 },
      1e18,
    ),
  ).toBeNull();
  const m = new ClientMessage();
  for (let i = 1; i <= 500; i++) {
    m.clientOrderId = i;
    m.symbolId = 0;
    m.side = i % 2;
    m.priceTicks = 1000 + ((i * 7) % 11) - 5;
    m.qtyLots = 1 + (i % 9);
    m.tif = i % 10 === 0 ? 1 : 0;
    exchange.submitNew(1 + (i % 4), 7, i, m, 1e18 + i * 1000);
    if (i % 5 === 0) exchange.submitCancel(1 + ((i - 3) % 4), 7, i, exchange.nextOrderId - 3, m, 1e18 + i * 1000);
  }
  exchange.flush();
  await log.close();
  const lines: string[] = [];
  const summary = replayJournal(path, { event: (l) => lines.push(l), malformed: () => {} });
  expect(summary.hash).toBe(exchange.engine.stateHash());
  expect(summary.commands).toBe(exchange.nextSeq - 1);
  const p = Bun.spawn([process.execPath, "src/replay/main.ts", path], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const out = await new Response(p.stdout).text();
  expect(await p.exited).toBe(0);
  const last = JSON.parse(out.trimEnd().split("\n").at(-1)!);
  expect(last).toMatchObject({ ev: "summary", hash: summary.hash, commands: summary.commands, trades: summary.trades });
  expect(out.trimEnd().split("\n").length - 1).toBe(lines.length);
});
