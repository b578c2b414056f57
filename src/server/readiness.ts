// The exchange's readiness checks (/ready): recovered and taking orders, the
// journal taking records, the snapshot store reachable when it is Redis, and
// in full mode the first Kafka broker and QuestDB answering. An output that
// runs (the Kafka part, market data) may register a check of the same name
// through the metrics hooks: its own then stands instead. Each check answers
// at once or within the handler's per-check timeout.

import { probeKafka } from "../kafka/probe.ts";
import type { ReadinessCheck } from "../metrics/index.ts";
import type { SnapshotStore } from "../snapshot/store.ts";

/** Where the process is in its life cycle. */
export type Phase = "starting" | "running" | "stopping";

export function lifecycleCheck(state: () => { phase: Phase; detail: string }): ReadinessCheck {
  return {
    name: "exchange",
    check: () => {
      const s = state();
      return { ready: s.phase === "running", reason: s.phase === "running" ? s.detail : `${s.phase}: ${s.detail}` };
    },
  };
}

export function journalCheck(
  state: () => { failed: Error | null; durableSeq: number; pendingRecords: number },
): ReadinessCheck {
  return {
    name: "journal",
    check: () => {
      const s = state();
      if (s.failed !== null) return { ready: false, reason: `failed: ${s.failed.message}` };
      return { ready: true, reason: `durable to seq ${s.durableSeq}, ${s.pendingRecords} records pending` };
    },
  };
}

/** A store that can say whether it is reachable now (the Redis store does). */
interface ProbedStore extends SnapshotStore {
  health(): Promise<{ ok: boolean; reason: string }>;
}

function isProbed(store: SnapshotStore): store is ProbedStore {
  return typeof (store as Partial<ProbedStore>).health === "function";
}

/** The snapshot store: Redis must answer; a file store is local and always ready. */
export function snapshotStoreCheck(store: SnapshotStore | null): ReadinessCheck {
  return {
    name: "snapshots",
    check: async () => {
      if (store === null) return { ready: true, reason: "snapshots off" };
      if (!isProbed(store)) return { ready: true, reason: store.description };
      const h = await store.health();
      return { ready: h.ok, reason: h.reason };
    },
  };
}

/** QuestDB's HTTP endpoint answers SQL (full mode: market-data history goes there). */
export function questdbCheck(host: string, port: number, timeoutMs: number): ReadinessCheck {
  const url = `http://${host}:${port}/exec?query=${encodeURIComponent("select 1")}`;
  return {
    name: "questdb",
    check: async () => {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer();
        return res.ok
          ? { ready: true, reason: `${host}:${port} answers SQL` }
          : { ready: false, reason: `${host}:${port}: HTTP ${res.status}` };
      } catch (error) {
        return { ready: false, reason: `${host}:${port}: ${(error as Error).message}` };
      }
    },
  };
}

/** The first Kafka broker of the configuration handles a request (one ApiVersions round trip). */
export function kafkaCheck(broker: string, timeoutMs: number): ReadinessCheck {
  const at = broker.lastIndexOf(":");
  const host = broker.slice(0, at).replace(/^\[|\]$/g, "");
  const port = Number(broker.slice(at + 1));
  return {
    name: "kafka",
    check: async () => {
      const probe = await probeKafka(port, timeoutMs, host);
      if (probe === null) return { ready: false, reason: `${broker}: no Kafka answer within ${timeoutMs} ms` };
      return probe.errorCode === 0
        ? { ready: true, reason: `${broker} answers` }
        : { ready: false, reason: `${broker}: error code ${probe.errorCode}` };
    },
  };
}
