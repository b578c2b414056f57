// Records a shard cannot apply go to the dead-letter topic (`orders.dlq`):
// the original key and value (none when the consumer could not even hold the
// value), and headers saying why and where from. The dead letter is an output
// of the shard like its executions: tracked until acknowledged, so a
// snapshot past it is stored only once it is safe in Kafka.

import type { ConsumedBatch } from "../consumed-batch.ts";
import { HeaderName, PARTITION_ANY, ProduceHeaders } from "../record.ts";
import type { OutputLog } from "./output-log.ts";

/** Header names of a dead letter. */
export const DeadLetterHeader = {
  /** One of admission.ts's DeadLetterReason codes, e.g. "undecodable". */
  reason: "dlq.reason",
  /** A sentence for people, e.g. "not an InputRecord: buffer_too_short". */
  detail: "dlq.detail",
  /** Where the record was: topic, partition and offset (decimal). */
  topic: "dlq.topic",
  partition: "dlq.partition",
  offset: "dlq.offset",
} as const;

const textEncoder = new TextEncoder();

export class DeadLetters {
  private readonly log: OutputLog;
  private readonly topic: number;
  private readonly sourceTopic: Uint8Array;
  private readonly headers = new ProduceHeaders(5);
  private readonly names = {
    reason: new HeaderName(DeadLetterHeader.reason),
    detail: new HeaderName(DeadLetterHeader.detail),
    topic: new HeaderName(DeadLetterHeader.topic),
    partition: new HeaderName(DeadLetterHeader.partition),
    offset: new HeaderName(DeadLetterHeader.offset),
  };
  count = 0;

  constructor(log: OutputLog, deadLetterTopic: string, sourceTopic: string) {
    this.log = log;
    this.topic = log.topic(deadLetterTopic);
    this.sourceTopic = textEncoder.encode(sourceTopic);
  }

  /** Sends message `i` of `batch` (shard `shardIndex`, after its command `seq`) with `reason` and `detail`. */
  send(shardIndex: number, seq: number, batch: ConsumedBatch, i: number, reason: string, detail: string): void {
    const h = this.headers;
    h.clear();
    h.add(this.names.reason, textEncoder.encode(reason));
    h.add(this.names.detail, textEncoder.encode(detail));
    h.add(this.names.topic, this.sourceTopic);
    h.add(this.names.partition, textEncoder.encode(String(batch.partition[i])));
    h.add(this.names.offset, textEncoder.encode(String(batch.offset[i])));
    const r = this.log.record;
    r.topic = this.topic;
    r.partition = PARTITION_ANY;
    r.headers = h;
    r.setValue(batch.valueBytes[i]! < 0 ? null : batch.bytes, batch.valueStart[i]!, Math.max(0, batch.valueBytes[i]!));
    r.setKey(batch.keyBytes[i]! < 0 ? null : batch.bytes, batch.keyStart[i]!, Math.max(0, batch.keyBytes[i]!));
    this.log.send(shardIndex, seq);
    r.headers = null;
    this.count++;
  }
}
