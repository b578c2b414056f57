// The admin API's answers as short lines for a terminal (`bun run admin`
// without --json). Prices and quantities are the wire's integers (ticks and
// lots of the symbol), as the exchange answers them.

type Body = Record<string, unknown>;

export function formatAnswer(command: string, b: Body): string[] {
  switch (command) {
    case "halt":
    case "resume":
      return [
        `${String(b.symbol)} ${String(b.status)} (engine seq ${String(b.engineSeq)}, request ${String(b.requestId)})`,
      ];
    case "cancel":
      return [
        `${String(b.cancelled)} orders cancelled: user ${String(b.user)}, symbol ${String(b.symbol)}, ` +
          `side ${String(b.side)} (engine seq ${String(b.engineSeq)})`,
      ];
    case "snapshot":
      return [
        `snapshot at seq ${String(b.seq)}: ${String(b.bytes)} bytes, matching paused ${String(b.pauseMs)} ` +
          `ms, ${String(b.ms)} ms in all`,
      ];
    case "book":
      return bookLines(b);
    case "sessions":
      return table(
        ["session", "user", "state", "remote", "in flight", "queued bytes", "cancel on disconnect"],
        (b.sessions as Body[]).map((s) => [
          s.session,
          s.user,
          s.state,
          s.remote,
          s.inFlight,
          s.queuedBytes,
          Number(s.cancelOnDisconnectGraceMs) < 0 ? "off" : `${String(s.cancelOnDisconnectGraceMs)} ms`,
        ]),
      );
    case "symbols":
      return table(
        ["id", "symbol", "status", "tick", "lot"],
        (b.symbols as Body[]).map((s) => [s.id, s.name, s.status, s.tickSize, s.lotSize]),
      );
    default:
      return [JSON.stringify(b)];
  }
}

function bookLines(b: Body): string[] {
  const asks = (b.asks as number[][]).slice().reverse();
  const bids = b.bids as number[][];
  const rows = [...asks.map(([p, q, n]) => ["ask", p, q, n]), ...bids.map(([p, q, n]) => ["bid", p, q, n])];
  const head =
    `${String(b.symbol)} ${String(b.status)}, last trade ${String(b.lastTradePrice)}, ` +
    `tick ${String(b.tickSize)}, lot ${String(b.lotSize)}`;
  return [head, ...table(["side", "price", "qty", "orders"], rows)];
}

function table(header: string[], rows: unknown[][]): string[] {
  const cells = [header, ...rows.map((r) => r.map((c) => String(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd(),
  );
}
