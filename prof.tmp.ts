import { Admin, Producer, ProduceRecord, ErrorCode } from "./src/kafka/index.ts";
import { ensureTopics, defaultTopics } from "./src/kafka/mode/topics.ts";
import { KafkaEngine } from "./src/kafka/mode/engine-host.ts";
import { buildWorkload, benchEngine } from "./bench/kafka-mode/workload.ts";
const bootstrap = "127.0.0.1:19092";
const N = Number(process.argv[2] ?? 300000);
const P = 12;
const topics = defaultTopics();
for (const t of Object.values(topics)) { t.name = `p${Date.now()}.${t.name}`; if (!t.name.endsWith("dlq")) t.partitions = P; }
const admin = new Admin({ bootstrapServers: bootstrap, clientId: "a", operationTimeoutMs: 30000, requestTimeoutMs: 30000 });
await ensureTopics(admin, topics, 1, 60000); admin.close();
const w = buildWorkload(N, P, 1000);
// Define symbols first (an engine start), then stop it and fill the backlog.
let e = await KafkaEngine.start({ bootstrapServers: bootstrap, clientId: "prof", topics, partitions: Array.from({length: P}, (_, i) => i), engine: benchEngine, symbols: w.symbols, snapshotStore: () => null, snapshotPolicy: { everyCommands: 0, everyMs: 0 }, outputLingerMs: 1, outputQueueMessagesMax: 1000000, log: () => {}, warn: console.warn });
await e.stop();
let acked = 0;
const p = new Producer({ bootstrapServers: bootstrap, clientId: "p", lingerMs: 5, batchMessagesMax: 10000, batchBytesMax: 1e6, queueMessagesMax: 1000000, queueKbytesMax: 1048576, messageBytesMax: 1e6, deliveryTimeoutMs: 300000, compression: "lz4", onDelivery: () => { acked++; } });
const rec = new ProduceRecord(); rec.topic = p.topic(topics.orders.name);
let t0 = performance.now();
for (let k = 0; k < N; k++) { rec.partition = w.partition[k]; rec.setValue(w.bytes, w.start[k], w.length[k]); while (p.produce(rec) === ErrorCode._QUEUE_FULL) p.poll(1); if ((k & 1023) === 0) p.poll(0); }
while (acked < N) p.poll(10);
console.log("produced", N, "in", (performance.now() - t0).toFixed(0), "ms");
p.close(1000);
t0 = performance.now();
e = await KafkaEngine.start({ bootstrapServers: bootstrap, clientId: "prof", topics, partitions: Array.from({length: P}, (_, i) => i), engine: benchEngine, symbols: w.symbols, snapshotStore: () => null, snapshotPolicy: { everyCommands: 0, everyMs: 0 }, outputLingerMs: 1, outputQueueMessagesMax: 1000000, log: console.log, warn: console.warn });
const replayMs = performance.now() - t0;
console.log("engine replay:", N, "orders in", replayMs.toFixed(0), "ms =", (N / replayMs * 1000).toFixed(0), "/s; outputs", e.outputs.stats, "pumps", e.stats);
const t1 = performance.now(); while (e.outputs.outstanding > 0) { e.outputs.poll(); await Bun.sleep(1); }
console.log("outputs acked after", (performance.now() - t1).toFixed(0), "ms more");
await e.stop();
