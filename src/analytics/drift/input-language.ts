import type { detect as detectType } from 'tinyld';

/** tinyld's `detect`, loaded on the first input to detect rather than at import (its language profiles take a few hundred ms to load). */
let detect: typeof detectType | null = null;

/** The language code of a user input (tinyld, ISO 639-1 like `en`, `fr`), or `und` when it cannot tell. */
export function inputLanguage(text: string | null | undefined): string {
  const t = text?.trim();
  if (!t) return 'und';
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  detect ??= (require('tinyld') as typeof import('tinyld')).detect;
  return detect(t.slice(0, 2000)) || 'und';
}
