// The journal's cost per sync policy (src/journal): records/s and batch
// latency for small records at several batch sizes, and the steady state of
// group commit under fsync with a producer that never waits.
//
//   ./bunw bench/journal.bench.ts [--quick] [--json <file>] [--dir <dir>] [--record-bytes <n>]
//
// Per case, one mitata sample = append `k` records, flush, and (fsync) wait
// until they are durable: its time is the batch latency. The file is rotated
// between samples (untimed) so the page cache holds at most ~64 MiB of it.

import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { measure } from "mitata";
import { createJournal } from "../src/journal/open.ts";
import { AppendResult, type JournalWriter, type SyncPolicy } from "../src/journal/writer.ts";

const HELP = `bun bench/journal.bench.ts [flags]
  --quick              fewer batch sizes, shorter budgets (~15 s)
  --json <file>        also write the results as JSON
  --dir <dir>          where the journal files go (default .run/journal-bench): the disk under test
  --record-bytes <n>   payload bytes per record (default 100)
  --help`;

interface Options {
  quick: boolean;
  json: string | null;
  dir: string;
  recordBytes: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    quick: false,
    json: null,
    dir: join(import.meta.dir, "../.run/journal-bench"),
    recordBytes: 100,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--quick") o.quick = true;
    else if (a === "--json") o.json = value();
    else if (a === "--dir") o.dir = value();
    else if (a === "--record-bytes") o.recordBytes = Number(value());
    else if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    } else throw new Error(`unknown flag ${a}\n${HELP}`);
  }
  if (!(Number.isInteger(o.recordBytes) && o.recordBytes >= 1 && o.recordBytes <= 4092))
    throw new Error(`--record-bytes ${o.recordBytes} outside [1, 4092]`);
  return o;
}

const fileBytesRotate = 64 << 20;
let fileIndex = 0;

/**
 * A writer that is replaced (untimed) once its file passes fileBytesRotate; keeps the
 * totals of the writers it replaced.
 */
class RotatingJournal {
  writer: JournalWriter;
  seq = 1;
  batches = 0;
  writeNsTotal = 0;
  syncNsTotal = 0;
  syncNsMax = 0;
  private path = "";

  constructor(
    private readonly dir: string,
    private readonly policy: SyncPolicy,
    private readonly batchRecords: number,
    private readonly recordBytes: number,
  ) {
    this.writer = this.open();
  }

  private open(): JournalWriter {
    this.path = join(this.dir, `bench-${process.pid}-${fileIndex++}`);
    const batchBytes = Math.max(1 << 20, 2 * this.batchRecords * (this.recordBytes + 8));
    this.seq = 1;
    return createJournal(
      this.path,
      { shardId: 0, tag: "bench", createdAtNs: 0n, firstSeq: 1 },
      {
        policy: this.policy,
        autoFlush: false,
        batchBytes,
        batchRecordsMax: this.batchRecords,
      },
    );
  }

  async rotateIfLarge(): Promise<JournalWriter> {
    if (this.writer.stats.bytes >= fileBytesRotate) await this.rotate();
    return this.writer;
  }

  async rotate(): Promise<void> {
    await this.finish();
    this.writer = this.open();
  }

  /** Closes and removes the current file, adding its counters to the totals. */
  async finish(): Promise<void> {
    await this.writer.close();
    const s = this.writer.stats;
    this.batches += s.batches;
    this.writeNsTotal += s.writeNsTotal;
    this.syncNsTotal += s.syncNsTotal;
    this.syncNsMax = Math.max(this.syncNsMax, s.syncNsMax);
    rmSync(this.path, { force: true });
  }
}

interface CaseResult {
  policy: SyncPolicy;
  recordsPerBatch: number;
  recordsPerSec: number;
  /** One batch: append k records, flush, wait for durability. */
  batchNs: { avg: number; p50: number; p99: number; max: number };
  /** Of the batches the writer wrote: write() time and (fsync) fdatasync time, averages and the worst sync. */
  writeNsAvg: number;
  syncNsAvg: number;
  syncNsMax: number;
  samples: number;
}

