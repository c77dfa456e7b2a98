import type { PiiEntityType } from '../../guardrail-policy.schemas';
import { PII_SCORE_THRESHOLD, type PiiMatch, type PiiRecognizer } from './pii-recognizer.types';
import { awsRecognizer, cardRecognizer, emailRecognizer, ibanRecognizer, ipRecognizer, macRecognizer, ssnRecognizer, urlRecognizer } from './structured.recognizers';
import { phoneRecognizer } from './phone.recognizer';
import { driverIdRecognizer, passportRecognizer } from './id-document.recognizers';
import { nameRecognizer } from './name.recognizer';
import { addressRecognizer } from './address.recognizer';
import { AT, charClasses, DIGIT, LONG_WORD, MAC_SEPARATORS, TWO_COLONS, UPPER, URL_MARK } from './char-classes';

export { charClasses } from './char-classes';

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
  /**
   * Non-overlapping matches at or above the score threshold, in text order. With `from` and
   * `until`, only matches starting in [from, until); the text around is context (the stream
   * scanner's case: it needs only what starts in the text it can release).
   */
  find(text: string, from?: number, until?: number): PiiMatch[];
}

/** What each recognizer needs to find anything (a cheap gate before its patterns run). */
const NEEDS = new Map<PiiRecognizer, (f: number) => boolean>([
  [emailRecognizer, (f) => (f & AT) !== 0],
  // Every URL opens with "http://", "https://", "ftp://" or "www.".
  [urlRecognizer, (f) => (f & URL_MARK) !== 0],
  // An access key has capitals ("AKIA..."); a secret key is a 40-character base64 run.
  [awsRecognizer, (f) => (f & (UPPER | LONG_WORD)) !== 0],
  [ibanRecognizer, (f) => (f & UPPER) !== 0 && (f & DIGIT) !== 0],
  [cardRecognizer, (f) => (f & DIGIT) !== 0],
  // "aa:bb:cc:dd:ee:ff", "aa-bb-..." or "aabb.ccdd.eeff" may have no digit.
  [macRecognizer, (f) => (f & MAC_SEPARATORS) !== 0],
  // IPv6 "fe::cafe" may have no digit, but always two colons close together.
  [ipRecognizer, (f) => (f & (DIGIT | TWO_COLONS)) !== 0],
  [ssnRecognizer, (f) => (f & DIGIT) !== 0],
  [phoneRecognizer, (f) => (f & DIGIT) !== 0],
  [passportRecognizer, (f) => (f & DIGIT) !== 0],
  [driverIdRecognizer, (f) => (f & DIGIT) !== 0],
  [addressRecognizer, (f) => (f & DIGIT) !== 0],
  [nameRecognizer, (f) => (f & UPPER) !== 0],
]);

/** Builds a detector that runs only the recognizers needed for `wanted`. */
export function createPiiDetector(wanted: Iterable<PiiEntityType>): PiiDetector {
  const set = new Set(wanted);
  const runs = PII_RECOGNIZERS.flatMap((r, rank) => (r.types.some((t) => set.has(t)) ? [{ r, rank, needs: NEEDS.get(r)! }] : []));
  return {
    wanted: set,
    find(text: string, from = 0, until = Infinity): PiiMatch[] {
      if (runs.length === 0 || text.length <= from || until <= from) return [];
      const flags = charClasses(text, from);
      let all: { m: PiiMatch; rank: number }[] | null = null;
      for (const { r, rank, needs } of runs) {
        if (!needs(flags)) continue;
        for (const m of r.find(text, set, from, until, flags)) {
          if (m.score >= PII_SCORE_THRESHOLD && set.has(m.type) && m.end > m.start && m.start >= from) (all ??= []).push({ m, rank });
        }
      }
      if (all === null) return [];
      return all.length === 1 ? [all[0]!.m] : resolveOverlaps(all);
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
