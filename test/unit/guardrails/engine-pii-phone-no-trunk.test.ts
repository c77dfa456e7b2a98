import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';

/**
 * Issue 12, phones on independent text: national numbers of countries without a trunk prefix (Spain,
 * Portugal, Poland, Italian mobiles, Mexico, Denmark, Norway, Czechia, Greece) are grouped digits like
 * any code, so they count only beside a phone label.
 */

const detector = createPiiDetector(['PHONE', 'ADDRESS', 'CREDIT_DEBIT_CARD_NUMBER', 'INTERNATIONAL_BANK_ACCOUNT_NUMBER']);
const phones = (text: string) => detector.find(text).flatMap((m) => (m.type === 'PHONE' ? [text.slice(m.start, m.end)] : []));

describe('PII: national phone numbers without a trunk prefix', () => {
  it.each([
    ['Spanish', 'Móvil: 654 32 10 98', '654 32 10 98'],
    ['Spanish landline', 'Tel. 93 412 55 70 (oficina)', '93 412 55 70'],
    ['Portuguese', 'Telemóvel: 936 512 408', '936 512 408'],
    ['Portuguese landline', 'Telefone 22 508 1400', '22 508 1400'],
    ['Polish', 'kom. 601 234 567', '601 234 567'],
    ['Mexican', 'Cel. 33 3812 4455', '33 3812 4455'],
    ['Norwegian', 'Tlf 22 33 44 55', '22 33 44 55'],
  ])('a %s number beside a label', (_country, text, phone) => {
    expect(phones(text)).toEqual([phone]);
  });

  it.each([
    ['an order number', 'Order 654 32 10 98 shipped'],
    ['a reference in a table', 'ref;936 512 408;paid'],
    ['a count of items', 'We sold 601 234 567 units last year'],
  ])('not without a label: %s', (_case, text) => {
    expect(phones(text)).toEqual([]);
  });

  it('leaves cards and IBANs to their own recognizers beside a label', () => {
    expect(phones('Tel. card 4111 1111 1111 1111')).toEqual([]);
    expect(phones('Tel. IBAN ES91 2100 0418 4502 0005 1332')).toEqual([]);
  });
});
