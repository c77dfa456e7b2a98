import { PHONE_CONTEXT, PHONE_RE, phoneRecognizer, scorePhone, trimCandidate } from '../../../src/guardrails/engine/pii/phone.recognizer';
import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { leftContext, REFERENCE_CONTEXT } from '../../../src/guardrails/engine/pii/pii-context';
import { PII_SCORE_THRESHOLD, type PiiMatch } from '../../../src/guardrails/engine/pii/pii-recognizer.types';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';

/**
 * The PHONE recognizer skips the libphonenumber parses whose score could not reach the detector's
 * threshold with the candidate's context (a national number without a trunk prefix scores 0.3: it
 * counts only beside a phone label; after "order", "ref", "account" nothing can). Shown here: the
 * matches at or above the threshold are those of the recognizer before the change (its loop, kept
 * below, scoring every candidate in full), on every corpus row and on random texts of phone-like
 * numbers in many national shapes after many kinds of context; and `scorePhone` with a floor answers
 * the full score or "below the floor" only when the full score is below it.
 */

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The recognizer before the change: every candidate scored in full, then its context applied. */
function findBefore(text: string): PiiMatch[] {
  const out: PiiMatch[] = [];
  const re = new RegExp(PHONE_RE.source, 'g');
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const raw = trimCandidate(m[0]);
    const firstLine = raw.split(/\n/)[0]!.replace(/[\s./-]+$/, '');
    let score = scorePhone(firstLine);
    if (score <= 0) continue;
    const ctx = leftContext(text, m.index, 40);
    if (PHONE_CONTEXT.test(ctx)) score += 0.3;
    else if (REFERENCE_CONTEXT.test(ctx) || /\b(?:ssn|social|passport|account|acct|iban|card)\b[^\n]{0,12}$/.test(ctx)) score -= 0.45;
    const lead = m[0].length - m[0].replace(/^\(/, '').length === 1 && !raw.startsWith('(') ? 1 : 0;
    out.push({ type: 'PHONE', start: m.index + lead, end: m.index + lead + firstLine.length, score: Math.min(1, score) });
  }
  return out;
}

const kept = (ms: PiiMatch[]): PiiMatch[] => ms.filter((m) => m.score >= PII_SCORE_THRESHOLD);

const CONTEXTS = [
  '',
  'Tel. ',
  'Telemóvel: ',
  'kom. ',
  'Cel.: ',
  'call me on ',
  'phone ',
  'order ',
  'Ref: ',
  'invoice no. ',
  'account ',
  'IBAN ',
  'v',
  'Hello, ',
  'ticket #',
  'fax ',
  'Handy: ',
  'See page ',
];
/** Digit groups in the shapes the recognizer tells apart: international, North American, trunk 0, no trunk, Indian, parenthesised area, dates, versions. */
function number(r: () => number): string {
  const d = (n: number): string => Array.from({ length: n }, () => String(Math.floor(r() * 10))).join('');
  const nz = (n: number): string => String(1 + Math.floor(r() * 9)) + d(n - 1);
  const sep = (): string => [' ', '-', '.', ' ', '/'][Math.floor(r() * 5)]!;
  switch (Math.floor(r() * 10)) {
    case 0:
      return `+${nz(2)} ${d(3)} ${d(3)} ${d(3)}`;
    case 1:
      return `(${nz(3)}) ${d(3)}-${d(4)}`;
    case 2:
      return `0${nz(1)}${sep()}${d(4)}${sep()}${d(4)}`;
    case 3:
      return `${nz(3)} ${d(2)} ${d(2)} ${d(2)}`;
    case 4:
      return `${nz(2)}${sep()}${d(3)}${sep()}${d(2)}${sep()}${d(2)}`;
    case 5:
      return `${String(6 + Math.floor(r() * 4))}${d(4)} ${d(5)}`;
    case 6:
      return `(${nz(2)}) 9${d(4)}-${d(4)}`;
    case 7:
      return `0${nz(1)}.${d(2)}.${d(2)}.${d(2)}.${d(2)}`;
    case 8:
      return `00${nz(2)} ${d(2)} ${d(3)} ${d(4)}`;
    default:
      return `${nz(3)} ${d(3)} ${d(3)}`;
  }
}

describe('PHONE: parses below the threshold skipped', () => {
  const r = rng(3);
  const random = Array.from({ length: 6_000 }, () => {
    const parts: string[] = [];
    for (let k = 0; k < 1 + Math.floor(r() * 3); k++) parts.push(`${CONTEXTS[Math.floor(r() * CONTEXTS.length)]}${number(r)}`);
    return parts.join(r() < 0.5 ? ', ' : '\n');
  });

  it('keeps the same matches at or above the threshold as before, on every corpus row and 6,000 random texts', () => {
    const texts = [...corpusTexts(), ...random];
    const detector = createPiiDetector(['PHONE']);
    let differ = 0;
    let found = 0;
    for (const t of texts) {
      const want = kept(findBefore(t));
      found += want.length;
      if (JSON.stringify(kept(phoneRecognizer.find(t, new Set(['PHONE'])))) !== JSON.stringify(want)) differ++;
      if (JSON.stringify(detector.find(t)) !== JSON.stringify(want)) differ++;
    }
    expect(differ).toBe(0);
    expect(found).toBeGreaterThan(3_000);
  });

  it('scorePhone with a floor: the full score, or "below" only when the full score is below the floor', () => {
    let below = 0;
    for (const t of random) {
      for (const m of t.matchAll(new RegExp(PHONE_RE.source, 'g'))) {
        const raw = trimCandidate(m[0])
          .split(/\n/)[0]!
          .replace(/[\s./-]+$/, '');
        const full = scorePhone(raw);
        for (const floor of [0.2, 0.5, 0.95]) {
          const got = scorePhone(raw, floor);
          if (got === full) continue;
          below++;
          expect(got).toBeLessThan(0);
          expect(full).toBeLessThan(floor);
        }
      }
    }
    expect(below).toBeGreaterThan(1_000);
  });
});
