// Snapshots in Redis, one key space per engine shard (prefix P, e.g. `exch:{0}`;
// the braces are a Redis Cluster hash tag, so a shard's keys share one slot and
// may be used together in MULTI/EXEC):
//
//   P:snap:<seq>:w<writer>:part:<i>  string, bytes [i*partBytes, (i+1)*partBytes) of the body
//   P:snap:<seq>                     hash, the manifest: format, seq, bytes, parts, partBytes,
//                                    writer, sha256 (of the whole body, hex)
//   P:index                          sorted set of complete snapshots, score = member = seq
//   P:latest                         string, the newest complete seq (the pointer)
//   P:writer                         counter; every save takes the next writer id
//
// A save writes its parts with a TTL (a dead writer's parts expire by themselves),
// then, with the parts and the counter WATCHed, one MULTI/EXEC writes the manifest,
// adds the seq to the index, moves the pointer and PERSISTs the parts. Readers
// find snapshots only through the index and the manifest, so they see a snapshot
// whole or not at all. The writer id in the part keys and the WATCH on the
// counter fence off an older save that timed out but whose commands still reach
// Redis: it can neither commit after a newer save started nor touch the parts of
// a committed snapshot, even one with the same seq.
//
// Every Redis round trip is bounded by `timeoutMs`; when it expires the
// connection is thrown away (its queue with it) and a fresh one is opened, so a
// stopped or stalled Redis makes calls fail fast instead of piling up.

import { createHash } from "node:crypto";
import { createClient, RESP_TYPES, WatchError } from "redis";
import type { SnapshotMeta, SnapshotStore } from "./store.ts";

export const redisSnapshotStoreDefaults = {
  /** Well below Redis' 512 MB string limit; one part is one bulk reply the client decodes at once. */
  partBytes: 8 * 1024 * 1024,
  /** Part round trips in flight: bounds the bytes queued in the socket, keeps the pipe full. */
  partsInFlightMax: 4,
  /** A whole save normally takes seconds; an unfinished one's parts are gone an hour later. */
  pendingTtlMs: 60 * 60 * 1000,
  /**
   * One Redis round trip (or batch of `partsInFlightMax` parts); past it the call fails and the connection is reset.
   */
  timeoutMs: 5_000,
  connectTimeoutMs: 2_000,
  reconnectDelayMsMin: 50,
  reconnectDelayMsMax: 2_000,
} as const;

/** At most this many parts: bounds the keys in one WATCH and one MULTI/EXEC. */
const partsMax = 1024;
const manifestFormat = "1";
/** How often a call that waits for the connection looks again. */
const readyPollMs = 10;

export interface RedisSnapshotStoreOptions {
  host: string;
  port: number;
  /** Prefix of every key of this shard, e.g. `exch:{0}`. */
  keyPrefix: string;
  /** Snapshots kept after a save (the newest ones); at least 1. */
  keep: number;
  database?: number;
  partBytes?: number;
  pendingTtlMs?: number;
  timeoutMs?: number;
  connectTimeoutMs?: number;
  reconnectDelayMsMax?: number;
  /** Damaged snapshots and connection changes are reported here; console.warn by default. */
  warn?: (message: string) => void;
  /** Tests only: runs after all parts are stored, before the commit. */
  afterPartsHook?: (seq: number) => void | Promise<void>;
}

/** What every failed call rejects with. */
export class RedisSnapshotStoreError extends Error {
  override readonly name = "RedisSnapshotStoreError";
}

interface Manifest {
  seq: number;
  bytes: number;
  parts: number;
  partBytes: number;
  writer: number;
  sha256: string;
}

type Client = ReturnType<typeof openClient>;

