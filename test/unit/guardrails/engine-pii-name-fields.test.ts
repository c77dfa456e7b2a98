import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';

/**
 * Issue 12, names in structured text: fields that name a part of a name (JSON keys "first"/"last",
 * "Vorname", "apellidos"), the first cell of a CSV row, a speaker's label in a transcript; and
 * institutions and landmarks opened by their type word after an article ("La Casa de la Moneda")
 * are not people. Behaviours found in the tuning rows of `data/guardrails/tune/pii-names3.jsonl`,
 * tested here on other names.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const names = (text: string) => detector.find(text).flatMap((m) => (m.type === 'NAME' ? [text.slice(m.start, m.end)] : []));

describe('PII NAME: fields, cells and speakers', () => {
  it('JSON keys that name the parts of a name', () => {
    expect(names('{"guest": {"first": "Tsion", "last": "Gebremariam"}, "room": 12}')).toEqual(['Tsion', 'Gebremariam']);
  });

  it('German and Spanish form fields for the given name and surname', () => {
    expect(names('Vorname: Ilkay\nApellidos: Quispe Mamani')).toEqual(['Ilkay', 'Quispe Mamani']);
  });

  it('the first cell of a CSV row', () => {
    expect(names('name,email,plan\nAinura Bekova,ainura@example.kz,free')).toEqual(['Ainura Bekova']);
  });

  it('not a street before its house number in the first cell of a row', () => {
    expect(names('Riera Alta, 4, 08001 Barcelona')).toEqual([]);
  });

  it.each([
    ['after a time stamp (a name no list holds)', '[09:41] Tavita: the van is here\n[09:42] Desk: thanks', 'Tavita'],
    ['a first name at a line start', 'Soo-ah: who has the spare key?', 'Soo-ah'],
  ])("a speaker's label in a transcript, %s", (_case, text, name) => {
    expect(names(text)).toEqual([name]);
  });

  it.each([
    ['a role ("Kunde") without a time stamp', 'Kunde: Guten Tag, ich rufe wegen der Rechnung an.'],
    ['an e-mail header', 'Reply-To: billing@example.com'],
    ['an institution after an article', 'La Casa de Moneda y el Banco de México abren hoy.'],
    ['an institution after an article inside a run', 'Visitamos la Casa de Moneda ayer.'],
  ])('not %s', (_case, text) => {
    expect(names(text)).toEqual([]);
  });
});

describe('PII NAME: titles, signatures, kin', () => {
  it.each([
    ['a surname after "Prof." in a signature field', 'Signed: Prof. Okonkwo-Bello', 'Okonkwo-Bello'],
    ['a surname after the German "Frau"', 'Frau Weißgerber hat angerufen.', 'Weißgerber'],
    ['an Irish surname with a double-barrelled part', "Guest: Aoife O'Brien-Nakamura", "Aoife O'Brien-Nakamura"],
    ['a first name alone after a dash, on its own line', 'See you then\n— Pania', 'Pania'],
    ['a name no list holds before a kinship word', 'Emergency contact: Hinewai (sister)', 'Hinewai'],
  ])('%s', (_case, text, name) => {
    expect(names(text)).toEqual([name]);
  });

  it('not a noun after a dash', () => {
    expect(names('-- Overview')).toEqual([]);
  });
});
