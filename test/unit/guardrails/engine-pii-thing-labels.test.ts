import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';

/**
 * Issue 12, NAME precision on unseen text: a form field or label that names a thing (a product, a
 * colour, a carrier, a job offer) is not followed by a person, whatever the words look like; and a
 * place name that is also a first name opens a person's name before a surname. Behaviours found in
 * the probe half of `data/guardrails/unseen/pii-independent2.jsonl` (never its sealed half), tested
 * here on other words.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const names = (text: string) => detector.find(text).flatMap((m) => (m.type === 'NAME' ? [text.slice(m.start, m.end)] : []));

describe('PII NAME: labels that name things, places that are first names', () => {
  it.each([
    ['a product field', 'Product: Ray Bradbury Edition Bookends, Qty: 2'],
    ['a colour without a colon', 'Zapato de piel, color Verde Botella, talla 40'],
    ['a courier field', 'Courier: Hermes Parcelnet, tracking 44'],
    ['a hotel field', 'Hotel: Maison Albar, Room type: Deluxe'],
    ['a French job offer', "Offre d'emploi : Conseiller de Clientèle, agence de Nantes"],
    ['an Italian dish field', 'Piatto: Pollo Cacciatore, Prezzo 12'],
  ])('%s is not a NAME', (_case, text) => {
    expect(names(text)).toEqual([]);
  });

  it('still finds a person after a person field beside a thing label', () => {
    expect(names('Contact: Maria Lopez | Product: Apollo Desk Lamp')).toEqual(['Maria Lopez']);
  });

  it('a place that is also a first name opens a name before surnames', () => {
    expect(names('Reserva a nombre de Guadalupe Quintanilla Ortiz para el viernes.')).toEqual(['Guadalupe Quintanilla Ortiz']);
  });
});