function openClient(
  options: Required<
    Pick<
      RedisSnapshotStoreOptions,
      "host" | "port" | "database" | "connectTimeoutMs" | "reconnectDelayMsMax" | "timeoutMs" | "keyPrefix"
    >
  >,
) {
  return createClient({
    socket: {
      host: options.host,
      port: options.port,
      family: 0,
      connectTimeout: options.connectTimeoutMs,
      // Retry forever with capped exponential backoff and jitter: Redis coming back must heal the store.
      reconnectStrategy: (retries: number) =>
        Math.min(
          redisSnapshotStoreDefaults.reconnectDelayMsMin * 2 ** Math.min(retries, 16),
          options.reconnectDelayMsMax,
        ) + Math.floor(Math.random() * redisSnapshotStoreDefaults.reconnectDelayMsMin),
      // Idle connections stay open; a stall is caught per call by timeoutMs instead.
      socketTimeout: 0,
      noDelay: true,
      keepAlive: true,
      keepAliveInitialDelay: 10_000,
      tls: false,
    },
    RESP: 2,
    database: options.database,
    name: `exch-snapshots:${options.keyPrefix}`,
    // Commands while disconnected fail at once instead of queueing snapshots in memory.
    disableOfflineQueue: true,
    commandsQueueMaxLength: 1_000,
    pingInterval: 0,
    readonly: false,
    // CLIENT SETINFO is Redis 7.2+; Debian 12 ships 7.0, where it is one failing round trip per connect.
    disableClientInfo: true,
    commandOptions: { timeout: options.timeoutMs },
  });
}

export class RedisSnapshotStore implements SnapshotStore {
  readonly description: string;
  readonly keep: number;
  readonly partBytes: number;
  private readonly options: Parameters<typeof openClient>[0];
  private readonly pendingTtlMs: number;
  private readonly timeoutMs: number;
  private readonly warn: (message: string) => void;
  private readonly afterPartsHook: ((seq: number) => void | Promise<void>) | null;
  private readonly keys: { writer: string; index: string; latest: string };
  private client: Client;
  private lastConnectionError = "not connected yet";
  private saving = false;
  private closed = false;

  constructor(options: RedisSnapshotStoreOptions) {
    const d = redisSnapshotStoreDefaults;
    if (!Number.isInteger(options.keep) || options.keep < 1)
      throw new Error(`redis snapshot store: keep must be >= 1, got ${options.keep}`);
    this.partBytes = options.partBytes ?? d.partBytes;
    if (!Number.isInteger(this.partBytes) || this.partBytes < 1 || this.partBytes > 512 * 1024 * 1024) {
      throw new Error(`redis snapshot store: partBytes must be in 1..512 MiB, got ${this.partBytes}`);
    }
    if (!/^\S+$/.test(options.keyPrefix))
      throw new Error(`redis snapshot store: keyPrefix must be non-empty without spaces, got "${options.keyPrefix}"`);
    this.keep = options.keep;
    this.pendingTtlMs = options.pendingTtlMs ?? d.pendingTtlMs;
    this.timeoutMs = options.timeoutMs ?? d.timeoutMs;
    this.warn = options.warn ?? ((message) => console.warn(message));
    this.afterPartsHook = options.afterPartsHook ?? null;
    this.options = {
      host: options.host,
      port: options.port,
      database: options.database ?? 0,
      connectTimeoutMs: options.connectTimeoutMs ?? d.connectTimeoutMs,
      reconnectDelayMsMax: options.reconnectDelayMsMax ?? d.reconnectDelayMsMax,
      timeoutMs: this.timeoutMs,
      keyPrefix: options.keyPrefix,
    };
    const p = options.keyPrefix;
    this.keys = { writer: `${p}:writer`, index: `${p}:index`, latest: `${p}:latest` };
    this.description = `redis ${options.host}:${options.port} key ${p}`;
    this.client = this.connect();
  }

  manifestKey(seq: number): string {
    return `${this.options.keyPrefix}:snap:${seq}`;
  }

  partKey(seq: number, writer: number, index: number): string {
    return `${this.options.keyPrefix}:snap:${seq}:w${writer}:part:${index}`;
  }

