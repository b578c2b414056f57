// The exchange under test as a child process: `bun src/server/main.ts` with a
// fresh data directory, a config file for the limits and the bench symbol,
// the journal policy from the environment and port 0 (the kernel picks a free
// one, so two runs never race for a port). Its CPU time is read from
// /proc/<pid>/stat, which sums every thread of the process (the JSC heap
// helpers and the journal's fsync thread included).

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { GcLog } from "./gc-log.ts";

export type JournalPolicy = "write" | "fsync" | "none";

/** The bench's only symbol: tick and lot 1, a band wide enough for any walk of the mid. */
export const benchSymbol = {
  name: "BENCH-USD",
  tickSize: 1,
  lotSize: 1,
  minPrice: 1,
  maxPrice: 1_000_000_000,
  maxQty: 1_000_000,
} as const;

/** How long the child may take to say it listens (journal replay of an empty file, JIT warm-up of nothing). */
const startTimeoutMs = 20_000;
/** After SIGTERM the gateway logs sessions out and the journal syncs; then SIGKILL. */
const stopTimeoutMs = 10_000;
/** Lines of the child's output kept for the error message of a failed run. */
const outputLinesMax = 50;

export interface ExchangeOptions {
  policy: JournalPolicy;
  /** Extra `bun` flags before the script (e.g. --cpu-prof). */
  bunFlags: string[];
  /** CPUs the exchange (every thread) may run on, as taskset takes them ("1", "1-3"); "" = any. */
  cpus: string;
  /** journal.batchBytesMax for the exchange, or 0 for its default. */
  journalBatchBytes: number;
  /** Keep the exchange's own session limits (benchmarks of its protections) instead of raising them. */
  defaultLimits?: boolean;
  /** EXCHANGE_FEED for the exchange ("off": no market-data feed worker); "" = the exchange's default (on). */
  feed?: "" | "on" | "off";
  /** Run with BUN_JSC_logGC=1 and collect the collector's pauses (`gc`). */
  gcLog?: boolean;
  /** More keys for the configuration file (Kafka mode: `mode`, `kafka`, `engine`). */
  config?: Record<string, unknown>;
  /** Longest wait for the listening line (default 20 s; Kafka mode creates topics first). */
  startTimeoutMs?: number;
}

export interface CpuSample {
  /** CPU seconds (user + system) the process has used since it started. */
  userSeconds: number;
  systemSeconds: number;
}

let clockTicksPerSecond = 0;

/** USER_HZ for /proc/<pid>/stat; 100 on every Linux in practice, asked once. */
function ticksPerSecond(): number {
  if (clockTicksPerSecond > 0) return clockTicksPerSecond;
  const p = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "ignore" });
  const n = Number(p.stdout.toString().trim());
  clockTicksPerSecond = p.exitCode === 0 && Number.isInteger(n) && n > 0 ? n : 100;
  return clockTicksPerSecond;
}

/**
 * utime and stime of a process from /proc (fields 14 and 15; the command name in field 2 may hold
 * spaces, so count from its ")").
 */
export function processCpu(pid: number): CpuSample {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  // fields[0] is field 3 (state): utime is field 14, stime field 15.
  const hz = ticksPerSecond();
  return { userSeconds: Number(fields[11]) / hz, systemSeconds: Number(fields[12]) / hz };
}

