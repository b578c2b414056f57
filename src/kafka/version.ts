// The loaded librdkafka's version, for logs and reports.

import { rdk } from "./ffi.ts";

export function librdkafkaVersion(): string {
  return rdk.rd_kafka_version_str() ?? "unknown";
}
