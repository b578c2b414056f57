// Start-up recovery: the newest snapshot that checks out (a damaged one is
// skipped with a warning and the one before it used), then every journal
// record after its position. The result is the state of the moment before
// the stop, which `recoveryReport` describes.

import { existsSync } from "node:fs";
import { join } from "node:path";
import type { EngineConfig } from "../engine/config.ts";
import { JournalReader } from "../journal/index.ts";
import type { JournalIdentity } from "../snapshot/format.ts";
import type { SnapshotStore } from "../snapshot/store.ts";
import type { SyncPolicy } from "../journal/index.ts";
import { Sequencer } from "./sequencer.ts";
import { JournalLog } from "./journal-log.ts";

export interface RecoveryReport {
  /** Seq of the snapshot used, or 0 when recovery started from an empty engine. */
  snapshotSeq: number;
  /** Age of that snapshot at start-up, in ms (0 without one). */
  snapshotAgeMs: number;
  snapshotsSkipped: string[];
  restoreMs: number;
  commandsReplayed: number;
  replayMs: number;
  /** The journal's torn tail that was cut off, if any. */
  journalWarning: string | null;
  totalMs: number;
}

export interface Recovered {
  exchange: Sequencer;
  log: JournalLog;
  report: RecoveryReport;
}

type Warn = (line: string) => void;

export async function recover(
  engineConfig: EngineConfig,
  dataDir: string,
  journal: { policy: SyncPolicy; batchBytesMax: number },
  store: SnapshotStore | null,
  warn: Warn,
): Promise<Recovered> {
  const started = performance.now();
  const report: RecoveryReport = {
    snapshotSeq: 0,
    snapshotAgeMs: 0,
    snapshotsSkipped: [],
    restoreMs: 0,
    commandsReplayed: 0,
    replayMs: 0,
    journalWarning: null,
    totalMs: 0,
  };
  const path = join(dataDir, "journal.bin");
  // A snapshot is only usable with the journal it was taken from; without a journal there is nothing to match.
  const identity = existsSync(path) ? journalIdentity(path) : null;
  let exchange = new Sequencer(engineConfig, null);
  if (store !== null && identity !== null)
    exchange = await fromNewestSnapshot(engineConfig, store, identity, report, warn);
  else if (store !== null && (await store.list()).length > 0)
    warn(`no journal at ${path}: the snapshots in ${store.description} belong to another run and are ignored`);
  const replayStarted = performance.now();
  const skipThrough = report.snapshotSeq;
  const log = JournalLog.open(path, journal.policy, journal.batchBytesMax, skipThrough, (record) => {
    exchange.apply(record);
    report.commandsReplayed++;
  });
  report.replayMs = performance.now() - replayStarted;
  report.journalWarning = log.recovery?.warning ?? null;
  const journalLastSeq = log.writer.nextSeq - 1;
  if (journalLastSeq < skipThrough) {
    throw new Error(
      `snapshot at seq ${skipThrough} is ahead of the journal (last seq ${journalLastSeq}): ` +
        "the journal is missing acknowledged commands or belongs to another run",
    );
  }
  exchange.setLog(log);
  report.totalMs = performance.now() - started;
  return { exchange, log, report };
}

/** The identity in a journal file's header. */
export function journalIdentity(path: string): JournalIdentity {
  const reader = JournalReader.open(path);
  try {
    return { createdAtNs: reader.header.createdAtNs, shardId: reader.header.shardId };
  } finally {
    reader.close();
  }
}

async function fromNewestSnapshot(
  engineConfig: EngineConfig,
  store: SnapshotStore,
  journal: JournalIdentity,
  report: RecoveryReport,
  warn: Warn,
): Promise<Sequencer> {
  for (const meta of await store.list()) {
    const restoreStarted = performance.now();
    const bytes = await store.load(meta.seq);
    const exchange = new Sequencer(engineConfig, null);
    let problem: string;
    if (bytes === null) problem = "missing, incomplete or damaged (the store said which)";
    else {
      try {
        const header = exchange.restoreSnapshot(bytes, journal);
        if (typeof header !== "string") {
          report.snapshotSeq = header.seq;
          report.snapshotAgeMs = Math.max(0, Date.now() - header.createdAtMs);
          report.restoreMs = performance.now() - restoreStarted;
          return exchange;
        }
        problem = header;
      } catch (error) {
        problem = (error as Error).message;
      }
    }
    const line = `snapshot seq ${meta.seq} in ${store.description} skipped: ${problem}`;
    report.snapshotsSkipped.push(line);
    warn(line);
  }
  return new Sequencer(engineConfig, null);
}

export function recoveryReportLine(r: RecoveryReport): string {
  const snapshot =
    r.snapshotSeq === 0
      ? "no snapshot"
      : `snapshot seq ${r.snapshotSeq} (age ${(r.snapshotAgeMs / 1000).toFixed(1)} s, ` +
        `restored in ${r.restoreMs.toFixed(0)} ms)`;
  return (
    `recovery: ${snapshot}, ${r.commandsReplayed} commands replayed in ${r.replayMs.toFixed(0)} ms, ` +
    `${r.snapshotsSkipped.length} snapshots skipped, total ${r.totalMs.toFixed(0)} ms`
  );
}
