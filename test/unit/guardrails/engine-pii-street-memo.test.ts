import { mulberry32 } from '../../../src/core/seeded-random';
import { nextStreet, STREET_RE } from '../../../src/guardrails/engine/pii/address.recognizer';

/**
 * `nextStreet` tries a street pattern at a capital only when a digit follows on its line within 20
 * words, and remembers that answer for the later capitals it covers. On long lines (more than 20
 * words before a digit, digits far apart, line breaks between) and when scans of two texts
 * interleave, it must still find exactly what the street pattern searched globally finds.
 */

const WORDS = ['the', 'office', 'is', 'near', 'and', 'we', 'ship', 'it', 'soon', 'to', 'de', 'la'];
const STREETS = ['Hauptstraße', 'Calle', 'Mayor', 'Via', 'Roma', 'Oak', 'Street', 'Baker', 'Rue', 'Please', 'Dear', 'Ana'];
const OTHER = ['12', '5', '221B', '1600', ',', '.', '\n', ' \n', '\t'];

function longText(r: () => number): string {
  let t = '';
  const n = 5 + Math.floor(r() * 70);
  for (let i = 0; i < n; i++) {
    const x = r();
    t += x < 0.6 ? WORDS[Math.floor(r() * WORDS.length)] : x < 0.88 ? STREETS[Math.floor(r() * STREETS.length)] : OTHER[Math.floor(r() * OTHER.length)];
    if (r() < 0.85) t += ' ';
  }
  return t;
}

function globalStreets(text: string, from: number): [number, string][] {
  const re = new RegExp(STREET_RE.source, 'gu');
  const out: [number, string][] = [];
  re.lastIndex = from;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push([m.index, m[0]]);
  return out;
}

function scanned(text: string, from: number): [number, string][] {
  const out: [number, string][] = [];
  for (let m = nextStreet(text, from, Infinity); m !== null; m = nextStreet(text, m.index + m[0].length, Infinity)) out.push([m.index, m[0]]);
  return out;
}

describe('street scan with a remembered digit look-ahead', () => {
  it('finds a street line whose capital comes after a capital with more than 20 words before the digit', () => {
    // From "Please" the number is 21 words away (no street), from "Calle" 8 (a street).
    const text = `Please ${'note that the '.repeat(4)}Calle de la Cruz de los Reyes Magos 12 is the office`;
    expect(scanned(text, 0)).toEqual(globalStreets(text, 0));
    expect(scanned(text, 0).map(([, s]) => s)).toEqual(['Calle de la Cruz de los Reyes Magos 12']);
  });

  it('equals the global search on 3,000 long random lines, whole and from a random offset', () => {
    const r = mulberry32(20261207);
    for (let i = 0; i < 3000; i++) {
      const text = longText(r);
      const from = r() < 0.5 ? 0 : Math.floor(r() * text.length);
      expect([text, from, scanned(text, from)]).toEqual([text, from, globalStreets(text, from)]);
    }
  });

  it('equals the global search when the scans of two texts interleave', () => {
    const r = mulberry32(7);
    for (let i = 0; i < 500; i++) {
      const a = longText(r);
      const b = longText(r);
      const got: [number, string][] = [];
      for (let m = nextStreet(a, 0, Infinity); m !== null; m = nextStreet(a, m.index + m[0].length, Infinity)) {
        got.push([m.index, m[0]]);
        nextStreet(b, Math.floor(r() * b.length), Infinity);
      }
      expect([a, got]).toEqual([a, globalStreets(a, 0)]);
    }
  });
});
