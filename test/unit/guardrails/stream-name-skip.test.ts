import { corpusTexts } from '../../../scripts/lib/guardrails-data';
import { mulberry32 } from '../../../src/core/seeded-random';
import { capitalsOnly } from '../../../src/guardrails/engine/stream-scanner';
import { createPiiDetector, SUPPORTED_PII_TYPES } from '../../../src/guardrails/engine/pii/pii-detector';
import { nameRunsSkipped } from '../../../src/guardrails/engine/pii/name.recognizer';

/**
 * The stream scanner skips the PII pass over a window when `capitalsOnly` (no character any
 * recognizer but NAME needs) and `nameRunsSkipped` (NAME passes over every run) both hold. The skip
 * is sound only if the pass would have found nothing: these tests run the full detector (every
 * type) on every window the skip accepts, cut from every corpus row at random offsets, and on
 * hand-picked windows next to the edge of the rule.
 */

const all = createPiiDetector(SUPPORTED_PII_TYPES);
const skips = (w: string, from: number, until: number): boolean => capitalsOnly(w, from) && nameRunsSkipped(w, from, until);

describe('the stream scanner skips a PII pass only where it finds nothing', () => {
  it('accepts prose whose capitals open ordinary words, and refuses what may hold an entity', () => {
    for (const w of [
      'Thanks for reaching out. The parcel left today.',
      'It shipped. We are sorry, (Please) write back!',
      'the carrier "Said" so.',
      // A lone capital or a word in capitals opens no run of NAME's and gives the gate pass nothing else.
      'I think I can, and I\'m sure I will. A note (I) "I" I.',
      'The AI answers in JSON over the API. OK? US and UK teams agree, FYI!',
    ])
      expect([w, skips(w, 0, w.length), all.find(w, 0, w.length)]).toEqual([w, true, []]);
    for (const w of [
      'Thanks Maria for the note.',
      'ask Sander to call back',
      'The de Silva family',
      'Dear Jan, thanks.',
      'Main Street is closed. Call 555 0100',
      'key AKIAIOSFODNN7EXAMPLE here',
      'see www. now',
      'aa-bb-cc-dd-ee-ff',
      'host fe::1',
      'iPhone McDonald',
      'Café',
      'mail a@b.example',
      // An access key in capitals only, a URL opener in capitals, names in capitals after a closing or a label.
      'use AKIAABCDEFGHIJKLMNOP now',
      'key ASIAABCDEFGHIJKLMNOP',
      'see WWW. now',
      'Kind regards,\nHINEMOA PARATA',
      'Kind regards,\n  HINEMOA PARATA',
      'Passenger name: MOANA TUILAGI',
      'KALEO is here',
      // Capitals inside a word, a capital after another letter, or before a digit or a hyphen.
      'DANs and I-beams',
      'ThE end',
    ])
      expect([w, skips(w, 0, w.length)]).toEqual([w, false]);
  });

  it('finds nothing with every PII type in generated windows of capitals, words in capitals and punctuation', () => {
    const pieces = [
      'I',
      'A',
      'AI',
      'OK',
      'JSON',
      'DAN',
      'AKIA',
      'ASIA',
      'WWW',
      'IBAN',
      'DE',
      'GB',
      'MOANA',
      'TUILAGI',
      'Maria',
      'Lopez',
      'Jan',
      'The',
      'Dear',
      'Kind regards',
      'name',
      'the',
      'and',
      'de',
      'van',
      'ave',
      'st',
      "'m",
      "'s",
      'www',
      'x',
      'ABCDEFGHIJKLMNOPQRST',
      'AKIAABCDEFGHIJKLMNOP',
      'EXAMPLE',
    ];
    const seps = [' ', ' ', ' ', '\n', ', ', '. ', '.', ': ', '(', ')', '"', '! ', '? ', '; ', '\t', "'"];
    const rnd = mulberry32(12);
    let accepted = 0;
    for (let n = 0; n < 30_000; n++) {
      let w = '';
      for (let k = 1 + Math.floor(rnd() * 10); k > 0; k--) w += pieces[Math.floor(rnd() * pieces.length)]! + seps[Math.floor(rnd() * seps.length)]!;
      const from = Math.floor(rnd() * Math.min(w.length, 20));
      const until = from + Math.floor(rnd() * (w.length - from + 1));
      if (!skips(w, from, until)) continue;
      accepted++;
      const found = all.find(w, from, until);
      if (found.length > 0) expect({ w, from, until, found }).toEqual({ w, from, until, found: [] });
    }
    expect(accepted).toBeGreaterThan(2000);
  }, 600_000);

  it('finds nothing with every PII type in any corpus window the skip accepts', () => {
    const texts = corpusTexts();
    expect(texts.length).toBeGreaterThan(3000);
    const rnd = mulberry32(2026);
    let accepted = 0;
    for (const text of texts) {
      for (let k = 0; k < 6; k++) {
        // A window as the scanner builds it: context, then the pending text searched from `from` to `until`.
        const start = Math.floor(rnd() * text.length);
        const w = text.slice(start, start + 40 + Math.floor(rnd() * 300));
        const from = Math.floor(rnd() * Math.min(w.length, 60));
        const until = from + Math.floor(rnd() * (w.length - from + 1));
        if (!skips(w, from, until)) continue;
        accepted++;
        const found = all.find(w, from, until);
        if (found.length > 0) expect({ w, from, until, found }).toEqual({ w, from, until, found: [] });
      }
    }
    // The skip is common on prose: the check covers many windows.
    expect(accepted).toBeGreaterThan(1000);
  }, 600_000);
});
