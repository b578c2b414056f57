// Child process of crash.test.ts: appends InputRecords as fast as it can, in
// bursts across event-loop turns, and prints "durable <seq>" each time the
// writer reports durability, until its parent kills it.
// Usage: bun src/journal/crash-child.ts <path> <fsync|write>

import { writeSync } from "node:fs";
import { createJournal } from "./open.ts";
import { RecordSource } from "./test-support.ts";
import { AppendResult, type SyncPolicy } from "./writer.ts";

const [path, policy] = process.argv.slice(2) as [string, SyncPolicy];
const burst = 200;
const writer = createJournal(
  path,
  { shardId: 9, tag: "crash", createdAtNs: 0n, firstSeq: 1 },
  {
    policy,
    // Small batches: many durability reports, and a kill is likely to land mid-batch.
    batchBytes: 64 * 1024,
    // A synchronous write to the pipe: the line is out before the next record is appended.
    onDurable: (seq) => void writeSync(1, `durable ${seq}\n`),
  },
);
const src = new RecordSource();
let full = false;

function pump(): void {
  for (let i = 0; i < burst; i++) {
    const seq = writer.nextSeq;
    src.encode(seq);
    const r = writer.append(seq, src.bytes, src.offset, src.length);
    if (r === AppendResult.Full) {
      full = true;
      break;
    }
    if (r !== AppendResult.Ok) throw new Error(`append ${seq}: ${r}`);
  }
  if (full) {
    // Resume after the batch in flight is synced.
    full = false;
    void writer.sync().then(pump);
    return;
  }
  setImmediate(pump);
}

writeSync(1, "started\n");
pump();
