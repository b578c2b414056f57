// Market data beside the exchange (issue 10): the replica, the query API and,
// in full mode, QuestDB ingestion and history, in a worker thread
// (src/api/start.ts). Its keys come from the configuration schema (src/config:
// `mode`, `http`, `questdb`); the API keys and data directory are the ones the
// exchange itself runs with, so the API accepts exactly the TCP keys.
// EXCHANGE_MARKET_DATA=off leaves it out. It never stops the exchange: a
// configuration problem or a port in use is a warning and no market data.

import { type RunningMarketData, startMarketData } from "../api/start.ts";
import { formatProblems, loadConfig } from "../config/index.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";

/** Environment variables that are switches of the server entry, not configuration keys. */
const switches = ["EXCHANGE_MARKET_DATA", "EXCHANGE_FEED"];

export async function startMarketDataFromConfig(
  sequencer: Sequencer,
  journalPath: string,
  exchange: { dataDir: string; apiKeys: readonly { sha256: string; user: number }[] },
  argv: readonly string[],
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
): Promise<RunningMarketData | null> {
  if (env.EXCHANGE_MARKET_DATA === "off") return null;
  const schemaEnv = Object.fromEntries(Object.entries(env).filter(([name]) => !switches.includes(name)));
  const loaded = loadConfig(argv, schemaEnv);
  if (!loaded.ok) {
    warn(`market data not started: ${formatProblems(loaded.problems)}`);
    return null;
  }
  const c = loaded.loaded.config;
  try {
    const md = await startMarketData({
      sequencer,
      journalPath,
      config: { mode: c.mode, dataDir: exchange.dataDir, questdb: c.questdb, http: c.http, apiKeys: exchange.apiKeys },
    });
    const questdb = c.mode === "full" ? `, history in QuestDB at ${c.questdb.http.host}:${c.questdb.http.port}` : ", answers from memory";
    console.log(`market data: query API on http://${c.http.host}:${md.port}/api/v1 (${c.mode} mode${questdb})`);
    return md;
  } catch (error) {
    warn(`market data not started: ${(error as Error).message.split("\n")[0]}`);
    return null;
  }
}
