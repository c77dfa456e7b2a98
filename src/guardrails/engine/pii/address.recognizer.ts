import type { PiiMatch, PiiRecognizer } from './pii-recognizer.types';
import { leftContext } from './pii-context';

/**
 * Postal addresses: a house number and a street with a street-type word (US/UK/DE/FR conventions),
 * optionally followed by a unit, a city and a state + ZIP or a postcode. A city is only taken
 * when a ZIP/postcode follows, so a sentence after the address is never swallowed.
 */

const CAP = "\\p{Lu}[\\p{L}'’-]*";
/** A city name: capitalised words, with the lowercase links of names like "Frankfurt am Main" or "Stratford-upon-Avon". */
const CITY = `${CAP}(?:[ \\t-](?:am|an der|upon|on|sur|en|de|im|la)[ \\t-]${CAP}|[ \\t]${CAP}){0,2}`;
const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Close|Crescent|Cres|Row|Gardens|Grove|Hill|Walk|Mews|Park|Loop|Alley|Plaza|Pike|Path|Rise|View|Wharf|Quay|Green';
const UNIT = '(?:,?[ \\t]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|#)\\.?[ \\t]*#?[\\w-]{1,6})';
const US_TAIL = `(?:,[ \\t]*${CITY},?[ \\t]+[A-Z]{2}[ \\t]+\\d{5}(?:-\\d{4})?)`;
const UK_POSTCODE = '[A-Z]{1,2}\\d[A-Z\\d]?[ \\t]*\\d[A-Z]{2}';
const UK_TAIL = `(?:,[ \\t]*${CITY},?[ \\t]+${UK_POSTCODE})`;
const EN_STREET = `\\d{1,6}[A-Za-z]?[ \\t]+(?:${CAP}[ \\t]+){1,3}(?:${STREET_TYPES})\\.?(?![\\p{L}])`;
const EN_ADDRESS = `${EN_STREET}${UNIT}?(?:${US_TAIL}|${UK_TAIL})?`;

const DE_SUFFIX = 'straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad';
const DE_STREET = `(?:${CAP}(?:${DE_SUFFIX})|${CAP}(?:[ \\t-]${CAP})?[ \\t-](?:Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer))[ \\t]+\\d{1,4}[a-z]?`;
const DE_ADDRESS = `${DE_STREET}(?:,[ \\t]*\\d{5}[ \\t]+${CITY})?`;

const FR_ADDRESS = `\\d{1,4}(?:[ \\t]?(?:bis|ter))?,?[ \\t]+(?:rue|avenue|av\\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours)[ \\t]+(?:(?:de|du|des|la|le|l'|d')[ \\t]*)*${CAP}(?:[ \\t-]+(?:(?:de|du|des|la|le|l'|d')[ \\t]*)*${CAP}){0,3}(?:,[ \\t]*\\d{5}[ \\t]+${CAP}(?:[ \\t-]${CAP})?)?`;

/** Spanish, Portuguese and Italian: the street type first, the number after ("Calle de Alcalá 45, 28014 Madrid", "Rua Augusta 1200", "Via Roma 12"). */
const ROMANCE_TYPES = 'Calle|C/|Avenida|Avda\\.|Av\\.|Paseo|Plaza|Camino|Carrera|Rua|Travessa|Largo|Praça|Praca|Alameda|Estrada|Via|Viale|Piazza|Corso|Vicolo|Piazzale';
const ROMANCE_LINK = "(?:de|del|de la|de los|de las|da|do|dos|das|della|delle|dei|degli|di|d')";
const ROMANCE_ADDRESS = `(?:${ROMANCE_TYPES})[ \\t]+(?:${ROMANCE_LINK}[ \\t]+)?${CAP}(?:[ \\t]+(?:${ROMANCE_LINK}[ \\t]+)?${CAP}){0,3},?[ \\t]+(?:n[º°.]?[ \\t]*)?\\d{1,5}[A-Za-z]?(?:,[ \\t]*(?:\\d{5}(?:-\\d{3})?[ \\t]+)?${CITY})?`;

const ADDRESS_RE = new RegExp(`(?<![\\p{L}\\p{N}_.-])(?:${EN_ADDRESS}|${DE_ADDRESS}|${FR_ADDRESS}|${ROMANCE_ADDRESS})`, 'gu');
const ADDRESS_CONTEXT =
  /\b(?:address|addr|live|lives|living|located|located at|reside|resides|ship(?:ping)? to|deliver(?:y)? to|mail(?:ing)?|billing|home|office at|moved to|adresse|wohne|wohnt|anschrift|dirección|vivo|j'habite|domicile)\b[^\n]{0,24}$/;

export const addressRecognizer: PiiRecognizer = {
  types: ['ADDRESS'],
  find(text) {
    const out: PiiMatch[] = [];
    if (!/\d/.test(text)) return out;
    ADDRESS_RE.lastIndex = 0;
    for (let m = ADDRESS_RE.exec(text); m !== null; m = ADDRESS_RE.exec(text)) {
      const s = m[0].replace(/[\s,]+$/, '');
      // A full address (with ZIP/postcode) is unambiguous; a bare "12 Main Street" needs a context word or a known street word.
      const hasTail = /\d{5}(?:-\d{4})?$|[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}$|\d{5}(?:-\d{3})?\s+\p{Lu}|^\D+\d{1,5}[A-Za-z]?,\s*\p{Lu}/u.test(s);
      let score = hasTail ? 0.9 : 0.65;
      if (ADDRESS_CONTEXT.test(leftContext(text, m.index, 40))) score += 0.25;
      out.push({ type: 'ADDRESS', start: m.index, end: m.index + s.length, score: Math.min(1, score) });
    }
    return out;
  },
};
