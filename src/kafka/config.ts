// librdkafka configuration: a record of properties, every one set explicitly,
// becomes an rd_kafka_conf_t, and any property librdkafka refuses becomes a
// KafkaConfigError naming it.

import { CString, type Pointer } from "bun:ffi";
import { KafkaConfigError } from "./errors.ts";
import { rdk } from "./ffi.ts";
import { RD_KAFKA_CONF_OK, RD_KAFKA_CONF_UNKNOWN, Scratch } from "./native.ts";

/** librdkafka property name → value, both as librdkafka spells them ("acks": "all"). */
export type KafkaProperties = Readonly<Record<string, string>>;

const errstrBytes = 512;

/**
 * One error-text buffer for rd_kafka_conf_set / rd_kafka_new / NewTopic_new (JS is single-threaded;
 * each call reads it at once).
 */
export const errstr = new Scratch(errstrBytes);

export function errstrText(): string {
  return new CString(errstr.ptr).toString();
}

/**
 * A fresh rd_kafka_conf_t with every property of `properties` set, in order;
 * on the first refusal the conf is destroyed and a KafkaConfigError names the
 * property. The caller owns the result until rd_kafka_new takes it.
 */
export function newConf(properties: KafkaProperties, what: string): Pointer {
  const conf = rdk.rd_kafka_conf_new() as Pointer | null;
  if (conf === null) throw new Error("rd_kafka_conf_new returned NULL (out of memory)");
  for (const [name, value] of Object.entries(properties)) {
    errstr.u8[0] = 0;
    const result = rdk.rd_kafka_conf_set(conf, name, value, errstr.ptr, errstrBytes);
    if (result !== RD_KAFKA_CONF_OK) {
      rdk.rd_kafka_conf_destroy(conf);
      const kind = result === RD_KAFKA_CONF_UNKNOWN ? "unknown property" : "invalid value";
      throw new KafkaConfigError(name, `${what} configuration: ${kind} ${name}=${JSON.stringify(value)}`, errstrText());
    }
  }
  return conf;
}

/**
 * Properties for a client's own choices, with the caller's `overrides` applied last (a test's tighter
 * limit, a tuning experiment).
 */
export function withOverrides(base: KafkaProperties, overrides: KafkaProperties | undefined): KafkaProperties {
  return overrides === undefined ? base : { ...base, ...overrides };
}
