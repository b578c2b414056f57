// End-to-end test support: the real exchange (`bun src/server/main.ts`) as a
// child process on a free loopback port, its output read line by line, and a
// registry so a test file's afterAll can kill whatever is still running.

import type { Subprocess } from "bun";
import { join } from "node:path";
import { readJournal } from "../../src/journal/index.ts";
import { InputRecordDecoder, InputRecordView } from "../../src/protocol/index.ts";
import { Sequencer, type EventConsumer } from "../../src/sequencer/sequencer.ts";
import { freePort } from "./ports.ts";
import { type TempDir, tempDir as newTempDir } from "./temp-dir.ts";

export const repoRoot = join(import.meta.dir, "../..");
const tempRoot = join(repoRoot, ".run/e2e-tests");

/** Longest wait for the exchange to print that it listens (journal replay included). */
const startTimeoutMs = 20_000;
/** Start attempts when the chosen port was taken meanwhile. */
const startAttemptsMax = 5;

/** A fresh directory under .run/e2e-tests (kept beside the repository, as the exchange's data dirs are). */
export function tempDir(prefix: string): TempDir {
  return newTempDir(prefix, tempRoot);
}

/**
 * The text of one output line. The exchange writes JSON log lines when its
 * output is not a terminal ({"time","level","component","msg",…}); tests read
 * the message, with "warning: " before a warning's (as the exchange printed
 * them before its logs were structured). Other lines are kept as they are.
 */
export function lineText(line: string): string {
  if (!line.startsWith("{")) return line;
  try {
    const o = JSON.parse(line) as { level?: unknown; msg?: unknown };
    if (typeof o.msg !== "string") return line;
    return o.level === "warn" ? `warning: ${o.msg}` : o.msg;
  } catch {
    return line;
  }
}

/** Lines of one output stream, as they arrive: `lines` holds each line's text (lineText), `raw` the line itself. */
class LineReader {
  readonly lines: string[] = [];
  readonly raw: string[] = [];
  done: Promise<void>;
  private waiters: (() => void)[] = [];

  constructor(stream: ReadableStream<Uint8Array>, echo: ((line: string) => void) | null) {
    this.done = this.pump(stream, echo);
  }

