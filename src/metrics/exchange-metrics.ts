// The exchange's metric set (issue 13, Observability), declared in one place
// with bounded labels: command type and result, reject reason (the wire's
// RejectReason codes), symbol (the configured symbols, plus "other" for one
// defined later) and book side. Nothing is labelled by order or user.
//
// Hot paths hold pre-resolved children: `commandChild(code, accepted)` and
// `rejectChild(code)` index arrays built here, so a command costs an array
// read and an addition.

import { CommandCode } from "../engine/command.ts";
import { RejectReason } from "../protocol/generated/wire/reject-reason.ts";
import { ioSecondsBuckets, matchingSecondsBuckets } from "./buckets.ts";
import type { CounterChild } from "./counter.ts";
import type { GaugeChild } from "./gauge.ts";
import type { HistogramChild } from "./histogram.ts";
import type { MetricsRegistry } from "./registry.ts";

/** Label value for a symbol defined after start (not in the configured list). */
export const otherSymbol = "other";

const commandTypes = ["new_order", "cancel", "modify", "symbol_def", "mass_cancel", "symbol_status"] as const;
const commandTypeByCode: Record<number, (typeof commandTypes)[number]> = {
  [CommandCode.NewOrder]: "new_order",
  [CommandCode.Cancel]: "cancel",
  [CommandCode.Modify]: "modify",
  [CommandCode.SymbolDef]: "symbol_def",
  [CommandCode.MassCancel]: "mass_cancel",
  [CommandCode.SymbolStatus]: "symbol_status",
};

/** RejectReason members as snake_case label values, by code (None excluded). */
export function rejectReasonNames(): Map<number, string> {
  const names = new Map<number, string>();
  for (const [name, code] of Object.entries(RejectReason)) {
    if (typeof code !== "number" || code === 0) continue;
    names.set(code, name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase());
  }
  return names;
}

export interface ExchangeMetrics {
  /** Whether `code` is a command code this metric set counts. */
  hasCommand(code: number): boolean;
  /** Counter child for a command of `code` (CommandCode) that was accepted or rejected. */
  commandChild(code: number, accepted: boolean): CounterChild;
  /** Counter child for a reject of `code` (RejectReason); an unknown code counts as "other". */
  rejectChild(code: number): CounterChild;
  /** Engine time per command (histogram, seconds). */
  readonly matchingSeconds: HistogramChild;
  /** The symbol label value of a symbol name: itself when configured, else "other". */
  symbolLabel(symbol: string): string;
  /** Open orders (resting plus untriggered stops) per symbol. */
  openOrders(symbol: string): GaugeChild;
  /** Price levels per symbol and side. */
  bookLevels(symbol: string, side: "buy" | "sell"): GaugeChild;
  /** 1 while an operator holds the symbol halted ("other": how many later symbols are). */
  symbolHalted(symbol: string): GaugeChild;
  readonly sessions: GaugeChild;
  readonly feedClients: GaugeChild;
  /** Kafka consumer lag in messages, per input topic partition (0..partitions-1). */
  kafkaConsumerLag(partition: number): GaugeChild;
  readonly kafkaProducerQueueMessages: GaugeChild;
  readonly kafkaProduceSeconds: HistogramChild;
  readonly questdbBacklogRows: GaugeChild;
  readonly questdbSpillBytes: GaugeChild;
}

/** The commands counter (a pair of children per command code: accepted, rejected) and the rejects counter. */
function commandCounters(registry: MetricsRegistry) {
  const commands = registry.counter({
    name: "exchange_commands_total",
    help: "Commands applied by the engine, by type and result (gateway rejects never reach it).",
    labels: { type: commandTypes, result: ["accepted", "rejected"] },
  });
  const byCode: CounterChild[][] = [];
  for (const [code, type] of Object.entries(commandTypeByCode)) {
    byCode[Number(code)] = [
      commands.labels({ type, result: "accepted" }),
      commands.labels({ type, result: "rejected" }),
    ];
  }
  const reasons = rejectReasonNames();
  const rejects = registry.counter({
    name: "exchange_rejects_total",
    help: "Rejected commands by reason: engine reasons (1-19) and gateway reasons (20 and up).",
    labels: { reason: [...reasons.values(), "other"] },
  });
  const rejectByCode: CounterChild[] = [];
  for (const [code, name] of reasons) rejectByCode[code] = rejects.labels({ reason: name });
  return { byCode, rejectByCode, rejectOther: rejects.labels({ reason: "other" }) };
}

