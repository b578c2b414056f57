export type { FieldValue, Fields } from "./format.ts";
export { Level, type LevelName, levelNames } from "./levels.ts";
export { type LogFormat, Logger, type LoggerOptions, type Message } from "./logger.ts";