  private async pump(stream: ReadableStream<Uint8Array>, echo: ((line: string) => void) | null): Promise<void> {
    const decoder = new TextDecoder();
    let tail = "";
    for await (const chunk of stream) {
      tail += decoder.decode(chunk, { stream: true });
      let nl = tail.indexOf("\n");
      while (nl >= 0) {
        const line = tail.slice(0, nl);
        tail = tail.slice(nl + 1);
        this.raw.push(line);
        this.lines.push(lineText(line));
        echo?.(line);
        nl = tail.indexOf("\n");
      }
      this.wake();
    }
    tail += decoder.decode();
    if (tail !== "") {
      this.raw.push(tail);
      this.lines.push(lineText(tail));
    }
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** Resolves at the next line (or end of stream), or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

export interface StartOptions {
  dataDir: string;
  /** EXCHANGE_JOURNAL_POLICY; the exchange's default when absent. */
  policy?: "fsync" | "write" | "none";
  /** Passed as `--config file`. */
  configPath?: string;
  /** Echo the child's lines to this process's console (debugging). */
  echo?: boolean;
  /**
   * RLIMIT_FSIZE for the child (bytes, rounded down to KiB): a write past it
   * fails with EFBIG, as on a full disk (SIGXFSZ ignored). For tests of a
   * failing input log.
   */
  fileSizeLimitBytes?: number;
  /** More environment for the child (e.g. EXCHANGE_SNAPSHOT_EVERY_COMMANDS). */
  env?: Record<string, string>;
  /**
   * Longest wait for "tcp gateway listening on" (default 20 s; Kafka mode creates topics and replays partitions first).
   */
  startTimeoutMs?: number;
}

const running = new Set<ExchangeProcess>();
// Should the test process end without its afterAll (a crash, process.exit), the children go with it.
process.on("exit", () => {
  for (const p of running) p.proc.kill("SIGKILL");
});

/** Kills (SIGKILL) every exchange still running; for afterAll/afterEach. */
export async function killAll(): Promise<void> {
  for (const p of [...running]) await p.kill();
}

export class ExchangeProcess {
  readonly port: number;
  readonly proc: Subprocess<"ignore", "pipe", "pipe">;
  readonly stdout: LineReader;
  readonly stderr: LineReader;
  readonly exited: Promise<number>;
  exitCode: number | null = null;
  signalCode: string | null = null;

  private constructor(port: number, options: StartOptions) {
    this.port = port;
    let args = [process.execPath, "src/server/main.ts"];
    if (options.configPath !== undefined) args.push("--config", options.configPath);
    if (options.fileSizeLimitBytes !== undefined) {
      // An ignored signal stays ignored across exec: the write fails instead of the process dying.
      const limitKiB = Math.floor(options.fileSizeLimitBytes / 1024);
      args = ["bash", "-c", `trap '' XFSZ; ulimit -f ${limitKiB}; exec "$@"`, "bash", ...args];
    }
    const env: Record<string, string> = {
      ...(process.env as Record<string, string>),
      EXCHANGE_TCP_PORT: String(port),
      EXCHANGE_DATA_DIR: options.dataDir,
    };
    // The market-data feed, the query API and the operations listener take free ports of their
    // own (their defaults are fixed).
    env.EXCHANGE_FEED_PORT = "0";
    env.EXCHANGE_HTTP_PORT = "0";
    env.EXCHANGE_METRICS_PORT = "0";
    // The query API and its market-data worker (a second engine replaying the journal) are off unless a test
    // asks for them (options.env): they would add CPU and RSS to tests that measure other things.
    env.EXCHANGE_HTTP_ENABLED = "false";
    delete env.EXCHANGE_CONFIG;
    Object.assign(env, options.env);
    if (options.policy !== undefined) env.EXCHANGE_JOURNAL_POLICY = options.policy;
    else delete env.EXCHANGE_JOURNAL_POLICY;
    this.proc = Bun.spawn(args, { cwd: repoRoot, env, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
    const echo = options.echo === true;
    this.stdout = new LineReader(this.proc.stdout, echo ? (l) => console.log(`[exchange ${port}] ${l}`) : null);
    this.stderr = new LineReader(this.proc.stderr, echo ? (l) => console.log(`[exchange ${port} err] ${l}`) : null);
    running.add(this);
    this.exited = this.proc.exited.then(async (code) => {
      this.exitCode = code;
      this.signalCode = this.proc.signalCode === null ? null : String(this.proc.signalCode);
      await Promise.all([this.stdout.done, this.stderr.done]);
      running.delete(this);
      return code;
    });
  }

  /** Starts the exchange without waiting for anything (tests of what happens before it listens). */
  static launch(options: StartOptions): ExchangeProcess {
    return new ExchangeProcess(freePort(), options);
  }

  /** Starts the exchange and waits for "tcp gateway listening on"; retries on another port if it could not bind. */
  static async start(options: StartOptions): Promise<ExchangeProcess> {
    let last = "";
    for (let attempt = 0; attempt < startAttemptsMax; attempt++) {
      const p = new ExchangeProcess(freePort(), options);
      const line = await p
        .waitForLine(/tcp gateway listening on /, options.startTimeoutMs ?? startTimeoutMs)
        .catch((e: Error) => e);
      if (typeof line === "string") return p;
      await p.kill();
      last = `${line.message}\nstdout:\n${p.stdout.lines.join("\n")}\nstderr:\n${p.stderr.lines.join("\n")}`;
      // Only a port taken between freePort() and the child's bind is worth another try.
      if (!/EADDRINUSE|address already in use|in use/i.test(last)) break;
    }
    throw new Error(`the exchange did not start: ${last}`);
  }

  get alive(): boolean {
    return this.exitCode === null;
  }

  /** The first stdout line matching `re` (already printed or still to come). */
  async waitForLine(re: RegExp, timeoutMs: number, stream: "stdout" | "stderr" = "stdout"): Promise<string> {
    const reader = stream === "stdout" ? this.stdout : this.stderr;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = reader.lines.find((l) => re.test(l));
      if (found !== undefined) return found;
      if (this.exitCode !== null) {
        await Promise.all([this.stdout.done, this.stderr.done]);
        const late = reader.lines.find((l) => re.test(l));
        if (late !== undefined) return late;
        throw new Error(`exchange exited (${this.exitCode}) before printing ${re}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no line ${re} within ${timeoutMs} ms`);
      await Promise.race([reader.changed(Math.min(left, 100)), this.exited]);
    }
  }

  /**
   * The start-up summary's fields (what listens where), from its JSON log
   * line: order_entry_tcp, market_data_feed, live_market_page, http_api,
   * metrics, admin.
   */
  summary(): Record<string, string> {
    for (const raw of this.stdout.raw) {
      if (!raw.startsWith("{")) continue;
      const o = JSON.parse(raw) as Record<string, string>;
      if (typeof o.msg === "string" && o.msg.endsWith("; listening:")) return o;
    }
    throw new Error(`no start-up summary in:\n${this.output()}`);
  }

  /** The operations listener, e.g. http://127.0.0.1:41234 (metrics, health, ready, admin). */
  opsUrl(): string {
    const m =
      /^(http:\/\/[^/\s]+)\//.exec(this.summary().admin ?? "") ??
      /^(http:\/\/[^/\s]+)\//.exec(this.summary().metrics ?? "");
    if (m === null) throw new Error(`no operations listener in the summary: ${JSON.stringify(this.summary())}`);
    return m[1]!;
  }

  /** Sends SIGTERM and waits for the exit code. */
  async stop(timeoutMs = 10_000): Promise<number> {
    this.proc.kill("SIGTERM");
    const code = await Promise.race([this.exited, Bun.sleep(timeoutMs).then(() => null)]);
    if (code === null) {
      await this.kill();
      throw new Error(`the exchange did not exit within ${timeoutMs} ms of SIGTERM`);
    }
    return code;
  }

  /** SIGKILL, then waits until it is gone. */
  async kill(): Promise<void> {
    if (this.exitCode === null) this.proc.kill("SIGKILL");
    await this.exited;
  }

  /** All output so far, for failure messages. */
  output(): string {
    return `stdout:\n${this.stdout.lines.join("\n")}\nstderr:\n${this.stderr.lines.join("\n")}`;
  }
}

/** `engine: ... state hash H` (start-up) or `stopped at seq N, state hash H` (graceful stop). */
export function hashOf(line: string): string {
  const m = /state hash ([0-9a-f]+)/.exec(line);
  if (m === null) throw new Error(`no state hash in: ${line}`);
  return m[1]!;
}

/**
 * Replays every good record of a journal file through a fresh Sequencer (the
 * server's default engine configuration), as recovery does; `sink` sees the
 * events. Returns the record count, the state hash and whether a torn tail was found.
 */
export function replayJournalFile(
  path: string,
  sink: EventConsumer | null = null,
): { records: number; lastSeq: number; hash: string; tail: boolean; exchange: Sequencer } {
  const exchange = new Sequencer({}, null);
  if (sink !== null) exchange.addConsumer(sink);
  const decoder = new InputRecordDecoder();
  const view = new InputRecordView();
  let records = 0;
  const end = readJournal(path, (seq, bytes, offset, length) => {
    const code = decoder.decode(bytes, offset, offset + length, view);
    if (code !== 0) throw new Error(`journal ${path}: record ${seq} does not decode (protocol error ${code})`);
    exchange.apply(view);
    records++;
  });
  return { records, lastSeq: end.lastSeq, hash: exchange.engine.stateHash(), tail: end.tail !== null, exchange };
}
