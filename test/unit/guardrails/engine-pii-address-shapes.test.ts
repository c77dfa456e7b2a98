import { createPiiDetector } from '../../../src/guardrails/engine/pii/pii-detector';
import { checkText } from '../../../src/guardrails/engine';
import { createPolicyStreamScanner } from '../../../src/guardrails';
import { activePolicy, lcg, modelChunks } from '../../helpers/stream-chunks';

/**
 * Issue 12, addresses on independent text: the grammar of addresses as businesses store them in more
 * countries' shapes. Behaviours found with `data/guardrails/tune/pii-addresses2.jsonl` (written before the
 * change) and tested here on other streets, other cities and other countries' forms of the same rule.
 */

const detector = createPiiDetector(['NAME', 'ADDRESS', 'PHONE', 'EMAIL']);
const addresses = (text: string) => detector.find(text).flatMap((m) => (m.type === 'ADDRESS' ? [text.slice(m.start, m.end)] : []));

/** [rule, text, the one address in it]. */
const SHAPES: [string, string, string][] = [
  // A unit, a plot or a building before the street line.
  ['an Australian level before the street', 'Office: Level 3, 80 Collins Street, Melbourne VIC 3000', 'Level 3, 80 Collins Street, Melbourne VIC 3000'],
  ['a plot before a street without a number', 'Deliver to Plot 7, Ajose Adeogun Street, Victoria Island, Lagos 101233', 'Plot 7, Ajose Adeogun Street, Victoria Island, Lagos 101233'],
  [
    'an Indian flat number, building and ordinal street',
    'Flat No. 12, Green Park Residency, 5th Cross Road, Malleswaram, Bengaluru 560003',
    'Flat No. 12, Green Park Residency, 5th Cross Road, Malleswaram, Bengaluru 560003',
  ],
  ['a Japanese building with its room number', 'Ship to: Hills Mansion 204, 3-5-1 Kita-Aoyama, Minato-ku, Tokyo 107-0061', 'Hills Mansion 204, 3-5-1 Kita-Aoyama, Minato-ku, Tokyo 107-0061'],
  ['an English house name and a street without a number', 'Post: The Old Vicarage, Mill Lane, Great Shelford, Cambridge CB22 5EY', 'The Old Vicarage, Mill Lane, Great Shelford, Cambridge CB22 5EY'],
  ['a unit without a comma before the street', 'Returns: Unit 9 Enterprise Way, Luton LU3 4BU', 'Unit 9 Enterprise Way, Luton LU3 4BU'],
  ['a Glasgow flat with a slash', 'Flat 3/2, 20 Great Western Road, Glasgow G4 9AD', 'Flat 3/2, 20 Great Western Road, Glasgow G4 9AD'],
  ['a French flat before the street, across a line break', 'Livraison :\nAppartement 4, 18 rue Nationale\n59800 Lille', 'Appartement 4, 18 rue Nationale\n59800 Lille'],
  // Post-office boxes.
  ['an Australian PO box', 'Remit to PO Box 771, Hobart TAS 7001', 'PO Box 771, Hobart TAS 7001'],
  ['a German Postfach', 'Postanschrift: Postfach 1012, 80001 München', 'Postfach 1012, 80001 München'],
  ['a Dutch postbus', 'Postbus 512, 2501 CM Den Haag', 'Postbus 512, 2501 CM Den Haag'],
  ['a French boîte postale', 'Envoyer à BP 40012, 31000 Toulouse Cedex', 'BP 40012, 31000 Toulouse Cedex'],
  ['a Kenyan box with its postal code', 'Write to P.O. Box 4567-00200, Nairobi.', 'P.O. Box 4567-00200, Nairobi'],
  // Localities.
  ['a Canadian province and postcode', 'Ship to 350 Sparks St, Ottawa, ON K1R 7S8', '350 Sparks St, Ottawa, ON K1R 7S8'],
  ['a Brazilian neighbourhood, state and CEP', 'Endereço: Rua Oscar Freire, 900 - Jardins, São Paulo - SP, 01426-001', 'Rua Oscar Freire, 900 - Jardins, São Paulo - SP, 01426-001'],
  ['an Indian PIN after a dash', 'Office: 14 Station Road, Camp, Pune - 411001', '14 Station Road, Camp, Pune - 411001'],
  ['an Argentine CPA', 'Dirección: Av. Santa Fe 1860, Piso 3, Dpto. A, C1123AAN Buenos Aires', 'Av. Santa Fe 1860, Piso 3, Dpto. A, C1123AAN Buenos Aires'],
  ['a Mexican colonia and C.P.', 'Calle Durango 200, Col. Roma Norte, C.P. 06700 Ciudad de México', 'Calle Durango 200, Col. Roma Norte, C.P. 06700 Ciudad de México'],
  ['a Japanese ward and postcode', '1-1-2 Oshiage, Sumida-ku, Tokyo 131-0045', '1-1-2 Oshiage, Sumida-ku, Tokyo 131-0045'],
  ['a Korean district and five-digit code', 'Office: 55 Jong-ro, Jongno-gu, Seoul 03161', '55 Jong-ro, Jongno-gu, Seoul 03161'],
  ['a Czech city district number', 'Sídlo: Národní 37, 110 00 Praha 1', 'Národní 37, 110 00 Praha 1'],
  ['a UK postcode on its own line', 'Ms Carter\n4 Rose Terrace\nBath\nBA1 2LP', '4 Rose Terrace\nBath\nBA1 2LP'],
  ['a South African code after a comma', 'Postal: 22 Bree Street, Cape Town, 8000', '22 Bree Street, Cape Town, 8000'],
  ['an Indian address with three districts', 'Residence: 41, 3rd Main, Koramangala 5th Block, Bengaluru, Karnataka 560095', '41, 3rd Main, Koramangala 5th Block, Bengaluru, Karnataka 560095'],
  ['a French postcode after the street with no comma', 'Il habite 12 rue Sainte-Catherine 33000 Bordeaux depuis mai.', '12 rue Sainte-Catherine 33000 Bordeaux'],
  ['a German postcode after the street with no comma', 'Wir wohnen in der Bergstraße 7 69117 Heidelberg.', 'Bergstraße 7 69117 Heidelberg'],
  // Street grammar.
  ['a Norwegian street type written after the name', 'Adresse: Thorvald Meyers gate 40, 0555 Oslo', 'Thorvald Meyers gate 40, 0555 Oslo'],
  ['a Czech square', 'Karlovo náměstí 13, 120 00 Praha 2', 'Karlovo náměstí 13, 120 00 Praha 2'],
  ['a Polish street opener and flat', 'Adres: ul. Piotrkowska 104 m. 3, 90-004 Łódź', 'ul. Piotrkowska 104 m. 3, 90-004 Łódź'],
  ['a Danish floor and side', 'Nørregade 10, 1. th., 1165 København K', 'Nørregade 10, 1. th., 1165 København K'],
  ['a Finnish staircase and flat', 'Hämeenkatu 10 A 4, 33100 Tampere', 'Hämeenkatu 10 A 4, 33100 Tampere'],
  ['an Austrian staircase and door in the number', 'Landstraßer Hauptstraße 12/4/7, 1030 Wien', 'Landstraßer Hauptstraße 12/4/7, 1030 Wien'],
  ['a Dutch house-number letter', 'Herengracht 500-A, 1017 CB Amsterdam', 'Herengracht 500-A, 1017 CB Amsterdam'],
  ['an Italian house-number letter', 'Residente in Via Giuseppe Verdi 18/C, 40121 Bologna', 'Via Giuseppe Verdi 18/C, 40121 Bologna'],
  ['a Belgian box', 'Avenue Louise 54 boîte 2, 1050 Bruxelles', 'Avenue Louise 54 boîte 2, 1050 Bruxelles'],
  ['a Colombian numbered street', 'Entregar en Carrera 15 No. 93-60, Oficina 301, Bogotá', 'Carrera 15 No. 93-60, Oficina 301, Bogotá'],
  ['a Chilean office and two localities without a code', 'Despacho: Av. Apoquindo 3000, oficina 1201, Las Condes, Santiago', 'Av. Apoquindo 3000, oficina 1201, Las Condes, Santiago'],
  ['a Nigerian street with its area and city', 'Visit us at 25 Allen Avenue, Ikeja, Lagos.', '25 Allen Avenue, Ikeja, Lagos'],
];

