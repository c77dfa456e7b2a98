/**
 * The project's stated token-counting rule, shared by the emulator (usage it reports) and the
 * pipeline (per-stage estimates), so both always agree.
 *
 * Rule: text splits into pieces that concatenate back to exactly the text. A piece is
 * - optional leading whitespace + a run of 1–4 word characters (Unicode letters, marks, digits), or
 * - optional leading whitespace + one other character (punctuation, symbol, emoji: one code point), or
 * - whitespace that ends the text.
 * The token count is the number of pieces: `'Hello, world!'` is `Hell` `o` `,` ` worl` `d` `!`, 6 tokens.
 */

// One regex, `g` + `u`: every position of any string is covered by exactly one alternative, so
// matches are contiguous and never empty.
const TOKEN_PATTERN = /\s*(?:[\p{L}\p{M}\p{N}]{1,4}|[^\s\p{L}\p{M}\p{N}])|\s+$/gu;

/** Splits `text` into token pieces whose concatenation is exactly `text`. */
export function splitTokens(text: string): string[] {
  return text.match(TOKEN_PATTERN) ?? [];
}

/** Counts the pieces of {@link splitTokens} without building them (hot path). */
export function countTokens(text: string): number {
  // `test` with a sticky lastIndex walks the matches without allocating match arrays; the loop
  // always runs to a failed match, which resets lastIndex to 0 for the next caller.
  TOKEN_PATTERN.lastIndex = 0;
  let n = 0;
  while (TOKEN_PATTERN.test(text)) n++;
  return n;
}
