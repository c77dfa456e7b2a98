import { detect } from 'tinyld';

/** The language code of a user input (tinyld, ISO 639-1 like `en`, `fr`), or `und` when it cannot tell. */
export function inputLanguage(text: string | null | undefined): string {
  const t = text?.trim();
  if (!t) return 'und';
  return detect(t.slice(0, 2000)) || 'und';
}
