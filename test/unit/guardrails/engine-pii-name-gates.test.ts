import { ARTICLE_BEFORE, articleBefore, endsWithDash, NAME_CONTEXT, nameContextBefore, SIGNATURE_DASH, THING_LABEL, thingLabelBefore } from '../../../src/guardrails/engine/pii/name.recognizer';
import { leftContext } from '../../../src/guardrails/engine/pii/pii-context';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';
import { mulberry32 } from '../../../src/core/seeded-random';

/**
 * The NAME recognizer tests some context patterns only where they can match (speed, #12): the
 * thing-label, name-context and article patterns through `thingLabelBefore`, `nameContextBefore` and
 * `articleBefore` (the last word of the context decides without the pattern when it is a plain ASCII
 * word the pattern cannot end with), the signature dash only after `endsWithDash`. Shown: the same answers on the left context of every capital of every corpus row and
 * on random contexts built from the labels, quotes, separators and letters of other alphabets.
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

  it('thingLabelBefore equals THING_LABEL.test', () => {
    const wrong = all.filter((ctx) => thingLabelBefore(ctx) !== THING_LABEL.test(ctx));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(all.length).toBeGreaterThan(150_000);
    expect(all.filter((ctx) => THING_LABEL.test(ctx)).length).toBeGreaterThan(1_000);
  });

  it('nameContextBefore and articleBefore equal their patterns', () => {
    const wrong = all.filter((ctx) => nameContextBefore(ctx) !== NAME_CONTEXT.test(ctx) || articleBefore(ctx) !== ARTICLE_BEFORE.test(ctx));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(all.filter((ctx) => NAME_CONTEXT.test(ctx)).length).toBeGreaterThan(2_000);
    expect(all.filter((ctx) => ARTICLE_BEFORE.test(ctx)).length).toBeGreaterThan(2_000);
  });

  it('endsWithDash holds wherever the signature dash matches', () => {
    const wrong = all.filter((ctx) => SIGNATURE_DASH.test(ctx) && !endsWithDash(ctx));
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(all.filter((ctx) => SIGNATURE_DASH.test(ctx)).length).toBeGreaterThan(300);
  });
});
