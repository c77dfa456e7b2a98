import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';

/**
 * Issue 12, names and addresses on unseen text: behaviours found in the probe half of
 * `data/guardrails/unseen/pii-independent.jsonl` (never its sealed half), each tested here on other
 * names. Exact spans: a salutation or a sign-off is context, not part of the name.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const found = (text: string) => detector.find(text).map((m) => [m.type, text.slice(m.start, m.end)]);

describe('PII: salutations, particles, sign-offs and postal codes of other countries', () => {
  it.each([
    ['an Italian salutation opens the run', 'Gentile Matteo Lo Bianco, la pratica è chiusa.', 'Matteo Lo Bianco'],
    ['a Spanish salutation opens the run', 'Estimada Itziar Goikoetxea, gracias por escribirnos.', 'Itziar Goikoetxea'],
    ['a German salutation opens the run', 'Liebe Wiebke Hansen-Rüther, danke für die Unterlagen.', 'Wiebke Hansen-Rüther'],
    ['an Italian surname with an elided article', 'Il referente è Lorenzo Dell’Orto per la consegna.', 'Lorenzo Dell’Orto'],
    ['the Irish particle Ó', 'My name is Pádraig Ó Súilleabháin and the meter is broken.', 'Pádraig Ó Súilleabháin'],
    ['a sign-off on the same line', 'Best regards, Hyeon-jun', 'Hyeon-jun'],
    ['two unknown words before what a person does', 'Nattapong Chaiyasit will lead the audit next week.', 'Nattapong Chaiyasit'],
  ])('NAME: %s', (_case, text, name) => {
    expect(found(text)).toContainEqual(['NAME', name]);
  });

  it('keeps a salutation word that is a surname inside a name', () => {
    expect(found('Please call Marco Gentile tomorrow.')).toContainEqual(['NAME', 'Marco Gentile']);
  });

  it('does not take an organisation before a verb for a person', () => {
    expect(found('Microsoft Teams will restart tonight.').filter(([t]) => t === 'NAME')).toEqual([]);
  });

  it.each([
    ['a six-digit postal code after the city (Nigeria)', 'Deliver to 7 Awolowo Road, Ikoyi, Lagos 106104 before noon.', '7 Awolowo Road, Ikoyi, Lagos 106104'],
    ['a six-digit PIN code (India)', 'Office: 21 Brigade Road, Bengaluru 560025', '21 Brigade Road, Bengaluru 560025'],
    ["the Tuscan elided article de'", "Spedire a Via de' Ginori 10, 50123 Firenze", "Via de' Ginori 10, 50123 Firenze"],
  ])('ADDRESS: %s', (_case, text, address) => {
    expect(found(text)).toContainEqual(['ADDRESS', address]);
  });
});
