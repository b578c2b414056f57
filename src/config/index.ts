export {
  type AdminKeyEntry,
  type AdminRole,
  adminRoles,
  devAdminKey,
  devAdminKeys,
  loadAdminKeysFile,
} from "./admin-keys.ts";
export { type ApiKeyEntry, apiKeysProblems, devApiKeys, loadApiKeysFile, sha256Hex } from "./api-keys.ts";
export { formatEffectiveConfig, redactedConfig } from "./effective.ts";
export { envBindings, envNameOf } from "./env.ts";
export { type ExchangeConfigFile, exchangeSchema } from "./exchange-schema.ts";
export {
  type ConfigResult,
  type ExchangeConfig,
  type ExchangeConfigInput,
  type LoadedConfig,
  configPathOf,
  loadConfig,
  resolveConfig,
  resolveConfigOrThrow,
} from "./load.ts";
export { configExitCode } from "./main.ts";
export { type ConfigProblem, formatProblem, formatProblems } from "./problems.ts";
export { configurationReference } from "./reference.ts";
