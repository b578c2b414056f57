// Proves the Kafka scripts: the install is re-used (46 jars, nothing downloaded twice), `start` leaves a healthy broker
// running in the background on 127.0.0.1 only, `status` reports it and `stop` stops it by its pid file, a second start
// on a served port is refused, and a pid file naming some other process is never trusted.

import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../test/support/ports.ts";
import { brokerLayout } from "./kafka-config.ts";
import { ensureKafkaInstalled, installedJars } from "./kafka-install.ts";
import { brokerPid, kafkaStatus, probeKafka, startKafka, stopKafkaByPid } from "./kafka.ts";

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "exch-kafka-cli-"));
  dirs.push(dir);
  return dir;
}

afterAll(async () => {
  // A failed test must not leave a detached broker behind.
  for (const dir of dirs) {
    await stopKafkaByPid(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}, 120_000);

function cli(args: string[]): { code: number; out: string } {
  const child = Bun.spawnSync([process.execPath, join(import.meta.dir, "kafka.ts"), ...args], {
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  return { code: child.exitCode ?? -1, out: child.stdout.toString() + child.stderr.toString() };
}

describe("install", () => {
  test("a second install re-uses the jars: Kafka 4.1.1, log4j 2.24.3 and the slf4j bridge", async () => {
    await ensureKafkaInstalled();
    const startedMs = performance.now();
    const install = await ensureKafkaInstalled();
    // Re-use means no Maven run: a directory listing, far below the ~10 s of a download.
    console.error(`kafka install re-used in ${(performance.now() - startedMs).toFixed(0)} ms`);
    const jars = installedJars();
    expect(install.jarsCount).toBe(jars.length);
    expect(jars).toContain("kafka_2.13-4.1.1.jar");
    expect(jars).toContain("log4j-core-2.24.3.jar");
    expect(jars).toContain("log4j-slf4j-impl-2.24.3.jar");
  }, 300_000);
});

describe("CLI", () => {
  test("start runs a background broker on 127.0.0.1; status sees it; stop stops it by pid", async () => {
    const dir = tempDir();
    const port = freePort();
    const controllerPort = freePort();
    const started = cli(["start", "--port", String(port), "--controller-port", String(controllerPort), "--dir", dir]);
    expect(started.out).toContain("kafka: ready");
    expect(started.code).toBe(0);
    const pid = brokerPid(dir);
    expect(pid).not.toBeNull();
    const properties = readFileSync(brokerLayout(dir).propertiesPath, "utf8");
    expect(properties).toContain(`listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`);
    expect(properties).toContain("auto.create.topics.enable=false");

    const status = cli(["status", "--dir", dir]);
    expect(status.code).toBe(0);
    expect(status.out).toContain(`pid ${pid}, 127.0.0.1:${port}, healthy`);
    const again = cli(["start", "--port", String(port), "--controller-port", String(controllerPort), "--dir", dir]);
    expect(again.code).toBe(0);
    expect(again.out).toContain(`already running, pid ${pid}`);

    const stopped = cli(["stop", "--dir", dir]);
    expect(stopped.code).toBe(0);
    expect(stopped.out).toContain("kafka: stopped");
    expect(await probeKafka(port, 1_000)).toBeNull();
    const after = cli(["status", "--dir", dir]);
    expect(after.code).toBe(1);
    expect(after.out).toContain("not running");
    expect(cli(["stop", "--dir", dir]).out).toContain("not running");
  }, 600_000);

  test(
    "a port already served by a broker is refused; " + "the data dir survives a restart of the library handle",
    async () => {
      const dir = tempDir();
      const broker = await startKafka({
        port: freePort(),
        controllerPort: freePort(),
        dir,
        startTimeoutMs: 240_000,
      });
      try {
        const error = await startKafka({ port: broker.port, controllerPort: freePort(), dir: tempDir() }).catch(
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).message).toContain("already answers Kafka requests");
        const firstPid = broker.pid;
        const clusterId = readFileSync(join(brokerLayout(dir).dataDir, "meta.properties"), "utf8");
        await broker.restart();
        expect(broker.pid).not.toBe(firstPid);
        expect((await kafkaStatus(dir)).probe?.errorCode).toBe(0);
        // Formatted once: the restart kept the cluster id.
        expect(readFileSync(join(brokerLayout(dir).dataDir, "meta.properties"), "utf8")).toBe(clusterId);
      } finally {
        await broker.stop();
      }
      expect(await broker.exited).toBeNumber();
      expect(brokerPid(dir)).toBeNull();
    },
    600_000,
  );

  test("a pid file that names another process is not trusted, and that process is never signalled", async () => {
    const dir = tempDir();
    writeFileSync(brokerLayout(dir).pidPath, `${process.pid}\n`);
    expect(brokerPid(dir)).toBeNull();
    expect(await stopKafkaByPid(dir)).toBe("not running");
  });
});