/** Pins every thread of this process to `cpus` (taskset syntax); throws when taskset is missing or refuses. */
export function pinSelf(cpus: string): void {
  const p = Bun.spawnSync(["taskset", "-a", "-p", "-c", cpus, String(process.pid)], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if (p.exitCode !== 0)
    throw new Error(`taskset -a -p -c ${cpus} ${process.pid} failed: ${p.stderr.toString().trim()}`);
}

/** This process's CPU time (all threads). */
export function selfCpu(): CpuSample {
  const u = process.cpuUsage();
  return { userSeconds: u.user / 1e6, systemSeconds: u.system / 1e6 };
}

export class ExchangeProcess {
  readonly dataDir: string;
  readonly policy: JournalPolicy;
  port = 0;
  private child: Subprocess<"ignore", "pipe", "pipe"> | null = null;
  private readonly output: string[] = [];
  private exited: Promise<number> | null = null;
  /** The collector's pauses, when started with `gcLog`. */
  gc: GcLog | null = null;

  private constructor(policy: JournalPolicy) {
    this.policy = policy;
    this.dataDir = mkdtempSync(join(tmpdir(), `gateway-bench-${policy}-`));
  }

  /** Starts the exchange and resolves once it prints its listening line. */
  static async start(root: string, o: ExchangeOptions): Promise<ExchangeProcess> {
    const x = new ExchangeProcess(o.policy);
    try {
      await x.spawn(root, o);
    } catch (e) {
      await x.stop();
      throw e;
    }
    return x;
  }

  get pid(): number {
    if (this.child === null) throw new Error("exchange not running");
    return this.child.pid;
  }

  cpu(): CpuSample {
    return processCpu(this.pid);
  }

  /** The child's last lines of output (for error messages). */
  recentOutput(): string {
    return this.output.join("\n");
  }

  private async spawn(root: string, o: ExchangeOptions): Promise<void> {
    const configPath = join(this.dataDir, "bench-config.json");
    // Limits raised so the figures measure the gateway, not its protections: every
    // command of a blast may be in flight at once, and the message rate is unbounded.
    const raised = {
      inFlightMax: 1 << 24,
      messagesPerSecondMax: 1 << 30,
      openOrdersPerUserMax: 100_000,
      outboundPauseBytes: 4 << 20,
      outboundBytesMax: 256 << 20,
      idleTimeoutMs: 60_000,
    };
    const config = {
      tcp: { host: "127.0.0.1" },
      // The protections' own defaults, but no idle timeout in a run: bench clients send no heartbeats.
      limits: o.defaultLimits === true ? { idleTimeoutMs: 60_000 } : raised,
      symbols: [benchSymbol],
      ...(o.journalBatchBytes > 0 ? { journal: { batchBytesMax: o.journalBatchBytes } } : {}),
      ...o.config,
    };
    writeFileSync(configPath, JSON.stringify(config, null, 2));
    const command = [process.execPath, ...o.bunFlags, join(root, "src/server/main.ts"), "--config", configPath];
    const env: Record<string, string | undefined> = {
      ...process.env,
      EXCHANGE_TCP_PORT: "0",
      EXCHANGE_FEED_PORT: "0",
      EXCHANGE_METRICS_PORT: "0",
      EXCHANGE_HTTP_PORT: "0",
      // The gateway's figures without the query API and its market-data worker
      // (bench/marketdata.bench.ts measures those).
      EXCHANGE_HTTP_ENABLED: "false",
      EXCHANGE_DATA_DIR: join(this.dataDir, "data"),
      EXCHANGE_JOURNAL_POLICY: o.policy,
    };
    if (o.feed === "on" || o.feed === "off") env.EXCHANGE_FEED = o.feed;
    if (o.gcLog === true) {
      env.BUN_JSC_logGC = "1";
      this.gc = new GcLog();
    }
    // taskset execs the exchange: the pid is the exchange's own.
    const child = Bun.spawn(o.cpus === "" ? command : ["taskset", "-c", o.cpus, ...command], {
      cwd: root,
      env,
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.child = child;
    this.exited = child.exited;
    const listening = new Promise<number>((resolve, reject) => {
      const onLine = (line: string): void => {
        // The exchange writes JSON log lines into a pipe: the message is in "msg".
        const m =
          /"msg":"tcp gateway listening on [^\s"]+:(\d+)"/.exec(line) ??
          /tcp gateway listening on [^\s"]+:(\d+)/.exec(line);
        if (m !== null) resolve(Number(m[1]));
      };
      void this.pump(child.stdout, onLine);
      void this.pump(child.stderr, (line) => console.error(`  exchange: ${line}`), this.gc);
      void child.exited.then((code) =>
        reject(new Error(`the exchange exited with code ${code} before listening:\n${this.recentOutput()}`)),
      );
      const waitMs = o.startTimeoutMs ?? startTimeoutMs;
      setTimeout(
        () => reject(new Error(`the exchange did not listen within ${waitMs} ms:\n${this.recentOutput()}`)),
        waitMs,
      ).unref();
    });
    this.port = await listening;
  }

  /** Reads a stream of the child to its end, line by line, so the child never blocks on a full pipe. */
  private async pump(
    stream: ReadableStream<Uint8Array>,
    onLine: (line: string) => void,
    gc: GcLog | null = null,
  ): Promise<void> {
    const decoder = new TextDecoder();
    let pending = "";
    for await (const chunk of stream) {
      pending += decoder.decode(chunk, { stream: true });
      let nl = pending.indexOf("\n");
      while (nl >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (gc !== null && GcLog.isGcLine(line)) {
          gc.onLine(line, performance.now());
          nl = pending.indexOf("\n");
          continue;
        }
        this.output.push(line);
        if (this.output.length > outputLinesMax) this.output.shift();
        onLine(line);
        nl = pending.indexOf("\n");
      }
    }
  }

  /**
   * SIGTERM (the exchange logs sessions out and syncs its journal), SIGKILL after a grace period; removes the data
   * directory. Returns the exit code.
   */
  async stop(): Promise<number | null> {
    const child = this.child;
    let code: number | null = null;
    if (child !== null && this.exited !== null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), stopTimeoutMs);
      code = await this.exited;
      clearTimeout(timer);
      this.child = null;
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    return code;
  }

  /** Synchronous last resort (process exit): kills the child without waiting. */
  killNow(): void {
    this.child?.kill("SIGKILL");
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
