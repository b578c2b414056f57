// The exchange's whole configuration, declared once. Names and defaults of the
// keys that existed before this schema (src/server/config.ts) are kept so
// deployments and scripts keep working; units go last in new names.
// docs/configuration.md is generated from this file (scripts/gen-config-doc.ts).

import { defaultEngineConfig, ORDERS_MAX_LIMIT } from "../engine/config.ts";
import { INT_MAX, PRICE_MAX } from "../engine/constants.ts";
import { batchBytesLimit } from "../journal/constants.ts";
import { bool, type Infer, int, list, object, oneOf, string } from "./schema.ts";

/** Services listen on loopback only in this build (README, Configuration). */
const loopbackHosts = ["127.0.0.1", "localhost", "::1"] as const;
/** 0 asks the OS for a free port (tests); the bound port is printed at start. */
const portMax = 65535;
const hostname = { regex: /^[A-Za-z0-9.:-]+$/, text: "a host name or IP address" };
const hostPort = { regex: /^(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):[0-9]{1,5}$/, text: "host:port" };
const symbolName = { regex: /^[\x21-\x7e]+$/, text: "printable ASCII without spaces" };
const topicName = { regex: /^[A-Za-z0-9._-]+$/, text: "letters, digits, '.', '_' and '-' (Kafka's rule)" };

function listener(what: string, port: number) {
  return object(`Where ${what} listens.`, {
    host: oneOf(loopbackHosts, {
      default: "127.0.0.1",
      doc: `Interface ${what} binds to; loopback only in this build.`,
    }),
    port: int({ default: port, min: 0, max: portMax, doc: `TCP port of ${what}; 0 picks a free one.` }),
  });
}

