// The embedded-mode input log: the journal file, opened (and replayed) at
// start-up, appended by the sequencer, flushed once per gateway batch. A
// journal that fails (an I/O error: disk full, device gone) takes nothing
// more; its owner's `onFailed` decides what the process does (the server
// closes every session and exits 74), and without an owner it exits 74 here.

import {
  AppendResult,
  type JournalWriter,
  openOrCreateJournal,
  type Recovery,
  type SyncPolicy,
} from "../journal/index.ts";
import { FastInputRecordDecoder } from "../protocol/fixed-read.ts";
import { framePrefixBytes, InputRecordView } from "../protocol/index.ts";
import type { InputLog, LogSlot } from "./sequencer.ts";

export class JournalLog implements InputLog {
  readonly writer: JournalWriter;
  readonly recovery: Recovery | null;
  onDurable: ((seq: number) => void) | null = null;
  onFailed: ((error: Error) => void) | null = null;
  private readonly slot: LogSlot = { bytes: new Uint8Array(0), at: 0 };

  private constructor(writer: JournalWriter, recovery: Recovery | null) {
    this.writer = writer;
    this.recovery = recovery;
  }

  /**
   * Opens the journal at `path` (creating it when absent) and hands every
   * record already in it after seq `skipThrough` to `replay`, in order,
   * before returning. (Records up to a restored snapshot's seq are only
   * checked by the reader's CRC, not decoded.)
   */
  static open(
    path: string,
    policy: SyncPolicy,
    batchBytes: number,
    skipThrough: number,
    replay: (record: InputRecordView) => void,
  ): JournalLog {
    const decoder = new FastInputRecordDecoder();
    const view = new InputRecordView();
    let log: JournalLog | null = null;
    const { writer, recovery } = openOrCreateJournal(
      path,
      { shardId: 0, tag: "exchange", createdAtNs: BigInt(Date.now()) * 1_000_000n, firstSeq: 1 },
      {
        policy,
        batchBytes,
        batchRecordsMax: 1 << 16,
        autoFlush: false,
        // The caller reports a dropped torn tail (Recovery.warning) in its own recovery report.
        warn: () => {},
        onDurable: (seq) => log?.onDurable?.(seq),
        onError: (error) => {
          const failed = new Error(`journal ${path}: ${error.message}`, { cause: error });
          if (log?.onFailed != null) return log.onFailed(failed);
          // The log can take nothing more: stop rather than acknowledge what is not durable.
          console.error(`${failed.message}; exiting`);
          process.exit(74);
        },
      },
      (seq, bytes, offset, length) => {
        if (seq <= skipThrough) return;
        const code = decoder.decode(bytes, offset, offset + length, view);
        if (code !== 0)
          throw new Error(`journal ${path}: record ${seq} is not a valid InputRecord (protocol error ${code})`);
        if (view.engineSeq !== seq)
          throw new Error(`journal ${path}: record ${seq} carries engine seq ${view.engineSeq}`);
        replay(view);
      },
    );
    log = new JournalLog(writer, recovery);
    return log;
  }

  /** In place: the frame goes straight into the journal's batch (its prefix onto the record's CRC slot). */
  reserveFrame(seq: number, frameBytesMax: number): LogSlot | null {
    const at = this.writer.reserveFrame(seq, frameBytesMax);
    if (at >= 0) {
      this.slot.bytes = this.writer.batchBuffer;
      this.slot.at = at;
      return this.slot;
    }
    if (this.writer.refused === AppendResult.Full) return null;
    throw new Error(`journal refused record ${seq}: append result ${this.writer.refused}`);
  }

  commitFrame(seq: number, frameBytes: number): void {
    this.writer.commitFrame(seq, frameBytes);
  }

  append(seq: number, bytes: Uint8Array, start: number, end: number): boolean {
    // The journal frames records itself: it takes the FlatBuffer without its size prefix.
    const result = this.writer.append(seq, bytes, start + framePrefixBytes, end - start - framePrefixBytes);
    if (result === AppendResult.Ok) return true;
    if (result === AppendResult.Full) return false;
    throw new Error(`journal refused record ${seq}: append result ${result}`);
  }

  flush(): void {
    this.writer.flush();
  }

  hasRoom(): boolean {
    return this.writer.hasRoom();
  }

  close(): Promise<void> {
    return this.writer.close();
  }
}
