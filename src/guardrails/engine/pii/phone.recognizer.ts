import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { PII_SCORE_THRESHOLD, type PiiMatch, type PiiRecognizer } from './pii-recognizer.types';
import { leftContext, REFERENCE_CONTEXT } from './pii-context';

/**
 * Phone candidates: an optional `+`/`00` prefix, then digits with the separators people write
 * (space, dash, dot, slash, parentheses). Validation is done by libphonenumber-js (full metadata),
 * so shapes alone never make a phone number.
 */
export const PHONE_RE = /(?<![\w+@./-])(?<!\d:)(?:\+|00)?\(?\d[\d\s()./-]{4,22}\d(?![\w@]|[.-]\d|:\d)/g;

/** Countries tried for numbers written in national form (with a trunk prefix `0`). */
const TRUNK_ZERO_COUNTRIES: readonly CountryCode[] = ['GB', 'DE', 'FR', 'AU', 'IT', 'NL', 'ES', 'BE', 'CH', 'AT', 'IE', 'JP', 'BR', 'IN', 'NZ', 'ZA', 'SE', 'PL'];

/**
 * Countries whose national numbers have no trunk prefix: Spain, Portugal, Poland, Italy (mobiles), Mexico,
 * Denmark, Norway, Czechia, Greece ("612 34 56 78", "912 345 678", "22 123 45 67", "55 1234 5678").
 */
const NO_TRUNK_COUNTRIES: readonly CountryCode[] = ['ES', 'PT', 'PL', 'IT', 'MX', 'DK', 'NO', 'CZ', 'GR'];

/** Countries whose national numbers are written "(area) number" without a leading 0. */
const PAREN_AREA_COUNTRIES: readonly CountryCode[] = ['BR', 'MX', 'AR', 'CO', 'CL'];

export const PHONE_CONTEXT =
  /\b(?:phone|ph|tel|telephone|mobile|cell|call(?:ed)?|ring|text|sms|whatsapp|fax|contact|reach|dial|hotline|number is|numéro|téléphone|portable|appelez|telefon|handy|rufnummer|anrufen|teléfono|móvil|llámame|telefono|telefone|telemóvel|telemovel|telem|tlm|tlf|kom|komórka|cel|celular|cellulare|cell|móvel)\b[^\n]{0,24}$/;
const DATE_SHAPE = /^(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$/;
const TIME_OR_VERSION = /^\d+(?:\.\d+){2,}$/;

/** Trims separators and unbalanced parentheses at the end of a candidate. */
export function trimCandidate(s: string): string {
  let t = s.replace(/[\s./-]+$/, '');
  if (t.startsWith('(') && !/^\(\d{2,5}\)/.test(t)) t = t.slice(1);
  while (t.endsWith(')') && (t.match(/\(/g) ?? []).length < (t.match(/\)/g) ?? []).length) t = t.slice(0, -1);
  return t.replace(/[\s./-]+$/, '');
}

/** Mixed separators (e.g. dots and dashes) are a sign of a code, not a phone number. */
function separatorsPlausible(s: string): boolean {
  const seps = new Set(
    s
      .replace(/^\+|^00/, '')
      .replace(/[\d()]/g, '')
      .replace(/\s+/g, ' '),
  );
  seps.delete(' ');
  return seps.size <= 1;
}

/** What `scorePhone` answers when the score could only be below its `floor` (not computed). */
const BELOW_FLOOR = -1;

/**
 * The base score of a candidate (0: not a phone number). With `floor`, a score below it is of no use to
 * the caller: the libphonenumber parses that could only find one are skipped and `BELOW_FLOOR` is
 * returned instead (a number written in national form without a trunk prefix scores 0.3, of use only
 * beside a phone label).
 */
export function scorePhone(raw: string, floor = -Infinity): number {
  if (floor > 0.9) return BELOW_FLOOR;
  const digits = raw.replace(/\D/g, '');
  if (digits.length < 7 || digits.length > 15) return 0;
  if (DATE_SHAPE.test(raw) || !separatorsPlausible(raw)) return 0;
  if (/^\d{3}[- ]\d{2}[- ]\d{4}$/.test(raw)) return 0; // SSN shape
  if (raw.startsWith('+') || raw.startsWith('00')) {
    const p = parsePhoneNumberFromString(raw.startsWith('00') ? `+${raw.slice(2)}` : raw);
    if (!p) return 0;
    if (p.isValid()) return 0.9;
    return p.isPossible() ? 0.7 : 0;
  }
  // North American form: (206) 555-0107, 206-555-0107, 206.555.0107, 206 555 0107, 1 (800) 555-0199.
  if (/^(?:1[-. ]?)?(?:\(\d{3}\)\s?|\d{3}[-. ])\d{3}[-. ]\d{4}$/.test(raw)) {
    const p = parsePhoneNumberFromString(raw, 'US');
    if (p?.isValid()) return 0.8;
    return p?.isPossible() ? 0.55 : 0;
  }
  // French numbers in dotted pairs (01.42.68.53.00) look like versions: only that exact shape passes.
  if (TIME_OR_VERSION.test(raw) && !/^0[1-9](?:\.\d{2}){4}$/.test(raw)) return 0;
  // Area code in parentheses without a trunk prefix (Brazil, Mexico, Argentina...): (11) 91234-5678.
  if (/^\([1-9]\d{1,2}\)\s?\d{4,5}[- ]?\d{4}$/.test(raw)) {
    if (floor > 0.65) return BELOW_FLOOR;
    for (const c of PAREN_AREA_COUNTRIES) if (parsePhoneNumberFromString(raw, c)?.isValid()) return 0.65;
  }
  // Indian mobile: 98765 43210.
  if (/^[6-9]\d{4}[ -]?\d{5}$/.test(raw)) {
    if (floor > 0.7) return BELOW_FLOOR;
    return parsePhoneNumberFromString(raw, 'IN')?.isValid() ? (/[ -]/.test(raw) ? 0.7 : 0.5) : 0;
  }
  // National form of a country without a trunk prefix: grouped digits like any code, so it only counts
  // beside a phone label ("Tel.", "Telemóvel", "kom.", "Cel."): alone it stays below the threshold.
  if (/^[1-9]\d{1,3}(?:[ .-]\d{2,4}){2,3}$/.test(raw)) {
    if (floor > 0.3) return BELOW_FLOOR;
    for (const c of NO_TRUNK_COUNTRIES) if (parsePhoneNumberFromString(raw, c)?.isValid()) return 0.3;
    return 0;
  }
  // National form with trunk prefix (UK 020 7946 0123, DE 030 1234567, FR 01 71 58 58 21, AU 02 5550 1234...).
  if (/^\(?0[1-9]/.test(raw)) {
    if (floor > 0.7) return BELOW_FLOOR;
    // A possible but invalid number scores 0.45: below a floor above that, only validity is asked.
    const wantPossible = floor <= 0.45;
    let possible = false;
    for (const c of TRUNK_ZERO_COUNTRIES) {
      const p = parsePhoneNumberFromString(raw, c);
      if (!p) continue;
      if (p.isValid()) return /[\s()/-]/.test(raw) ? 0.7 : 0.55;
      if (wantPossible && p.isPossible()) possible = true;
    }
    if (!wantPossible) return BELOW_FLOOR;
    return possible && /[\s()-]/.test(raw) ? 0.45 : 0;
  }
  return 0;
}

/**
 * Scores by candidate string: `scorePhone` is pure and costs ~40 µs per libphonenumber parse, and a
 * conversation re-sends its history, so the same numbers come back turn after turn. Bounded: cleared
 * when full. Only full answers are kept (not `BELOW_FLOOR`).
 */
const scoreCache = new Map<string, number>();
const SCORE_CACHE_MAX = 10_000;
function cachedScorePhone(raw: string, floor: number): number {
  let score = scoreCache.get(raw);
  if (score === undefined) {
    score = scorePhone(raw, floor);
    if (score === BELOW_FLOOR) return score;
    if (scoreCache.size >= SCORE_CACHE_MAX) scoreCache.clear();
    scoreCache.set(raw, score);
  }
  return score;
}

export const phoneRecognizer: PiiRecognizer = {
  types: ['PHONE'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    PHONE_RE.lastIndex = from;
    for (let m = PHONE_RE.exec(text); m !== null && m.index < until; m = PHONE_RE.exec(text)) {
      const raw = trimCandidate(m[0]);
      // A line break ends a phone number: tables put numbers of different rows one under another.
      const firstLine = raw.split(/\n/)[0]!.replace(/[\s./-]+$/, '');
      const ctx = leftContext(text, m.index, 40);
      const bonus = PHONE_CONTEXT.test(ctx) ? 0.3 : REFERENCE_CONTEXT.test(ctx) || /\b(?:ssn|social|passport|account|acct|iban|card)\b[^\n]{0,12}$/.test(ctx) ? -0.45 : 0;
      // The detector keeps scores at or above the threshold only: a base score that cannot reach it with this context is not computed.
      let score = cachedScorePhone(firstLine, PII_SCORE_THRESHOLD - bonus);
      if (score <= 0) continue;
      score += bonus;
      const lead = m[0].length - m[0].replace(/^\(/, '').length === 1 && !raw.startsWith('(') ? 1 : 0;
      out.push({ type: 'PHONE', start: m.index + lead, end: m.index + lead + firstLine.length, score: Math.min(1, score) });
    }
    return out;
  },
};