  /** Resolves once connected, or rejects after `timeoutMs`. */
  async ready(): Promise<void> {
    await this.readyClient("connect");
  }

  /**
   * Whether Redis answers now, for readiness probes: at once "not connected"
   * (with the last connection error) while the client reconnects, else one
   * PING bounded by the call timeout.
   */
  async health(): Promise<{ ok: boolean; reason: string }> {
    if (this.closed) return { ok: false, reason: "store closed" };
    if (!this.client.isReady) return { ok: false, reason: `not connected (${this.lastConnectionError})` };
    try {
      await this.call("ping", (c) => c.ping());
      return { ok: true, reason: `${this.description} answers` };
    } catch (error) {
      return { ok: false, reason: errorMessage(error) };
    }
  }

  async save(seq: number, bytes: Uint8Array): Promise<void> {
    assertSeq(seq);
    if (this.closed) throw new RedisSnapshotStoreError(`${this.description}: save after close`);
    if (this.saving)
      throw new RedisSnapshotStoreError(`${this.description}: save of seq ${seq} while another save is in progress`);
    const parts = Math.ceil(bytes.byteLength / this.partBytes);
    if (parts > partsMax) {
      throw new RedisSnapshotStoreError(
        `${this.description}: snapshot of ${bytes.byteLength} bytes needs ${parts} parts, more than ${partsMax}`,
      );
    }
    this.saving = true;
    try {
      const writer = Number(await this.call(`save seq ${seq}: take a writer id`, (c) => c.incr(this.keys.writer)));
      const sha256 = await this.writeParts(seq, writer, bytes);
      if (this.afterPartsHook !== null) await this.afterPartsHook(seq);
      await this.commit({ seq, bytes: bytes.byteLength, parts, partBytes: this.partBytes, writer, sha256 });
      await this.prune(writer).catch((error: unknown) => {
        // The snapshot is stored; the next save prunes again.
        this.warn(`${this.description}: pruning after seq ${seq} failed: ${errorMessage(error)}`);
      });
    } finally {
      this.saving = false;
    }
  }

  async list(): Promise<SnapshotMeta[]> {
    const seqs = await this.call("list", (c) => c.zRange(this.keys.index, 0, -1, { REV: true }));
    const sizes = await this.call("list sizes", (c) =>
      Promise.all(seqs.map((s) => c.hGet(this.manifestKey(Number(s)), "bytes"))),
    );
    const metas: SnapshotMeta[] = [];
    for (let i = 0; i < seqs.length; i++) {
      const size = sizes[i];
      // Pruned between the two reads.
      if (size === null || size === undefined) continue;
      metas.push({ seq: Number(seqs[i]), bytes: Number(size) });
    }
    return metas;
  }

  /** The pointer: newest complete snapshot, or null. */
  async latest(): Promise<number | null> {
    const value = await this.call("latest", (c) => c.get(this.keys.latest));
    return value === null ? null : Number(value);
  }

  /** The snapshot's bytes; null if it is gone, or (with a warning) incomplete or damaged. */
  async load(seq: number): Promise<Uint8Array | null> {
    assertSeq(seq);
    // A same-seq save may replace the snapshot while we read it: then read the new one.
    for (let attempt = 0; attempt < 2; attempt++) {
      const manifest = await this.readManifest(seq);
      if (manifest === null) return null;
      const result = await this.readParts(manifest);
      if (result instanceof Uint8Array) return result;
      if (result === "missing") {
        const now = await this.readManifest(seq);
        if (now === null) return null;
        if (now.writer !== manifest.writer) continue;
        this.warn(`${this.description}: snapshot seq ${seq} is incomplete (a part is missing); ignoring it`);
        return null;
      }
      this.warn(`${this.description}: snapshot seq ${seq} is damaged (${result}); ignoring it`);
      return null;
    }
    this.warn(`${this.description}: snapshot seq ${seq} was replaced while loading twice; ignoring it`);
    return null;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const client = this.client;
    if (!client.isReady) {
      client.destroy();
      return;
    }
    const quit = client.close();
    const timer = setTimeout(() => client.destroy(), this.timeoutMs);
    await quit.catch(() => {});
    clearTimeout(timer);
  }

