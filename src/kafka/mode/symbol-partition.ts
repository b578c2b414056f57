// Which `orders` partition a symbol's records go to: Kafka's default
// partitioner for a keyed record, murmur2 of the key (the symbol's name in
// UTF-8) made positive, modulo the partition count. The same function the
// Java client and librdkafka's `murmur2_random` partitioner use, so a record
// keyed by its symbol lands on the same partition whoever produced it, and
// the engine shard that owns the partition owns every book it routes there.

const textEncoder = new TextEncoder();

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2): a signed 32-bit hash. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = seed ^ length;
  const length4 = length >>> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      (data[i4]! & 0xff) +
      ((data[i4 + 1]! & 0xff) << 8) +
      ((data[i4 + 2]! & 0xff) << 16) +
      ((data[i4 + 3]! & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  // The 1 to 3 bytes past the last whole word (the Java code's fall-through switch).
  const tail = length & ~3;
  const rest = length & 3;
  if (rest === 3) h ^= (data[tail + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[tail + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[tail]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** The partition Kafka's default partitioner gives a record with key `key`. */
export function partitionOfKey(key: Uint8Array, partitionsCount: number): number {
  if (!(Number.isInteger(partitionsCount) && partitionsCount >= 1))
    throw new RangeError(`partition count ${partitionsCount} must be a positive integer`);
  return (murmur2(key) & 0x7fffffff) % partitionsCount;
}

/** The `orders` partition of a symbol: its name is the records' key. */
export function partitionOfSymbol(name: string, partitionsCount: number): number {
  return partitionOfKey(textEncoder.encode(name), partitionsCount);
}
