// The exchange-core peer as seen from Bun: builds the Java driver in
// bench/peer/exchange-core with Maven (output under .run/, rebuilt only when
// its sources change) and runs it as one long-lived JVM that answers one JSON
// line per command, so its rounds can be interleaved with ours and its JIT
// stays warm across them.

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Digest } from "./digest.ts";

const root = join(import.meta.dir, "..", "..");
const PROJECT_DIR = join(root, "bench", "peer", "exchange-core");
const BUILD_DIR = join(root, ".run", "peer", "exchange-core");
const CLASSPATH_FILE = join(BUILD_DIR, "classpath.txt");
const MAIN_CLASS = "bench.peer.ExchangeCorePeer";
const BUILD_TIMEOUT_MS = 15 * 60_000;
/** A command (a round, a digest pass, loading a tape) that takes longer than this means the JVM is stuck. */
const COMMAND_TIMEOUT_MS = 10 * 60_000;

/**
 * JVM options for the peer: a fixed 1 GiB heap (a tape and its latency array
 * need ~150 MiB) and the parallel collector, which gave this peer its best
 * throughput here. Override with PEER_JAVA_OPTS. exchange-core's order book
 * alone loads only Chronicle interfaces, so Java 17 needs no --add-opens.
 */
export const PEER_JAVA_OPTS_DEFAULT = ["-Xms1g", "-Xmx1g", "-XX:+UseParallelGC"];

/** Why the peer cannot run here, or null when java and mvn are both on the PATH. */
export function peerUnavailableReason(): string | null {
  if (Bun.which("java") === null) return "java not found on PATH";
  if (Bun.which("mvn") === null) return "mvn not found on PATH";
  return null;
}

