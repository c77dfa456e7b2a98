import { isIPv6 } from 'node:net';
import type { PiiEntityType } from '../../guardrail-policy.schemas';
import type { PiiMatch, PiiRecognizer } from './pii-recognizer.types';
import { leftContext, REFERENCE_CONTEXT } from './pii-context';
import { charClasses, LONG_WORD, MAC_SEPARATORS, TWO_COLONS } from './char-classes';

/** Runs a global regex over `text` and maps each match through `accept` (null rejects). */
function scan(
  re: RegExp,
  text: string,
  accept: (m: RegExpExecArray) => { start?: number; end?: number; score: number; type?: PiiEntityType } | null,
  type: PiiEntityType,
  out: PiiMatch[],
  from = 0,
  until = Infinity,
): void {
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null && m.index < until; m = re.exec(text)) {
    const r = accept(m);
    if (r) out.push({ type: r.type ?? type, start: r.start ?? m.index, end: r.end ?? m.index + m[0].length, score: r.score });
    if (m[0].length === 0) re.lastIndex++;
  }
}

// ---------------------------------------------------------------- EMAIL
const EMAIL_RE = /(?<![\w.%+-])[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62})(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-]|\.[A-Za-z0-9])/g;

export const emailRecognizer: PiiRecognizer = {
  types: ['EMAIL'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    // A match starts at most 64 characters (its local part) before the first `@` after where the
    // scan stands: the regex starts there instead of trying every letter in between.
    let scanned = from;
    for (let at = text.indexOf('@', scanned); at >= 0; at = text.indexOf('@', scanned)) {
      EMAIL_RE.lastIndex = Math.max(scanned, at - 64);
      const m = EMAIL_RE.exec(text);
      if (m === null || m.index >= until) break;
      out.push({ type: 'EMAIL', start: m.index, end: m.index + m[0].length, score: 0.95 });
      scanned = EMAIL_RE.lastIndex;
    }
    return out;
  },
};

