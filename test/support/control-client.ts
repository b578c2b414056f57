// The gateway fuzz's control client, run as its own process so its timings
// are the exchange's and not those of the busy process sending the fuzz:
//   bun test/support/control-client.ts <port> <seed>
// It logs in with dev-key-8, prints "ready" and, until a line "stop" arrives on stdin, places,
// modifies and cancels orders on the CTRL-USD symbol one at a time, checking
// every answer field by field. It then checks the exchange lists exactly its
// model's open orders and prints one JSON line (ControlResult).

import { ExchangeClient } from "../../src/client/index.ts";
import { CancelReason, EventKind, Side } from "../../src/engine/constants.ts";
import { Rng } from "../../src/protocol/fixtures.ts";
import type { ExecReport } from "../../src/protocol/index.ts";

/** The control symbol: a tick and lot no fuzz order is likely to hit, so nothing but the control trades there. */
export const controlSymbol = {
  name: "CTRL-USD",
  tickSize: 997,
  lotSize: 7919,
  minPrice: 997 * 1000,
  maxPrice: 997 * 3000,
  maxQty: 7919 * 1000,
};
export const controlKey = "dev-key-8";
/** Pause between one answer and the next command. */
const pauseMs = 2;
/** An answer later than this is a failure on its own. */
const answerTimeoutMs = 10_000;

export interface ControlResult {
  commands: number;
  latencyMs: { p50: number; p99: number; max: number };
  failures: string[];
}

interface ControlOrder {
  clientOrderId: number;
  side: number;
  price: number;
  qty: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export async function runControl(
  port: number,
  seed: number,
  stopped: () => boolean,
  onReady: () => void = () => {},
): Promise<ControlResult> {
  const failures: string[] = [];
  const fail = (what: string) => {
    if (failures.length < 20) failures.push(what);
  };
  let closing = false;
  let waiting: { check: (r: ExecReport) => string | null; resolve: () => void } | null = null;
  const client = new ExchangeClient({
    host: "127.0.0.1",
    port,
    onReport: (r) => {
      if (waiting === null) return fail(`unexpected report ${JSON.stringify(r)}`);
      const problem = waiting.check(r);
      if (problem !== null) fail(`${problem}: got ${JSON.stringify(r)}`);
      const w = waiting;
      waiting = null;
      w.resolve();
    },
    onDisconnect: (e) => {
      if (!closing) fail(`disconnected: ${e.message}`);
    },
  });
  await client.connect();
  const info = await client.login(controlKey);
  const symbol = info.symbols.find((x) => x.name === controlSymbol.name);
  if (symbol === undefined) throw new Error(`the exchange lists no ${controlSymbol.name}`);
  const symbolId = symbol.symbolId;
  onReady();
  const rng = new Rng(seed);
  const live: ControlOrder[] = [];
  const latenciesMs: number[] = [];
  let nextId = 1;
  const answer = (check: (r: ExecReport) => string | null) =>
    new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer within ${answerTimeoutMs} ms`)), answerTimeoutMs);
      waiting = {
        check,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
    });
  // Buys in the lower part of the band, sells in the upper: the control never trades with itself.
  const price = (side: number) =>
    controlSymbol.tickSize * (side === Side.Buy ? 1000 + rng.below(500) : 2000 + rng.below(1000));
  const { lotSize } = controlSymbol;
  while (!stopped()) {
    const started = performance.now();
    const action = live.length < 5 ? 0 : live.length > 30 ? 1 : rng.below(3);
    if (action === 0) {
      const o: ControlOrder = {
        clientOrderId: nextId++,
        side: rng.below(2),
        price: 0,
        qty: lotSize * (1 + rng.below(20)),
      };
      o.price = price(o.side);
      const done = answer((r) =>
        r.kind === EventKind.Accepted &&
        r.clientOrderId === o.clientOrderId &&
        r.symbolId === symbolId &&
        r.side === o.side &&
        r.priceTicks === o.price &&
        r.qtyLots === o.qty &&
        r.leavesQtyLots === o.qty &&
        r.engineSeq > 0
          ? null
          : `expected Accepted of ${JSON.stringify(o)}`,
      );
      client.newOrder({ clientOrderId: o.clientOrderId, symbolId, side: o.side, priceTicks: o.price, qtyLots: o.qty });
      await done;
      live.push(o);
    } else if (action === 1) {
      const o = live.splice(rng.below(Math.min(live.length, 4)), 1)[0]!;
      const done = answer((r) =>
        r.kind === EventKind.Cancelled &&
        r.cancelReason === CancelReason.User &&
        r.clientOrderId === o.clientOrderId &&
        r.symbolId === symbolId &&
        r.qtyLots === o.qty
          ? null
          : `expected Cancelled of ${JSON.stringify(o)}`,
      );
      client.cancel({ clientOrderId: o.clientOrderId, symbolId });
      await done;
    } else {
      const o = live[rng.below(live.length)]!;
      o.price = price(o.side);
      o.qty = lotSize * (1 + rng.below(20));
      const done = answer((r) =>
        r.kind === EventKind.Modified &&
        r.clientOrderId === o.clientOrderId &&
        r.priceTicks === o.price &&
        r.qtyLots === o.qty &&
        r.leavesQtyLots === o.qty
          ? null
          : `expected Modified to ${JSON.stringify(o)}`,
      );
      client.modify({ clientOrderId: o.clientOrderId, symbolId, priceTicks: o.price, qtyLots: o.qty });
      await done;
    }
    latenciesMs.push(performance.now() - started);
    await Bun.sleep(pauseMs);
  }
  // The book holds exactly the control's orders, as its model has them.
  const open = await client.openOrders();
  const got = open
    .map((o) => [o.clientOrderId, o.symbolId, o.side, o.priceTicks, o.leavesQtyLots])
    .sort((a, b) => a[0]! - b[0]!);
  const want = live.map((o) => [o.clientOrderId, symbolId, o.side, o.price, o.qty]).sort((a, b) => a[0]! - b[0]!);
  if (JSON.stringify(got) !== JSON.stringify(want))
    fail(`open orders ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
  closing = true;
  await client.close();
  const sorted = latenciesMs.slice().sort((a, b) => a - b);
  return {
    commands: latenciesMs.length,
    latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    failures,
  };
}

if (import.meta.main) {
  const port = Number(process.argv[2]);
  const seed = Number(process.argv[3] ?? 1);
  let stop = false;
  void (async () => {
    for await (const chunk of Bun.stdin.stream()) {
      if (new TextDecoder().decode(chunk).includes("stop")) break;
    }
    stop = true;
  })();
  try {
    const result = await runControl(
      port,
      seed,
      () => stop,
      () => console.log("ready"),
    );
    console.log(JSON.stringify(result));
  } catch (e) {
    const result: ControlResult = {
      commands: 0,
      latencyMs: { p50: 0, p99: 0, max: 0 },
      failures: [`control threw: ${(e as Error).message}`],
    };
    console.log(JSON.stringify(result));
  }
  process.exit(0);
}
