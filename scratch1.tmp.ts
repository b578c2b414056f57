import { Admin, Producer, ProduceRecord, Consumer } from "./src/kafka/index.ts";
import { ensureTopics, defaultTopics, type KafkaModeTopics } from "./src/kafka/mode/topics.ts";
import { KafkaEngine } from "./src/kafka/mode/engine-host.ts";
import { InputRecordWriter, OrderFields } from "./src/protocol/index.ts";
import { OutputRecordReader } from "./src/kafka/mode/records.ts";
import { partitionOfSymbol } from "./src/kafka/mode/symbol-partition.ts";
const bootstrap = "127.0.0.1:19092";
const pfx = `t${Date.now()}`;
const topics: KafkaModeTopics = defaultTopics();
for (const t of Object.values(topics)) { t.name = `${pfx}.${t.name}`; t.partitions = Math.min(t.partitions, 4); }
const admin = new Admin({ bootstrapServers: bootstrap, clientId: "a", operationTimeoutMs: 30000, requestTimeoutMs: 30000 });
await ensureTopics(admin, topics, 1, 60000);
admin.close();
const symbols = [{ name: "BTC-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000000, maxQty: 1000000 }, { name: "ETH-USD", tickSize: 1, lotSize: 1, minPrice: 1, maxPrice: 1000000, maxQty: 1000000 }];
console.log(symbols.map(s => partitionOfSymbol(s.name, 4)));
const t0 = performance.now();
const engine = await KafkaEngine.start({ bootstrapServers: bootstrap, clientId: "eng", topics, partitions: [0,1,2,3], engine: { ordersMax: 1 << 16, levelsMax: 1 << 12, levelsPerSideMax: 1 << 10, symbolsMax: 8 }, symbols, snapshotStore: () => null, snapshotPolicy: { everyCommands: 0, everyMs: 0 }, outputLingerMs: 1, outputQueueMessagesMax: 100000, log: console.log, warn: console.warn });
console.log("started in", performance.now() - t0);
const delivered: number[] = [];
const producer = new Producer({ bootstrapServers: bootstrap, clientId: "p", lingerMs: 1, batchMessagesMax: 10000, batchBytesMax: 1e6, queueMessagesMax: 100000, queueKbytesMax: 65536, messageBytesMax: 1e6, deliveryTimeoutMs: 30000, compression: "none", onDelivery: (o, p, off, e) => delivered.push(e) });
const rec = new ProduceRecord(); rec.topic = producer.topic(topics.orders.name);
const w = new InputRecordWriter(); const buf = new Uint8Array(4096); const o = new OrderFields();
const key = new TextEncoder().encode("BTC-USD");
function send(kind: string, user: number, coid: number, side: number, price: number, qty: number) {
  o.clearOrder(); o.clientOrderId = coid; o.symbolId = 0; o.side = side; o.priceTicks = price; o.qtyLots = qty;
  const n = kind === "new" ? w.writeNewOrder(buf, 0, 0, 0, user, 7, coid, 0, o) : w.writeCancel(buf, 0, 0, 0, user, 7, coid, 0, o);
  rec.partition = partitionOfSymbol("BTC-USD", 4); rec.setValue(buf, 4, n - 4).setKey(key);
  if (producer.produce(rec) !== 0) throw new Error("produce");
}
send("new", 1, 1, 0, 100, 10); send("new", 2, 1, 1, 100, 4); send("cancel", 1, 1, 0, 0, 0); send("cancel", 1, 99, 0, 0, 0);
producer.flush(10000);
const cons = new Consumer({ bootstrapServers: bootstrap, clientId: "c", groupId: "c", batchMessagesMax: 1000, batchArenaBytes: 1<<20, batchHeadersMax: 1000, fetchMaxBytes: 1<<20, partitionFetchMaxBytes: 1<<20, fetchWaitMaxMs: 10, queuedMinMessages: 1000, queuedMaxKbytes: 1024, autoOffsetReset: "earliest", sessionTimeoutMs: 10000, maxPollIntervalMs: 300000 });
cons.assign([0,1,2,3].map(p => ({ topic: topics.executions.name, partition: p, offset: 0 })).concat([0,1,2,3].map(p => ({ topic: topics.matches.name, partition: p, offset: 0 }))).concat([0,1,2,3].map(p => ({ topic: topics.marketData.name, partition: p, offset: 0 }))));
const reader = new OutputRecordReader();
const deadline = performance.now() + 5000; let n = 0;
while (performance.now() < deadline) {
  await Bun.sleep(20);
  const b = cons.poll(0);
  for (let i = 0; i < b.count; i++) { n++; const t = cons.topicName(b.topicIndex[i]); const v = b.value(i)!;
    if (t.endsWith("executions")) console.log("EXEC", JSON.stringify(reader.execution(v)));
    else if (t.endsWith("matches")) console.log("TRADE", JSON.stringify(reader.trade(v)));
    else console.log("MD", JSON.stringify(reader.marketData(v)));
  }
}
console.log(engine.shards.map(s => [s.partition, s.nextOffset, s.stats, s.sequencer.engine.stateHash()]), engine.stats, engine.outputs.stats);
cons.close(); producer.close(1000);
await engine.stop();
