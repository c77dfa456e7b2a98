/** Sentence spans and the sliding windows over them that topic and content checks score. */

/** A sentence: [start, end) in the text, `complete` when its terminator (or a line break) has been seen. */
export interface SentenceSpan {
  start: number;
  end: number;
  complete: boolean;
}

/** Longest sentence the engine waits for; a longer run of text is cut and scored as is. */
export const MAX_SENTENCE = 600;

/** How many sentences (the current one and those before it) a topic/content window covers. */
export const WINDOW_SENTENCES = 3;

/**
 * Splits text into sentences: a run of `.`, `!` or `?` followed by white space ends one, and so
 * does a line break. The last sentence is incomplete unless the text ends with such a boundary.
 */
export function splitSentences(text: string): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  const re = /[.!?]+["')\]]*(?=\s)\s*|\n\s*/g;
  let start = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const end = m.index + m[0].length;
    pushCapped(out, start, end, true);
    start = end;
  }
  if (start < text.length) pushCapped(out, start, text.length, false);
  return out;
}

function pushCapped(out: SentenceSpan[], start: number, end: number, complete: boolean): void {
  for (let s = start; s < end; s += MAX_SENTENCE) {
    const e = Math.min(end, s + MAX_SENTENCE);
    out.push({ start: s, end: e, complete: e < end || complete });
  }
}
