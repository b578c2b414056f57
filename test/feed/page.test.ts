// Proves the live market page in a real browser (Debian chromium driven by playwright-core): it loads from the feed's
// port, its ladder, trades and chart show the engine's data, they update when orders trade, the symbol switcher changes
// all of them, and a screenshot is kept (.run/feed-page.png; docs/feed-page.png with FEED_SCREENSHOT=docs).

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { chromiumPath, ensureChromiumInstalled } from "../../scripts/chromium.ts";
import { OrderType, Side, Tif } from "../../src/engine/constants.ts";
import { buildPage } from "../../src/feed/page/build.ts";
import { type RunningFeed, startFeed } from "../../src/feed/start.ts";
import { OrderFields } from "../../src/protocol/index.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { nowNs } from "../../src/sequencer/clock.ts";
import { flowSymbols, OrderFlow } from "../marketdata/order-flow.ts";

const root = join(import.meta.dir, "..", "..");
let feed: RunningFeed;
let seq: Sequencer;
let context: BrowserContext;
let page: Page;
let profile = "";

interface Shown {
  symbol: string;
  bids: { price: number; qty: number; count: number }[];
  asks: { price: number; qty: number; count: number }[];
  trades: { tradeId: number; price: number; qty: number }[];
  candles: { openTimeUs: number; close: number; volume: number }[];
}

const shown = (): Promise<Shown> => page.evaluate(() => (globalThis as unknown as { marketPage: Shown }).marketPage);

async function until(what: string, check: (s: Shown) => boolean, timeoutMs = 30_000): Promise<Shown> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const s = await shown();
    if (check(s)) return s;
    if (performance.now() > deadline)
      throw new Error(`page never showed: ${what}; last state ${JSON.stringify(s).slice(0, 600)}`);
    await page.waitForTimeout(50);
  }
}

const fields = new OrderFields();
function limit(user: number, symbolId: number, side: number, price: number, qty: number, tif: number = Tif.Gtc): void {
  fields.clearOrder();
  fields.symbolId = symbolId;
  fields.side = side;
  fields.type = OrderType.Limit;
  fields.tif = tif;
  fields.priceTicks = price;
  fields.qtyLots = qty;
  if (!seq.submitNew(user, 1, 0, fields, nowNs())) throw new Error("refused");
  seq.flush();
}

beforeAll(async () => {
  await ensureChromiumInstalled();
  seq = new Sequencer(
    { ordersMax: 1 << 14, levelsMax: 1 << 12, levelsPerSideMax: 1 << 10, symbolsMax: 4, eventsMax: 256 },
    null,
  );
  // About an hour of trading up to now (≈ 1.2 s between commands), so the chart has candles to show.
  const flow = new OrderFlow(9, seq, 4, { startNs: nowNs() - 3_700e9, stepNsMax: 2_400_000_000 });
  flow.defineSymbols();
  flow.run(1500);
  seq.flush();
  feed = startFeed(seq, { files: await buildPage(), limits: { depthPeriodMs: 50 } });
  // Trades after the feed started, so the candles and recent trades have something to show.
  flow.run(1500);
  seq.flush();
  profile = mkdtempSync(join(tmpdir(), "feed-page-chromium-"));
  context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    args: ["--no-sandbox", "--headless", "--disable-gpu"],
    viewport: { width: 1280, height: 720 },
  });
  page = await context.newPage();
}, 120_000);

afterAll(async () => {
  await context?.close();
  await feed?.stop();
  if (profile !== "") rmSync(profile, { recursive: true, force: true });
});

describe("live market page (chromium)", () => {
  test("shows the engine's book, trades and candles, follows a trade, switches symbols", async () => {
    const base = `http://127.0.0.1:${feed.server.port}/`;
    await page.goto(base);
    const e = seq.engine;
    const btc = flowSymbols[0]!.name;

    // Ladder = the engine's top of book; trades = the engine's latest; chart = candles with volume.
    let s = await until(
      "the first symbol's depth, trades and candles",
      (x) => x.symbol === btc && x.bids.length > 0 && x.trades.length > 0 && x.candles.length > 0,
    );
    const depthBids = e.depth(0, Side.Buy, 20).map((l) => ({ price: l.price, qty: l.qty, count: l.count }));
    const depthAsks = e.depth(0, Side.Sell, 20).map((l) => ({ price: l.price, qty: l.qty, count: l.count }));
    s = await until(
      "the ladder equal to the engine's depth",
      (x) =>
        JSON.stringify(x.bids) === JSON.stringify(depthBids) && JSON.stringify(x.asks) === JSON.stringify(depthAsks),
    );
    const latest = feed.recent.ticks.latest(0, 1)[0]!;
    expect(s.trades[0]!.tradeId).toBe(latest.tradeId);
    expect(s.candles[s.candles.length - 1]!.close).toBe(latest.priceTicks);
    expect(await page.locator("#asks tr").count()).toBeGreaterThan(0);
    expect(await page.locator("#trades tr").count()).toBe(Math.min(50, s.trades.length));
    expect(await page.locator("#ladder").innerText()).toContain(String(depthBids[0]!.price));

    // A taker crosses the best ask: the page shows the trade, the new ladder and the candle's close.
    const ask = e.bestAsk(0);
    const before = feed.recent.ticks.latest(0, 1)[0]!.tradeId;
    limit(1, 0, Side.Buy, ask, flowSymbols[0]!.lotSize, Tif.Ioc);
    const traded = feed.recent.ticks.latest(0, 1)[0]!;
    expect(traded.tradeId).toBeGreaterThan(before);
    s = await until(
      "the new trade, its candle close and the ladder after it",
      (x) =>
        x.trades[0]?.tradeId === traded.tradeId &&
        x.candles[x.candles.length - 1]!.close === traded.priceTicks &&
        JSON.stringify(x.asks[0]) ===
          JSON.stringify(e.depth(0, Side.Sell, 1).map((l) => ({ price: l.price, qty: l.qty, count: l.count }))[0]),
    );
    expect(await page.locator("#trades tr").first().innerText()).toContain(String(traded.priceTicks));

    // Switch to the second symbol: everything follows.
    const eth = flowSymbols[1]!.name;
    await page.click(`#symbols button[data-symbol="${eth}"]`);
    const ethBids = e.depth(1, Side.Buy, 20).map((l) => ({ price: l.price, qty: l.qty, count: l.count }));
    s = await until(
      "the second symbol's ladder and trades",
      (x) => x.symbol === eth && JSON.stringify(x.bids) === JSON.stringify(ethBids) && x.trades.length > 0,
    );
    expect(s.trades[0]!.tradeId).toBe(feed.recent.ticks.latest(1, 1)[0]!.tradeId);
    expect(await page.locator("#symbols button.active").innerText()).toBe(eth);

    // Back to the first symbol for the screenshot.
    await page.click(`#symbols button[data-symbol="${btc}"]`);
    await until("the first symbol again", (x) => x.symbol === btc && x.bids.length > 0 && x.candles.length > 0);
    mkdirSync(join(root, ".run"), { recursive: true });
    await page.screenshot({ path: join(root, ".run", "feed-page.png") });
    if (process.env.FEED_SCREENSHOT === "docs") await page.screenshot({ path: join(root, "docs", "feed-page.png") });
  }, 120_000);
});
