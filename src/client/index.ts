export * from "./client.ts";
export * from "./types.ts";
export { Outbox } from "./outbox.ts";
export { copyReport, type ReportData } from "./report-queue.ts";
export { type ClientClock, type ClientTimer, systemClock } from "./clock.ts";
export { ManualClock } from "./manual-clock.ts";
