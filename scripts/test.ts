// The whole test suite (README: the test command). Installs and starts what the
// tests need, type-checks, runs every *.test.ts with Bun's runner, and ends with
// one line: "N passed, N failed". Exit code 0 only when nothing failed.
//
// Environment: SOAK=1 runs the long randomized and soak variants.

import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ensureKafkaInstalled } from "./kafka.ts";
import { ensureQuestdbInstalled } from "./questdb.ts";
import { ensureRedisInstalled } from "./services.ts";
import { ensureChromiumInstalled } from "./chromium.ts";

const root = join(import.meta.dir, "..");
const runDir = join(root, ".run");
mkdirSync(runDir, { recursive: true });

interface Step {
  name: string;
  passed: number;
  failed: number;
}

function run(cmd: string[], env: Record<string, string> = {}): number {
  console.log(`\n$ ${cmd.join(" ")}`);
  const p = Bun.spawnSync(cmd, {
    cwd: root,
    stdout: "inherit",
    stderr: "inherit",
    stdin: "ignore",
    env: { ...process.env, ...env },
  });
  return p.exitCode ?? 1;
}

function typecheck(): Step {
  const code = run([process.execPath, "x", "tsc", "--noEmit", "-p", "."]);
  return { name: "typecheck", passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1 };
}

/** Reads test counts from Bun's JUnit report. */
function junitCounts(path: string): { tests: number; failures: number; errors: number; skipped: number } | null {
  let xml: string;
  try {
    xml = readFileSync(path, "utf8");
  } catch {
    return null;
  }
  const m = /<testsuites[^>]*>/.exec(xml);
  if (m === null) return null;
  const attr = (name: string) => Number(new RegExp(`${name}="(\\d+)"`).exec(m[0])?.[1] ?? "0");
  return { tests: attr("tests"), failures: attr("failures"), errors: attr("errors"), skipped: attr("skipped") };
}

function bunTests(): Step {
  const report = join(runDir, "junit.xml");
  const code = run([
    process.execPath,
    "test",
    "--timeout=600000",
    "--reporter=junit",
    `--reporter-outfile=${report}`,
    "--path-ignore-patterns=.tools/**",
  ]);
  const counts = junitCounts(report);
  if (counts === null) return { name: "bun test", passed: 0, failed: 1 };
  const failed = counts.failures + counts.errors + (code !== 0 && counts.failures + counts.errors === 0 ? 1 : 0);
  return { name: "bun test", passed: counts.tests - counts.failures - counts.errors - counts.skipped, failed };
}

/**
 * Debian packages the tests need: redis-server (snapshot store, crash tests), flatc (schema check), librdkafka and the
 * Kafka broker's jars.
 */
async function services(): Promise<Step> {
  try {
    console.log(`redis-server: ${await ensureRedisInstalled()}`);
    console.log(`chromium (market page test): ${await ensureChromiumInstalled()}`);
    console.log(`questdb: ${await ensureQuestdbInstalled()}`);
    console.log(`kafka: ${(await ensureKafkaInstalled()).jarsCount} broker jars, librdkafka installed`);
    const gen = Bun.spawnSync(["bash", join(root, "scripts/gen-schema.sh"), join(runDir, "schema-check")], {
      stdout: "inherit",
      stderr: "inherit",
    });
    if (gen.exitCode !== 0) throw new Error("flatc could not be installed or run");
    return { name: "services", passed: 1, failed: 0 };
  } catch (error) {
    console.error(`services: ${(error as Error).message}`);
    return { name: "services", passed: 0, failed: 1 };
  }
}

const started = performance.now();
const steps: Step[] = [await services(), typecheck(), bunTests()];
const passed = steps.reduce((a, s) => a + s.passed, 0);
const failed = steps.reduce((a, s) => a + s.failed, 0);
console.log("");
for (const s of steps) console.log(`${s.name}: ${s.passed} passed, ${s.failed} failed`);
console.log(`time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
