// Proves the file snapshot store round-trips bytes, keeps the newest K, ignores and removes a crashed writer's
// temporary file, and never lists a partial file during a save.

import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FileSnapshotStore } from "./file-store.ts";
import { type TempDir, tempDir } from "../../test/support/temp-dir.ts";

function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65536) crypto.getRandomValues(bytes.subarray(i, Math.min(length, i + 65536)));
  return bytes;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = Bun.spawnSync(["true"]);
  return child.pid;
}

let scratch: TempDir;
let dir: string;
beforeEach(() => {
  scratch = tempDir("exch-file-store");
  dir = scratch.dir;
});
afterEach(() => scratch.cleanup());

describe("FileSnapshotStore", () => {
  test("round trip: exact bytes back, including 0x00, 0xff and empty", async () => {
    const store = new FileSnapshotStore({ dir, keep: 3 });
    const bytes = randomBytes(100_000);
    bytes[0] = 0x00;
    bytes[1] = 0xff;
    await store.save(7, bytes);
    await store.save(8, new Uint8Array(0));
    expect(await store.list()).toEqual([
      { seq: 8, bytes: 0 },
      { seq: 7, bytes: 100_000 },
    ]);
    expect(await store.load(7)).toEqual(bytes);
    expect((await store.load(8))?.byteLength).toBe(0);
    expect(await store.load(9)).toBeNull();
    expect(readdirSync(dir).sort()).toEqual(["snap-0000000000000007.bin", "snap-0000000000000008.bin"]);
    await store.close();
  });

  test("keeps the newest K and lists newest first", async () => {
    const store = new FileSnapshotStore({ dir, keep: 2 });
    for (const seq of [10, 20, 30, 40]) await store.save(seq, randomBytes(seq));
    expect(await store.list()).toEqual([
      { seq: 40, bytes: 40 },
      { seq: 30, bytes: 30 },
    ]);
    expect(await store.load(20)).toBeNull();
    // Saving the same seq again replaces it whole.
    const again = randomBytes(5);
    await store.save(40, again);
    expect(await store.load(40)).toEqual(again);
    expect((await store.list()).map((m) => m.seq)).toEqual([40, 30]);
  });

  test("a crashed writer's temporary file and junk are ignored; the temporary file is removed at open", async () => {
    const first = new FileSnapshotStore({ dir, keep: 3 });
    await first.save(1, randomBytes(10));
    const crashed = join(dir, `.snap-0000000000000002.${deadPid()}.abc123.tmp`);
    writeFileSync(crashed, randomBytes(7));
    const live = join(dir, `.snap-0000000000000003.${process.ppid}.abc123.tmp`);
    writeFileSync(live, randomBytes(7));
    for (const junk of ["notes.txt", "snap-2.bin", "snap-0000000000000002.bin.partial", "snap-000000000000000x.bin"]) {
      writeFileSync(join(dir, junk), "junk");
    }
    expect(await first.list()).toEqual([{ seq: 1, bytes: 10 }]);
    const reopened = new FileSnapshotStore({ dir, keep: 3 });
    expect(existsSync(crashed)).toBe(false);
    // A temporary file whose writer still runs is not ours to remove.
    expect(existsSync(live)).toBe(true);
    expect(await reopened.list()).toEqual([{ seq: 1, bytes: 10 }]);
    expect(await reopened.load(2)).toBeNull();
  });

  test("list and load during a save only ever see whole snapshots", async () => {
    const store = new FileSnapshotStore({ dir, keep: 2 });
    const sizes = [24 << 20, 16 << 20, 32 << 20];
    const snapshots = sizes.map((size) => randomBytes(size));
    let saving = true;
    const reader = (async () => {
      let observations = 0;
      while (saving) {
        for (const meta of await store.list()) {
          const expected = snapshots[meta.seq - 1]!;
          expect(meta.bytes).toBe(expected.byteLength);
          const loaded = await store.load(meta.seq);
          // Pruned between list and load is fine; a partial file is not.
          if (loaded !== null) expect(Buffer.compare(loaded, expected)).toBe(0);
          observations++;
        }
        await Bun.sleep(0);
      }
      return observations;
    })();
    for (let i = 0; i < snapshots.length; i++) await store.save(i + 1, snapshots[i]!);
    saving = false;
    expect(await reader).toBeGreaterThan(0);
    expect((await store.list()).map((m) => m.seq)).toEqual([3, 2]);
    expect(readdirSync(dir).filter((name) => name.endsWith(".tmp"))).toEqual([]);
  });

  test("a second save while one is in progress is refused", async () => {
    const store = new FileSnapshotStore({ dir, keep: 2 });
    const first = store.save(1, randomBytes(1 << 20));
    await expect(store.save(2, randomBytes(10))).rejects.toThrow(/another save is in progress/);
    await first;
    expect((await store.list()).map((m) => m.seq)).toEqual([1]);
  });

  test("bad arguments fail loudly", async () => {
    expect(() => new FileSnapshotStore({ dir, keep: 0 })).toThrow(/keep/);
    const store = new FileSnapshotStore({ dir, keep: 1 });
    await expect(store.save(-1, new Uint8Array(1))).rejects.toThrow(/seq/);
    await expect(store.save(1.5, new Uint8Array(1))).rejects.toThrow(/seq/);
  });
});
