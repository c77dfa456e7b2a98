import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { checkText } from '../../../src/guardrails/engine';
import { createPolicyStreamScanner } from '../../../src/guardrails';
import { activePolicy, modelChunks, lcg } from '../../helpers/stream-chunks';

/**
 * Issue 12, ADDRESS on independent text (lane `addr`): general rules of how people write addresses in signatures, CV
 * headers, letterheads, forms and chats, found with `data/guardrails/tune/addr-train*.jsonl` and tested here on other
 * streets, cities and countries than any data row. Each case failed on the recognizer before this change.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const addresses = (text: string) => detector.find(text).flatMap((m) => (m.type === 'ADDRESS' ? [text.slice(m.start, m.end)] : []));

/** [rule, text, the one address in it]. */
const SHAPES: [string, string, string][] = [
  // One-line separators of letterheads, CV headers, footers and tables.
  ['a bar between street and city', 'Noor Haddad | 31 Foxglove Lane | Bozeman, MT 59715', '31 Foxglove Lane | Bozeman, MT 59715'],
  ['a middle dot between street and code', 'Bäckerei Lutz · Mühlweg 9 · 72070 Tübingen', 'Mühlweg 9 · 72070 Tübingen'],
  ['a bullet between street and postcode', '8 Heron Close • Exeter EX2 5QT • 07700 900123', '8 Heron Close • Exeter EX2 5QT'],
  ['a semicolon between street and locality', 'Post: 41 Banksia Drive; Cairns QLD 4870', '41 Banksia Drive; Cairns QLD 4870'],
  ['a spaced dash in a French footer', 'Librairie Morel – 6 rue du Palais – 86000 Poitiers', '6 rue du Palais – 86000 Poitiers'],
  // Units, floors and buildings on their own lines above the street.
  ['a floor and a building on lines above the street', 'Attn Billing\n4th Floor, Lister House\n9 Park Row\nLeeds LS1 5HD', '4th Floor, Lister House\n9 Park Row\nLeeds LS1 5HD'],
  ['an apartment, a building and a street on three lines', 'Apartment 21\nHarbour Court\n7 Quay Street\nGalway H91 E2W4', 'Apartment 21\nHarbour Court\n7 Quay Street\nGalway H91 E2W4'],
  ['a ground floor written before the building', 'Ground Floor, Cedar House, 14 Church Street, Singapore 049483', 'Ground Floor, Cedar House, 14 Church Street, Singapore 049483'],
  // Rural addresses.
  ['a US rural route with its box', 'RR 4 Box 67\nLamar, MO 64759', 'RR 4 Box 67\nLamar, MO 64759'],
  ['a highway contract with its box', 'HC 32 Box 905, Moab, UT 84532', 'HC 32 Box 905, Moab, UT 84532'],
  ['a Canadian rural route with site and compartment', 'RR 2 Site 14 Comp 9\nAntigonish NS B2G 2L1', 'RR 2 Site 14 Comp 9\nAntigonish NS B2G 2L1'],
  // Localities.
  ['a Quebec province in brackets, a French unit', '1200 avenue McGill College, bureau 800, Montréal (Québec) H3B 4G7', '1200 avenue McGill College, bureau 800, Montréal (Québec) H3B 4G7'],
  ['a spelt-out province before a Canadian postcode', '60 Wellington Street, Kingston, Ontario K7L 3B2', '60 Wellington Street, Kingston, Ontario K7L 3B2'],
  ['a dotted D.C.', '1100 Vermont Avenue NW, Washington, D.C. 20005', '1100 Vermont Avenue NW, Washington, D.C. 20005'],
  ['a Dublin postal district', 'Our office: 12 Baggot Street Upper, Dublin 4, Ireland.', '12 Baggot Street Upper, Dublin 4, Ireland'],
  ['a code prefix, then a comma and the city', 'Calle Madero 32, Col. Centro, C.P. 06000, Ciudad de México', 'Calle Madero 32, Col. Centro, C.P. 06000, Ciudad de México'],
  ['an Italian province after the city', 'Sede: Via Roma 8, 10121 Torino (TO)', 'Via Roma 8, 10121 Torino (TO)'],
  // South and South-East Asia.
  ['an Indian house number, a sector and a landmark', 'House No. 231, Sector 15, near Leisure Valley Park, Gurugram 122001', 'House No. 231, Sector 15, near Leisure Valley Park, Gurugram 122001'],
  ['an Indian door number and a landmark with "opp."', 'D.No. 11-3-5, opp. Town Hall, Kakinada 533001', 'D.No. 11-3-5, opp. Town Hall, Kakinada 533001'],
  ['a flat and a building with no street', 'Flat 12, Silver Oak Residency, behind Civil Hospital, Indore 452001', 'Flat 12, Silver Oak Residency, behind Civil Hospital, Indore 452001'],
  ['a house number written with "#"', 'Send it to #17, 4th Cross, Malleswaram, Bengaluru 560003', '#17, 4th Cross, Malleswaram, Bengaluru 560003'],
  ['a Singapore block whose street ends in a number', 'Blk 212 Bishan Street 23, #05-201, Singapore 570212', 'Blk 212 Bishan Street 23, #05-201, Singapore 570212'],
  // Street grammar.
  ['a German street named with a title', 'Bitte an Dr.-Wilhelm-Külz-Str. 3, 01067 Dresden senden.', 'Dr.-Wilhelm-Külz-Str. 3, 01067 Dresden'],
  ['a Spanish street without a number', 'Avenida de la Constitución s/n, 41004 Sevilla', 'Avenida de la Constitución s/n, 41004 Sevilla'],
  ['a Spanish "principal" floor and a rambla', 'Rambla Nova 44, principal 2ª, 43004 Tarragona', 'Rambla Nova 44, principal 2ª, 43004 Tarragona'],
  ['a French business zone before the street', 'ZI des Grands Champs, 9 rue Ampère, 35400 Saint-Malo', 'ZI des Grands Champs, 9 rue Ampère, 35400 Saint-Malo'],
];

