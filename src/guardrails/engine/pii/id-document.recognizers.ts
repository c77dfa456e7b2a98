import type { PiiMatch, PiiRecognizer } from './pii-recognizer.types';
import { leftContext, REFERENCE_CONTEXT } from './pii-context';

// ---------------------------------------------------------------- US passport
/** US passport book/card numbers: 9 digits, or one letter and 8 digits (next-generation books). */
const PASSPORT_RE = /(?<![\w-])(?:[A-Z]\d{8}|\d{9})(?![\w-])/g;
const PASSPORT_CONTEXT = /\b(?:passport|passeport|reisepass|pasaporte|passaporto)\b[^\n]{0,30}$/;

export const passportRecognizer: PiiRecognizer = {
  types: ['US_PASSPORT_NUMBER'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    PASSPORT_RE.lastIndex = from;
    for (let m = PASSPORT_RE.exec(text); m !== null && m.index < until; m = PASSPORT_RE.exec(text)) {
      const ctx = leftContext(text, m.index, 48);
      // Nine digits are far too common (order numbers, account ids) to count without the word "passport".
      let score = /^[A-Z]/.test(m[0]) ? 0.35 : 0.15;
      if (PASSPORT_CONTEXT.test(ctx)) score += 0.6;
      else if (REFERENCE_CONTEXT.test(ctx)) score = 0;
      if (score > 0) out.push({ type: 'US_PASSPORT_NUMBER', start: m.index, end: m.index + m[0].length, score });
    }
    return out;
  },
};

// ---------------------------------------------------------------- driver's licence
/** Licence numbers vary per state/country; the context words decide, the token must look like an id. */
const DRIVER_CONTEXT =
  /\b(?:driver'?s?|driving|drivers)\s+(?:licen[cs]e|permit|id)(?:\s+(?:no\.?|number|#))?|\bdl\s*(?:no\.?|number|#)?|führerschein(?:nummer)?|permis de conduire|licencia de conducir/;
/** The lookahead (a digit somewhere in the token) skips the ordinary words a licence number never is, without changing any token found. */
const DRIVER_TOKEN_RE = /(?<![\w-])(?=[A-Z0-9-]*\d)[A-Z0-9](?:[A-Z0-9-]{3,18})[A-Z0-9](?![\w-])/gi;

export const driverIdRecognizer: PiiRecognizer = {
  types: ['DRIVER_ID'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    const lower = text.toLowerCase();
    if (!/licen[cs]e|permit|\bdl\b|führerschein|permis|licencia|driver/.test(lower)) return out;
    DRIVER_TOKEN_RE.lastIndex = from;
    for (let m = DRIVER_TOKEN_RE.exec(text); m !== null && m.index < until; m = DRIVER_TOKEN_RE.exec(text)) {
      const tok = m[0];
      let digits = 0;
      let hyphens = 0;
      for (let i = 0; i < tok.length; i++) {
        const c = tok.charCodeAt(i);
        if (c >= 48 && c <= 57) digits++;
        else if (c === 45) hyphens++;
      }
      if (digits < 4 || tok.length - hyphens < 5) continue;
      const ctx = leftContext(text, m.index, 40);
      const hit = DRIVER_CONTEXT.exec(ctx);
      if (!hit) continue;
      // Only the first id-like token after the context words is the licence number.
      const between = ctx.slice(hit.index + hit[0].length);
      if (/[A-Za-z]*\d/.test(between) || /[.;!?]/.test(between.replace(/\bno\.|#/g, ''))) continue;
      out.push({ type: 'DRIVER_ID', start: m.index, end: m.index + m[0].length, score: 0.85 });
    }
    return out;
  },
};
