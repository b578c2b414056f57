// The abuser of bench/gateway-abuse.bench.ts on a thread of its own, so the
// cost of reading its answers lands on its own event loop and not on the
// victims' timing. Messages in: {port, kind} to start, "stop"; out:
// {started: true} once it is logged in and asking, {answersRead} when stopped,
// {error} when it could not start (the bench stops with it instead of waiting).

import { Abuser, type AbuserKind } from "./abuse-clients.ts";

declare const self: Worker;

const abuserKey = "loadtest-64";
let abuser: Abuser | null = null;

/** Logs in once the previous session of the user is gone (its close may still be under way). */
async function start(port: number, kind: AbuserKind): Promise<Abuser> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const a = new Abuser(abuserKey, kind);
    await a.session.connect(port);
    try {
      await a.session.login();
      a.start();
      return a;
    } catch (error) {
      a.session.close();
      if (Date.now() > deadline) throw error;
      await Bun.sleep(20);
    }
  }
}

self.onmessage = async (e: MessageEvent<{ port: number; kind: AbuserKind } | "stop">) => {
  if (e.data === "stop") {
    abuser?.stop();
    self.postMessage({ answersRead: abuser?.answersRead ?? 0 });
    abuser = null;
    return;
  }
  try {
    abuser = await start(e.data.port, e.data.kind);
    self.postMessage({ started: true });
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) });
  }
};
