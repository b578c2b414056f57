// Loads librdkafka (and libc's memcpy) through bun:ffi: the symbol table of
// every C function this module calls, with its C signature beside it.
// Types: `ptr` is any pointer (a JS number), `u64` a size_t, `i64_fast` an
// int64_t/ssize_t returned as a number when it fits (no BigInt per call).

import { dlopen, FFIType } from "bun:ffi";

const { ptr, i32, u64, i64, i64_fast, u64_fast, cstring } = FFIType;
const none = FFIType.void;

/**
 * Override with LIBRDKAFKA_PATH (e.g. a newer build); the default is Debian's soname, found through the loader's cache.
 */
export const librdkafkaPath = process.env.LIBRDKAFKA_PATH ?? "librdkafka.so.1";
/** The oldest librdkafka this module was written and tested against (Debian 12's 2.0.2). */
const versionMin = 0x020000ff;

const symbols = {
  // int rd_kafka_version(void); const char *rd_kafka_version_str(void)
  rd_kafka_version: { args: [], returns: i32 },
  rd_kafka_version_str: { args: [], returns: cstring },
  // const char *rd_kafka_err2name(rd_kafka_resp_err_t); const char *rd_kafka_err2str(rd_kafka_resp_err_t)
  rd_kafka_err2name: { args: [i32], returns: cstring },
  rd_kafka_err2str: { args: [i32], returns: cstring },
  rd_kafka_last_error: { args: [], returns: i32 },

  // Configuration and handles.
  rd_kafka_conf_new: { args: [], returns: ptr },
  rd_kafka_conf_destroy: { args: [ptr], returns: none },
  // rd_kafka_conf_res_t rd_kafka_conf_set(conf, const char *name, const char *value, char *errstr, size_t errstr_size)
  rd_kafka_conf_set: { args: [ptr, cstring, cstring, ptr, u64], returns: i32 },
  rd_kafka_conf_set_events: { args: [ptr, i32], returns: none },
  // rd_kafka_t *rd_kafka_new(rd_kafka_type_t type, conf, char *errstr, size_t errstr_size)
  rd_kafka_new: { args: [i32, ptr, ptr, u64], returns: ptr },
  rd_kafka_destroy: { args: [ptr], returns: none },
  rd_kafka_wait_destroyed: { args: [i32], returns: i32 },
  rd_kafka_name: { args: [ptr], returns: cstring },
  // rd_kafka_resp_err_t rd_kafka_fatal_error(rk, char *errstr, size_t errstr_size)
  rd_kafka_fatal_error: { args: [ptr, ptr, u64], returns: i32 },
  rd_kafka_outq_len: { args: [ptr], returns: i32 },
  rd_kafka_flush: { args: [ptr, i32], returns: i32 },
  // rd_kafka_resp_err_t rd_kafka_purge(rk, int purge_flags)
  rd_kafka_purge: { args: [ptr, i32], returns: i32 },

  // Queues and events.
  rd_kafka_queue_get_main: { args: [ptr], returns: ptr },
  rd_kafka_queue_get_consumer: { args: [ptr], returns: ptr },
  rd_kafka_queue_new: { args: [ptr], returns: ptr },
  rd_kafka_queue_destroy: { args: [ptr], returns: none },
  rd_kafka_queue_poll: { args: [ptr, i32], returns: ptr },
  rd_kafka_set_log_queue: { args: [ptr, ptr], returns: i32 },
  rd_kafka_event_type: { args: [ptr], returns: i32 },
  rd_kafka_event_destroy: { args: [ptr], returns: none },
  rd_kafka_event_message_next: { args: [ptr], returns: ptr },
  // size_t rd_kafka_event_message_array(rkev, const rd_kafka_message_t **rkmessages, size_t size): continues
  // where the last call stopped.
  rd_kafka_event_message_array: { args: [ptr, ptr, u64], returns: u64 },
  rd_kafka_event_error: { args: [ptr], returns: i32 },
  rd_kafka_event_error_string: { args: [ptr], returns: cstring },
  rd_kafka_event_error_is_fatal: { args: [ptr], returns: i32 },
  // int rd_kafka_event_log(rkev, const char **fac, const char **str, int *level)
  rd_kafka_event_log: { args: [ptr, ptr, ptr, ptr], returns: i32 },

  // rd_kafka_error_t (produceva, seek_partitions).
  rd_kafka_error_code: { args: [ptr], returns: i32 },
  rd_kafka_error_string: { args: [ptr], returns: cstring },
  rd_kafka_error_is_fatal: { args: [ptr], returns: i32 },
  rd_kafka_error_destroy: { args: [ptr], returns: none },

  // Producer.
  rd_kafka_topic_new: { args: [ptr, cstring, ptr], returns: ptr },
  rd_kafka_topic_destroy: { args: [ptr], returns: none },
  rd_kafka_topic_name: { args: [ptr], returns: cstring },
  // int rd_kafka_produce(rkt, int32_t partition, int msgflags, void *payload, size_t len, const void *key, size_t
  // keylen, void *msg_opaque)
  rd_kafka_produce: { args: [ptr, i32, i32, ptr, u64, ptr, u64, ptr], returns: i32 },
  // int rd_kafka_produce_batch(rkt, int32_t partition, int msgflags, rd_kafka_message_t *rkmessages, int message_cnt)
  rd_kafka_produce_batch: { args: [ptr, i32, i32, ptr, i32], returns: i32 },
  // rd_kafka_error_t *rd_kafka_produceva(rk, const rd_kafka_vu_t *vus, size_t cnt)
  rd_kafka_produceva: { args: [ptr, ptr, u64], returns: ptr },

  // Consumer.
  rd_kafka_topic_partition_list_new: { args: [i32], returns: ptr },
  rd_kafka_topic_partition_list_destroy: { args: [ptr], returns: none },
  rd_kafka_topic_partition_list_add: { args: [ptr, cstring, i32], returns: ptr },
  // rd_kafka_resp_err_t rd_kafka_topic_partition_list_set_offset(list, const char *topic,
  // int32_t partition, int64_t offset)
  rd_kafka_topic_partition_list_set_offset: { args: [ptr, cstring, i32, i64], returns: i32 },
  rd_kafka_assign: { args: [ptr, ptr], returns: i32 },
  // rd_kafka_resp_err_t rd_kafka_assignment(rk, rd_kafka_topic_partition_list_t **partitions)
  rd_kafka_assignment: { args: [ptr, ptr], returns: i32 },
  rd_kafka_subscribe: { args: [ptr, ptr], returns: i32 },
  rd_kafka_unsubscribe: { args: [ptr], returns: i32 },
  rd_kafka_seek_partitions: { args: [ptr, ptr, i32], returns: ptr },
  // ssize_t rd_kafka_consume_batch_queue(rkqu, int timeout_ms, rd_kafka_message_t **rkmessages, size_t rkmessages_size)
  rd_kafka_consume_batch_queue: { args: [ptr, i32, ptr, u64], returns: i64_fast },
  rd_kafka_message_destroy: { args: [ptr], returns: none },
  rd_kafka_message_errstr: { args: [ptr], returns: cstring },
  // int64_t rd_kafka_message_timestamp(const rd_kafka_message_t *, rd_kafka_timestamp_type_t *tstype)
  rd_kafka_message_timestamp: { args: [ptr, ptr], returns: i64_fast },
  // rd_kafka_resp_err_t rd_kafka_message_headers(const rd_kafka_message_t *, rd_kafka_headers_t **hdrsp)
  rd_kafka_message_headers: { args: [ptr, ptr], returns: i32 },
  // rd_kafka_resp_err_t rd_kafka_header_get_all(hdrs, size_t idx, const char **namep, const
  // void **valuep, size_t *sizep)
  rd_kafka_header_get_all: { args: [ptr, u64, ptr, ptr, ptr], returns: i32 },
  rd_kafka_commit: { args: [ptr, ptr, i32], returns: i32 },
  rd_kafka_committed: { args: [ptr, ptr, i32], returns: i32 },
  rd_kafka_consumer_close: { args: [ptr], returns: i32 },
  // rd_kafka_resp_err_t rd_kafka_query_watermark_offsets(rk, const char *topic, int32_t partition, int64_t *low,
  // int64_t *high, int timeout_ms)
  rd_kafka_query_watermark_offsets: { args: [ptr, cstring, i32, ptr, ptr, i32], returns: i32 },
  // rd_kafka_resp_err_t rd_kafka_get_watermark_offsets(rk, const char *topic, int32_t partition, int64_t *low, int64_t
  // *high): the last fetch's, no request
  rd_kafka_get_watermark_offsets: { args: [ptr, cstring, i32, ptr, ptr], returns: i32 },

  // Metadata.
  // rd_kafka_resp_err_t rd_kafka_metadata(rk, int all_topics, rd_kafka_topic_t *only_rkt, const struct
  // rd_kafka_metadata **metadatap, int timeout_ms)
  rd_kafka_metadata: { args: [ptr, i32, ptr, ptr, i32], returns: i32 },
  rd_kafka_metadata_destroy: { args: [ptr], returns: none },

  // Admin API.
  rd_kafka_AdminOptions_new: { args: [ptr, i32], returns: ptr },
  rd_kafka_AdminOptions_destroy: { args: [ptr], returns: none },
  rd_kafka_AdminOptions_set_request_timeout: { args: [ptr, i32, ptr, u64], returns: i32 },
  rd_kafka_AdminOptions_set_operation_timeout: { args: [ptr, i32, ptr, u64], returns: i32 },
  // rd_kafka_NewTopic_t *rd_kafka_NewTopic_new(const char *topic, int num_partitions, int replication_factor, char
  // *errstr, size_t errstr_size)
  rd_kafka_NewTopic_new: { args: [cstring, i32, i32, ptr, u64], returns: ptr },
  rd_kafka_NewTopic_destroy: { args: [ptr], returns: none },
  rd_kafka_NewTopic_set_config: { args: [ptr, cstring, cstring], returns: i32 },
  // void rd_kafka_CreateTopics(rk, rd_kafka_NewTopic_t **new_topics, size_t new_topic_cnt, const
  // rd_kafka_AdminOptions_t *options, rd_kafka_queue_t *rkqu)
  rd_kafka_CreateTopics: { args: [ptr, ptr, u64, ptr, ptr], returns: none },
  rd_kafka_event_CreateTopics_result: { args: [ptr], returns: ptr },
  rd_kafka_CreateTopics_result_topics: { args: [ptr, ptr], returns: ptr },
  rd_kafka_DeleteTopic_new: { args: [cstring], returns: ptr },
  rd_kafka_DeleteTopic_destroy: { args: [ptr], returns: none },
  rd_kafka_DeleteTopics: { args: [ptr, ptr, u64, ptr, ptr], returns: none },
  rd_kafka_event_DeleteTopics_result: { args: [ptr], returns: ptr },
  rd_kafka_DeleteTopics_result_topics: { args: [ptr, ptr], returns: ptr },
  rd_kafka_topic_result_error: { args: [ptr], returns: i32 },
  rd_kafka_topic_result_error_string: { args: [ptr], returns: cstring },
  rd_kafka_topic_result_name: { args: [ptr], returns: cstring },
  rd_kafka_ConfigResource_new: { args: [i32, cstring], returns: ptr },
  rd_kafka_ConfigResource_destroy: { args: [ptr], returns: none },
  rd_kafka_ConfigResource_configs: { args: [ptr, ptr], returns: ptr },
  rd_kafka_ConfigResource_error: { args: [ptr], returns: i32 },
  rd_kafka_ConfigResource_error_string: { args: [ptr], returns: cstring },
  rd_kafka_DescribeConfigs: { args: [ptr, ptr, u64, ptr, ptr], returns: none },
  rd_kafka_event_DescribeConfigs_result: { args: [ptr], returns: ptr },
  rd_kafka_DescribeConfigs_result_resources: { args: [ptr, ptr], returns: ptr },
  rd_kafka_ConfigEntry_name: { args: [ptr], returns: cstring },
  rd_kafka_ConfigEntry_value: { args: [ptr], returns: cstring },
} as const;

function load() {
  try {
    return dlopen(librdkafkaPath, symbols);
  } catch (error) {
    throw new Error(
      `cannot load librdkafka from ${librdkafkaPath}: ${(error as Error).message}. ` +
        "Install it with `bun scripts/kafka.ts install` (Debian: apt-get install librdkafka1 librdkafka-dev).",
    );
  }
}

const library = load();
/** librdkafka's C functions. */
export const rdk = library.symbols;

if (rdk.rd_kafka_version() < versionMin) {
  throw new Error(
    `librdkafka ${rdk.rd_kafka_version_str()} at ${librdkafkaPath} is older than 2.0.0, ` +
      `which this module needs (produceva, seek_partitions)`,
  );
}

/**
 * libc's memcpy and strlen: copy consumed payloads from librdkafka's memory into our arena
 * without a JS object per message.
 */
export const libc = dlopen("libc.so.6", {
  memcpy: { args: [ptr, ptr, u64], returns: ptr },
  strlen: { args: [ptr], returns: u64_fast },
}).symbols;
