// Proves the exchange's metric set registers with bounded labels, parses, and maps command and reject codes to their
// pre-resolved children.

import { describe, expect, test } from "bun:test";
import { CommandCode } from "../engine/command.ts";
import { RejectReason } from "../protocol/generated/wire/reject-reason.ts";
import { otherSymbol, registerExchangeMetrics, rejectReasonNames } from "./exchange-metrics.ts";
import { MetricsRegistry } from "./registry.ts";
import { parseExposition, sampleValue } from "./test-support.ts";

describe("exchange metrics", () => {
  const r = new MetricsRegistry();
  const m = registerExchangeMetrics(r, { symbols: ["BTC-USD", "ETH-USD"], kafkaPartitions: 2 });

  test("codes reach their children and the exposition shows them", () => {
    m.commandChild(CommandCode.NewOrder, true).inc(3);
    m.commandChild(CommandCode.Cancel, false).inc();
    m.rejectChild(RejectReason.PriceOffTick).inc();
    m.rejectChild(RejectReason.RateLimited).inc(2);
    m.rejectChild(999).inc();
    m.openOrders("BTC-USD").set(10);
    m.openOrders("NEW-SYM").set(4);
    m.bookLevels("ETH-USD", "sell").set(7);
    m.matchingSeconds.observe(300e-9);
    m.kafkaConsumerLag(1).set(12);
    const f = parseExposition(r.expose());
    expect(sampleValue(f, "exchange_commands_total", { type: "new_order", result: "accepted" })).toBe(3);
    expect(sampleValue(f, "exchange_commands_total", { type: "cancel", result: "rejected" })).toBe(1);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "price_off_tick" })).toBe(1);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "rate_limited" })).toBe(2);
    expect(sampleValue(f, "exchange_rejects_total", { reason: "other" })).toBe(1);
    expect(sampleValue(f, "exchange_open_orders", { symbol: "BTC-USD" })).toBe(10);
    expect(sampleValue(f, "exchange_open_orders", { symbol: otherSymbol })).toBe(4);
    expect(sampleValue(f, "exchange_book_levels", { symbol: "ETH-USD", side: "sell" })).toBe(7);
    expect(sampleValue(f, "exchange_kafka_consumer_lag_messages", { partition: "1" })).toBe(12);
    expect(sampleValue(f, "exchange_matching_seconds")).toBe(1);
  });

  test("reject reasons are the wire's, in snake case", () => {
    const names = rejectReasonNames();
    expect(names.get(1)).toBe("unknown_symbol");
    expect(names.get(24)).toBe("malformed_message");
    expect(names.has(0)).toBe(false);
  });

  test("an unknown command code is a programmer error", () => {
    expect(() => m.commandChild(77, true)).toThrow("no command code 77");
  });
});