/** The per-symbol gauges; symbols past the configured ones share the label "other". */
function symbolGauges(registry: MetricsRegistry, symbols: readonly string[]) {
  const symbolValues = [...new Set([...symbols, otherSymbol])];
  const symbolOf = (symbol: string) => (symbols.includes(symbol) ? symbol : otherSymbol);
  const open = registry.gauge({
    name: "exchange_open_orders",
    help: "Open orders (resting and untriggered stops) per symbol.",
    labels: { symbol: symbolValues },
  });
  const levels = registry.gauge({
    name: "exchange_book_levels",
    help: "Price levels in the book per symbol and side.",
    labels: { symbol: symbolValues, side: ["buy", "sell"] },
  });
  const halted = registry.gauge({
    name: "exchange_symbol_halted",
    help: "1 while an operator holds the symbol halted (cancels only).",
    labels: { symbol: symbolValues },
  });
  return { symbolOf, open, levels, halted };
}

export function registerExchangeMetrics(
  registry: MetricsRegistry,
  options: { symbols: readonly string[]; kafkaPartitions: number },
): ExchangeMetrics {
  const { byCode, rejectByCode, rejectOther } = commandCounters(registry);
  const { symbolOf, open, levels, halted } = symbolGauges(registry, options.symbols);
  const partitions = Array.from({ length: options.kafkaPartitions }, (_, i) => String(i));
  const lag = registry.gauge({
    name: "exchange_kafka_consumer_lag_messages",
    help: "Messages of the input topic not yet consumed, per partition.",
    labels: { partition: partitions },
  });
  return {
    hasCommand: (code) => byCode[code] !== undefined,
    commandChild: (code, accepted) => {
      const pair = byCode[code];
      if (pair === undefined) throw new Error(`metrics: no command code ${code}`);
      return pair[accepted ? 0 : 1]!;
    },
    rejectChild: (code) => rejectByCode[code] ?? rejectOther,
    matchingSeconds: registry
      .histogram({
        name: "exchange_matching_seconds",
        help: "Engine time per command.",
        buckets: matchingSecondsBuckets,
      })
      .labels(),
    symbolLabel: symbolOf,
    openOrders: (symbol) => open.labels({ symbol: symbolOf(symbol) }),
    bookLevels: (symbol, side) => levels.labels({ symbol: symbolOf(symbol), side }),
    symbolHalted: (symbol) => halted.labels({ symbol: symbolOf(symbol) }),
    sessions: registry.gauge({ name: "exchange_sessions", help: "Logged-in TCP order-entry sessions." }).labels(),
    feedClients: registry.gauge({ name: "exchange_feed_clients", help: "Connected WebSocket feed clients." }).labels(),
    kafkaConsumerLag: (partition) => lag.at(partition),
    kafkaProducerQueueMessages: registry
      .gauge({
        name: "exchange_kafka_producer_queue_messages",
        help: "Messages queued in the Kafka producer, not yet acknowledged.",
      })
      .labels(),
    kafkaProduceSeconds: registry
      .histogram({
        name: "exchange_kafka_produce_seconds",
        help: "Time from produce to delivery report.",
        buckets: ioSecondsBuckets,
      })
      .labels(),
    questdbBacklogRows: registry
      .gauge({ name: "exchange_questdb_backlog_rows", help: "Rows waiting to be written to QuestDB (memory)." })
      .labels(),
    questdbSpillBytes: registry
      .gauge({
        name: "exchange_questdb_spill_bytes",
        help: "Bytes of rows spilled to disk while QuestDB was slow or away.",
      })
      .labels(),
  };
}
