// `bun run engine`: the exchange. Reads the configuration (src/config: a JSON
// or TOML file by --config or EXCHANGE_CONFIG, EXCHANGE_ variables, the keys
// files), recovers, serves, and on SIGINT/SIGTERM stops gracefully (a second
// signal exits at once). Exit codes: 0 after a graceful stop, 1 the exchange
// failed, 2 the configuration has problems (each one named), 70 a broken
// invariant, 74 the input log failed, 128+N a second signal N.

import { configExitCode, formatProblems, loadConfig } from "../config/index.ts";
import { Logger } from "../log/index.ts";
import { ExchangeServer } from "./exchange-server.ts";
import type { KafkaModeServer } from "./kafka-mode.ts";

const signalNumbers: Record<string, number> = { SIGINT: 2, SIGTERM: 15 };

async function main(): Promise<number> {
  const result = loadConfig(process.argv.slice(2), process.env);
  if (!result.ok) {
    console.error(formatProblems(result.problems));
    return configExitCode;
  }
  const c = result.loaded.config;
  const log = Logger.create({ level: c.log.level, format: c.log.format }).child("server");
  let server: ExchangeServer | KafkaModeServer | null = null;
  let stopRequested: string | null = null;
  let finished: (code: number) => void = () => {};
  const done = new Promise<number>((resolve) => {
    finished = resolve;
  });
  const stop = (signal: string) => {
    server!.stop(signal).then(
      () => finished(0),
      (error: Error) => {
        log.error(`graceful stop failed: ${error.message}`, { error });
        finished(1);
      },
    );
  };
  // Handlers go in before the gateway announces itself: a supervisor may signal the moment it reads that line.
  const onSignal = (signal: string) => {
    if (stopRequested !== null) {
      log.warn(`second ${signal}: exiting at once (whatever was acknowledged is in the input log)`, { signal });
      process.exit(128 + (signalNumbers[signal] ?? 1));
    }
    stopRequested = signal;
    if (server === null)
      log.info(`${signal}: stopping once recovery has finished (a second signal exits at once)`, { signal });
    else stop(signal);
  };
  process.on("SIGINT", () => onSignal("SIGINT"));
  process.on("SIGTERM", () => onSignal("SIGTERM"));
  try {
    // Full mode runs on Kafka (kafka-mode.ts, loaded only then: the journal's modes never load librdkafka) unless
    // kafka.enabled = false.
    server =
      c.mode === "full" && c.kafka.enabled
        ? await (await import("./kafka-mode.ts")).KafkaModeServer.start(result.loaded, log)
        : await ExchangeServer.start(result.loaded, log);
  } catch (error) {
    log.error(`exchange: ${(error as Error).message}`, { error: error as Error });
    return 1;
  }
  if (stopRequested !== null) stop(stopRequested);
  return await done;
}

process.exit(await main());
