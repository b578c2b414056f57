// Proves that after a writer process is SIGKILLed mid-append, every record it reported durable is in the file and the
// file reads back cleanly (at most a torn tail, which reopening drops).

import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { inputRecordSeqReader } from "./input-record.ts";
import { openForAppend } from "./open.ts";
import { readJournal } from "./reader.ts";
import { tempDir } from "./test-support.ts";

let dir = "";
let cleanup = (): void => {};
beforeAll(() => ({ dir, cleanup } = tempDir()));
afterAll(() => cleanup());

const child = join(import.meta.dir, "crash-child.ts");

/**
 * Runs the child until it has reported `durableReports` times (or `timeoutMs` passes), SIGKILLs it, and returns the
 * highest seq it reported durable.
 */
async function runAndKill(path: string, policy: string, durableReports: number, timeoutMs: number): Promise<number> {
  const proc = Bun.spawn([process.execPath, child, path, policy], {
    stdout: "pipe",
    stderr: "inherit",
    stdin: "ignore",
  });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let reports = 0;
  const deadline = Date.now() + timeoutMs;
  while (reports < durableReports && Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    const chunk = decoder.decode(value, { stream: true });
    text += chunk;
    reports += chunk.split("durable").length - 1;
  }
  proc.kill("SIGKILL");
  // Lines written before the kill are still in the pipe.
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  expect(await proc.exited).not.toBe(0);
  expect(proc.signalCode).toBe("SIGKILL");
  let durable = 0;
  // Only whole lines count: the last may be cut.
  for (const line of text.split("\n").slice(0, -1)) {
    const m = /^durable (\d+)$/.exec(line);
    if (m !== null) durable = Math.max(durable, Number(m[1]));
  }
  return durable;
}

for (const policy of ["fsync", "write"]) {
  test(`${policy}: killed while appending, every record reported durable survives`, async () => {
    for (let round = 0; round < 2; round++) {
      const path = join(dir, `${policy}-${round}`);
      // Different moments of death: after few or many reports.
      const durable = await runAndKill(path, policy, round === 0 ? 5 : 60, 5000);
      expect(durable).toBeGreaterThan(0);
      const end = readJournal(path, () => {}, { payloadSeq: inputRecordSeqReader() });
      expect(end.lastSeq).toBeGreaterThanOrEqual(durable);
      const { writer, recovery } = openForAppend(path, { policy: "none", warn: () => {} });
      expect(recovery.lastSeq).toBe(end.lastSeq);
      expect(writer.nextSeq).toBe(end.lastSeq + 1);
      await writer.close();
      const again = readJournal(path, () => {});
      expect(again.tail).toBeNull();
      console.log(
        `${policy} round ${round}: reported durable ${durable}, file holds ${end.lastSeq}, ` +
          `torn tail ${end.tail?.bytes ?? 0} bytes`,
      );
    }
  });
}
