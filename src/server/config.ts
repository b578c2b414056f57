// The configuration of `bun run engine` is src/config: one schema read from a
// JSON or TOML file (--config FILE or EXCHANGE_CONFIG) with EXCHANGE_
// environment overrides, the API keys file and the admin keys file, every
// problem named with its key (docs/configuration.md). This file keeps the
// server's import path.

export {
  type AdminKeyEntry,
  type ApiKeyEntry,
  type ConfigResult,
  configExitCode,
  type ExchangeConfig,
  type ExchangeConfigInput,
  formatEffectiveConfig,
  formatProblems,
  type LoadedConfig,
  loadConfig,
  redactedConfig,
  resolveConfig,
  resolveConfigOrThrow,
} from "../config/index.ts";
