// Limits and layout of the journal file, with their units and reasons.
// Checked against each other at load time (bottom of this file).

import { framePrefixBytes, inputRecordBytesMax } from "../protocol/constants.ts";

/** First 8 bytes of every journal file. */
export const journalMagic = "EXCHJRNL";
/** Bumped on any change to the header or record layout; readers refuse other versions. */
export const journalFormatVersion = 1;
/** Bytes of the file header; records start right after it. */
export const headerBytes = 64;
/** Longest user tag in the header, bytes of UTF-8. */
export const tagBytesMax = 20;

/** Bytes before each payload: u32 LE payload length, u32 LE CRC-32 of the payload. */
export const recordHeaderBytes = 8;
/**
 * Largest payload. A payload is one InputRecord FlatBuffer without its size
 * prefix (the record's length field plays that part), so the wire limit less
 * the prefix.
 */
export const recordPayloadBytesMax = inputRecordBytesMax - framePrefixBytes;
/**
 * Smallest payload. Zero is refused so that a zero-filled region (a file
 * extended by the file system but whose data never reached the disk) can never
 * read as a run of valid empty records: the CRC-32 of nothing is 0.
 */
export const recordPayloadBytesMin = 1;
/** Largest record, header included. */
export const recordBytesMax = recordHeaderBytes + recordPayloadBytesMax;

/** Default bytes of one batch buffer (the writer holds two). */
export const batchBytesDefault = 1 << 20;
/**
 * Largest batch buffer a writer accepts: one write() per batch, and a 64 MiB write is already seconds
 * of fdatasync on a slow disk.
 */
export const batchBytesLimit = 64 << 20;
/** Default most records in one batch: about what 1 MiB holds at ~100 bytes a record. */
export const batchRecordsDefault = 8192;
/** Largest records-per-batch a writer accepts. */
export const batchRecordsLimit = 1 << 20;

/** Bytes a reader reads at once; a window this large always holds at least one whole record. */
export const readChunkBytes = 1 << 20;

/**
 * Ranges up to this many bytes are checksummed and copied by small loops in
 * JS; longer ones by the runtime's native routines through a subarray view
 * (an allocation). Order commands stay on the allocation-free path: the
 * largest, a NewOrder record with every field set, is 148 bytes. Measured
 * CRC-32 in JS vs native: 100 bytes 72 vs 89 ns, 200 bytes about 140 vs 90 ns,
 * 1000 bytes 595 vs 100 ns.
 */
export const shortRangeBytesMax = 192;

/** Sequence numbers are U53 on the wire and JS numbers here. */
export const seqMax = 2 ** 53 - 1;

function check(condition: boolean, fact: string): void {
  if (!condition) throw new Error(`journal constants: ${fact}`);
}

check(journalMagic.length === 8, "magic is 8 ASCII bytes");
check(8 + 4 + 4 + 4 + 4 + 8 + 8 + tagBytesMax + 4 === headerBytes, "header fields fill the header exactly");
check(recordPayloadBytesMin >= 1 && recordPayloadBytesMax > recordPayloadBytesMin, "payload bounds are ordered");
// The length field is a u32, and the reader masks nothing: any value above the max is refused.
check(recordPayloadBytesMax < 2 ** 31, "payload length fits a u32 comfortably");
check(
  batchBytesDefault >= recordBytesMax && batchBytesDefault <= batchBytesLimit,
  "a default batch holds a largest record",
);
check(
  batchRecordsDefault >= 1 && batchRecordsDefault <= batchRecordsLimit,
  "default records per batch within its limit",
);
check(readChunkBytes >= 2 * recordBytesMax, "a read chunk holds a record that straddles the previous chunk");
check(shortRangeBytesMax % 4 === 0, "the short-copy loop moves 4-byte words");
