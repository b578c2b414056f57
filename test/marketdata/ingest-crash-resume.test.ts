// Proves that an exchange ingesting market data, killed (SIGKILL) in the middle of ingestion with rows still
// unacknowledged, resumes on restart without gaps or duplicates: the restarted process reads the resume points, replays
// its journal, re-sends only what QuestDB lacks, and afterwards QuestDB holds exactly what a replay of the whole
// journal says (every trade id from 1 once, every candle, order and order event).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FastInputRecordDecoder } from "../../src/protocol/fixed-read.ts";
import { InputRecordView } from "../../src/protocol/index.ts";
import { readJournal } from "../../src/journal/index.ts";
import { Sequencer } from "../../src/sequencer/sequencer.ts";
import { startTestQuestdb, type TestQuestdb } from "../support/questdb.ts";
import { engineConfig, Truth } from "../support/market-data.ts";
import { expectStoredEqualsTruth } from "../support/stored-market-data.ts";

const child = join(import.meta.dir, "../support/market-data-child.ts");
const firstRun = process.env.SOAK === "1" ? 200_000 : 20_000;
let qdb: TestQuestdb;
let dir = "";

beforeAll(async () => {
  qdb = await startTestQuestdb();
  dir = mkdtempSync(join(tmpdir(), "md-crash-"));
}, 600_000);

afterAll(async () => {
  await qdb?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface ChildRun {
  lines: string[];
  exited: Promise<number>;
  kill(): void;
  /** Resolves with the first line `match` accepts. */
  waitFor(match: (line: string) => boolean, what: string, deadlineMs?: number): Promise<string>;
}

function runChild(seed: number, commands: number, ticksAckedMin = 0): ChildRun {
  const args = [dir, qdb.httpUrl, String(seed), String(commands), String(ticksAckedMin)];
  const p = Bun.spawn([process.execPath, child, ...args], {
    stdin: "ignore",
    stdout: "pipe",
    stderr: "inherit",
  });
  const lines: string[] = [];
  const waiters: { match: (line: string) => boolean; resolve: (line: string) => void }[] = [];
  void (async () => {
    let rest = "";
    for await (const chunk of p.stdout as ReadableStream<Uint8Array>) {
      rest += new TextDecoder().decode(chunk);
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const line of parts) {
        lines.push(line);
        for (let i = waiters.length - 1; i >= 0; i--) {
          if (waiters[i]!.match(line)) waiters.splice(i, 1)[0]!.resolve(line);
        }
      }
    }
  })();
  return {
    lines,
    exited: p.exited,
    kill: () => p.kill("SIGKILL"),
    waitFor(match, what, deadlineMs = 300_000) {
      const seen = lines.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`child: timed out waiting for ${what}; last lines: ${lines.slice(-5).join(" | ")}`)),
          deadlineMs,
        );
        waiters.push({ match, resolve: (line) => (clearTimeout(timer), resolve(line)) });
        void p.exited.then((code) =>
          reject(new Error(`child exited (${code}) before ${what}; last lines: ${lines.slice(-5).join(" | ")}`)),
        );
      });
    },
  };
}

/** The truth: the whole journal replayed through a fresh engine, its events through the references. */
function truthOfJournal(): Truth {
  const sequencer = new Sequencer(engineConfig, null);
  const truth = new Truth();
  sequencer.addConsumer(truth);
  const decoder = new FastInputRecordDecoder();
  const view = new InputRecordView();
  readJournal(join(dir, "journal.bin"), (_seq, bytes, offset, length) => {
    if (decoder.decode(bytes, offset, offset + length, view) !== 0) throw new Error("bad record");
    sequencer.apply(view);
  });
  truth.finish();
  return truth;
}

test("killed mid-ingest, the exchange resumes without gaps or duplicates", async () => {
  // It runs on past firstRun until QuestDB acknowledged some ticks (a slow QuestDB once acknowledged none in time).
  const first = runChild(1, firstRun, 1);
  await first.waitFor((l) => l.startsWith("live "), "the first run to go live");
  // Kill once rows are acknowledged and the flow is well under way, so some rows are certainly unacknowledged.
  await first.waitFor((l) => {
    const m = /^progress (\d+) (\d+)$/.exec(l);
    return m !== null && Number(m[1]) >= firstRun / 2 && Number(m[2]) > 0;
  }, "acknowledged rows mid-run");
  first.kill();
  expect(await first.exited).not.toBe(0);
  expect(first.lines).not.toContain("done");

  const second = runChild(2, 3_000);
  const resume = await second.waitFor((l) => l.startsWith("market data: resume points"), "the resume points");
  // QuestDB had a prefix of every table: the restart resumed from it rather than from nothing.
  const points = JSON.parse(resume.slice(resume.indexOf("{")));
  expect(points.ticksTradeIdMax).toBeGreaterThan(0);
  expect(points.orderEventsSeqMax).toBeGreaterThan(0);
  await second.waitFor((l) => l === "done", "the second run to finish");
  expect(await second.exited).toBe(0);

  const truth = truthOfJournal();
  expect(truth.trades.length).toBeGreaterThan(points.ticksTradeIdMax);
  await expectStoredEqualsTruth(qdb, truth);
}, 900_000);
