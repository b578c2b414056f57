// Market data beside the exchange (issue 10): the replica, the query API and,
// in full mode, QuestDB ingestion and history, in a worker thread
// (src/api/start.ts). It reads its own keys of the configuration schema
// (src/config: `mode`, `http`, `questdb`) from the config file and their
// EXCHANGE_ variables, checked there; the API keys and data directory are the
// ones the exchange itself runs with, so the API accepts exactly the TCP keys.
// Only these sections are read: until the server takes its whole configuration
// from src/config, keys the older loader accepts are not judged here twice.
// EXCHANGE_MARKET_DATA=off leaves it out, and so does journal policy `none`
// (no records are written for the replica to read). It never stops the exchange: a
// problem in these keys or a port in use is a warning and no market data.

import { resolve } from "node:path";
import { type RunningMarketData, startMarketData } from "../api/start.ts";
import { applyEnv } from "../config/env.ts";
import { exchangeSchema } from "../config/exchange-schema.ts";
import { configPathOf, type ExchangeConfig, resolveConfig } from "../config/load.ts";
import { readConfigFile } from "../config/parse-file.ts";
import { type ConfigProblem, formatProblems } from "../config/problems.ts";
import { isTable } from "../config/validate.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";

const sections = ["mode", "http", "questdb"] as const;
const sectionVariables = /^EXCHANGE_(MODE$|HTTP_|QUESTDB_)/;

/** The market-data sections of the configuration (defaults, the file, the environment), or their problems. */
type Sections = Pick<ExchangeConfig, "mode" | "http" | "questdb">;

function marketDataConfig(argv: readonly string[], env: Record<string, string | undefined>): Sections | ConfigProblem[] {
  const located = configPathOf(argv, env);
  const raw: Record<string, unknown> = {};
  if (located.path !== null) {
    const parsed = readConfigFile(resolve(located.path), `config file ${located.path}`);
    if (!parsed.ok) return [parsed.problem];
    if (isTable(parsed.value)) for (const key of sections) if (key in parsed.value) raw[key] = parsed.value[key];
  }
  const problems: ConfigProblem[] = [];
  const own = Object.fromEntries(Object.entries(env).filter(([name]) => sectionVariables.test(name)));
  applyEnv(raw, own, exchangeSchema.fields, problems);
  const r = resolveConfig(raw, { apiKeys: [] });
  if (!r.ok) return [...problems, ...r.problems];
  if (problems.length > 0) return problems;
  const c = r.loaded.config;
  return { mode: c.mode, http: c.http, questdb: c.questdb };
}

export async function startMarketDataFromConfig(
  sequencer: Sequencer,
  journalPath: string,
  exchange: { dataDir: string; apiKeys: readonly { sha256: string; user: number }[]; journal: { policy: string } },
  argv: readonly string[],
  env: Record<string, string | undefined>,
  warn: (line: string) => void,
): Promise<RunningMarketData | null> {
  if (env.EXCHANGE_MARKET_DATA === "off") return null;
  if (exchange.journal.policy === "none") {
    // The replica reads the journal file, and policy none writes no records to it.
    console.log("market data: off (journal.policy none writes no records for it to follow)");
    return null;
  }
  const c = marketDataConfig(argv, env);
  if (Array.isArray(c)) {
    warn(`market data not started: ${formatProblems(c)}`);
    return null;
  }
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
