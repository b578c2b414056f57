// Little-endian reads of a frame's scalars and U53/U64 structs straight from
// its bytes, with the decoder's rule for U53: a value of 2^53 or above reads as
// -1, which every range check (and the engine's own validation) refuses. The
// verifier, the fast decoders and the generated fixed-layout readers all read
// through these.

import { u32Range, u53HiLimit } from "./constants.ts";

export function readU16(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8);
}

export function readI32(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

export function readU32(b: Uint8Array, p: number): number {
  return readI32(b, p) >>> 0;
}

/** A U53's halves as a number; -1 when the value is not below 2^53. */
export function joinU53(lo: number, hi: number): number {
  return hi < u53HiLimit ? hi * u32Range + lo : -1;
}

/** The U53 struct {lo, hi} at `p`: -1 when not below 2^53. */
export function readU53(b: Uint8Array, p: number): number {
  return joinU53(readU32(b, p), readU32(b, p + 4));
}

/** The U64 struct {lo, hi} at `p`, rounded to a double above 2^53. */
export function readU64(b: Uint8Array, p: number): number {
  return readU32(b, p + 4) * u32Range + readU32(b, p);
}
