import { compilePolicy, createStreamScanner } from '../../../src/guardrails/engine';
import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { parseGuardrailPolicyConfig } from '../../../src/guardrails/guardrail-policy.schemas';

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const found = (text: string) => detector.find(text).map((m) => [m.type, text.slice(m.start, m.end)]);

describe('PII across cultures and formats (issue 12)', () => {
  it.each([
    ['compound surname with particles', 'Please contact Lucía Fernández de la Vega about the lease.', 'Lucía Fernández de la Vega'],
    ['hyphenated African surname', 'Signed by Kwabena Owusu-Ansah', 'Kwabena Owusu-Ansah'],
    ['Korean given name with a hyphen', 'The ticket was opened by Hye-jin Cho this morning.', 'Hye-jin Cho'],
    ['Polynesian name in a signature', 'Kind regards,\nTupou Vainikolo', 'Tupou Vainikolo'],
    ['diacritics', 'I met Anaïs Lefèvre at the front desk.', 'Anaïs Lefèvre'],
    ['Zulu name', 'Our driver Sipho Ndlovu will call you.', 'Sipho Ndlovu'],
    ['greeting', 'Good morning Wiremu, your order is ready.', 'Wiremu'],
    ['"my name is" in Spanish', 'Hola, me llamo Itziar Etxeberria.', 'Itziar Etxeberria'],
  ])('NAME: %s', (_case, text, name) => {
    expect(found(text)).toContainEqual(['NAME', name]);
  });

  it.each([
    ['UK street with an apostrophe', "Deliver to 12 Queen's Road, Bristol BS8 1QE.", "12 Queen's Road, Bristol BS8 1QE"],
    ['Spanish street', 'Vivo en Avenida de la Constitución 12, 41001 Sevilla.', 'Avenida de la Constitución 12, 41001 Sevilla'],
    ['Italian street', 'Spedire a Via Garibaldi 7, 10122 Torino', 'Via Garibaldi 7, 10122 Torino'],
  ])('ADDRESS: %s', (_case, text, address) => {
    expect(found(text)).toContainEqual(['ADDRESS', address]);
  });

  it.each([
    ['French number in dotted pairs', 'Tél. 01.42.68.53.00 le matin', '01.42.68.53.00'],
    ['French number in spaced pairs', 'Appelez le 04 72 10 30 30', '04 72 10 30 30'],
    ['after "tel:" and before a pipe', 'tel:+33 6 98 76 54 32|fax', '+33 6 98 76 54 32'],
    ['glued between table pipes', '| 7 | Ana |+1 212 555 0188| active |', '+1 212 555 0188'],
  ])('PHONE: %s', (_case, text, phone) => {
    expect(found(text)).toContainEqual(['PHONE', phone]);
  });

  it('leaves versions, times and place names alone', () => {
    expect(found('Version 10.0.19045.3570 shipped at 10:30 in room 4B.')).toEqual([]);
    expect(found('La Via Lattea è bella. Plaza Mayor es grande.')).toEqual([]);
  });

  it('streams no character of a phone number glued between "|" separators, whatever the delta size', () => {
    const policy = compilePolicy(parseGuardrailPolicyConfig({ pii: { entities: [{ type: 'PHONE', action: 'ANONYMIZE' }] } }));
    const text = '| id | phone | status |\n| 7 |+1 212 555 0188| active |\n| 8 |06 12 34 56 78| closed |\n';
    for (const size of [1, 2, 3, 5, 8, 13]) {
      const scanner = createStreamScanner(policy);
      let out = '';
      for (let i = 0; i < text.length; i += size) out += scanner.push(text.slice(i, i + size)).release;
      out += scanner.end().release;
      expect(out).toBe('| id | phone | status |\n| 7 |{PHONE}| active |\n| 8 |{PHONE}| closed |\n');
    }
  });
});
