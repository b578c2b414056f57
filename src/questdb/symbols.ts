// Symbol names by id, escaped for ILP once when a symbol is registered, so
// writing a row copies bytes instead of escaping a string per row.

import { escapeSymbolValue, symbolValueError } from "./ilp-escape.ts";

export class SymbolNames {
  private readonly escaped: (Uint8Array | null)[];
  private readonly names: (string | null)[];

  constructor(readonly symbolsMax: number) {
    this.escaped = new Array(symbolsMax).fill(null);
    this.names = new Array(symbolsMax).fill(null);
  }

  /** Registers (or renames) a symbol; returns why the name is refused, or null. */
  set(symbolId: number, name: string): string | null {
    if (!(Number.isInteger(symbolId) && symbolId >= 0 && symbolId < this.symbolsMax))
      return `symbol id ${symbolId} outside [0, ${this.symbolsMax})`;
    const error = symbolValueError(name);
    if (error !== null) return `symbol name ${JSON.stringify(name)}: ${error}`;
    this.escaped[symbolId] = escapeSymbolValue(name);
    this.names[symbolId] = name;
    return null;
  }

  has(symbolId: number): boolean {
    return symbolId >= 0 && symbolId < this.symbolsMax && this.escaped[symbolId] !== null;
  }

  name(symbolId: number): string | null {
    return this.names[symbolId] ?? null;
  }

  /** Escaped bytes of a registered symbol (callers check `has` first). */
  bytes(symbolId: number): Uint8Array {
    const b = this.escaped[symbolId];
    if (b === undefined || b === null) throw new Error(`ilp: symbol id ${symbolId} is not registered`);
    return b;
  }
}