export const exchangeSchema = object("The exchange configuration.", {
  mode: oneOf(["embedded", "full"], {
    default: "embedded",
    doc:
      "embedded: one process, journal and snapshot files, no servers. full: snapshots in Redis, " +
      "Kafka in and out, market data to QuestDB.",
  }),
  dataDir: string({
    default: ".data",
    lengthMin: 1,
    lengthMax: 4096,
    doc: "Directory of the journal (journal.bin) and of file snapshots; created if missing.",
  }),
  apiKeysFile: string({
    default: "",
    lengthMax: 4096,
    doc:
      'File of hashed API keys (JSON or TOML, see "API keys file"); relative to the config file. Empty: ' +
      "the development keys dev-key-1..8 and loadtest-1..64.",
  }),
  journal: object("The input log: every command is appended before it is acknowledged.", {
    enabled: bool({
      default: true,
      doc: "false is for benchmarks only: without the journal nothing can be recovered.",
    }),
    policy: oneOf(["fsync", "write", "none"], {
      default: "write",
      doc:
        "write: one write() per batch (survives a process crash); fsync: " +
        "write + fdatasync (survives power loss); none: benchmarks only.",
    }),
    batchBytesMax: int({
      default: 1 << 20,
      min: 1 << 16,
      max: batchBytesLimit,
      doc: "Bytes of one group-commit batch buffer (two are allocated).",
    }),
  }),
  snapshots: object("Engine snapshots: recovery starts from the newest and replays the journal after it.", {
    enabled: bool({ default: true, doc: "Take snapshots; needs the journal." }),
    store: oneOf(["file", "redis"], {
      default: "file",
      fullDefault: "redis",
      envAliases: ["EXCHANGE_SNAPSHOT_STORE"],
      doc: "file: <dataDir>/snapshots; redis: the server at snapshots.redis.",
    }),
    everyCommands: int({
      default: 1_000_000,
      min: 0,
      max: INT_MAX,
      envAliases: ["EXCHANGE_SNAPSHOT_EVERY_COMMANDS"],
      doc: "Take one after this many commands (0: not by count).",
    }),
    everyMs: int({
      default: 60_000,
      min: 0,
      max: 86_400_000,
      envAliases: ["EXCHANGE_SNAPSHOT_EVERY_MS"],
      doc: "Take one after this many milliseconds if anything changed (0: not by time).",
    }),
    keep: int({
      default: 3,
      min: 1,
      max: 1000,
      doc: "Snapshots the store keeps; older ones are deleted after a newer one is saved.",
    }),
    redis: object("The Redis server of snapshots.store = redis.", {
      host: string({ default: "127.0.0.1", lengthMin: 1, lengthMax: 253, pattern: hostname, doc: "Redis host." }),
      port: int({
        default: 6379,
        fullDefault: 6390,
        min: 1,
        max: portMax,
        envAliases: ["EXCHANGE_REDIS_PORT"],
        doc: "Redis port.",
      }),
      keyPrefix: string({
        default: "exch:0",
        lengthMin: 1,
        lengthMax: 128,
        doc: "Prefix of every key this exchange writes; one per engine shard.",
      }),
    }),
  }),
  tcp: object("The binary order-entry gateway (FlatBuffers over TCP).", {
    host: oneOf(loopbackHosts, {
      default: "127.0.0.1",
      doc: "Interface the gateway binds to; loopback only in this build.",
    }),
    port: int({ default: 7001, min: 0, max: portMax, doc: "TCP port of the gateway; 0 picks a free one." }),
    sessionsMax: int({
      default: 1024,
      min: 1,
      max: 1 << 16,
      doc: "Sessions at once; a login beyond it gets LoginRejected SessionLimit.",
    }),
    pendingLoginsMax: int({
      default: 64,
      min: 1,
      max: 1 << 16,
      doc: "Connections not yet logged in, at once; a pool apart from the session slots.",
    }),
    pendingLoginsPerAddressMax: int({
      default: 16,
      min: 1,
      max: 1 << 16,
      doc: "Connections not yet logged in from one remote address; at most pendingLoginsMax.",
    }),
  }),
  limits: object("Per-session limits, told to clients in LoginAccepted.", {
    inFlightMax: int({
      default: 65_536,
      min: 1,
      max: 1 << 24,
      doc: "Commands of one session awaiting durability before more are rejected (InFlightLimit).",
    }),
    messagesPerSecondMax: int({
      default: 2_000_000,
      min: 1,
      max: 1 << 30,
      doc: "Messages one session may send per second (token bucket; also the burst).",
    }),
    openOrdersPerUserMax: int({
      default: 100_000,
      min: 1,
      max: 1 << 26,
      doc: "Live orders (resting and stops) of one user; at most engine.ordersMax.",
    }),
    heartbeatIntervalMs: int({
      default: 1000,
      min: 10,
      max: 3_600_000,
      doc: "Heartbeat interval told to clients; the exchange sends one after this much silence.",
    }),
    idleTimeoutMs: int({
      default: 10_000,
      min: 10,
      max: 3_600_000,
      doc: "A session silent this long is logged out (HeartbeatTimeout); at least heartbeatIntervalMs.",
    }),
    outboundPauseBytes: int({
      default: 1 << 20,
      min: 1 << 16,
      max: 1 << 30,
      doc: "Unsent bytes queued for a client before reading from it pauses; at most outboundBytesMax.",
    }),
    outboundBytesMax: int({
      default: 4 << 20,
      min: 1 << 17,
      max: 1 << 30,
      doc: "Unread bytes queued for a client before it is logged out (SlowConsumer).",
    }),
    loginTimeoutMs: int({
      default: 5000,
      min: 10,
      max: 600_000,
      doc: "Time to log in after connecting (LoginTimeout).",
    }),
    queryOrdersPerSecondMax: int({
      default: 50_000,
      min: 1000,
      max: 100_000_000,
      doc: "Orders per second one session's OpenOrders answers may list (later pages wait).",
    }),
  }),
  loginThrottle: object("Slows down repeated failed logins from one remote address.", {
    failuresFree: int({
      default: 5,
      min: 0,
      max: 1 << 30,
      doc: "Failed logins from one address before the first block.",
    }),
    blockMsMin: int({
      default: 1000,
      min: 1,
      max: 86_400_000,
      doc: "The first block; each further failure doubles it up to blockMsMax.",
    }),
    blockMsMax: int({ default: 60_000, min: 1, max: 86_400_000, doc: "The longest block; at least blockMsMin." }),
    forgetAfterMs: int({
      default: 600_000,
      min: 1,
      max: 7 * 86_400_000,
      doc: "An address with no failure for this long starts afresh; at least blockMsMax.",
    }),
    addressesMax: int({
      default: 4096,
      min: 1,
      max: 1 << 20,
      doc: "Addresses remembered at once (the oldest is forgotten first).",
    }),
  }),
  symbols: list(
    object("One tradable symbol.", {
      name: string({
        default: "",
        lengthMin: 1,
        lengthMax: 32,
        pattern: symbolName,
        doc: "Symbol name, e.g. BTC-USD.",
      }),
      tickSize: int({
        default: 1,
        min: 1,
        max: PRICE_MAX,
        doc: "Prices are multiples of this, in the symbol's integer price unit.",
      }),
      lotSize: int({
        default: 1,
        min: 1,
        max: INT_MAX,
        doc: "Quantities are multiples of this, in the symbol's integer quantity unit.",
      }),
      minPrice: int({ default: 1, min: 1, max: PRICE_MAX, doc: "Lowest price accepted (price band), in price units." }),
      maxPrice: int({
        default: PRICE_MAX,
        min: 1,
        max: PRICE_MAX,
        doc: "Highest price accepted (price band), in price units; at least minPrice.",
      }),
      maxQty: int({
        default: 1_000_000_000,
        min: 1,
        max: INT_MAX,
        doc: "Largest order quantity, in quantity units; maxQty x engine.ordersMax stays below 2^53.",
      }),
    }),
    {
      doc:
        "Symbols defined at start (new ones are added; existing ones keep their definition from the journal). " +
        "Prices in cents, quantities in 1e-8 of the base asset by default.",
      itemsMin: 1,
      itemsMax: 1 << 16,
      default: [
        { name: "BTC-USD", tickSize: 1, lotSize: 1000, minPrice: 1, maxPrice: 100_000_000, maxQty: 1_000_000_000 },
        { name: "ETH-USD", tickSize: 1, lotSize: 10_000, minPrice: 1, maxPrice: 10_000_000, maxQty: 1_000_000_000 },
        { name: "SOL-USD", tickSize: 1, lotSize: 100_000, minPrice: 1, maxPrice: 1_000_000, maxQty: 1_000_000_000 },
      ],
    },
  ),
  engine: object("Engine capacities, allocated once at start; running out is a CapacityFull reject, never a crash.", {
    ordersMax: int({
      default: defaultEngineConfig.ordersMax,
      fullDefault: 1 << 18,
      min: 1,
      max: ORDERS_MAX_LIMIT,
      doc:
        "Live orders (resting plus untriggered stops) over all books; in full mode per engine shard (each " +
        "`orders` partition has its own engine).",
    }),
    levelsMax: int({
      default: defaultEngineConfig.levelsMax,
      fullDefault: 1 << 16,
      min: 1,
      max: 1 << 26,
      doc: "Price levels over all books and sides (stop levels included); in full mode per engine shard.",
    }),
    levelsPerSideMax: int({
      default: defaultEngineConfig.levelsPerSideMax,
      fullDefault: 1 << 12,
      min: 1,
      max: 1 << 24,
      doc: "Price levels in one side of one book.",
    }),
    symbolsMax: int({
      default: defaultEngineConfig.symbolsMax,
      min: 1,
      max: 1 << 16,
      doc: "Books; at least the number of symbols.",
    }),
    eventsMax: int({
      default: defaultEngineConfig.eventsMax,
      min: 16,
      max: 1 << 24,
      doc: "Rows of the event buffer before it must be drained.",
    }),
  }),
  kafka: object(
    "Kafka mode (mode = full): orders in from the topic `orders`, executions, trades and market data out; " +
      "each `orders` partition is one engine shard (src/kafka/README.md).",
    {
      enabled: bool({
        default: false,
        fullDefault: true,
        doc:
          "Run the engine on Kafka (Kafka mode; full mode only). false in full mode: " +
          "the journal with Redis snapshots, QuestDB ingestion and the query API, Kafka only probed.",
      }),
      brokers: list(
        string({ default: "", lengthMin: 3, lengthMax: 260, pattern: hostPort, doc: "A broker address." }),
        {
          doc: "Bootstrap brokers, host:port each (environment: comma-separated).",
          itemsMin: 1,
          itemsMax: 64,
          default: ["127.0.0.1:9092"],
        },
      ),
      clientId: string({
        default: "exchange-0",
        lengthMin: 1,
        lengthMax: 200,
        pattern: topicName,
        doc: "client.id prefix of the exchange's producers and consumer; the consumer's group is <clientId>-engine.",
      }),
      topics: object("Topic names.", {
        orders: string({
          default: "orders",
          lengthMin: 1,
          lengthMax: 249,
          pattern: topicName,
          doc: "Commands in: InputRecord FlatBuffers, key = the symbol's name; one engine shard per partition.",
        }),
        ordersDeadLetter: string({
          default: "orders.dlq",
          lengthMin: 1,
          lengthMax: 249,
          pattern: topicName,
          doc: "Records of `orders` no shard could apply, with the reason in the header dlq.reason.",
        }),
        executions: string({
          default: "executions",
          lengthMin: 1,
          lengthMax: 249,
          pattern: topicName,
          doc: "Execution reports out (ExecutionRecord, key = the user id).",
        }),
        matches: string({
          default: "matches",
          lengthMin: 1,
          lengthMax: 249,
          pattern: topicName,
          doc: "Trades out (TradeRecord, key = the symbol's name).",
        }),
        marketData: string({
          default: "market_data",
          lengthMin: 1,
          lengthMax: 249,
          pattern: topicName,
          doc: "Level-2 changes, best bid/offer and closed candles out (MarketDataRecord, key = the symbol's name).",
        }),
      }),
      partitions: object(
        "Partition counts the topics are created with; an existing topic must have exactly this many (a " +
          "symbol's partition depends on the count of `orders`).",
        {
          orders: int({
            default: 12,
            min: 1,
            max: 1024,
            doc: "Partitions of `orders`: engine shards, at most 1024 (order ids hold the partition).",
          }),
          ordersDeadLetter: int({ default: 1, min: 1, max: 1024, doc: "Partitions of the dead-letter topic." }),
          executions: int({ default: 12, min: 1, max: 1024, doc: "Partitions of `executions`." }),
          matches: int({ default: 12, min: 1, max: 1024, doc: "Partitions of `matches`." }),
          marketData: int({ default: 6, min: 1, max: 1024, doc: "Partitions of `market_data`." }),
        },
      ),
      compression: object("compression.type of each topic.", {
        orders: oneOf(["none", "lz4", "snappy", "zstd", "gzip"], { default: "lz4", doc: "Compression of `orders`." }),
        ordersDeadLetter: oneOf(["none", "lz4", "snappy", "zstd", "gzip"], {
          default: "lz4",
          doc: "Compression of the dead-letter topic.",
        }),
        executions: oneOf(["none", "lz4", "snappy", "zstd", "gzip"], {
          default: "lz4",
          doc: "Compression of `executions`.",
        }),
        matches: oneOf(["none", "lz4", "snappy", "zstd", "gzip"], { default: "lz4", doc: "Compression of `matches`." }),
        marketData: oneOf(["none", "lz4", "snappy", "zstd", "gzip"], {
          default: "snappy",
          doc: "Compression of `market_data`.",
        }),
      }),
      shards: list(int({ default: 0, min: 0, max: 1023, doc: "A partition of `orders`." }), {
        doc:
          "The `orders` partitions this process runs, one engine shard each (environment: " +
          "comma-separated). Empty: all of them. A standby configured with a running process's partitions takes " +
          "them over from their snapshots.",
        itemsMin: 0,
        itemsMax: 1024,
        default: [],
      }),
      replicationFactor: int({
        default: 1,
        min: 1,
        max: 16,
        doc: "Replication factor of the topics the exchange creates (1 on a single broker).",
      }),
      producerQueueMessagesMax: int({
        default: 1_000_000,
        min: 65_536,
        max: 10_000_000,
        doc:
          "Messages the output producer queues (librdkafka queue.buffering.max.messages); " +
          "the shards pause while it is nearly full.",
      }),
      producerLingerMs: int({
        default: 1,
        min: 0,
        max: 1000,
        doc: "How long a producer waits to fill a batch (librdkafka linger.ms): latency against throughput.",
      }),
      commandDeliveryTimeoutMs: int({
        default: 120_000,
        min: 1000,
        max: 3_600_000,
        doc:
          "A command from the TCP gateway that Kafka has not acknowledged by then ends the process (exit 74), " +
          "as a failed journal does; a broker restart within it loses nothing.",
      }),
    },
  ),
  questdb: object("Market-data history in QuestDB (full mode).", {
    http: object("QuestDB's HTTP endpoint: ILP ingestion (/write) and SQL (/exec).", {
      host: string({ default: "127.0.0.1", lengthMin: 1, lengthMax: 253, pattern: hostname, doc: "QuestDB host." }),
      port: int({ default: 9000, min: 1, max: portMax, doc: "QuestDB HTTP port." }),
    }),
    ilp: object("QuestDB's ILP-over-TCP endpoint (not used for ingestion: it can lose rows on a crash).", {
      host: string({ default: "127.0.0.1", lengthMin: 1, lengthMax: 253, pattern: hostname, doc: "QuestDB host." }),
      port: int({ default: 9009, min: 1, max: portMax, doc: "QuestDB ILP TCP port." }),
    }),
    pg: object("QuestDB's PostgreSQL wire endpoint, for people's SQL tools (psql); the exchange does not use it.", {
      port: int({
        default: 8812,
        min: 1,
        max: portMax,
        doc: "The port `bun run engine:full` gives its QuestDB for PostgreSQL clients.",
      }),
    }),
    batchRowsMax: int({ default: 10_000, min: 1, max: 1_000_000, doc: "Rows in one ILP request." }),
    flushIntervalMs: int({ default: 100, min: 1, max: 60_000, doc: "A partial batch is sent after this long." }),
    backlogRowsMax: int({
      default: 1_000_000,
      min: 1000,
      max: 100_000_000,
      doc:
        "Rows held in memory while QuestDB is slow or away (about 192 bytes each, shared by the four tables); " +
        "past it rows spill to disk.",
    }),
    spillBytesMax: int({
      default: 1 << 30,
      min: 0,
      max: 2 ** 40,
      doc:
        "Bytes of the on-disk spill under <dataDir>/questdb-spill, shared by the four tables; " +
        "past it rows are dropped, counted and logged, and the next start re-sends everything from the journal " +
        "(matching never pauses).",
    }),
    requestTimeoutMs: int({
      default: 10_000,
      min: 100,
      max: 600_000,
      doc: "Time for QuestDB to answer one request before it is retried.",
    }),
  }),
  http: object(
    "The HTTP query API (market-data history: docs/api.md), answered by a market-data worker that replays the journal.",
    {
      enabled: bool({
        default: true,
        envAliases: ["EXCHANGE_MARKET_DATA"],
        doc:
          "Serve the query API (EXCHANGE_MARKET_DATA=off turns it off; in full mode QuestDB ingestion runs " +
          "either way).",
      }),
      ...listener("the HTTP API", 8080).fields,
      requestBytesMax: int({ default: 64 << 10, min: 1024, max: 16 << 20, doc: "Largest request accepted." }),
      queryRowsMax: int({ default: 10_000, min: 1, max: 1_000_000, doc: "Most rows one query answers." }),
    },
  ),
  feed: object(
    "The binary WebSocket market-data feed and the live market page (src/feed, docs/feed.md), in a worker thread.",
    {
      enabled: bool({
        default: true,
        envAliases: ["EXCHANGE_FEED"],
        doc: "Serve the feed and the page (EXCHANGE_FEED=off turns it off).",
      }),
      ...listener("the WebSocket feed and the live page", 7002).fields,
      connectionsMax: int({
        default: 20_000,
        min: 1,
        max: 1 << 20,
        doc: "Feed connections at once; further upgrade requests get HTTP 503.",
      }),
      backpressureBytesMax: int({
        default: 1 << 20,
        min: 256 << 10,
        max: 1 << 20,
        doc: "Unsent bytes held for one feed connection; a connection past half of it is closed (SlowConsumer).",
      }),
      frameMs: int({
        default: 5,
        min: 1,
        max: 1000,
        doc: "Book, order and BBO frames of a symbol go out at most this often.",
      }),
    },
  ),
  metrics: object(
    "The operations listener: Prometheus metrics (/metrics), liveness (/health), " +
      "readiness (/ready) and the admin API (/admin/v1, docs/admin.md).",
    {
      enabled: bool({
        default: true,
        doc: "Serve /metrics, /health and /ready (the listener also runs while admin.enabled).",
      }),
      ...listener("the operations endpoints", 9464).fields,
      eventLoopSampleMs: int({ default: 20, min: 1, max: 10_000, doc: "Period of the event-loop delay probe." }),
      matchingSampleEvery: int({
        default: 64,
        min: 1,
        max: 1 << 16,
        doc: "One command in this many is timed for exchange_matching_seconds (a power of two; 1 times every command).",
      }),
    },
  ),
  admin: object(
    "Operator commands over HTTP on the operations listener (docs/admin.md): halt, resume, cancel, snapshot, " +
      "book, sessions.",
    {
      enabled: bool({ default: true, doc: "Answer /admin/v1 requests (with an admin key)." }),
      keysFile: string({
        default: "",
        lengthMax: 4096,
        doc:
          'File of hashed admin keys (JSON or TOML, see "Admin keys file"); relative to the config file. Empty: ' +
          "the development key dev-admin (role operate).",
      }),
      requestTimeoutMs: int({
        default: 10_000,
        min: 100,
        max: 600_000,
        doc: "A state-changing request waits this long for its command to be durable before answering 504.",
      }),
    },
  ),
  log: object("Log lines on stdout.", {
    level: oneOf(["debug", "info", "warn", "error"], { default: "info", doc: "Lowest level written." }),
    format: oneOf(["auto", "json", "human"], {
      default: "auto",
      doc: "auto: human on a terminal, JSON lines otherwise.",
    }),
  }),
});

/** The configuration as the file declares it (API keys by file name). */
export type ExchangeConfigFile = Infer<typeof exchangeSchema>;
