// Little-endian reads of a frame's scalars and U53/U64 structs, from its bytes
// or through a DataView over them, with the decoder's rule for U53: a value of
// 2^53 or above reads as -1, which every range check (and the engine's own
// validation) refuses. The verifier, the fast decoders and the generated
// fixed-layout readers all read through these.

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

/** As readU53, through a DataView. */
export function viewU53(v: DataView, p: number): number {
  return joinU53(v.getUint32(p, true), v.getUint32(p + 4, true));
}

/** As readU64, through a DataView. */
export function viewU64(v: DataView, p: number): number {
  return v.getUint32(p + 4, true) * u32Range + v.getUint32(p, true);
}

/**
 * A DataView over the last buffer asked for: one view per buffer (a chunk of
 * reports, a journal block), none per frame. Positions in the view are
 * positions in the buffer.
 */
export class ViewCache {
  private bytes: Uint8Array = new Uint8Array(0);
  private view: DataView = new DataView(new ArrayBuffer(0));

  of(bytes: Uint8Array): DataView {
    // A length-tracking view of a resizable buffer can outgrow the view made earlier.
    if (bytes !== this.bytes || this.view.byteLength !== bytes.byteLength) {
      this.bytes = bytes;
      this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    }
    return this.view;
  }
}
