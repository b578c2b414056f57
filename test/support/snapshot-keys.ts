// A test's look into the Redis snapshot store's keys (layout in
// src/snapshot/redis-store.ts): the index of complete snapshots, manifests,
// the writer counter, part keys, and a byte flipped in a part on purpose.

import { createClient, RESP_TYPES } from "redis";

function openClient(port: number) {
  return createClient({
    // Reconnects by itself: tests kill and restart Redis under it; calls while it is down fail at once.
    socket: {
      host: "127.0.0.1",
      port,
      family: 4,
      connectTimeout: 2000,
      reconnectStrategy: () => 50,
      noDelay: true,
      tls: false,
    },
    RESP: 2,
    disableOfflineQueue: true,
    disableClientInfo: true,
  });
}

type Client = ReturnType<typeof openClient>;

export interface Manifest {
  seq: number;
  bytes: number;
  parts: number;
  partBytes: number;
  writer: number;
}

/** Where a SIGKILL of the exchange left the store. */
export type SaveState = "idle" | "save started, no part stored" | "parts stored, not committed";

export class SnapshotKeys {
  readonly prefix: string;
  private readonly client: Client;

  private constructor(client: Client, prefix: string) {
    this.client = client;
    this.prefix = prefix;
  }

  static async open(port: number, prefix: string): Promise<SnapshotKeys> {
    const client = openClient(port);
    client.on("error", () => {});
    await client.connect();
    return new SnapshotKeys(client, prefix);
  }

  async close(): Promise<void> {
    if (this.client.isOpen) this.client.destroy();
  }

  /** Waits until the connection is back (after a Redis restart). */
  async ready(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.client.isReady) {
      if (Date.now() > deadline) throw new Error(`no Redis connection within ${timeoutMs} ms`);
      await Bun.sleep(10);
    }
  }

  /** Seqs of complete snapshots, newest first. */
  async index(): Promise<number[]> {
    return (await this.client.zRange(`${this.prefix}:index`, 0, -1, { REV: true })).map(Number);
  }

  async writer(): Promise<number> {
    return Number((await this.client.get(`${this.prefix}:writer`)) ?? "0");
  }

  async manifest(seq: number): Promise<Manifest> {
    const f = await this.client.hGetAll(`${this.prefix}:snap:${seq}`);
    if (f.seq === undefined) throw new Error(`no manifest for snapshot seq ${seq}`);
    return {
      seq: Number(f.seq),
      bytes: Number(f.bytes),
      parts: Number(f.parts),
      partBytes: Number(f.partBytes),
      writer: Number(f.writer),
    };
  }

  partKey(m: Manifest, index: number): string {
    return `${this.prefix}:snap:${m.seq}:w${m.writer}:part:${index}`;
  }

  /** Part keys written by `writer` (any seq). */
  async partsOfWriter(writer: number): Promise<string[]> {
    return await this.scan(`${this.prefix}:snap:*:w${writer}:part:*`);
  }

  /** Part keys no committed manifest points at: debris of saves that never committed. */
  async orphanParts(): Promise<string[]> {
    const committed = new Set<string>();
    for (const seq of await this.index()) {
      const m = await this.manifest(seq);
      for (let i = 0; i < m.parts; i++) committed.add(this.partKey(m, i));
    }
    return (await this.scan(`${this.prefix}:snap:*:part:*`)).filter((k) => !committed.has(k));
  }

  /** Whether the last save that took a writer id committed (run with the writer dead). */
  async saveState(): Promise<SaveState> {
    const writer = await this.writer();
    const index = await this.index();
    const newestWriter = index.length === 0 ? 0 : (await this.manifest(index[0]!)).writer;
    if (writer === 0 || writer === newestWriter) return "idle";
    return (await this.partsOfWriter(writer)).length > 0
      ? "parts stored, not committed"
      : "save started, no part stored";
  }

  /** Flips every bit of one byte of a stored part (SETRANGE): the manifest's sha256 no longer matches. */
  async flipByte(key: string, offset: number): Promise<void> {
    const binary = this.client.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
    const old = (await binary.getRange(key, offset, offset)) as unknown as Buffer;
    if (old.byteLength !== 1) throw new Error(`${key} has no byte at ${offset}`);
    await this.client.setRange(key, offset, Buffer.from([old[0]! ^ 0xff]));
  }

  private async scan(pattern: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const batch of this.client.scanIterator({ MATCH: pattern, COUNT: 1000 })) keys.push(...batch);
    return keys;
  }
}
