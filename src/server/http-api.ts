// The HTTP query API and market-data history (src/api, issue 10): the
// replica that replays the journal, the API on `http.host:http.port`, and in
// full mode QuestDB ingestion, in a worker thread (src/api/start.ts). It runs
// when the API is enabled or the mode is full (ingestion needs it); the API
// keys are the exchange's own, so the API accepts exactly the TCP keys.
// Journal policy `none` writes no records for the replica to follow: then it
// is off. Its QuestDB backlog and readiness go to the metrics hooks.

import { startMarketData } from "../api/start.ts";
import type { ExchangeConfig } from "../config/index.ts";
import type { Logger } from "../log/index.ts";
import type { Sequencer } from "../sequencer/sequencer.ts";
import type { Observability } from "./observability.ts";
import { offPart, type Part } from "./parts.ts";
import { questdbCheck } from "./readiness.ts";
import { urlHost } from "./summary.ts";
import { join } from "node:path";

/** How long a graceful stop gives market data to apply the last records and flush or spill its writers. */
const stopDeadlineMs = 4_000;
/** The readiness probe of QuestDB itself (the whole check must answer within the registry's second). */
const probeTimeoutMs = 600;

export async function startHttpApiPart(
  config: ExchangeConfig,
  sequencer: Sequencer,
  obs: Observability,
  log: Logger,
): Promise<Part> {
  const full = config.mode === "full";
  if (!config.http.enabled && !full) return offPart("http api", [["HTTP API", "off (http.enabled = false)"]]);
  if (config.journal.policy === "none")
    return offPart("http api", [["HTTP API", "off (journal.policy none writes no records for market data to follow)"]]);
  const md = await startMarketData({
    sequencer,
    journalPath: join(config.dataDir, "journal.bin"),
    config,
    api: config.http.enabled,
    log: { info: (line) => log.info(line), warn: (line) => log.warn(line) },
  });
  const api = md.port === null ? null : `http://${urlHost(config.http.host)}:${md.port}/api/v1`;
  const history = full
    ? `history in QuestDB at ${config.questdb.http.host}:${config.questdb.http.port}`
    : "answers from memory";
  if (api !== null)
    log.infoRestated(`market data: query API on ${api} (${config.mode} mode, ${history})`, { port: md.port });
  if (full) {
    obs.hooks.questdb(async () => {
      const w = (await md.stats()).writers ?? {};
      const rows = Object.values(w);
      return {
        backlogRows: rows.reduce((a, t) => a + t.backlogRows, 0),
        spillBytes: rows.reduce((a, t) => a + t.spillBytes, 0),
      };
    });
    const probe = questdbCheck(config.questdb.http.host, config.questdb.http.port, probeTimeoutMs);
    obs.hooks.readiness({
      name: "questdb",
      check: async () => {
        // QuestDB must answer and no table's writes may be failing; a replay still running is said, not held
        // against readiness (trading does not wait for history).
        const answers = await probe.check();
        if (!answers.ready) return answers;
        const s = await md.stats();
        const failing = Object.entries(s.writers ?? {}).find(([, t]) => t.consecutiveFailures > 0);
        if (failing !== undefined)
          return { ready: false, reason: `QuestDB ${failing[0]} writes failing: ${failing[1].lastError ?? "unknown"}` };
        return {
          ready: true,
          reason: s.live
            ? `${answers.reason}; ingesting, applied seq ${s.appliedSeq}`
            : `${answers.reason}; market data replaying the journal (seq ${s.appliedSeq} of ${s.durableSeq})`,
        };
      },
    });
  }
  return {
    name: "http api",
    endpoints: [["HTTP API", api ?? "off (http.enabled = false); QuestDB ingestion on"]],
    stop: () => md.stop(stopDeadlineMs),
  };
}
