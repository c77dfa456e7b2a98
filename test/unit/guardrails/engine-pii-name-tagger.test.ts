import { readFileSync } from 'node:fs';
import { corpusTexts } from '../../../scripts/lib/guardrails-data';
import path from 'node:path';
import { mulberry32 } from '../../../src/core/seeded-random';
import { nameRecognizer, peopleIn, peopleInPlain, usePeopleTagger } from '../../../src/guardrails/engine/pii/name.recognizer';

/**
 * The name recognizer asks compromise's tagger about ambiguous runs through `peopleIn`, a leaner
 * form of `nlp(text).people().json({ offset: true })` (no chunker, no JSON clone of every term).
 * These tests hold it to the plain call: the same people on hand-picked sentences, and the same NAME
 * findings on every row of data/guardrails and on seeded random mutations of them.
 */

/** A row changed the ways names get hidden or exposed: a word's case flipped, a word dropped, two rows glued, a greeting added. */
function mutate(text: string, rnd: () => number, other: string): string {
  const words = text.split(' ');
  const i = Math.floor(rnd() * words.length);
  switch (Math.floor(rnd() * 4)) {
    case 0:
      words[i] = words[i]![0] === words[i]![0]?.toUpperCase() ? words[i]!.toLowerCase() : words[i]![0]!.toUpperCase() + words[i]!.slice(1);
      return words.join(' ');
    case 1:
      words.splice(i, 1);
      return words.join(' ');
    case 2:
      return `${text} ${other}`;
    default:
      words.splice(i, 0, 'Dear Ana Lima,');
      return words.join(' ');
  }
}

const findNames = (t: string): string => JSON.stringify(nameRecognizer.find(t, new Set(['NAME'])));

describe('compromise people tagging (name recognizer)', () => {
  it('finds the same people as nlp().people().json() on sentences with and without names', () => {
    const sentences = [
      'Please ask Ana Diaz about the refund.',
      'Onboarding: Ana Diaz, start date Monday, will be handled by Grace Ferreira from billing.',
      "Spencer's King met Dr. John Smith and Mrs. Jane O'Neil yesterday",
      "I can't reach Tamsin Wen, she's out until Friday",
      'The invoice was paid on time.',
      'Hi Koa,\nthanks for the note',
      '',
    ];
    for (const s of sentences) expect(peopleIn(s)).toEqual(peopleInPlain(s));
    // Not vacuous: the sentences hold people.
    expect(peopleIn(sentences[1]!).length).toBe(2);
  });

  it('finds the same people as nlp().people().json() on every line of the independent PII set', () => {
    const file = path.join(__dirname, '../../../data/guardrails/unseen/pii-independent.jsonl');
    const lines = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .flatMap((l) => (JSON.parse(l) as { text: string }).text.split('\n'));
    let people = 0;
    for (const line of lines) {
      const lean = peopleIn(line);
      expect({ line, people: lean }).toEqual({ line, people: peopleInPlain(line) });
      people += lean.length;
    }
    expect(people).toBeGreaterThan(40);
  }, 300_000);

  it('gives the same NAME findings as the plain tagger on every corpus row and on random mutations', () => {
    const texts = corpusTexts();
    expect(texts.length).toBeGreaterThan(3000);
    const rnd = mulberry32(12);
    const mutated = Array.from({ length: 400 }, () => mutate(texts[Math.floor(rnd() * texts.length)]!, rnd, texts[Math.floor(rnd() * texts.length)]!));
    const all = [...texts, ...mutated];
    let asked = 0;
    const lean = all.map(findNames);
    const restore = usePeopleTagger((s) => {
      asked++;
      return peopleInPlain(s);
    });
    try {
      const plain = all.map(findNames);
      for (let i = 0; i < all.length; i++) if (lean[i] !== plain[i]) expect({ text: all[i], findings: lean[i] }).toEqual({ text: all[i], findings: plain[i] });
    } finally {
      restore();
    }
    // The tagger decided runs in this corpus (the comparison covers it).
    expect(asked).toBeGreaterThan(100);
  }, 600_000);
});
