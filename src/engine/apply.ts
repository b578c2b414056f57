// Applies a plain-object command to the engine (edges and tests; the gateways
// call the engine's methods directly with primitives).

import type { Command } from "./command.ts";
import type { Engine } from "./engine.ts";

export function applyCommand(engine: Engine, cmd: Command): void {
  switch (cmd.op) {
    case "symbol":
      engine.addSymbol(cmd.seq, cmd.spec);
      return;
    case "new":
      engine.newOrder(
        cmd.seq,
        cmd.ts,
        cmd.book,
        cmd.id,
        cmd.user,
        cmd.side,
        cmd.type,
        cmd.tif,
        cmd.postOnly ? 1 : 0,
        cmd.stp,
        cmd.price,
        cmd.qty,
        cmd.stop,
      );
      return;
    case "cancel":
      engine.cancel(cmd.seq, cmd.ts, cmd.book, cmd.id, cmd.user);
      return;
    case "modify":
      engine.modify(cmd.seq, cmd.ts, cmd.book, cmd.id, cmd.user, cmd.price, cmd.qty);
      return;
  }
}
