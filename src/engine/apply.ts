// Plain-object commands (replay tool, tests) into the engine's command struct.
// `fillCommand` writes one into a CommandStruct the caller reuses, so the
// engine's entry point always sees objects of one shape; `applyCommand` does
// that with a struct of its own and applies the result.

import { type Command, CommandCode, CommandStruct } from "./command.ts";
import type { Engine } from "./engine.ts";

/**
 * Receive time in ns for a time in µs. The half microsecond keeps
 * floor(ns / 1000) equal to `tsUs` although a float64 rounds ns since the
 * epoch to 256 ns today (exact until 2^62 ns, in the year 2116).
 */
export function usToReceivedNs(tsUs: number): number {
  return tsUs * 1000 + 500;
}

/** Writes `cmd` into `out` (every field it does not use is 0) and returns `out`. */
export function fillCommand(cmd: Command, out: CommandStruct): CommandStruct {
  out.clear();
  out.engineSeq = cmd.seq;
  out.receivedNs = usToReceivedNs(cmd.tsUs);
  switch (cmd.op) {
    case "symbol":
      out.command = CommandCode.SymbolDef;
      Object.assign(out.symbol, cmd.spec);
      return out;
    case "new":
      out.command = CommandCode.NewOrder;
      out.symbolId = cmd.book;
      out.orderId = cmd.id;
      out.userId = cmd.user;
      out.clientOrderId = cmd.clientOrderId;
      out.side = cmd.side;
      out.type = cmd.type;
      out.tif = cmd.tif;
      out.postOnly = cmd.postOnly;
      out.stp = cmd.stp;
      out.priceTicks = cmd.priceTicks;
      out.qtyLots = cmd.qtyLots;
      out.stopPriceTicks = cmd.stopPriceTicks;
      return out;
    case "cancel":
      out.command = CommandCode.Cancel;
      out.symbolId = cmd.book;
      out.orderId = cmd.id;
      out.userId = cmd.user;
      out.clientOrderId = cmd.clientOrderId;
      return out;
    case "modify":
      out.command = CommandCode.Modify;
      out.symbolId = cmd.book;
      out.orderId = cmd.id;
      out.userId = cmd.user;
      out.clientOrderId = cmd.clientOrderId;
      out.priceTicks = cmd.priceTicks;
      out.qtyLots = cmd.qtyLots;
      return out;
    case "mass_cancel":
      out.command = CommandCode.MassCancel;
      out.userId = cmd.user;
      out.clientOrderId = cmd.clientOrderId;
      out.oneSymbol = cmd.oneSymbol;
      out.symbolId = cmd.oneSymbol ? cmd.book : 0;
      out.massSide = cmd.massSide;
      out.cancelReason = cmd.cancelReason;
      out.allUsers = cmd.allUsers === true;
      return out;
    case "symbol_status":
      out.command = CommandCode.SymbolStatus;
      out.symbolId = cmd.book;
      out.tradingStatus = cmd.status;
      out.clientOrderId = cmd.clientOrderId;
      return out;
  }
}

const scratch = new CommandStruct();

/** Applies a plain-object command through the engine's one entry point. */
export function applyCommand(engine: Engine, cmd: Command): void {
  engine.apply(fillCommand(cmd, scratch));
}
