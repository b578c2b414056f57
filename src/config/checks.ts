// Rules between keys, checked once every key has its own type and range. Each
// problem names the key to change.

import { resolveEngineConfig, symbolSpecError } from "../engine/config.ts";
import type { ExchangeConfigFile } from "./exchange-schema.ts";
import type { ConfigProblem } from "./problems.ts";
import type { PathSegment } from "./validate.ts";
import { pathText } from "./validate.ts";

type SourceOf = (path: readonly PathSegment[]) => string;

export function crossKeyProblems(c: ExchangeConfigFile, sourceOf: SourceOf): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: PathSegment[], expected: string, found: string) =>
    problems.push({ path: pathText(path), expected, found, source: sourceOf(path) });
  if (c.snapshots.enabled && !c.journal.enabled) {
    add(
      ["journal", "enabled"],
      "true while snapshots.enabled (a snapshot alone cannot recover what came after it)",
      "false",
    );
  }
  const l = c.limits;
  if (l.idleTimeoutMs < l.heartbeatIntervalMs)
    add(
      ["limits", "idleTimeoutMs"],
      `at least limits.heartbeatIntervalMs (${l.heartbeatIntervalMs})`,
      String(l.idleTimeoutMs),
    );
  if (l.outboundPauseBytes > l.outboundBytesMax)
    add(
      ["limits", "outboundPauseBytes"],
      `at most limits.outboundBytesMax (${l.outboundBytesMax})`,
      String(l.outboundPauseBytes),
    );
  const t = c.tcp;
  if (t.pendingLoginsPerAddressMax > t.pendingLoginsMax)
    add(
      ["tcp", "pendingLoginsPerAddressMax"],
      `at most tcp.pendingLoginsMax (${t.pendingLoginsMax})`,
      String(t.pendingLoginsPerAddressMax),
    );
  const g = c.loginThrottle;
  if (g.blockMsMax < g.blockMsMin)
    add(["loginThrottle", "blockMsMax"], `at least loginThrottle.blockMsMin (${g.blockMsMin})`, String(g.blockMsMax));
  if (g.forgetAfterMs < g.blockMsMax)
    add(
      ["loginThrottle", "forgetAfterMs"],
      `at least loginThrottle.blockMsMax (${g.blockMsMax})`,
      String(g.forgetAfterMs),
    );
  const every = c.metrics.matchingSampleEvery;
  if ((every & (every - 1)) !== 0)
    add(["metrics", "matchingSampleEvery"], "a power of two (1, 2, 4, ... 65536)", String(every));
  if (l.openOrdersPerUserMax > c.engine.ordersMax)
    add(
      ["limits", "openOrdersPerUserMax"],
      `at most engine.ordersMax (${c.engine.ordersMax})`,
      String(l.openOrdersPerUserMax),
    );
  try {
    resolveEngineConfig(c.engine);
  } catch (error) {
    add(["engine"], "capacities that fit together", (error as Error).message.replace(/^engine config:?\s*/, ""));
  }
  symbolProblems(c, add);
  portProblems(c, add);
  return problems;
}

function symbolProblems(
  c: ExchangeConfigFile,
  add: (path: PathSegment[], expected: string, found: string) => void,
): void {
  if (c.symbols.length > c.engine.symbolsMax)
    add(["symbols"], `at most engine.symbolsMax (${c.engine.symbolsMax}) symbols`, `${c.symbols.length}`);
  const seen = new Map<string, number>();
  c.symbols.forEach((s, i) => {
    const error = symbolSpecError(s, c.engine);
    if (error !== null) add(["symbols", i], "a usable symbol", `${s.name}: ${error}`);
    const first = seen.get(s.name);
    if (first !== undefined)
      add(["symbols", i, "name"], "a name used once", `${s.name} again (first at symbols[${first}])`);
    else seen.set(s.name, i);
  });
}

/** Two listeners on one port would fail at bind time with a less helpful message. */
function portProblems(
  c: ExchangeConfigFile,
  add: (path: PathSegment[], expected: string, found: string) => void,
): void {
  const listeners: [string, number][] = [
    ["tcp", c.tcp.port],
    ["http", c.http.port],
  ];
  if (c.feed.enabled) listeners.push(["feed", c.feed.port]);
  if (c.metrics.enabled || c.admin.enabled) listeners.push(["metrics", c.metrics.port]);
  const owner = new Map<number, string>();
  for (const [name, port] of listeners) {
    if (port === 0) continue;
    const other = owner.get(port);
    if (other !== undefined) add([name, "port"], `a port no other listener uses`, `${port}, also ${other}.port`);
    else owner.set(port, name);
  }
}
