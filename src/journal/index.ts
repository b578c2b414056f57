export * from "./constants.ts";
export { crc32 } from "./bytes.ts";
export { JournalError, JournalErrorCode, type JournalHeader, type JournalHeaderInit } from "./format.ts";
export { inputRecordSeqReader } from "./input-record.ts";
export {
  createJournal,
  openForAppend,
  openOrCreateJournal,
  type OnRecord,
  type OpenOptions,
  type Recovery,
} from "./open.ts";
export {
  type JournalEnd,
  JournalReader,
  type JournalReaderOptions,
  type JournalTail,
  type PayloadSeq,
  readJournal,
} from "./reader.ts";
export { AppendResult, JournalStats, JournalWriter, type JournalWriterOptions, SyncPolicy } from "./writer.ts";
