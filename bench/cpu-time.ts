// CPU time of the calling thread (clock_gettime(CLOCK_THREAD_CPUTIME_ID)
// through bun:ffi), for A/B runs on a shared machine: time the scheduler gave
// to other processes does not count, which wall time cannot separate. Falls
// back to null where libc cannot be opened (not Linux).

import { dlopen, FFIType, ptr } from "bun:ffi";

const CLOCK_THREAD_CPUTIME_ID = 3;

function open(): (() => number) | null {
  if (process.platform !== "linux") return null;
  try {
    const lib = dlopen("libc.so.6", { clock_gettime: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 } });
    const ts = new BigInt64Array(2);
    const at = ptr(ts);
    return () => {
      if (lib.symbols.clock_gettime(CLOCK_THREAD_CPUTIME_ID, at) !== 0)
        throw new Error("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
      return Number(ts[0]!) * 1e9 + Number(ts[1]!);
    };
  } catch {
    return null;
  }
}

/** Nanoseconds of CPU this thread has used, or null when the platform cannot tell (one call costs ~0.3 µs). */
export const threadCpuNs: (() => number) | null = open();
