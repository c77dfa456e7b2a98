import { mulberry32 } from '../../../src/core/seeded-random';
import { FULL_RE, fullMatches, nextAnchor } from '../../../src/guardrails/engine/pii/address.recognizer';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';

/**
 * `fullMatches` keeps the answer of a global `FULL_RE` search for the later anchors and stops when none is left. It must
 * give exactly what searching again from each anchor gives (the plain loop below, as the recognizer ran it before).
 */
function plainFullMatches(text: string, from: number, until: number): [number, string][] {
  const STREET_PART_MAX = 160;
  const out: [number, string][] = [];
  let scanned = from;
  const anchorLimit = until + STREET_PART_MAX;
  for (let a = nextAnchor(text, from, anchorLimit); a !== null; a = nextAnchor(text, Math.max(a.index + 1, scanned), anchorLimit)) {
    FULL_RE.lastIndex = Math.max(scanned, a.index - STREET_PART_MAX);
    for (let m = FULL_RE.exec(text); m !== null && m.index <= a.index; m = FULL_RE.exec(text)) {
      out.push([m.index, m[0]]);
      scanned = FULL_RE.lastIndex;
    }
    scanned = Math.max(scanned, a.index + 1);
  }
  return out;
}

const reused = (text: string, from: number, until: number): [number, string][] => fullMatches(text, from, until).map((m) => [m.index, m[0]]);

const PARTS = [
  ...['12 Baker Street', '221B Baker St', '1600 Pennsylvania Avenue NW', 'Apt 4B', 'Flat 2', 'The Old Rectory', 'Calle Mayor 15', 'Hauptstraße 5', '5 rue de la Paix'],
  ...['Springfield, IL 62704', 'London SW7 1QJ', '75012 Paris', 'Sydney NSW 2000', '1016 GV Amsterdam', '10115 Berlin', 'Lisboa', 'Madrid', 'France'],
  ...['Maria', 'Gonzalez', 'the', 'order', 'shipped', 'to', 'at', '3 items', '2024', 'and', 'of', 'on Friday', 'cost 12 Euro', '😀', 'Zoë'],
  ...[', ', ',', '\n', ' \n', '. ', ' ', ' ', '\t', '; ', ' - '],
];

function randomText(r: () => number): string {
  let t = '';
  const n = 1 + Math.floor(r() * 30);
  for (let i = 0; i < n; i++) {
    t += PARTS[Math.floor(r() * PARTS.length)];
    if (r() < 0.6) t += r() < 0.3 ? ', ' : ' ';
  }
  return t;
}

describe('ADDRESS full matches: one search answers the later anchors', () => {
  it('equals searching again at every anchor, on random address-like texts', () => {
    const r = mulberry32(20261207);
    let found = 0;
    for (let k = 0; k < 5000; k++) {
      const text = randomText(r);
      const from = r() < 0.5 ? 0 : Math.floor(r() * text.length);
      const until = r() < 0.5 ? Infinity : from + Math.floor(r() * 80);
      const expected = plainFullMatches(text, from, until);
      found += expected.length;
      expect([text, from, until, reused(text, from, until)]).toEqual([text, from, until, expected]);
    }
    expect(found).toBeGreaterThan(1000);
  });

  it('equals searching again at every anchor, on every corpus row', () => {
    let found = 0;
    for (const text of corpusTexts()) {
      const expected = plainFullMatches(text, 0, Infinity);
      found += expected.length;
      expect([text, reused(text, 0, Infinity)]).toEqual([text, expected]);
    }
    expect(found).toBeGreaterThan(50);
  });
});
