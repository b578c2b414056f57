// The live market page: a symbol switcher, the order-book ladder (from the
// conflated depth channel), recent trades, best bid/offer, and a candlestick
// chart with volume (lightweight-charts), all from the binary feed through the
// same FeedClient the tests use. Bundled for the browser at start-up
// (build.ts); `window.marketPage` exposes what is shown, for the browser test.

import { CandlestickSeries, createChart, HistogramSeries, type UTCTimestamp } from "lightweight-charts";
import { Channel } from "../constants.ts";
import type { BookLevel } from "../client/books.ts";
import { type CandleEvent, FeedClient, type SymbolInfo, type TradeEvent } from "../client/client.ts";

const tradesShown = 50;
const ladderLevels = 15;
/** Candle interval the chart shows (Interval.M1). */
const chartInterval = 0;

interface PageState {
  symbol: string;
  symbols: string[];
  connected: boolean;
  bids: BookLevel[];
  asks: BookLevel[];
  trades: TradeEvent[];
  candles: CandleEvent[];
  depthFrames: number;
  tradeFrames: number;
  candleFrames: number;
}

const state: PageState = {
  symbol: "",
  symbols: [],
  connected: false,
  bids: [],
  asks: [],
  trades: [],
  candles: [],
  depthFrames: 0,
  tradeFrames: 0,
  candleFrames: 0,
};
(window as unknown as { marketPage: PageState }).marketPage = state;

const $ = (id: string) => document.getElementById(id)!;

const chart = createChart($("chart"), {
  layout: { background: { color: "#161c24" }, textColor: "#d5dde7" },
  grid: { vertLines: { color: "#243040" }, horzLines: { color: "#243040" } },
  timeScale: { timeVisible: true, secondsVisible: false },
  autoSize: true,
});
const candleSeries = chart.addSeries(CandlestickSeries, {
  upColor: "#26a69a",
  downColor: "#ef5350",
  wickUpColor: "#26a69a",
  wickDownColor: "#ef5350",
  borderVisible: false,
});
const volumeSeries = chart.addSeries(HistogramSeries, {
  priceScaleId: "volume",
  priceFormat: { type: "volume" },
  color: "#4c8bf588",
});
chart.priceScale("volume").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });

function bar(c: CandleEvent) {
  const time = Math.floor(c.openTimeUs / 1e6) as UTCTimestamp;
  return {
    candle: { time, open: c.open, high: c.high, low: c.low, close: c.close },
    volume: { time, value: c.volume, color: c.close >= c.open ? "#26a69a88" : "#ef535088" },
  };
}

function row(cells: (string | number)[], cls: string): string {
  return `<tr class="${cls}">${cells.map((c, i) => `<td class="${i === 0 ? "p" : ""}">${c}</td>`).join("")}</tr>`;
}

function renderLadder(): void {
  const asks = state.asks.slice(0, ladderLevels).reverse();
  $("asks").innerHTML = asks.map((l) => row([l.price, l.qty, l.count], "ask")).join("");
  $("bids").innerHTML = state.bids
    .slice(0, ladderLevels)
    .map((l) => row([l.price, l.qty, l.count], "bid"))
    .join("");
  const bestBid = state.bids[0]?.price;
  const bestAsk = state.asks[0]?.price;
  $("spread").innerHTML =
    `<tr><td colspan="3">` +
    `${bestBid !== undefined && bestAsk !== undefined ? `spread ${bestAsk - bestBid}` : "—"}</td></tr>`;
}

function renderTrades(): void {
  $("trades").innerHTML = state.trades
    .map((t) =>
      row([t.price, t.qty, new Date(t.timeUs / 1000).toISOString().slice(11, 23)], t.takerSide === 0 ? "buy" : "sell"),
    )
    .join("");
}

const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/feed`;
const client = new FeedClient({
  url,
  reconnect: true,
  reconnectDelayMs: 500,
  handlers: {
    onWelcome(symbols: SymbolInfo[]) {
      state.connected = true;
      state.symbols = symbols.map((s) => s.name);
      $("status").textContent = "live";
      $("status").className = "live";
      $("symbols").innerHTML = symbols.map((s) => `<button data-symbol="${s.name}">${s.name}</button>`).join("");
      for (const b of document.querySelectorAll<HTMLButtonElement>("#symbols button"))
        b.onclick = () => select(b.dataset.symbol!);
      const wanted = new URLSearchParams(location.search).get("symbol");
      if (state.symbol === "")
        select(wanted !== null && state.symbols.includes(wanted) ? wanted : (state.symbols[0] ?? ""));
      else markActive();
    },
    onDepth(_id, depth) {
      state.depthFrames++;
      state.bids = depth.bids;
      state.asks = depth.asks;
      renderLadder();
    },
    onTrades(_id, trades, snapshot) {
      state.tradeFrames++;
      if (snapshot) state.trades = [];
      for (const t of trades) state.trades.unshift(t);
      state.trades.length = Math.min(state.trades.length, tradesShown);
      renderTrades();
    },
    onBbo(_id, b) {
      $("bbo").textContent = `bid ${b.bid.price || "—"} × ${b.bid.qty}   ask ${b.ask.price || "—"} × ${b.ask.qty}`;
    },
    onCandles(_id, interval, candles, snapshot) {
      if (interval !== chartInterval) return;
      state.candleFrames++;
      if (snapshot) {
        state.candles = candles;
        const bars = candles.map(bar);
        candleSeries.setData(bars.map((b) => b.candle));
        volumeSeries.setData(bars.map((b) => b.volume));
        chart.timeScale().fitContent();
        return;
      }
      for (const c of candles) {
        const last = state.candles[state.candles.length - 1];
        if (last !== undefined && last.openTimeUs === c.openTimeUs) state.candles[state.candles.length - 1] = c;
        else if (last === undefined || c.openTimeUs > last.openTimeUs) state.candles.push(c);
        else continue;
        const b = bar(c);
        candleSeries.update(b.candle);
        volumeSeries.update(b.volume);
      }
    },
    onClose() {
      state.connected = false;
      $("status").textContent = "reconnecting…";
      $("status").className = "";
    },
  },
});

function markActive(): void {
  for (const b of document.querySelectorAll<HTMLButtonElement>("#symbols button"))
    b.classList.toggle("active", b.dataset.symbol === state.symbol);
}

function select(symbol: string): void {
  if (symbol === state.symbol || symbol === "") return;
  if (state.symbol !== "") {
    client.unsubscribe(Channel.Depth, state.symbol);
    client.unsubscribe(Channel.Trades, state.symbol);
    client.unsubscribe(Channel.Bbo, state.symbol);
    client.unsubscribe(Channel.Candles, state.symbol, chartInterval);
  }
  state.symbol = symbol;
  state.bids = [];
  state.asks = [];
  state.trades = [];
  state.candles = [];
  candleSeries.setData([]);
  volumeSeries.setData([]);
  renderLadder();
  renderTrades();
  $("bbo").textContent = "—";
  $("chart-title").textContent = `${symbol} candles 1m (volume below)`;
  markActive();
  history.replaceState(null, "", `?symbol=${encodeURIComponent(symbol)}`);
  client.subscribe(Channel.Depth, symbol);
  client.subscribe(Channel.Trades, symbol);
  client.subscribe(Channel.Bbo, symbol);
  client.subscribe(Channel.Candles, symbol, chartInterval);
}
