// Where snapshots live. Two stores implement this: files in the data directory
// (embedded mode) and Redis. A store keeps the newest `keep` snapshots and
// makes each one visible only once it is complete.

export interface SnapshotMeta {
  /** Input-log position the snapshot corresponds to (the last command applied). */
  seq: number;
  bytes: number;
}

export interface SnapshotStore {
  /** A name for logs ("file /data/snapshots", "redis 127.0.0.1:6379 key exch:0"). */
  readonly description: string;
  /**
   * Stores a complete snapshot for `seq`, then drops all but the newest `keep`. Atomic: readers see all of it or none.
   */
  save(seq: number, bytes: Uint8Array): Promise<void>;
  /** Stored snapshots, newest first. */
  list(): Promise<SnapshotMeta[]>;
  /** The bytes of one snapshot, or null if it is gone. */
  load(seq: number): Promise<Uint8Array | null>;
  close(): Promise<void>;
}
