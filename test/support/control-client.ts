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

type AnswerCheck = (r: ExecReport) => string | null;

/** The control's connection: one command at a time, each answer checked against what the command asked for. */
class ControlSession {
  readonly failures: string[] = [];
  /** The control's open orders, as its model has them. */
  readonly live: ControlOrder[] = [];
  readonly client: ExchangeClient;
  closing = false;
  symbolId = -1;
  private waiting: { check: AnswerCheck; resolve: () => void } | null = null;
  private nextId = 1;

  constructor(
    port: number,
    private readonly rng: Rng,
  ) {
    this.client = new ExchangeClient({
      host: "127.0.0.1",
      port,
      onReport: (r) => {
        if (this.waiting === null) return this.fail(`unexpected report ${JSON.stringify(r)}`);
        const problem = this.waiting.check(r);
        if (problem !== null) this.fail(`${problem}: got ${JSON.stringify(r)}`);
        const w = this.waiting;
        this.waiting = null;
        w.resolve();
      },
      onDisconnect: (e) => {
        if (!this.closing) this.fail(`disconnected: ${e.message}`);
      },
    });
  }

  fail(what: string): void {
    if (this.failures.length < 20) this.failures.push(what);
  }

  /** Logs in and finds the control symbol. */
  async login(): Promise<void> {
    await this.client.connect();
    const info = await this.client.login(controlKey);
    const symbol = info.symbols.find((x) => x.name === controlSymbol.name);
    if (symbol === undefined) throw new Error(`the exchange lists no ${controlSymbol.name}`);
    this.symbolId = symbol.symbolId;
  }

  /** Resolves on the next report (checked by `check`); rejects when none comes in time. */
  private answer(check: AnswerCheck): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no answer within ${answerTimeoutMs} ms`)), answerTimeoutMs);
      this.waiting = {
        check,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
    });
  }

  /** Buys in the lower part of the band, sells in the upper: the control never trades with itself. */
  private price(side: number): number {
    return controlSymbol.tickSize * (side === Side.Buy ? 1000 + this.rng.below(500) : 2000 + this.rng.below(1000));
  }

  async place(): Promise<void> {
    const { rng, symbolId } = this;
    const o: ControlOrder = {
      clientOrderId: this.nextId++,
      side: rng.below(2),
      price: 0,
      qty: controlSymbol.lotSize * (1 + rng.below(20)),
    };
    o.price = this.price(o.side);
    const done = this.answer((r) =>
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
    this.client.newOrder({
      clientOrderId: o.clientOrderId,
      symbolId,
      side: o.side,
      priceTicks: o.price,
      qtyLots: o.qty,
    });
    await done;
    this.live.push(o);
  }

  async cancel(): Promise<void> {
    const { live, symbolId } = this;
    const o = live.splice(this.rng.below(Math.min(live.length, 4)), 1)[0]!;
    const done = this.answer((r) =>
      r.kind === EventKind.Cancelled &&
      r.cancelReason === CancelReason.User &&
      r.clientOrderId === o.clientOrderId &&
      r.symbolId === symbolId &&
      r.qtyLots === o.qty
        ? null
        : `expected Cancelled of ${JSON.stringify(o)}`,
    );
    this.client.cancel({ clientOrderId: o.clientOrderId, symbolId });
    await done;
  }

  async modify(): Promise<void> {
    const { rng, live } = this;
    const o = live[rng.below(live.length)]!;
    o.price = this.price(o.side);
    o.qty = controlSymbol.lotSize * (1 + rng.below(20));
    const done = this.answer((r) =>
      r.kind === EventKind.Modified &&
      r.clientOrderId === o.clientOrderId &&
      r.priceTicks === o.price &&
      r.qtyLots === o.qty &&
      r.leavesQtyLots === o.qty
        ? null
        : `expected Modified to ${JSON.stringify(o)}`,
    );
    this.client.modify({
      clientOrderId: o.clientOrderId,
      symbolId: this.symbolId,
      priceTicks: o.price,
      qtyLots: o.qty,
    });
    await done;
  }

  /** The book holds exactly the control's orders, as its model has them. */
  async checkOpenOrders(): Promise<void> {
    const open = await this.client.openOrders();
    const got = open
      .map((o) => [o.clientOrderId, o.symbolId, o.side, o.priceTicks, o.leavesQtyLots])
      .sort((a, b) => a[0]! - b[0]!);
    const want = this.live
      .map((o) => [o.clientOrderId, this.symbolId, o.side, o.price, o.qty])
      .sort((a, b) => a[0]! - b[0]!);
    if (JSON.stringify(got) !== JSON.stringify(want))
      this.fail(`open orders ${JSON.stringify(got)}, model ${JSON.stringify(want)}`);
  }
}

export async function runControl(
  port: number,
  seed: number,
  stopped: () => boolean,
  onReady: () => void = () => {},
): Promise<ControlResult> {
  const rng = new Rng(seed);
  const session = new ControlSession(port, rng);
  await session.login();
  onReady();
  const latenciesMs: number[] = [];
  while (!stopped()) {
    const started = performance.now();
    const liveCount = session.live.length;
    const action = liveCount < 5 ? 0 : liveCount > 30 ? 1 : rng.below(3);
    if (action === 0) await session.place();
    else if (action === 1) await session.cancel();
    else await session.modify();
    latenciesMs.push(performance.now() - started);
    await Bun.sleep(pauseMs);
  }
  await session.checkOpenOrders();
  session.closing = true;
  await session.client.close();
  const sorted = latenciesMs.slice().sort((a, b) => a - b);
  return {
    commands: latenciesMs.length,
    latencyMs: { p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 },
    failures: session.failures,
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
