// Test support: an exchange (sequencer + TCP gateway, optionally a journal)
// started in-process on a free loopback port (port 0), and clients that record
// every report they receive as a plain copy.

import { ExchangeClient } from "../../src/client/index.ts";
import type { ClientOptions } from "../../src/client/types.ts";
import { TcpGateway } from "../../src/gateway/tcp-gateway.ts";
import type { ExecReport } from "../../src/protocol/index.ts";
import { type Clock, systemClock } from "../../src/sequencer/clock.ts";
import { Sequencer, type InputLog } from "../../src/sequencer/sequencer.ts";
import { type ExchangeConfig, type ExchangeConfigInput, resolveConfigOrThrow } from "../../src/server/config.ts";

export interface HarnessOptions {
  /** The input log (default none: every command is durable at once). */
  log?: InputLog | null;
  /** The clock of the sequencer and the gateway's timers (default the system clock). */
  clock?: Clock;
  /** Receives the gateway's log lines and warnings (default: the console). */
  logLines?: string[];
}

export const smallEngine = { ordersMax: 1 << 14, levelsMax: 1 << 12, levelsPerSideMax: 1 << 10, symbolsMax: 8 };

export interface RunningExchange {
  config: ExchangeConfig;
  exchange: Sequencer;
  gateway: TcpGateway;
  port: number;
  stop(): Promise<void>;
}

export function startExchange(input: ExchangeConfigInput = {}, options: HarnessOptions = {}): RunningExchange {
  const log = options.log ?? null;
  const config = resolveConfigOrThrow({
    tcp: { port: 0 },
    engine: smallEngine,
    ...input,
    limits: { openOrdersPerUserMax: 1000, ...input.limits },
  });
  const clock = options.clock ?? systemClock;
  const exchange = new Sequencer(config.engine, log, clock);
  for (const s of config.symbols) {
    const error = exchange.defineSymbol(s, clock.nowNs());
    if (error !== null) throw new Error(error);
  }
  const lines = options.logLines;
  const push = (line: string) => lines!.push(line);
  const gateway = new TcpGateway(exchange, config, lines === undefined ? {} : { log: push, warn: push });
  gateway.onFatal = (error) => {
    throw error;
  };
  gateway.start();
  return { config, exchange, gateway, port: gateway.port, stop: () => gateway.stop() };
}

export type Report = ExecReport;

export class TestClient {
  readonly client: ExchangeClient;
  readonly reports: Report[] = [];
  private waiters: (() => void)[] = [];

  constructor(port: number, options: Partial<ClientOptions> = {}) {
    this.client = new ExchangeClient({
      host: "127.0.0.1",
      port,
      ...options,
      onReport: (r) => {
        this.reports.push({ ...r } as Report);
        for (const w of this.waiters) w();
      },
    });
  }

  static async login(port: number, key: string, options: Partial<ClientOptions> = {}): Promise<TestClient> {
    const c = new TestClient(port, options);
    await c.client.connect();
    await c.client.login(key);
    return c;
  }

  /** Resolves once `pred` holds over the reports received, or rejects after `timeoutMs`. */
  async waitFor(pred: (reports: Report[]) => boolean, timeoutMs = 5000, what = "reports"): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.reports)) {
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.reports.slice(-10))}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 20);
      });
      this.waiters = [];
    }
  }

  /** Reports about one client order id. */
  about(clientOrderId: number): Report[] {
    return this.reports.filter((r) => r.clientOrderId === clientOrderId);
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