/** [rule, text]: no address in it. */
const NOT_ADDRESSES: [string, string][] = [
  ['a count before a street-named product', 'We sold 5 Carnaby Street scarves and 3 Portobello Road prints today.'],
  ['a count before a street-named show', 'He owns 4 Coronation Street DVDs.'],
  ['a section number before a street-named act', 'Clause 9 Park Lane Estates Act applies.'],
];

describe('ADDRESS: how people write addresses (addr lane)', () => {
  it.each(SHAPES)('%s', (_rule, text, expected) => {
    expect(addresses(text)).toEqual([expected]);
  });

  it.each(NOT_ADDRESSES)('no address: %s', (_rule, text) => {
    expect(addresses(text)).toEqual([]);
  });

  it('one capital letter before a dot is not a locality', () => {
    expect(addresses('Ship to Calle Mayor 5, Col. Centro, C.')).toEqual(['Calle Mayor 5, Col. Centro']);
  });

  it('a street after a word that places it still counts without a locality', () => {
    expect(addresses('Can you collect it from 18 Linden Avenue tomorrow?')).toEqual(['18 Linden Avenue']);
    expect(addresses('Il habite 4 rue des Écoles depuis mai.')).toEqual(['4 rue des Écoles']);
  });

  it('a stream masks every character of these addresses, at every chunking', () => {
    const policy = activePolicy('addr', { pii: { entities: [{ type: 'ADDRESS', action: 'ANONYMIZE' }] } });
    const rand = lcg(12);
    for (const [, text, expected] of SHAPES) {
      const whole = checkText(policy.compiled, 'OUTPUT', text).text;
      expect(whole).not.toContain(expected);
      for (let k = 0; k < 4; k++) {
        const s = createPolicyStreamScanner([policy]);
        let out = '';
        for (const d of modelChunks(text, rand)) out += s.push(d).release;
        out += s.end().release;
        expect(out).toBe(whole);
      }
    }
  });
});
