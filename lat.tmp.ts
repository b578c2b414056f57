import { Admin, Producer, ProduceRecord, Consumer } from "./src/kafka/index.ts";
const bootstrap = "127.0.0.1:19092";
const admin = new Admin({ bootstrapServers: bootstrap, clientId: "a", operationTimeoutMs: 30000, requestTimeoutMs: 30000 });
const topic = `lat${Date.now()}`;
await admin.createTopics([{ name: topic, partitions: 12, replicationFactor: 1, config: {} }]); await admin.waitForTopics([topic], 30000, 12); admin.close();
const sent = new Map<number, number>(); const acks: number[] = [];
const p = new Producer({ bootstrapServers: bootstrap, clientId: "x", lingerMs: Number(process.argv[2] ?? 0), batchMessagesMax: 10000, batchBytesMax: 1e6, queueMessagesMax: 100000, queueKbytesMax: 100000, messageBytesMax: 1e6, deliveryTimeoutMs: 0, compression: "lz4", onDelivery: (o) => acks.push(performance.now() - sent.get(o)!) });
const c = new Consumer({ bootstrapServers: bootstrap, clientId: "c", groupId: "c" + topic, batchMessagesMax: 8192, batchArenaBytes: 8 << 20, batchHeadersMax: 100, fetchMaxBytes: 16 << 20, partitionFetchMaxBytes: 4 << 20, fetchWaitMaxMs: Number(process.argv[3] ?? 5), queuedMinMessages: 1000000, queuedMaxKbytes: 131072, autoOffsetReset: "earliest", sessionTimeoutMs: 10000, maxPollIntervalMs: 300000 });
c.assign(Array.from({ length: 12 }, (_, partition) => ({ topic, partition, offset: 0 })));
const r = new ProduceRecord(); r.topic = p.topic(topic); const v = new Uint8Array(100);
const lat: number[] = [];
await Bun.sleep(2000);
for (let i = 0; i < 300; i++) {
  r.partition = i % 12; r.opaque = i; sent.set(i, performance.now()); r.setValue(v); p.produce(r);
  const until = performance.now() + 10;
  while (performance.now() < until) { p.poll(0); const b = c.poll(0); for (let k = 0; k < b.count; k++) lat.push(performance.now() - sent.get(b.offset[k] * 12 + b.partition[k])!); await Bun.sleep(0); }
}
lat.sort((a, b) => a - b); acks.sort((a, b) => a - b);
console.log("ack p50", acks[acks.length >> 1]?.toFixed(2), "consume p50", lat[lat.length >> 1]?.toFixed(2), "p99", lat[Math.floor(lat.length * 0.99)]?.toFixed(2), lat.length);
p.close(1000); c.close();
