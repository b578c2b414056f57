// Ids and times the engine shard derives from the log, so that a replay of
// the partition reproduces them exactly (the engine is a pure function of its
// input log):
// - engine seq: the shard's count of commands applied, 1, 2, 3, ... A record
//   that goes to the dead-letter topic gets none (seqs stay gapless);
// - order id: the shard's partition in the high bits, the NewOrder's engine
//   seq in the low 43: unique over the whole exchange, and sequential within
//   a shard (the engine's id index is direct-mapped on the low bits);
// - receive time: the producer's stamp, bounded by the broker's append time.

/** Order ids hold the engine seq of the NewOrder in their low this many bits. */
export const orderSeqBits = 43;
/** 2^43: engine seqs per shard before order ids would collide with the next shard's (8.8 × 10^12 commands). */
export const orderSeqLimit = 2 ** orderSeqBits;
/** Partitions of `orders` the id scheme covers: 2^10 × 2^43 = 2^53, the largest exact integer. */
export const shardsMax = 1024;

/** The order id of a NewOrder applied at `seq` by the shard of `partition`. */
export function orderIdOf(partition: number, seq: number): number {
  if (!(Number.isInteger(partition) && partition >= 0 && partition < shardsMax))
    throw new RangeError(`partition ${partition} outside [0, ${shardsMax})`);
  if (!(Number.isInteger(seq) && seq >= 1 && seq < orderSeqLimit))
    throw new RangeError(`engine seq ${seq} outside [1, 2^${orderSeqBits})`);
  return partition * orderSeqLimit + seq;
}

/** The shard (partition) whose engine made order id `id`. */
export function shardOfOrderId(id: number): number {
  return Math.floor(id / orderSeqLimit);
}

/**
 * How far a producer's receive stamp may lie before the broker's append time:
 * a command may wait in a producer's queue through a broker outage (the
 * gateway's delivery timeout is 120 s) before it is appended.
 */
export const stampLagMsMax = 300_000;

/**
 * The receive time (ns since the epoch) of a record: the producer's stamp
 * when it lies in [append − stampLagMsMax, end of the append millisecond],
 * otherwise the broker's append time (the `orders` topic uses LogAppendTime,
 * so that time is the broker's clock, not a producer's). A stamp of 0 means
 * "none". Deterministic: both inputs are in the log.
 */
export function receiveTimeNs(stampNs: number, appendMs: number): number {
  if (appendMs < 0) return stampNs > 0 ? stampNs : 0;
  const appendNs = appendMs * 1e6;
  if (stampNs > 0 && stampNs >= appendNs - stampLagMsMax * 1e6 && stampNs < appendNs + 1e6) return stampNs;
  return appendNs;
}
