// `bun run replay <file|->`: replays NDJSON commands (or a binary journal
// file, recognised by its magic) and prints NDJSON events, then a summary
// line. Malformed lines go to stderr with their line number.

import { isJournalFile, replayJournal } from "./journal.ts";
import { Replay } from "./replay.ts";

const OUT_BUFFER_BYTES = 1 << 16;

async function* lines(path: string): AsyncGenerator<string> {
  const stream = path === "-" ? Bun.stdin.stream() : Bun.file(path).stream();
  const decoder = new TextDecoder();
  let tail = "";
  for await (const chunk of stream) {
    const text = tail + decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = text.indexOf("\n", start); nl !== -1; nl = text.indexOf("\n", start)) {
      yield text.charCodeAt(nl - 1) === 13 ? text.slice(start, nl - 1) : text.slice(start, nl);
      start = nl + 1;
    }
    tail = text.slice(start);
  }
  tail += decoder.decode();
  if (tail !== "") yield tail;
}

async function main(): Promise<number> {
  const path = process.argv[2];
  if (path === undefined || process.argv.length > 3) {
    console.error("usage: bun run replay <file.ndjson | ->");
    return 2;
  }
  if (path !== "-" && !(await Bun.file(path).exists())) {
    console.error(`replay: no such file: ${path}`);
    return 2;
  }
  const out = Bun.stdout.writer({ highWaterMark: OUT_BUFFER_BYTES });
  const sink = {
    event: (line: string) => {
      out.write(line);
      out.write("\n");
    },
    malformed: (lineNumber: number, reason: string) =>
      console.error(lineNumber > 0 ? `replay: line ${lineNumber}: ${reason}` : `replay: ${reason}`),
  };
  if (path !== "-" && (await isJournalFile(path))) {
    const s = replayJournal(path, sink);
    out.write(
      `{"ev":"summary","commands":${s.commands},"trades":${s.trades},"malformed":${s.malformed},"hash":"${s.hash}"}\n`,
    );
    await out.flush();
    return 0;
  }
  const replay = new Replay(sink);
  for await (const line of lines(path)) replay.line(line);
  out.write(replay.summaryLine());
  out.write("\n");
  await out.flush();
  return 0;
}

process.exitCode = await main();
