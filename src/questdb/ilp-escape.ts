// Symbol (tag) values in ILP: what may be stored and how it is written.
// ILP tags end at an unescaped space, comma or equals sign, and a backslash
// escapes; QuestDB's parser accepts `\ `, `\,`, `\=` and `\\` (the official
// client writes the same). Control characters (a newline would end the line,
// a NUL or escape sequence would poison logs and CSV exports), ill-formed
// UTF-16 and empty or over-long names are refused instead: a clear error at
// the edge beats a stored name no client can type.

const encoder = new TextEncoder();

/** Longest symbol value in UTF-16 code units (the engine allows 32 for a symbol name). */
export const symbolValueCharsMax = 64;

/** Why `value` cannot be stored as an ILP symbol, or null. */
export function symbolValueError(value: unknown): string | null {
  if (typeof value !== "string") return `not a string (${typeof value})`;
  if (value.length === 0) return "empty";
  if (value.length > symbolValueCharsMax) return `${value.length} characters, more than ${symbolValueCharsMax}`;
  if (!value.isWellFormed()) return "ill-formed UTF-16 (a lone surrogate)";
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0))
      return `control character U+${c.toString(16).padStart(4, "0")} at ${i}`;
  }
  return null;
}

/** The escaped UTF-8 bytes of a valid symbol value (see `symbolValueError`); throws on an invalid one. */
export function escapeSymbolValue(value: string): Uint8Array {
  const error = symbolValueError(value);
  if (error !== null) throw new Error(`ilp: symbol value ${JSON.stringify(value)} refused: ${error}`);
  return encoder.encode(value.replace(/[\\ ,=]/g, (c) => `\\${c}`));
}
