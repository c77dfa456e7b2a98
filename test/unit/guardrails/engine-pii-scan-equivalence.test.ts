import { mulberry32 } from '../../../src/core/seeded-random';
import { charClasses, LONG_WORD, MAC_SEPARATORS, TWO_COLONS, URL_MARK } from '../../../src/guardrails/engine/pii/char-classes';
import { nextRun, RUN_RE } from '../../../src/guardrails/engine/pii/name.recognizer';
import { LOCALITY_ANCHOR_RE, nextAnchor, nextStreet, STREET_RE } from '../../../src/guardrails/engine/pii/address.recognizer';
import { AWS_SECRET_RE, IPV6_CANDIDATE_RE, MAC_RE, URL_RE } from '../../../src/guardrails/engine/pii/structured.recognizers';

/**
 * The PII recognizers skip work with character loops (gates, and scans that try a pattern only where
 * a match can start). Each shortcut must find exactly what the plain global pattern finds: these
 * tests compare them on random texts built from the tokens that matter (names with particles,
 * apostrophes, hyphens and other scripts; street lines and localities; separators and surrogates).
 */

const TOKENS = [
  ...['The', 'Maria', 'Gonzalez', 'van', 'der', 'de', 'la', 'y', 'e', 'I', 'A', "O'Brien", 'McDonald', 'Anna-Lena', 'Ji-hoon', 'Zoë', 'Ärger', 'É', 'Ñ'],
  ...['dog', 'runs', 'abc1', 'Abc1', 'Abc_', 'x@y', 'Mr', 'Dear', 'Le', 'Des', 'Nguyen', '😀', '𝐀bc', '\uD835', 'ß'],
  // Other scripts and classes (the run finder's table of code units): capitals, lower case, title case, digits and marks.
  ...['Иван', 'иван', 'Ελένη', 'λ', '王', '٣', 'Ⅻ', 'ǅ', 'Ǆvo', '\u0301', 'é', 'É', '·', '\u00a0', 'Ωmega', 'ﬁ'],
  ...[
    '12',
    '221B',
    '1600',
    'Baker',
    'Street',
    'St',
    'Rue',
    'rue',
    'Calle',
    'Mayor',
    'Hauptstraße',
    'Via',
    'Roma',
    'Oak',
    'Springfield',
    'IL',
    '62704',
    'SW7',
    '1QJ',
    'London',
    'NSW',
    '2000',
    '75012',
    'Paris',
    '1016',
    'GV',
    'Apt',
    '4B',
  ],
  ...[
    '.',
    ',',
    ', ',
    '-',
    '/',
    '\\',
    '’',
    "'",
    ':',
    '::',
    '://',
    'www.',
    'WWW.',
    'http',
    'aa:bb:cc:dd:ee:ff',
    '00-1a-2b-3c-4d-5e',
    'abcd.ef01.2345',
    'fe80',
    '2001:db8::1',
    'AKIA',
    'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  ],
  ...[' ', ' ', ' ', ' ', '\t', '\n', ' \n', ' \t\n'],
];

function randomText(r: () => number): string {
  let t = '';
  const n = 1 + Math.floor(r() * 16);
  for (let i = 0; i < n; i++) {
    t += TOKENS[Math.floor(r() * TOKENS.length)];
    if (r() < 0.5) t += ' ';
  }
  return t;
}

/** Every match of `sticky` searched globally from `from`, stopping at the first one starting at `until` or later. */
function globalMatches(sticky: RegExp, text: string, from: number, until: number): [number, string][] {
  const re = new RegExp(sticky.source, sticky.flags.replace('y', '') + 'g');
  const out: [number, string][] = [];
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null && m.index < until; m = re.exec(text)) {
    out.push([m.index, m[0]]);
    if (m[0].length === 0) re.lastIndex++;
  }
  return out;
}

function scannedMatches(next: (text: string, pos: number, until: number) => { index: number; 0: string } | null, text: string, from: number, until: number): [number, string][] {
  const out: [number, string][] = [];
  for (let m = next(text, from, until); m !== null; m = next(text, m.index + m[0].length, until)) out.push([m.index, m[0]]);
  return out;
}

describe('PII scans find what their patterns find', () => {
  const r = mulberry32(20261206);
  const cases = Array.from({ length: 4000 }, () => {
    const text = randomText(r);
    const from = r() < 0.5 ? 0 : Math.floor(r() * text.length);
    return { text, from, until: r() < 0.5 ? Infinity : from + Math.floor(r() * 40) };
  });

  it('name runs: the character loop over capitals equals the run pattern searched globally', () => {
    for (const { text, from, until } of cases) expect([text, scannedMatches(nextRun, text, from, until)]).toEqual([text, globalMatches(RUN_RE, text, from, until)]);
  });

  it('street lines and localities: trying only where a match can start equals the global search', () => {
    for (const { text, from, until } of cases) {
      expect([text, scannedMatches(nextStreet, text, from, until)]).toEqual([text, globalMatches(STREET_RE, text, from, until)]);
      // The address recognizer moves on from one position after each anchor, not from its end.
      const anchors: [number, string][] = [];
      for (let a = nextAnchor(text, from, until); a !== null; a = nextAnchor(text, a.index + 1, until)) anchors.push([a.index, a[0]]);
      const expected: [number, string][] = [];
      const re = new RegExp(LOCALITY_ANCHOR_RE.source, 'gu');
      for (let pos = from; ;) {
        re.lastIndex = pos;
        const m = re.exec(text);
        if (m === null || m.index >= until) break;
        expected.push([m.index, m[0]]);
        pos = m.index + 1;
      }
      expect([text, anchors]).toEqual([text, expected]);
    }
  });

  it('gates: a URL, MAC, IPv6 or AWS-secret candidate at or after `from` always has its gate bit set', () => {
    const gates: [RegExp, number][] = [
      [URL_RE, URL_MARK],
      [MAC_RE, MAC_SEPARATORS],
      [IPV6_CANDIDATE_RE, TWO_COLONS],
      [AWS_SECRET_RE, LONG_WORD],
    ];
    let candidates = 0;
    for (const { text, from } of cases) {
      const flags = charClasses(text, from);
      for (const [re, bit] of gates) {
        re.lastIndex = from;
        if (re.exec(text) !== null) {
          candidates++;
          expect([text, from, re.source, flags & bit]).toEqual([text, from, re.source, bit]);
        }
      }
    }
    expect(candidates).toBeGreaterThan(200);
  });
});
