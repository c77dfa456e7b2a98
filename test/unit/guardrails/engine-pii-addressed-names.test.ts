import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { checkText } from '../../../src/guardrails/engine';
import { createPolicyStreamScanner } from '../../../src/guardrails';
import { activePolicy, lcg, modelChunks } from '../../helpers/stream-chunks';

/**
 * Issue 12, first names alone: one name-like word addressed as a person (a verb that asks, tells or
 * hands something to someone before it, what follows a person after it) is a NAME, also when the
 * word is an ordinary word or a place as well as a first name ("ask Jan to call back"). Behaviour
 * taken from the tuning rows (`data/guardrails/tune/pii-names.jsonl`), tested here on other words.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const names = (text: string) => detector.find(text).flatMap((m) => (m.type === 'NAME' ? [text.slice(m.start, m.end)] : []));

const ADDRESSED: [string, string, string][] = [
  ['a name no list holds, asked to do something', 'Could you ask Oluwadamilare to resend the invoice?', 'Oluwadamilare'],
  ['a first name that is also a word', 'Please remind Jan to sign the form.', 'Jan'],
  ['a first name that is also a place', 'Let Austin know the truck is late.', 'Austin'],
  ['a name after "forward this to", before a question mark', 'Can you forward this to Sigrún?', 'Sigrún'],
  ['a name after "reply to", before what the reply says', 'Write a reply to Tamati confirming the booking.', 'Tamati'],
];

describe('PII NAME: one word addressed as a person', () => {
  it.each(ADDRESSED)('%s', (_case, text, name) => {
    expect(names(text)).toEqual([name]);
  });

  it.each([
    ['a city after "send it to"', 'Send it to London by Friday.'],
    ['a department asked to review', 'Please ask Legal to review the contract.'],
    ['a company told something', 'Let Apple know about the defect.'],
  ])('not %s', (_case, text) => {
    expect(names(text)).toEqual([]);
  });

  it('streams them as the whole text is anonymized, for any chunking (the word after the name decides)', () => {
    const p = activePolicy('names', { pii: { entities: [{ type: 'NAME', action: 'ANONYMIZE' }] } });
    ADDRESSED.forEach(([, text, name], t) => {
      const whole = checkText(p.compiled, 'OUTPUT', text).text;
      expect(whole).not.toContain(name);
      const r = lcg(t + 11);
      for (let k = 0; k < 40; k++) {
        const s = createPolicyStreamScanner([p]);
        let out = '';
        for (const d of modelChunks(text, r)) out += s.push(d).release;
        expect(out + s.end().release).toBe(whole);
      }
    });
  });
});
