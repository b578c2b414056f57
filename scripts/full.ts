// `bun run engine:full`: the exchange in full mode on one machine. Installs
// redis-server when missing (Debian package, root), starts it as a child on
// 127.0.0.1 with its data under <dataDir>/redis, and runs the exchange with
// snapshots in Redis. Ctrl-C stops both (the exchange first: it takes its
// final snapshot into Redis).
//
// Environment: EXCHANGE_REDIS_PORT (default 6390), EXCHANGE_DATA_DIR (default .data-full).

import { join, resolve } from "node:path";
import { ensureRedisInstalled, startRedis } from "./services.ts";

const port = Number(process.env.EXCHANGE_REDIS_PORT ?? "6390");
const dataDir = resolve(process.env.EXCHANGE_DATA_DIR ?? ".data-full");
await ensureRedisInstalled();
const redis = await startRedis({ port, dir: join(dataDir, "redis"), appendonly: true });
console.log(`redis-server on 127.0.0.1:${port} (data ${join(dataDir, "redis")})`);

const exchange = Bun.spawn([process.execPath, join(import.meta.dir, "../src/server/main.ts"), ...process.argv.slice(2)], {
  stdio: ["inherit", "inherit", "inherit"],
  env: { ...process.env, EXCHANGE_DATA_DIR: dataDir, EXCHANGE_SNAPSHOT_STORE: "redis", EXCHANGE_REDIS_PORT: String(port) },
});
const forward = (signal: NodeJS.Signals) => exchange.kill(signal);
process.on("SIGINT", () => forward("SIGINT"));
process.on("SIGTERM", () => forward("SIGTERM"));
const code = await exchange.exited;
await redis.stop();
process.exit(code);
