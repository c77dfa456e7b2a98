import type { PiiEntityType } from '../../guardrail-policy.schemas';
import { PII_SCORE_THRESHOLD, type PiiMatch, type PiiRecognizer } from './pii-recognizer.types';
import { awsRecognizer, cardRecognizer, emailRecognizer, ibanRecognizer, ipRecognizer, macRecognizer, ssnRecognizer, urlRecognizer } from './structured.recognizers';
import { phoneRecognizer } from './phone.recognizer';
import { driverIdRecognizer, passportRecognizer } from './id-document.recognizers';
import { nameRecognizer } from './name.recognizer';
import { addressRecognizer } from './address.recognizer';

/** Every recognizer, most specific first (the order breaks score ties between overlapping spans). */
export const PII_RECOGNIZERS: readonly PiiRecognizer[] = [
  emailRecognizer,
  urlRecognizer,
  awsRecognizer,
  ibanRecognizer,
  cardRecognizer,
  macRecognizer,
  ipRecognizer,
  ssnRecognizer,
  phoneRecognizer,
  passportRecognizer,
  driverIdRecognizer,
  addressRecognizer,
  nameRecognizer,
];

/** The entity types the local engine can detect (others in a policy are left to Bedrock's ApplyGuardrail). */
export const SUPPORTED_PII_TYPES: ReadonlySet<PiiEntityType> = new Set(PII_RECOGNIZERS.flatMap((r) => r.types));

/** Longest span (characters) a PII entity can plausibly have; bounds the stream scanner's window. */
export const PII_MAX_SPAN = 256;

/** A precompiled PII detector for one set of wanted types. */
export interface PiiDetector {
  readonly wanted: ReadonlySet<PiiEntityType>;
  /** Non-overlapping matches at or above the score threshold, in text order. */
  find(text: string): PiiMatch[];
}

/** Builds a detector that runs only the recognizers needed for `wanted`. */
export function createPiiDetector(wanted: Iterable<PiiEntityType>): PiiDetector {
  const set = new Set(wanted);
  const recognizers = PII_RECOGNIZERS.filter((r) => r.types.some((t) => set.has(t)));
  const rank = new Map<PiiRecognizer, number>(PII_RECOGNIZERS.map((r, i) => [r, i]));
  return {
    wanted: set,
    find(text: string): PiiMatch[] {
      if (recognizers.length === 0 || text.length === 0) return [];
      const all: { m: PiiMatch; rank: number }[] = [];
      for (const r of recognizers) {
        for (const m of r.find(text, set)) {
          if (m.score >= PII_SCORE_THRESHOLD && set.has(m.type) && m.end > m.start) all.push({ m, rank: rank.get(r)! });
        }
      }
      return resolveOverlaps(all);
    },
  };
}

/** Keeps the best of overlapping candidates: higher score, then the more specific recognizer, then the longer span. */
function resolveOverlaps(all: { m: PiiMatch; rank: number }[]): PiiMatch[] {
  all.sort((a, b) => b.m.score - a.m.score || a.rank - b.rank || b.m.end - b.m.start - (a.m.end - a.m.start));
  const kept: PiiMatch[] = [];
  for (const { m } of all) {
    if (kept.some((k) => k.start < m.end && m.start < k.end)) continue;
    kept.push(m);
  }
  return kept.sort((a, b) => a.start - b.start);
}