async function benchCase(o: Options, policy: SyncPolicy, k: number): Promise<CaseResult> {
  const j = new RotatingJournal(o.dir, policy, k, o.recordBytes);
  const payload = new Uint8Array(o.recordBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 131) & 0xff;
  const appendBatch = (w: JournalWriter): void => {
    for (let i = 0; i < k; i++) {
      if (w.append(j.seq++, payload, 0, payload.length) !== AppendResult.Ok)
        throw new Error(`append failed at ${j.seq - 1}`);
    }
  };
  const minCpuTimeNs = (o.quick ? 0.25e9 : 1e9) * (policy === "fsync" ? 1 : 0.5);
  const stats = await measure(
    function* () {
      yield {
        [0]: () => j.rotateIfLarge(),
        bench:
          policy === "fsync"
            ? async (w: JournalWriter) => {
                appendBatch(w);
                await w.sync();
              }
            : (w: JournalWriter) => {
                appendBatch(w);
                w.flush();
              },
      };
    },
    // A sample is one batch: no batching of iterations (a batch may be microseconds under "none").
    {
      min_cpu_time: minCpuTimeNs,
      min_samples: 12,
      max_samples: o.quick ? 20_000 : 100_000,
      warmup_threshold: 0,
      batch_threshold: 0,
      gc: false,
    },
  );
  await j.finish();
  return {
    policy,
    recordsPerBatch: k,
    recordsPerSec: (k * 1e9) / stats.avg,
    batchNs: { avg: stats.avg, p50: stats.p50, p99: stats.p99, max: stats.max },
    writeNsAvg: j.batches === 0 ? 0 : j.writeNsTotal / j.batches,
    syncNsAvg: j.batches === 0 ? 0 : j.syncNsTotal / j.batches,
    syncNsMax: j.syncNsMax,
    samples: stats.samples.length,
  };
}

interface PipelineResult {
  /** Offered load in records/s; null = as fast as the writer takes them. */
  offeredPerSec: number | null;
  seconds: number;
  records: number;
  recordsPerSec: number;
  batches: number;
  recordsPerBatchAvg: number;
  syncNsAvg: number;
  syncNsMax: number;
  writeNsMax: number;
  syncNsP99Bucket: number;
  /** From append to the onDurable that covered the record. */
  ackNs: { p50: number; p99: number; max: number };
  fullCount: number;
}

/** Most records a producer appends in one event-loop turn. */
const turnRecordsMax = 100;

/**
 * Group commit as the gateway would drive it under fsync: each event-loop turn
 * appends the records due by the offered rate (at most turnRecordsMax,
 * stopping at Full), never waiting; durability comes back through onDurable
 * while the next batch fills.
 */
async function benchPipeline(o: Options, offeredPerSec: number | null): Promise<PipelineResult> {
  const recordsMax = 1 << 22;
  const appendedNs = new Float64Array(recordsMax + 1);
  const ackNs = new Float64Array(recordsMax + 1);
  const path = join(o.dir, `pipeline-${process.pid}`);
  rmSync(path, { force: true });
  let acked = 0;
  const w = createJournal(
    path,
    { shardId: 0, tag: "bench", createdAtNs: 0n, firstSeq: 1 },
    {
      policy: "fsync",
      onDurable: (seq) => {
        const now = Bun.nanoseconds();
        for (let s = acked + 1; s <= seq; s++) ackNs[s] = now - appendedNs[s]!;
        acked = seq;
      },
    },
  );
  const payload = new Uint8Array(o.recordBytes).fill(7);
  const durationNs = (o.quick ? 0.5 : 2) * 1e9;
  const started = Bun.nanoseconds();
  await new Promise<void>((done) => {
    const pump = (): void => {
      const elapsedNs = Bun.nanoseconds() - started;
      if (elapsedNs > durationNs || w.nextSeq + turnRecordsMax > recordsMax) return done();
      const due =
        offeredPerSec === null
          ? turnRecordsMax
          : Math.min(turnRecordsMax, Math.floor((elapsedNs * offeredPerSec) / 1e9) - (w.nextSeq - 1));
      for (let i = 0; i < due; i++) {
        const seq = w.nextSeq;
        appendedNs[seq] = Bun.nanoseconds();
        if (w.append(seq, payload, 0, payload.length) !== AppendResult.Ok) break;
      }
      setImmediate(pump);
    };
    pump();
  });
  await w.sync();
  const seconds = (Bun.nanoseconds() - started) / 1e9;
  await w.close();
  rmSync(path, { force: true });
  const records = w.nextSeq - 1;
  const lat = ackNs
    .subarray(1, records + 1)
    .slice()
    .sort();
  const s = w.stats;
  return {
    offeredPerSec,
    seconds,
    records,
    recordsPerSec: records / seconds,
    batches: s.batches,
    recordsPerBatchAvg: records / s.batches,
    syncNsAvg: s.syncNsTotal / s.batches,
    syncNsMax: s.syncNsMax,
    writeNsMax: s.writeNsMax,
    syncNsP99Bucket: s.syncNsQuantile(0.99),
    ackNs: {
      p50: lat[Math.floor(0.5 * (records - 1))]!,
      p99: lat[Math.floor(0.99 * (records - 1))]!,
      max: lat[records - 1]!,
    },
    fullCount: s.fullCount,
  };
}

