import type { PiiEntityType } from '../../guardrail-policy.schemas';

/** A candidate PII span found by a recognizer, before overlap resolution. */
export interface PiiMatch {
  type: PiiEntityType;
  /** Start offset, inclusive. */
  start: number;
  /** End offset, exclusive. */
  end: number;
  /** Confidence in 0..1; kept when it reaches `PII_SCORE_THRESHOLD`. */
  score: number;
}

/**
 * A family of PII recognizers. `find` must be local: whether a span is reported may depend only on
 * the span itself, at most `PII_LEFT_CONTEXT` characters before it and the token right after it.
 * The stream scanner relies on that to give the same answer on a window as on the whole text.
 * (NAME keeps to it too: its person test for uncertain runs reads the run, its left context and the
 * next token; it no longer asks a tagger about the rest of the sentence.)
 */
export interface PiiRecognizer {
  /** The entity types this recognizer can report. */
  readonly types: readonly PiiEntityType[];
  /**
   * Finds candidates of the wanted types (a subset of `types`) in `text` that start at or after
   * `from` (default 0) and before `until` (default: the end); the text around is only context.
   * `classes`: the `charClasses` of text[from..] when the caller has them (the detector computes
   * them once for all recognizers); a recognizer uses them to skip patterns that cannot match.
   */
  find(text: string, wanted: ReadonlySet<PiiEntityType>, from?: number, until?: number, classes?: number): PiiMatch[];
}

/** Minimum score for a PII candidate to count. */
export const PII_SCORE_THRESHOLD = 0.5;

/** How far back (characters) recognizers look for context words. */
export const PII_LEFT_CONTEXT = 64;