// ---------------------------------------------------------------- URL
export const URL_RE = /(?<![\w@./-])(?:https?:\/\/|ftp:\/\/|www\.)[^\s<>"'`{}|\\^\][]+/gi;
const URL_TRAILING = /[.,;:!?)'"]+$/;

export const urlRecognizer: PiiRecognizer = {
  types: ['URL'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    scan(
      URL_RE,
      text,
      (m) => {
        let s = m[0];
        // A closing paren belongs to the URL only if it opened one inside it (Wikipedia-style links).
        for (;;) {
          const t = s.replace(URL_TRAILING, '');
          if (t === s) break;
          const opens = (s.match(/\(/g) ?? []).length;
          const closes = (s.match(/\)/g) ?? []).length;
          if (s.endsWith(')') && opens >= closes && t.length === s.length - 1) break;
          s = t;
        }
        if (s.length < 8) return null;
        return { end: m.index + s.length, score: 0.9 };
      },
      'URL',
      out,
      from,
      until,
    );
    return out;
  },
};

// ---------------------------------------------------------------- IP addresses
const OCTET = '(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_RE = new RegExp(`(?<![\\w.])${OCTET}(?:\\.${OCTET}){3}(?![\\w]|\\.\\d)`, 'g');
export const IPV6_CANDIDATE_RE = /(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*(?:%[\w]+)?(?![\w:])/g;
const VERSION_CONTEXT = /\b(?:version|ver|v|build|release|firmware|os|windows|kernel|rev)\s*[:#]?\s*$/;

export const ipRecognizer: PiiRecognizer = {
  types: ['IP_ADDRESS'],
  find(text, _wanted, from = 0, until = Infinity, classes = charClasses(text, from)) {
    const out: PiiMatch[] = [];
    scan(IPV4_RE, text, (m) => (VERSION_CONTEXT.test(leftContext(text, m.index, 24)) ? null : { score: 0.9 }), 'IP_ADDRESS', out, from, until);
    // Every IPv6 candidate has two colons with at most 4 hex digits between them.
    if ((classes & TWO_COLONS) !== 0) {
      scan(
        IPV6_CANDIDATE_RE,
        text,
        (m) => {
          const s = m[0].replace(/\.+$/, '');
          const pct = s.indexOf('%');
          const core = pct >= 0 ? s.slice(0, pct) : s;
          if (!isIPv6(core)) return null;
          // Bare "::" or clock-like "12:30:45" style runs without hex letters need a real IPv6 shape.
          if (core.replace(/[^0-9A-Fa-f]/g, '').length < 2) return null;
          if (!core.includes('::') && core.split(':').length < 8) return null;
          return { end: m.index + s.length, score: 0.9 };
        },
        'IP_ADDRESS',
        out,
        from,
        until,
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------- MAC addresses
export const MAC_RE = /(?<![\w:.-])(?:[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})(?![\w:-]|\.[0-9A-Fa-f])/g;

export const macRecognizer: PiiRecognizer = {
  types: ['MAC_ADDRESS'],
  find(text, _wanted, from = 0, until = Infinity, classes = charClasses(text, from)) {
    const out: PiiMatch[] = [];
    // Every MAC address has the same `:`/`-` separator five times, 3 apart, or two dots 5 apart (Cisco form).
    if ((classes & MAC_SEPARATORS) === 0) return out;
    scan(
      MAC_RE,
      text,
      (m) => {
        // Cisco-dot form collides with plain dotted numbers (e.g. 1234.5678.9012): require a hex letter or context.
        if (m[0].includes('.') && !/[a-f]/i.test(m[0]) && !/\bmac\b/.test(leftContext(text, m.index, 32))) return null;
        return { score: 0.9 };
      },
      'MAC_ADDRESS',
      out,
      from,
      until,
    );
    return out;
  },
};

// ---------------------------------------------------------------- AWS keys
const AWS_ACCESS_RE = /(?<![A-Za-z0-9])(?:AKIA|ASIA)[A-Z2-7]{16}(?![A-Za-z0-9])/g;
export const AWS_SECRET_RE = /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
const SECRET_CONTEXT = /(?:aws|secret|secretaccesskey|secret_access_key|credential|access[ _-]?key|private[ _-]?key|token|password|passwd)/;

export const awsRecognizer: PiiRecognizer = {
  types: ['AWS_ACCESS_KEY', 'AWS_SECRET_KEY'],
  find(text, wanted, from = 0, until = Infinity, classes = charClasses(text, from)) {
    const out: PiiMatch[] = [];
    if (wanted.has('AWS_ACCESS_KEY') && (text.indexOf('AKIA', from) >= 0 || text.indexOf('ASIA', from) >= 0)) scan(AWS_ACCESS_RE, text, () => ({ score: 0.95 }), 'AWS_ACCESS_KEY', out, from, until);
    // Every secret key is a run of 40 base64 characters.
    if (wanted.has('AWS_SECRET_KEY') && (classes & LONG_WORD) !== 0) {
      scan(
        AWS_SECRET_RE,
        text,
        (m) => {
          const s = m[0];
          if (/^[0-9a-f]{40}$/i.test(s)) return null; // git SHA-1 / hex digests
          const upper = /[A-Z]/.test(s);
          const lower = /[a-z]/.test(s);
          const digit = /\d/.test(s);
          const classes = Number(upper) + Number(lower) + Number(digit) + Number(/[/+]/.test(s));
          if (!upper || !lower) return null;
          // Random base64 of this length has all three classes almost surely; paths like a/b/c do not.
          let score = classes >= 3 ? 0.55 : 0.3;
          if (/\/{2}|^\/|\/$/.test(s)) score -= 0.3;
          if (SECRET_CONTEXT.test(leftContext(text, m.index))) score += 0.4;
          return { score: Math.min(1, score) };
        },
        'AWS_SECRET_KEY',
        out,
        from,
        until,
      );
    }
    return out;
  },
};

// ---------------------------------------------------------------- credit / debit cards
const CARD_RE = /(?<![\w-])(?:\d{13,19}|\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5})(?![\w]|[ -]\d)/g;
const CARD_CONTEXT = /\b(?:card|visa|mastercard|amex|discover|credit|debit|cc|charged|payment|pan)\b/;

/** Luhn checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** True when the number starts with a known card-network IIN range and has that network's length. */
export function knownCardPrefix(d: string): boolean {
  const n = d.length;
  const p2 = Number(d.slice(0, 2));
  const p3 = Number(d.slice(0, 3));
  const p4 = Number(d.slice(0, 4));
  const p6 = Number(d.slice(0, 6));
  if (d[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return n === 16; // Mastercard 2-series
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) return n >= 16 && n <= 19; // Discover
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p2 === 36 || p2 === 38 || (p3 >= 300 && p3 <= 305)) return n >= 14 && n <= 19; // Diners
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  return false;
}

export const cardRecognizer: PiiRecognizer = {
  types: ['CREDIT_DEBIT_CARD_NUMBER'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    scan(
      CARD_RE,
      text,
      (m) => {
        const digits = m[0].replace(/[ -]/g, '');
        if (digits.length < 13 || digits.length > 19 || !knownCardPrefix(digits) || !luhnValid(digits)) return null;
        const ctx = leftContext(text, m.index, 40);
        let score = 0.75;
        if (CARD_CONTEXT.test(ctx)) score += 0.2;
        else if (REFERENCE_CONTEXT.test(ctx)) score -= 0.4;
        return { score };
      },
      'CREDIT_DEBIT_CARD_NUMBER',
      out,
      from,
      until,
    );
    return out;
  },
};

// ---------------------------------------------------------------- US SSN
const SSN_RE = /(?<![\w-])(\d{3})([- ])(\d{2})\2(\d{4})(?![\w]|[- ]\d)/g;
const SSN_CONTEXT = /\b(?:ssn|social security|social|ss#|tax id|tin)\b/;

/** Area 000/666/900-999, group 00 and serial 0000 are never issued. */
export function ssnPartsValid(area: string, group: string, serial: string): boolean {
  const a = Number(area);
  return a !== 0 && a !== 666 && a < 900 && group !== '00' && serial !== '0000';
}

/** Nine digits written without separators count only right after an SSN context word. */
const SSN_PLAIN_RE = /(?<![\w-])(\d{3})(\d{2})(\d{4})(?![\w]|[- ]\d)/g;
const SSN_NEAR_CONTEXT = /\b(?:ssn|social security(?: number| no\.?| #)?|ss#|social)\b[\s:#=-]*(?:is|was|number|no\.?)?[\s:#=-]*$/;

export const ssnRecognizer: PiiRecognizer = {
  types: ['US_SOCIAL_SECURITY_NUMBER'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    scan(
      SSN_PLAIN_RE,
      text,
      (m) => (ssnPartsValid(m[1]!, m[2]!, m[3]!) && SSN_NEAR_CONTEXT.test(leftContext(text, m.index, 32)) ? { score: 0.85 } : null),
      'US_SOCIAL_SECURITY_NUMBER',
      out,
      from,
      until,
    );
    scan(
      SSN_RE,
      text,
      (m) => {
        if (!ssnPartsValid(m[1]!, m[3]!, m[4]!)) return null;
        const ctx = leftContext(text, m.index, 40);
        let score = m[2] === '-' ? 0.7 : 0.55;
        if (SSN_CONTEXT.test(ctx)) score += 0.3;
        else if (REFERENCE_CONTEXT.test(ctx) || /\b(?:phone|call|tel|fax|mobile)\b/.test(ctx)) score -= 0.4;
        return { score };
      },
      'US_SOCIAL_SECURITY_NUMBER',
      out,
      from,
      until,
    );
    return out;
  },
};

// ---------------------------------------------------------------- IBAN
/** IBAN length per country (ISO 13616 registry). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MR: 27,
  MT: 31,
  MU: 30,
  NL: 18,
  NO: 15,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  SA: 24,
  SC: 31,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
};

/** ISO 7064 mod-97-10 check of a compact IBAN. */
export function ibanValid(compact: string): boolean {
  const len = IBAN_LENGTHS[compact.slice(0, 2)];
  if (len === undefined || compact.length !== len || !/^[A-Z]{2}\d{2}[A-Z0-9]+$/.test(compact)) return false;
  const rearranged = compact.slice(4) + compact.slice(0, 4);
  let rem = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const v = code >= 65 ? String(code - 55) : ch;
    for (const d of v) rem = (rem * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return rem === 1;
}

const IBAN_RE = /(?<![\w])[A-Z]{2}\d{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?![\w])/g;

export const ibanRecognizer: PiiRecognizer = {
  types: ['INTERNATIONAL_BANK_ACCOUNT_NUMBER'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    scan(
      IBAN_RE,
      text,
      (m) => {
        const raw = m[0];
        const len = IBAN_LENGTHS[raw.slice(0, 2)];
        if (len === undefined) return null;
        // A grouped IBAN can be followed by an unrelated short token; cut to the country's length.
        let end = 0;
        let n = 0;
        while (end < raw.length && n < len) {
          if (raw[end] !== ' ') n++;
          end++;
        }
        const compact = raw.slice(0, end).replace(/ /g, '');
        if (!ibanValid(compact)) return null;
        if (end < raw.length && raw[end] !== ' ') return null;
        return { end: m.index + end, score: 0.95 };
      },
      'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
      out,
      from,
      until,
    );
    return out;
  },
};