function newestMtimeMs(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Compiles the driver and resolves exchange-core from Maven Central (once; skipped while up to
 * date). Returns the JVM classpath.
 */
export function buildPeer(log: (line: string) => void = () => {}): string {
  const sourcesMtime = Math.max(
    statSync(join(PROJECT_DIR, "pom.xml")).mtimeMs,
    newestMtimeMs(join(PROJECT_DIR, "src")),
  );
  const fresh =
    existsSync(CLASSPATH_FILE) &&
    statSync(CLASSPATH_FILE).mtimeMs > sourcesMtime &&
    existsSync(join(BUILD_DIR, "classes"));
  if (!fresh) {
    mkdirSync(BUILD_DIR, { recursive: true });
    log(`building the exchange-core peer with Maven into ${BUILD_DIR}`);
    const p = Bun.spawnSync(
      [
        "mvn",
        "-q",
        "-B",
        "-f",
        join(PROJECT_DIR, "pom.xml"),
        `-Dpeer.buildDir=${BUILD_DIR}`,
        "compile",
        "dependency:build-classpath",
        `-Dmdep.outputFile=${CLASSPATH_FILE}`,
      ],
      { stdout: "pipe", stderr: "pipe", stdin: "ignore", timeout: BUILD_TIMEOUT_MS },
    );
    if (p.exitCode !== 0) {
      throw new Error(`mvn failed (exit ${p.exitCode}):\n${p.stdout.toString()}\n${p.stderr.toString()}`);
    }
  }
  return `${join(BUILD_DIR, "classes")}:${readFileSync(CLASSPATH_FILE, "utf8").trim()}`;
}

export interface PeerRound {
  ns: number;
  messages: number;
  msgsPerSec: number;
  /** The round's thread CPU time (ThreadMXBean), and msgs/s over it. */
  cpuNs: number;
  cpuMsgsPerSec: number;
  failures: number;
  gcCount: number;
  gcMs: number;
}

export interface PeerCheck {
  digest: Digest;
  /** Calls that did not return SUCCESS (a cancel of an unknown order, ...): 0 on a well-formed tape. */
  failures: number;
}

export interface PeerLatency {
  count: number;
  timerOverheadNs: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  failures: number;
}

/** Splits a byte stream into lines. */
class LineReader {
  private buffered = "";
  private readonly decoder = new TextDecoder();
  private readonly reader: { read(): Promise<{ value?: Uint8Array; done: boolean }> };

  constructor(stream: ReadableStream<Uint8Array>) {
    this.reader = stream.getReader();
  }

  /** The next line, or null at the end of the stream. */
  async next(): Promise<string | null> {
    for (;;) {
      const nl = this.buffered.indexOf("\n");
      if (nl >= 0) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.reader.read();
      if (done || value === undefined) {
        const rest = this.buffered;
        this.buffered = "";
        return rest.length > 0 ? rest : null;
      }
      this.buffered += this.decoder.decode(value, { stream: true });
    }
  }
}

export class ExchangeCorePeerProcess {
  /** What the JVM reported at start: peer name, Java version, JVM arguments. */
  about: Record<string, unknown> = {};
  private readonly proc: Bun.Subprocess<"pipe", "pipe", "pipe">;
  private readonly lines: LineReader;
  private stderrText = "";

  private constructor(classpath: string, javaOpts: string[]) {
    this.proc = Bun.spawn(["java", ...javaOpts, "-cp", classpath, MAIN_CLASS, "--serve"], {
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    this.lines = new LineReader(this.proc.stdout);
    void this.collectStderr();
  }

  static async start(classpath: string, javaOpts: string[] = javaOptsFromEnv()): Promise<ExchangeCorePeerProcess> {
    const p = new ExchangeCorePeerProcess(classpath, javaOpts);
    const hello = await p.reply();
    if (hello.ready !== true) throw new Error(`peer did not start: ${JSON.stringify(hello)}`);
    p.about = hello;
    return p;
  }

  private async collectStderr(): Promise<void> {
    const text = await new Response(this.proc.stderr).text();
    this.stderrText = text.slice(-4000);
  }

  private async reply(): Promise<Record<string, unknown>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`peer gave no answer within ${COMMAND_TIMEOUT_MS / 1000} s`)),
        COMMAND_TIMEOUT_MS,
      );
    });
    try {
      const line = await Promise.race([this.lines.next(), timeout]);
      if (line === null) {
        await this.proc.exited;
        throw new Error(`peer exited (code ${this.proc.exitCode}): ${this.stderrText}`);
      }
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.error === "string") throw new Error(`peer: ${msg.error}`);
      return msg;
    } finally {
      clearTimeout(timer);
    }
  }

  private async command(line: string): Promise<Record<string, unknown>> {
    this.proc.stdin.write(`${line}\n`);
    this.proc.stdin.flush();
    return this.reply();
  }

  async load(tapePath: string): Promise<number> {
    if (tapePath.includes("\n")) throw new Error("tape path with a newline");
    return (await this.command(`load ${tapePath}`)).messages as number;
  }

  /** A full untimed pass on a fresh book that folds every event into the consensus digest. */
  async check(): Promise<PeerCheck> {
    return (await this.command("digest")) as unknown as PeerCheck;
  }

  /** A timed full pass on a fresh book. */
  async round(): Promise<PeerRound> {
    return (await this.command("round")) as unknown as PeerRound;
  }

  async latency(): Promise<PeerLatency> {
    return (await this.command("latency")) as unknown as PeerLatency;
  }

  async close(): Promise<void> {
    try {
      this.proc.stdin.write("quit\n");
      this.proc.stdin.end();
    } catch {
      // Already gone: nothing to close.
    }
    const exited = await Promise.race([this.proc.exited, Bun.sleep(10_000).then(() => null)]);
    if (exited === null) this.proc.kill();
  }
}

function javaOptsFromEnv(): string[] {
  const env = process.env.PEER_JAVA_OPTS;
  return env === undefined ? PEER_JAVA_OPTS_DEFAULT : env.split(/\s+/).filter((s) => s.length > 0);
}
