import { endsWithDash, SIGNATURE_DASH } from '../../../src/guardrails/engine/pii/name.recognizer';
import { leftContext } from '../../../src/guardrails/engine/pii/pii-context';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';
import { mulberry32 } from '../../../src/core/seeded-random';

/**
 * The NAME recognizer tests the signature-dash pattern only after `endsWithDash` (speed, #12): shown
 * never false where the pattern matches, on the left context of every capital of every corpus row and
 * on random contexts built from dashes, blanks, line breaks, quotes, labels and other letters.
 */

const PIECES = [
  ...['colour', 'color', 'couleur', 'farbe', 'größe', 'modèle', 'model', 'marca', 'size', 'product', 'carrier', 'hotel', "offre d'emploi", 'job title'],
  ...['contact', 'bracolor', 'ecolor', 'émodel', 'xmodel', 'Color', 'colors', 'please ask', 'the', 'de', 'é', 'ß', 'İ', '·', '1', '_'],
  ...['to', 'and', 'for', 'thank you', 'thank', 'is', 'was', 'è', 'employé', 'emp', 'names', 'obrigada', 'the', 'los', 'de', 'het', 'xthe', 'to1', 'TO'],
  ...['\u00a0', '\u2003', '\v', '\r', ':', '=', '|', '"', "'", '“', '«', '”', ',', '.', '-', '--', '—', '–', ' ', ' ', '  ', '\t', '\n', '\n '],
];

function contexts(): string[] {
  const out: string[] = [];
  for (const text of corpusTexts()) {
    for (let at = 1; at < text.length; at++) {
      const c = text.charCodeAt(at);
      if ((c >= 65 && c <= 90) || c >= 192) out.push(leftContext(text, at, 32));
    }
  }
  const r = mulberry32(20261207);
  for (let i = 0; i < 60_000; i++) {
    let t = '';
    for (let n = 1 + Math.floor(r() * 7); n > 0; n--) t += PIECES[Math.floor(r() * PIECES.length)];
    out.push(leftContext(t + 'X', t.length, 32));
  }
  return out;
}

describe('NAME context gates answer as the patterns', () => {
  const all = contexts();

  it('endsWithDash holds wherever the signature dash matches', () => {
    const wrong = all.filter((ctx) => SIGNATURE_DASH.test(ctx) && !endsWithDash(ctx));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(all.filter((ctx) => SIGNATURE_DASH.test(ctx)).length).toBeGreaterThan(300);
  });
});
