// The slot of the HTTP query API (market-data history, book snapshots:
// src/api with QuestDB ingestion, from the market-data branch). That branch
// replaces the body of `startHttpApiPart` with its `startMarketData` and
// returns a Part (src/server/parts.ts): summary rows from `http.host` /
// `http.port`, readiness and backlog metrics through `obs.hooks`
// (src/metrics/output-hooks.ts: hooks.questdb, hooks.readiness), and its
// `stop` in the graceful stop. Until then the summary says it is not here.

import type { ExchangeConfig } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { Observability } from "./observability.ts";
import { offPart, type Part } from "./parts.ts";

export async function startHttpApiPart(_config: ExchangeConfig, _sequencer: Sequencer, _obs: Observability, _log: Logger): Promise<Part> {
  return offPart("http api", [["HTTP API", "not in this build (src/api comes with the market-data branch)"]]);
}
