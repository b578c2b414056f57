export * from "./client.ts";
export * from "./types.ts";
export { Outbox } from "./outbox.ts";
export { copyReport, type ReportData } from "./report-queue.ts";
