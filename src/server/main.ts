// `bun run engine`: the exchange. Recovers from the newest valid snapshot
// plus the journal after it, defines configured symbols that are new, serves
// the TCP order-entry gateway, snapshots on its policy, and on SIGINT/SIGTERM
// stops accepting, syncs the journal and takes a final snapshot.

import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { TcpGateway } from "../gateway/tcp-gateway.ts";
import { openSnapshotStore } from "./open-store.ts";
import { Snapshotter } from "../sequencer/snapshotter.ts";
import type { SnapshotStore } from "../snapshot/store.ts";
import { nowNs } from "../sequencer/clock.ts";
import { type ExchangeConfig, loadConfig } from "./config.ts";
import { type Recovered, recover, recoveryReportLine } from "../sequencer/recovery.ts";
import { startFeedFromEnv } from "../feed/from-env.ts";
import { startMarketDataFromConfig } from "./market-data.ts";

const warn = (line: string) => console.warn(`warning: ${line}`);

/** Recovery with the snapshot store; if the store cannot be reached, from the journal alone (slower, same result). */
async function recoverWithStore(config: ExchangeConfig, store: SnapshotStore | null): Promise<Recovered> {
  try {
    return await recover(config.engine, config.dataDir, config.journal, store, warn);
  } catch (error) {
    if (store === null || !/redis|ECONNREFUSED|not connected|timed out/i.test((error as Error).message)) throw error;
    warn(
      `snapshot store ${store.description} unreachable (${(error as Error).message}); ` +
        "recovering from the journal alone",
    );
    return await recover(config.engine, config.dataDir, config.journal, null, warn);
  }
}

async function main(): Promise<void> {
  const config = await loadConfig(process.argv.slice(2), process.env);
  if (!config.journal.enabled)
    throw new Error("journal.enabled=false is for benchmarks only; bun run engine always logs");
  mkdirSync(config.dataDir, { recursive: true });
  const store = openSnapshotStore(config, warn);
  const { exchange, log, report } = await recoverWithStore(config, store);
  console.log(recoveryReportLine(report));
  if (report.journalWarning !== null) warn(`journal: ${report.journalWarning}`);

  for (const spec of config.symbols) {
    if (exchange.engine.bookOf(spec.name) >= 0) continue;
    const error = exchange.defineSymbol(spec, nowNs());
    if (error !== null) throw new Error(`symbol ${spec.name}: ${error}`);
  }
  await log.writer.sync();

  const journalId = { createdAtNs: log.writer.header.createdAtNs, shardId: log.writer.header.shardId };
  const snapshotter =
    store === null
      ? null
      : new Snapshotter(exchange, store, journalId, { ...config.snapshots, retryMsMin: 200, retryMsMax: 30_000 });
  const gateway = new TcpGateway(exchange, config);
  // A failed journal takes nothing more: every client gets what was acknowledged, then Logout, then the close.
  log.onFailed = (error) => {
    console.error(`${error.message}; the input log takes nothing more: closing every session and exiting (74)`);
    gateway.abort("the exchange's input log failed; commands not acknowledged may be lost");
    process.exit(74);
  };
  // Market-data feed and live page (src/feed): after recovery, before new input.
  const feed = await startFeedFromEnv(exchange, process.env);
  // Market-data history and the query API (src/api, issue 10): after recovery, before new input.
  const journalPath = join(config.dataDir, "journal.bin");
  const marketData = await startMarketDataFromConfig(exchange, journalPath, config, process.argv.slice(2), process.env, warn);
  const e = exchange.engine;
  // Handlers go in before the gateway announces itself: a supervisor may signal the moment it reads that line.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    await gateway.stop();
    await feed?.stop();
    await log.writer.sync();
    // Everything is durable now: market data applies it, then sends what it can and spills the rest.
    await marketData?.stop(4_000);
    await snapshotter?.stop();
    await log.close();
    await store?.close();
    console.log(`stopped at seq ${exchange.nextSeq - 1}, state hash ${e.stateHash()}`);
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));

  snapshotter?.start();
  gateway.start();
  console.log(
    `engine: ${e.booksCount} symbols, ${e.ordersLive} live orders, next seq ${exchange.nextSeq}, ` +
      `state hash ${e.stateHash()}`,
  );
  console.log(
    `journal: ${config.dataDir}/journal.bin, policy ${config.journal.policy}; ` +
      `snapshots: ${store?.description ?? "off"}`,
  );
  console.log(`tcp gateway listening on ${config.tcp.host}:${gateway.port}`);
}

try {
  await main();
} catch (error) {
  console.error(`exchange: ${(error as Error).message}`);
  process.exit(1);
}