  private connect(): Client {
    const client = openClient(this.options);
    let lost = false;
    client.on("error", (error: unknown) => {
      // A dropped connection's last words are not news.
      if (this.client !== client) return;
      this.lastConnectionError = errorMessage(error);
      if (lost) return;
      lost = true;
      this.warn(`${this.description}: connection lost (${this.lastConnectionError}); reconnecting`);
    });
    client.on("ready", () => {
      if (lost) this.warn(`${this.description}: connected again`);
      lost = false;
    });
    // With a reconnect strategy that never gives up, connect() settles only on success or destroy().
    client.connect().catch(() => {});
    return client;
  }

  /** Drops a connection whose replies are overdue (Redis stopped or stalled) and opens a fresh one. */
  private resetConnection(reason: string): void {
    const old = this.client;
    this.warn(`${this.description}: ${reason}; dropping the connection and opening a new one`);
    this.client = this.connect();
    this.lastConnectionError = `no answer on a new connection after: ${reason}`;
    old.destroy();
  }

  private async readyClient(what: string): Promise<Client> {
    if (this.closed) throw new RedisSnapshotStoreError(`${this.description}: ${what} after close`);
    const deadline = performance.now() + this.timeoutMs;
    while (!this.client.isReady) {
      if (performance.now() >= deadline) {
        throw new RedisSnapshotStoreError(
          `${this.description}: ${what}: not connected within ${this.timeoutMs} ms (${this.lastConnectionError})`,
        );
      }
      await Bun.sleep(readyPollMs);
      if (this.closed) throw new RedisSnapshotStoreError(`${this.description}: ${what}: store closed`);
    }
    return this.client;
  }