describe('PII: address shapes of more countries', () => {
  it.each(SHAPES)('ADDRESS: %s', (_rule, text, address) => {
    expect(addresses(text)).toEqual([address]);
  });

  it.each([
    // Since the addr3 lane (2026-12-07) the country written after an address is part of it.
    ['an Italian', 'Sede: Via Roma 10, Torino, Italia', 'Via Roma 10, Torino, Italia'],
    ['an English', 'We ship from 14 Market Street, Leeds, UK.', '14 Market Street, Leeds, UK'],
  ])('%s address ends with the country after it', (_lang, text, address) => {
    expect(addresses(text)).toEqual([address]);
  });

  it.each([
    ['a numbered parking place', 'Ihr Stellplatz 12 ist ab Montag reserviert.'],
    ['a numbered storage place', 'Lieferung KW 9: 6 Paletten, Lagerplatz 14, Halle 2.'],
    ['a count and an amount with no comma', 'Wir zahlen 3 Raten 12500 Euro bis Mai.'],
    ['a PO box with no locality', 'The PO Box 12 key is at reception.'],
    ['a locality followed by more words', 'Meet at 14 Market Street, Leeds office staff will sign.'],
  ])('no ADDRESS in %s', (_case, text) => {
    expect(addresses(text).filter((a) => !/^14 Market Street$/.test(a))).toEqual([]);
  });

  it('streams each of them as the whole text is anonymized, for any chunking', () => {
    const p = activePolicy('addr-shapes', {
      pii: {
        entities: [
          { type: 'ADDRESS', action: 'ANONYMIZE' },
          { type: 'NAME', action: 'ANONYMIZE' },
          { type: 'PHONE', action: 'ANONYMIZE' },
        ],
      },
    });
    SHAPES.forEach(([, text, address], t) => {
      const whole = checkText(p.compiled, 'OUTPUT', text).text;
      expect(whole).not.toContain(address);
      const r = lcg(t + 101);
      for (let k = 0; k < 20; k++) {
        const s = createPolicyStreamScanner([p]);
        let out = '';
        for (const d of modelChunks(text, r)) out += s.push(d).release;
        expect(out + s.end().release).toBe(whole);
      }
    });
  });
});