function us(ns: number): string {
  return (ns / 1e3).toFixed(ns < 10_000 ? 2 : 0);
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(o.dir, { recursive: true });
  const sizes = o.quick ? [1, 100, 10_000] : [1, 10, 100, 1000, 10_000];
  const cases: CaseResult[] = [];
  console.log(
    `journal bench: ${o.recordBytes}-byte records, files in ${o.dir}, ${os.cpus()[0]?.model ?? "?"} ` +
      `x${os.cpus().length}, bun ${Bun.version}`,
  );
  console.log(
    "policy  rec/batch      records/s   batch avg µs   p50 µs   p99 µs   max µs   write avg µs   " +
      "sync avg µs   sync max µs",
  );
  for (const policy of ["fsync", "write", "none"] as SyncPolicy[]) {
    for (const k of sizes) {
      const r = await benchCase(o, policy, k);
      cases.push(r);
      console.log(
        `${policy.padEnd(6)}  ${String(k).padStart(9)}  ` +
          `${Math.round(r.recordsPerSec).toLocaleString("en-US").padStart(13)}  ` +
          `${us(r.batchNs.avg).padStart(13)}  ${us(r.batchNs.p50).padStart(7)}  ` +
          `${us(r.batchNs.p99).padStart(7)}  ${us(r.batchNs.max).padStart(7)}  ` +
          `${us(r.writeNsAvg).padStart(13)}  ${us(r.syncNsAvg).padStart(12)}  ${us(r.syncNsMax).padStart(12)}`,
      );
    }
  }
  console.log(
    `\nfsync group commit at an offered load (records due appended each event-loop turn, ` +
      `at most ${turnRecordsMax}; "max" = as fast as accepted):`,
  );
  console.log(
    "offered/s      records/s   rec/batch   sync avg µs   sync max µs   write max µs   ack p50 µs   " +
      "ack p99 µs   ack max µs     full",
  );
  const pipelines: PipelineResult[] = [];
  for (const rate of o.quick ? [100_000, null] : [1_000, 10_000, 100_000, 1_000_000, null]) {
    const p = await benchPipeline(o, rate);
    pipelines.push(p);
    console.log(
      `${(rate === null ? "max" : rate.toLocaleString("en-US")).padStart(9)}  ` +
        `${Math.round(p.recordsPerSec).toLocaleString("en-US").padStart(13)}  ` +
        `${p.recordsPerBatchAvg.toFixed(0).padStart(10)}  ` +
        `${us(p.syncNsAvg).padStart(12)}  ${us(p.syncNsMax).padStart(12)}  ${us(p.writeNsMax).padStart(13)}  ` +
        `${us(p.ackNs.p50).padStart(11)}  ${us(p.ackNs.p99).padStart(11)}  ${us(p.ackNs.max).padStart(11)}  ` +
        `${String(p.fullCount).padStart(7)}`,
    );
  }
  if (o.json !== null) {
    const machine = {
      cpu: os.cpus()[0]?.model ?? null,
      cpus: os.cpus().length,
      os: `${os.type()} ${os.release()}`,
      bun: Bun.version,
    };
    writeFileSync(
      o.json,
      `${JSON.stringify({ date: new Date().toISOString(), machine, options: o, cases, pipelines }, null, 2)}\n`,
    );
    console.log(`\nwrote ${o.json}`);
  }
}

await main();
