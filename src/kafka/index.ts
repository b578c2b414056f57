// The Kafka client: librdkafka through bun:ffi (see README.md).

export { Admin, type AdminOptions, type TopicSpec } from "./admin.ts";
export type { ClientHooks } from "./client.ts";
export type { KafkaProperties } from "./config.ts";
export { ConsumedBatch } from "./consumed-batch.ts";
export { Consumer, type ConsumerOptions, Offset } from "./consumer.ts";
export { ErrorCode, KafkaConfigError, KafkaError } from "./errors.ts";
export { librdkafkaPath } from "./ffi.ts";
export type { PartitionMetadata, TopicMetadata } from "./metadata.ts";
export type { TopicPartition, TopicPartitionOffset } from "./partitions.ts";
export { ProduceBatch } from "./produce-batch.ts";
export { type Compression, type DeliveryHandler, Producer, type ProducerOptions } from "./producer.ts";
export { HeaderName, OPAQUE_MAX, PARTITION_ANY, ProduceHeaders, ProduceRecord } from "./record.ts";
export { librdkafkaVersion } from "./version.ts";
