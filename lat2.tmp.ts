import { Admin, Producer, ProduceRecord, Consumer } from "./src/kafka/index.ts";
import { ensureTopics, defaultTopics } from "./src/kafka/mode/topics.ts";
import { KafkaEngine } from "./src/kafka/mode/engine-host.ts";
import { InputRecordWriter, OrderFields } from "./src/protocol/index.ts";
import { OutputRecordReader } from "./src/kafka/mode/records.ts";
import { partitionOfSymbol } from "./src/kafka/mode/symbol-partition.ts";
import { benchEngine, benchSymbols } from "./bench/kafka-mode/workload.ts";
const bootstrap = "127.0.0.1:19092"; const P = 12;
const topics = defaultTopics(); for (const t of Object.values(topics)) { t.name = `l${Date.now()}.${t.name}`; if (!t.name.endsWith("dlq")) t.partitions = P; }
const admin = new Admin({ bootstrapServers: bootstrap, clientId: "a", operationTimeoutMs: 30000, requestTimeoutMs: 30000 });
await ensureTopics(admin, topics, 1, 60000); admin.close();
const symbols = benchSymbols(P);
const e = await KafkaEngine.start({ bootstrapServers: bootstrap, clientId: "lat", topics, partitions: Array.from({length: P}, (_, i) => i), engine: benchEngine, symbols, snapshotStore: () => null, snapshotPolicy: { everyCommands: 0, everyMs: 0 }, outputLingerMs: Number(process.argv[2] ?? 1), outputQueueMessagesMax: 1000000, log: () => {}, warn: console.warn });
const sent = new Map<number, number>();
const p = new Producer({ bootstrapServers: bootstrap, clientId: "x", lingerMs: 0, batchMessagesMax: 10000, batchBytesMax: 1e6, queueMessagesMax: 100000, queueKbytesMax: 100000, messageBytesMax: 1e6, deliveryTimeoutMs: 0, compression: "lz4", onDelivery: () => {} });
const c = new Consumer({ bootstrapServers: bootstrap, clientId: "c", groupId: "c" + topics.executions.name, batchMessagesMax: 8192, batchArenaBytes: 8 << 20, batchHeadersMax: 100, fetchMaxBytes: 16 << 20, partitionFetchMaxBytes: 4 << 20, fetchWaitMaxMs: 5, queuedMinMessages: 1000000, queuedMaxKbytes: 131072, autoOffsetReset: "earliest", sessionTimeoutMs: 10000, maxPollIntervalMs: 300000 });
c.assign(Array.from({ length: P }, (_, partition) => ({ topic: topics.executions.name, partition, offset: 0 })));
const r = new ProduceRecord(); r.topic = p.topic(topics.orders.name);
const w = new InputRecordWriter(); const o = new OrderFields(); const buf = new Uint8Array(512); const reader = new OutputRecordReader();
const lat: number[] = []; const applied: number[] = [];
for (let i = 1; i <= 400; i++) {
  o.clearOrder(); o.symbolId = i % P; o.clientOrderId = i; o.side = 0; o.priceTicks = 90000; o.qtyLots = 1;
  const n = w.writeNewOrder(buf, 0, 0, 0, 7, 99, i, 0, o);
  r.partition = partitionOfSymbol(symbols[i % P].name, P); r.setValue(buf, 4, n - 4); sent.set(i, performance.now()); p.produce(r);
  const until = performance.now() + 5;
  while (performance.now() < until) { p.poll(0); const b = c.poll(0); for (let k = 0; k < b.count; k++) { const x = reader.execution(b.bytes, b.valueStart[k], b.valueStart[k] + b.valueBytes[k]); if (x.sessionId === 99) lat.push(performance.now() - sent.get(x.sessionSeq)!); } await Bun.sleep(0); }
}
lat.sort((a, b) => a - b);
console.log("e2e p50", lat[lat.length >> 1]?.toFixed(2), "p90", lat[Math.floor(lat.length * 0.9)]?.toFixed(2), "p99", lat[Math.floor(lat.length * 0.99)]?.toFixed(2), lat.length, "pumps", e.stats.pumps);
p.close(1000); c.close(); await e.stop();
