// Replay of a binary journal file (the engine's input log) through a fresh
// engine, with the same event lines and summary as an NDJSON replay: the
// audit view of what the exchange did, and a check of a recovery's hash.

import { EventKind } from "../engine/constants.ts";
import { journalMagic, readJournal } from "../journal/index.ts";
import { FastInputRecordDecoder } from "../protocol/fixed-read.ts";
import { InputRecordView } from "../protocol/index.ts";
import { Sequencer } from "../sequencer/sequencer.ts";
import { formatEvent } from "./format.ts";
import type { ReplaySink, ReplaySummary } from "./replay.ts";

/** Whether the file starts with the journal's magic bytes. */
export async function isJournalFile(path: string): Promise<boolean> {
  const head = new Uint8Array(await Bun.file(path).slice(0, journalMagic.length).arrayBuffer());
  return new TextDecoder().decode(head) === journalMagic;
}

/** Replays every good record of the journal; a torn tail is reported through `sink.malformed` and skipped. */
export function replayJournal(path: string, sink: ReplaySink): ReplaySummary {
  const exchange = new Sequencer({}, null);
  let trades = 0;
  exchange.addConsumer({
    onEvents(events) {
      for (let i = 0; i < events.count; i++) {
        if (events.kind(i) === EventKind.Trade) trades++;
        sink.event(formatEvent(events, i, exchange.engine.symNames));
      }
    },
  });
  const decoder = new FastInputRecordDecoder();
  const view = new InputRecordView();
  let records = 0;
  const end = readJournal(path, (seq, bytes, offset, length) => {
    const code = decoder.decode(bytes, offset, offset + length, view);
    if (code !== 0)
      throw new Error(`journal ${path}: record ${seq} is not a valid InputRecord (protocol error ${code})`);
    exchange.apply(view);
    records++;
  });
  if (end.tail !== null)
    sink.malformed(-1, `torn tail of ${end.fileBytes - end.goodBytes} bytes after record ${end.lastSeq} ignored`);
  return { commands: records, trades, malformed: end.tail === null ? 0 : 1, hash: exchange.engine.stateHash() };
}
