// The snapshot store a configuration asks for.

import { join } from "node:path";
import type { ExchangeConfig } from "./config.ts";
import { FileSnapshotStore } from "../snapshot/file-store.ts";
import { RedisSnapshotStore } from "../snapshot/redis-store.ts";
import type { SnapshotStore } from "../snapshot/store.ts";

export function openSnapshotStore(config: ExchangeConfig, warn: (line: string) => void): SnapshotStore | null {
  const s = config.snapshots;
  if (!s.enabled) return null;
  if (s.store === "file") return new FileSnapshotStore({ dir: join(config.dataDir, "snapshots"), keep: s.keep });
  return new RedisSnapshotStore({
    host: s.redis.host,
    port: s.redis.port,
    keyPrefix: s.redis.keyPrefix,
    keep: s.keep,
    timeoutMs: 5000,
    connectTimeoutMs: 2000,
    reconnectDelayMsMax: 2000,
    warn,
  });
}
