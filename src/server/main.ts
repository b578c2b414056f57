// `bun run engine`: the exchange in embedded mode. Recovers the engine from
// the journal, defines configured symbols that are new, and serves the TCP
// order-entry gateway until SIGINT or SIGTERM.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TcpGateway } from "../gateway/tcp-gateway.ts";
import { nowNs } from "./clock.ts";
import { loadConfig } from "./config.ts";
import { Exchange } from "./exchange.ts";
import { JournalLog } from "./journal-log.ts";

async function main(): Promise<void> {
  const config = await loadConfig(process.argv.slice(2), process.env);
  mkdirSync(config.dataDir, { recursive: true });
  const exchange = new Exchange(config.engine, null);

  let log: JournalLog | null = null;
  if (config.journal.enabled) {
    const path = join(config.dataDir, "journal.bin");
    const started = performance.now();
    log = JournalLog.open(path, config.journal.policy, config.journal.batchBytesMax, (record) => exchange.apply(record));
    const ms = performance.now() - started;
    const replayed = exchange.nextSeq - 1;
    console.log(`journal ${path} (policy ${config.journal.policy}): replayed ${replayed} commands in ${ms.toFixed(0)} ms`);
    if (log.recovery?.warning) console.warn(`journal: ${log.recovery.warning}`);
    exchange.setLog(log);
  }

  for (const spec of config.symbols) {
    if (exchange.engine.bookOf(spec.name) >= 0) continue;
    const error = exchange.defineSymbol(spec, nowNs());
    if (error !== null) throw new Error(`symbol ${spec.name}: ${error}`);
  }
  await log?.writer.sync();

  const gateway = new TcpGateway(exchange, config);
  gateway.start();
  const e = exchange.engine;
  console.log(`engine: ${e.booksCount} symbols, ${e.ordersLive} live orders, next seq ${exchange.nextSeq}, state hash ${e.stateHash()}`);
  console.log(`tcp gateway listening on ${config.tcp.host}:${gateway.port}`);

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await gateway.stop();
    await log?.close();
    console.log(`stopped at seq ${exchange.nextSeq - 1}, state hash ${e.stateHash()}`);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

try {
  await main();
} catch (error) {
  console.error(`exchange: ${(error as Error).message}`);
  process.exit(1);
}