  /** One bounded round trip (or a batch of them) on a ready connection. */
  private async call<T>(what: string, run: (client: Client) => Promise<T>): Promise<T> {
    const client = await this.readyClient(what);
    const pending = run(client);
    // After a timeout the late rejection (the connection is destroyed) is expected.
    pending.catch(() => {});
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<"expired">((resolve) => {
      timer = setTimeout(() => resolve("expired"), this.timeoutMs);
    });
    try {
      const outcome = await Promise.race([pending, expired]);
      if (outcome === "expired") {
        if (this.client === client) this.resetConnection(`${what} got no reply within ${this.timeoutMs} ms`);
        throw new RedisSnapshotStoreError(
          `${this.description}: ${what}: no reply within ${this.timeoutMs} ms (Redis stopped or overloaded); ` +
            `connection reset`,
        );
      }
      return outcome as T;
    } catch (error) {
      if (error instanceof RedisSnapshotStoreError) throw error;
      throw new RedisSnapshotStoreError(`${this.description}: ${what}: ${errorMessage(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stores the parts with a TTL, `partsInFlightMax` round trips at a time; returns the body's sha256. */
  private async writeParts(seq: number, writer: number, bytes: Uint8Array): Promise<string> {
    const hash = createHash("sha256");
    const parts = Math.ceil(bytes.byteLength / this.partBytes);
    const window = redisSnapshotStoreDefaults.partsInFlightMax;
    for (let first = 0; first < parts; first += window) {
      const last = Math.min(parts, first + window);
      await this.call(`save seq ${seq}: parts ${first}..${last - 1} of ${parts}`, (c) => {
        const writes: Promise<unknown>[] = [];
        for (let i = first; i < last; i++) {
          const start = i * this.partBytes;
          const length = Math.min(this.partBytes, bytes.byteLength - start);
          const part = Buffer.from(bytes.buffer, bytes.byteOffset + start, length);
          hash.update(part);
          writes.push(
            c.set(this.partKey(seq, writer, i), part, { expiration: { type: "PX", value: this.pendingTtlMs } }),
          );
        }
        return Promise.all(writes);
      });
    }
    return hash.digest("hex");
  }

  /** Publishes the snapshot in one transaction, or fails if a newer save started or a part expired. */
  private async commit(m: Manifest): Promise<void> {
    const partKeys = Array.from({ length: m.parts }, (_, i) => this.partKey(m.seq, m.writer, i));
    const what = `save seq ${m.seq}: commit`;
    await this.call(`${what} (watch)`, (c) =>
      c.watch([this.keys.writer, this.keys.index, this.manifestKey(m.seq), ...partKeys]),
    );
    const [writerNow, newest, replaced, existing] = await this.call(`${what} (read)`, (c) =>
      Promise.all([
        c.get(this.keys.writer),
        c.zRange(this.keys.index, 0, 0, { REV: true }),
        c.hGetAll(this.manifestKey(m.seq)),
        partKeys.length === 0 ? Promise.resolve(0) : c.exists(partKeys),
      ]),
    );
    if (writerNow !== String(m.writer) || existing !== m.parts) {
      await this.call(`${what} (unwatch)`, (c) => c.unwatch());
      throw new RedisSnapshotStoreError(
        writerNow !== String(m.writer)
          ? `${this.description}: ${what}: superseded by writer ${writerNow} (another save of this shard started)`
          : `${this.description}: ${what}: only ${existing} of ${m.parts} parts are still there (the save ` +
              `outlasted pendingTtlMs)`,
      );
    }
    const newestSeq = newest[0] === undefined ? -1 : Number(newest[0]);
    const old = parseManifest(replaced, m.seq);
    try {
      await this.call(what, (c) => {
        const multi = c
          .multi()
          .hSet(this.manifestKey(m.seq), {
            format: manifestFormat,
            seq: String(m.seq),
            bytes: String(m.bytes),
            parts: String(m.parts),
            partBytes: String(m.partBytes),
            writer: String(m.writer),
            sha256: m.sha256,
          })
          .zAdd(this.keys.index, { score: m.seq, value: String(m.seq) })
          .set(this.keys.latest, String(Math.max(m.seq, newestSeq)));
        for (const key of partKeys) multi.persist(key);
        // The same seq saved again: the new parts replace the old ones in the same step.
        if (typeof old !== "string" && old.writer !== m.writer) {
          for (let i = 0; i < old.parts; i++) multi.del(this.partKey(old.seq, old.writer, i));
        }
        return multi.exec();
      });
    } catch (error) {
      if (error instanceof RedisSnapshotStoreError && error.cause instanceof WatchError) {
        throw new RedisSnapshotStoreError(
          `${this.description}: ${what}: aborted, a newer save started or a part expired meanwhile`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  /** Removes all but the newest `keep` snapshots: out of the index first, in the same transaction as their keys. */
  private async prune(writer: number): Promise<void> {
    const seqs = await this.call("prune: read index", (c) => c.zRange(this.keys.index, 0, -1));
    const victims = seqs.slice(0, Math.max(0, seqs.length - this.keep)).map(Number);
    if (victims.length === 0) return;
    const manifestKeys = victims.map((s) => this.manifestKey(s));
    await this.call("prune (watch)", (c) => c.watch([this.keys.writer, this.keys.index, ...manifestKeys]));
    const [writerNow, manifests] = await this.call("prune (read)", (c) =>
      Promise.all([c.get(this.keys.writer), Promise.all(manifestKeys.map((k) => c.hGetAll(k)))]),
    );
    if (writerNow !== String(writer)) {
      // A newer save prunes for itself.
      await this.call("prune (unwatch)", (c) => c.unwatch());
      return;
    }
    await this.call("prune", (c) => {
      const multi = c.multi().zRem(this.keys.index, victims.map(String)).del(manifestKeys);
      for (let v = 0; v < victims.length; v++) {
        const m = parseManifest(manifests[v]!, victims[v]!);
        if (typeof m === "string") continue;
        for (let i = 0; i < m.parts; i++) multi.del(this.partKey(m.seq, m.writer, i));
      }
      return multi.exec();
    });
  }

  /**
   * The manifest, or null when the snapshot is not (or no longer) stored; a damaged one is
   * reported and treated as gone.
   */
  private async readManifest(seq: number): Promise<Manifest | null> {
    const fields = await this.call(`load seq ${seq}: manifest`, (c) => c.hGetAll(this.manifestKey(seq)));
    if (Object.keys(fields).length === 0) return null;
    const manifest = parseManifest(fields, seq);
    if (typeof manifest === "string") {
      this.warn(`${this.description}: snapshot seq ${seq} has a bad manifest (${manifest}); ignoring it`);
      return null;
    }
    return manifest;
  }

  /** The verified body; "missing" when a part is gone; otherwise what is wrong. */
  private async readParts(m: Manifest): Promise<Uint8Array | "missing" | string> {
    const body = new Uint8Array(m.bytes);
    const window = redisSnapshotStoreDefaults.partsInFlightMax;
    const hash = createHash("sha256");
    for (let first = 0; first < m.parts; first += window) {
      const last = Math.min(m.parts, first + window);
      const replies = await this.call(`load seq ${m.seq}: parts ${first}..${last - 1} of ${m.parts}`, (c) => {
        const binary = c.withTypeMapping({ [RESP_TYPES.BLOB_STRING]: Buffer });
        const reads: Promise<Buffer | null>[] = [];
        for (let i = first; i < last; i++) reads.push(binary.get(this.partKey(m.seq, m.writer, i)));
        return Promise.all(reads);
      });
      for (let i = first; i < last; i++) {
        const part = replies[i - first];
        if (part === null || part === undefined) return "missing";
        const expected = Math.min(m.partBytes, m.bytes - i * m.partBytes);
        if (part.byteLength !== expected) return `part ${i} has ${part.byteLength} bytes, expected ${expected}`;
        body.set(part, i * m.partBytes);
        hash.update(part);
      }
    }
    const sha256 = hash.digest("hex");
    if (sha256 !== m.sha256) return `sha256 ${sha256} instead of ${m.sha256}`;
    return body;
  }
}

/** A manifest from its hash fields, or what is wrong with it. */
function parseManifest(fields: Record<string, string>, seq: number): Manifest | string {
  if (Object.keys(fields).length === 0) return "no manifest";
  if (fields.format !== manifestFormat) return `format ${fields.format}`;
  const int = (name: string): number => {
    const text = fields[name];
    return text !== undefined && /^\d{1,16}$/.test(text) ? Number(text) : -1;
  };
  const m: Manifest = {
    seq: int("seq"),
    bytes: int("bytes"),
    parts: int("parts"),
    partBytes: int("partBytes"),
    writer: int("writer"),
    sha256: fields.sha256 ?? "",
  };
  if (m.seq !== seq) return `seq ${fields.seq}`;
  if (m.bytes < 0 || m.writer < 0) return "bad bytes or writer";
  if (m.partBytes < 1) return `partBytes ${fields.partBytes}`;
  if (m.parts !== Math.ceil(m.bytes / m.partBytes) || m.parts > partsMax)
    return `parts ${fields.parts} for ${m.bytes} bytes`;
  if (!/^[0-9a-f]{64}$/.test(m.sha256)) return "bad sha256";
  return m;
}

function assertSeq(seq: number): void {
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RedisSnapshotStoreError(`snapshot seq must be a safe integer >= 0, got ${seq}`);
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name === "Error" ? "" : `${error.name}: `}${error.message}`;
  return String(error);
}
