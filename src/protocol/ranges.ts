// The wire types' ranges: one set of checks for every writer (the Encoder,
// the fixed-layout writers and their generated checks, the client). Compares
// and a floor, no allocation, and no `>>> 0` of a double beyond int32 (the JIT
// takes a slow path for that conversion). NaN and the infinities fail all.

const u53Max = 2 ** 53 - 1;
const u64Limit = 2 ** 64;

/** Ids, quantities, sequence numbers: an integer in [0, 2^53). */
export function isU53(v: number): boolean {
  return v >= 0 && v <= u53Max && Math.floor(v) === v;
}

/** Nanosecond timestamps: an integer in [0, 2^64); every such double is exact in two uint32 halves. */
export function isU64(v: number): boolean {
  return v >= 0 && v < u64Limit && Math.floor(v) === v;
}

export function isU32(v: number): boolean {
  return v >= 0 && v <= 0xffffffff && Math.floor(v) === v;
}

/** Prices: an int32. */
export function isI32(v: number): boolean {
  return (v | 0) === v;
}

/** Enum codes and other ubyte fields. */
export function isByte(v: number): boolean {
  return (v & 0xff) === v;
}

/** A caller bug: a value outside its wire type. The text is built only when failing. */
export function notWireType(what: string, value: number): never {
  throw new Error(`encode: ${what} ${value} does not fit its wire type`);
}
