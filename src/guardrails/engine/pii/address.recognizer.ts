import type { PiiMatch, PiiRecognizer } from './pii-recognizer.types';
import { leftContext } from './pii-context';

/**
 * Postal addresses, in two strengths:
 *
 * - A full address: a street line with a house number (before the street name, as in English and
 *   French, or after it, as in German, Dutch, Spanish, Italian and Portuguese), an optional unit,
 *   then a locality with a postal code in one of the common national shapes (US state + ZIP,
 *   Australian state + postcode, UK and Irish postcodes, 4 or 5 digit codes before or after the
 *   city, Dutch "1016 GV", Portuguese/Brazilian "4050-262"). The street name can be any capitalised
 *   words (with the lowercase links of "Rue du Faubourg", "Calle de Atocha", "King William's Walk"),
 *   since the postal code carries the evidence.
 * - A bare street line ("12 Main Street", "Hauptstraße 5", "12 rue de la Paix", "Via Roma 12"):
 *   only with a street-type word, and it needs a context word or a following locality to count.
 *
 * A city is only taken when a postal code goes with it, so a sentence after the address is never
 * swallowed.
 */

const CAP = "\\p{Lu}[\\p{L}'’-]*";
/** A city name: capitalised words, with the lowercase links of names like "Frankfurt am Main" or "Stratford-upon-Avon". */
const CITY = `(?:St\\.?[ \\t]+)?${CAP}(?:[ \\t-](?:am|an der|upon|on|sur|en|de|im|la|del|do|da|di)[ \\t-]${CAP}|[ \\t]${CAP}){0,3}`;
/** Lower-case words ending a city name at the end of a line ("Galluzzo del friuli", "Savoca terme"). */
const CITY_TAIL = '(?:(?:[ \\t]+\\p{Ll}+){1,2}(?=[ \\t]*(?:$|\\n)))?';
/** Lowercase words that link the capitalised words of a street name. */
const LINK = "(?:de|de'|de’|du|des|la|le|les|l'|d'|del|de la|de los|de las|da|do|dos|das|della|delle|dei|degli|di|van|von|der|den|het|am|an|im|zum|zur|upon|on|sur|of|the|y|e)";
/** A street name: up to six capitalised words (ordinal numbers like "5th" too) with links in between. */
const STREET_WORD = `(?:(?:[dl]['’])?${CAP}\\.?|\\d{1,3}(?:st|nd|rd|th))`;
/** A street name: up to six capitalised words (ordinal numbers like "5th" too) with links in between; Dutch names may open with "van den". */
const STREET_NAME = `(?:(?:van|van de|van den|van der|de|den|der)[ \\t]+)?${STREET_WORD}(?:[ \\t]+(?:${LINK}[ \\t]+)*${STREET_WORD}){0,5}`;
const HOUSE_NO = '\\d{1,5}[A-Za-z]?(?:[-/]\\d{1,4}[A-Za-z]?)?(?:[ \\t]?(?:bis|ter)|[ \\t](?:I{1,3}|IV|hs)(?![\\p{L}]))?';

const STREET_TYPES =
  'Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Court|Ct|Way|Place|Pl|Terrace|Ter|Circle|Cir|Parkway|Pkwy|Highway|Hwy|Square|Sq|Trail|Trl|Close|Crescent|Cres|Row|Gardens|Grove|Hill|Walk|Mews|Park|Loop|Alley|Plaza|Pike|Path|Rise|View|Wharf|Quay|Green|Gate|Parade|Broadway|Vale|Yard|Crossing|Circus|Embankment|Esplanade|Promenade';
/**
 * Floor, door and staircase parts of continental addresses, written after the house number: Spanish
 * and Portuguese ordinals with a side or door ("2º izq.", "3º B", "5º 1ª", "2.º Esq.", "4.º andar"),
 * French floors and buildings ("3e étage", "bât. A", "escalier C"), Italian "scala B", "interno 4",
 * "piano 2", German "3. OG", "Whg. 5", English "2nd Floor".
 */
const EU_UNIT =
  '(?:\\d{1,2}\\.?[º°ª](?:[ \\t]*(?:[Ii]zq(?:da|uierda)?|[Dd]cha|[Dd]erecha|[Cc]entro|[Ee]sq(?:uerdo)?|[Dd]to|[Dd]ir(?:eito)?|[Ff]rente|[Tt]r[aá]s|andar|[A-Z]|\\d{1,2}[ºª]?)\\.?)?' +
  '|\\d{1,2}(?:e|er|re|ème|eme)[ \\t]+étage' +
  '|\\d{1,2}\\.[ \\t]*(?:OG|Stock|Etage|Obergeschoss)' +
  '|\\d{1,2}(?:st|nd|rd|th)[ \\t]+[Ff]loor' +
  '|(?:[Éé]tage|[Ee]scalier|[Bb]âtiment|[Bb]ât\\.|[Aa]ppt\\.?|[Aa]ppartement|[Ss]cala|[Ii]nterno|[Ii]nt\\.|[Pp]iano|Whg\\.|Wohnung|[Pp]iso|[Pp]uerta|[Ee]scalera|[Bb]loque)[ \\t]*[\\w]{1,4}' +
  // Ground floors: Spanish "bajo B", "bajo izda.", Portuguese "r/c Esq." (rés-do-chão).
  '|(?:[Bb]ajo|[Ee]ntresuelo|[Áá]tico|r/c|R/C)(?:[ \\t]+(?:[Ii]zq(?:da)?|[Dd]cha|[Ee]sq|[Dd]to|[Dd]ir|[A-Z]))?)';
/** Lower-case words inside {@link EU_UNIT} (the stream scanner keeps an address open across them). */
const UNIT_INNER_WORDS =
  'izq|izda|izquierda|dcha|derecha|centro|esq|esquerdo|dto|dir|direito|frente|tras|trás|andar|étage|escalier|bâtiment|bât|appt|appartement|scala|interno|int|piano|piso|puerta|escalera|bloque|floor';
/** One or two unit parts after the street ("Apt 5C", "Suite 300", "2º izq.", "scala B, interno 4"); wrapped so that a `?` after it means optional, not a lazy `{1,2}`. */
const UNIT = `(?:(?:,?[ \\t]+(?:(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|#)\\.?[ \\t]*#?[\\w-]{1,6}|${EU_UNIT}\\.?)){1,2})`;
/**
 * A unit before the street line ("Flat 3, ", "Bâtiment B, "), then optionally a building's name with
 * its type word ("Cavendish Court, ", "Harbour View House, ").
 */
const UNIT_BEFORE =
  "(?:(?:Apt|Apartment|Suite|Unit|Flat|Bâtiment|Bât\\.|Escalier|Scala|Block)\\.?[ \\t]*#?[\\w-]{1,6},[ \\t]*(?:(?:\\p{Lu}[\\p{L}'’-]*[ \\t]+){1,3}(?:Court|House|Building|Mansions|Tower|Lodge|Hall|Apartments|Residence|Residences|Heights|Point|Wharf|Chambers|Block|Résidence)[ \\t]*,[ \\t]*)?)";

const UK_POSTCODE = '[A-Z]{1,2}\\d[A-Z\\d]?[ \\t]*\\d[A-Z]{2}';
const IE_EIRCODE = '[AC-FHKNPRTV-Y]\\d{2}[ \\t]?[AC-FHKNPRTV-Y0-9]{4}';
const AU_STATES = 'NSW|VIC|QLD|WA|SA|TAS|ACT|NT';
/** Postal codes written before the city (most of continental Europe and Latin America). */
const CODE_BEFORE_CITY = '(?:\\d{5}(?:-\\d{3})?|\\d{4}-\\d{3}|\\d{4}[ \\t]?[A-Z]{2}|\\d{2}-\\d{3}|\\d{3}[ \\t]\\d{2}|\\d{4})';
/** The locality line of a full address. */
const LOCALITY =
  `(?:${CITY},?[ \\t]+[A-Z]{2}[ \\t]+\\d{5}(?:-\\d{4})?` + // Springfield, IL 62704
  `|${CITY},?[ \\t]+(?:${AU_STATES})[ \\t]+\\d{4}` + // Melbourne VIC 3000
  `|${CITY},?[ \\t]+(?:${UK_POSTCODE}|${IE_EIRCODE})` + // London SW7 1QJ, Dublin D02 X590
  `|${CODE_BEFORE_CITY}[ \\t]+${CITY}${CITY_TAIL}` + // 75012 Paris, 1016 GV Amsterdam, 4050-262 Porto
  `|${CITY}[ \\t]+\\d{4}` + // Auckland 1010
  `|${CITY}[ \\t]+\\d{6})`; // Lagos 101241, Bengaluru 560001, Singapore 018956
const SEP = '(?:,[ \\t]*|,?[ \\t]*\\n[ \\t]*)';

/** Street line, number first: "88 Rue du Faubourg Saint-Antoine", "1600 Amphitheatre Pkwy". */
const NUMBER_FIRST = `${HOUSE_NO},?[ \\t]+(?:(?:rue|avenue|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|voie|passage|square)[ \\t]+(?:${LINK}[ \\t]+)*)?${STREET_NAME}\\.?`;
/** Street line, number after: "Prinsengracht 263", "Calle de Atocha 34", "Puente Gustavo Reynoso, 1". */
const NUMBER_AFTER = `(?:C/[ \\t]*)?${STREET_NAME},?[ \\t]+(?:n[º°.]?[ \\t]*)?${HOUSE_NO}`;
const FULL = `${UNIT_BEFORE}?(?:${NUMBER_FIRST}|${NUMBER_AFTER})${UNIT}?${SEP}(?:${CITY}${SEP})?${LOCALITY}`;

// Bare street lines (no locality): a street-type word is required. Each takes the unit parts after it, so that the
// stream scanner's settling count (complete tokens after an address) covers only the postcode and city that may follow.
const EN_STREET = `${HOUSE_NO}[ \\t]+(?:${CAP}[ \\t]+){1,3}(?:${STREET_TYPES})\\.?(?![\\p{L}])${UNIT}?`;
const DE_SUFFIX = 'straße|strasse|str\\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad|gracht|straat|laan|plein|kade|singel';
const DE_STREET = `(?:${CAP}(?:${DE_SUFFIX})|${CAP}(?:[ \\t-]${CAP})?[ \\t-](?:Straße|Strasse|Str\\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer))[ \\t]+\\d{1,4}[a-z]?${UNIT}?`;
/** Both "rue" and "Rue": French street types are written either way. */
const FR_TYPES = ['rue', 'avenue', 'av\\.', 'boulevard', 'bd', 'place', 'chemin', 'allée', 'impasse', 'quai', 'route', 'cours', 'voie', 'passage', 'square']
  .map((t) => `[${t[0]!.toUpperCase()}${t[0]}]${t.slice(1)}`)
  .join('|');
const FR_STREET = `\\d{1,4}(?:[ \\t]?(?:bis|ter))?,?[ \\t]+(?:${FR_TYPES})[ \\t]+(?:(?:de|du|des|la|le|l'|d')[ \\t]*)*${CAP}(?:[ \\t-]+(?:(?:de|du|des|la|le|l'|d')[ \\t]*)*${CAP}){0,3}${UNIT}?`;
const ROMANCE_TYPES = 'Calle|C/|Avenida|Avda\\.|Av\\.|Paseo|Plaza|Camino|Carrera|Rua|Travessa|Largo|Praça|Praca|Alameda|Estrada|Via|Viale|Piazza|Corso|Vicolo|Piazzale';
const ROMANCE_LINK = "(?:de|de'|de’|del|de la|de los|de las|da|do|dos|das|della|delle|dei|degli|di|d')";

/**
 * Every lower-case word that can sit inside an address (between its first and last word): the
 * street links (and "en", the one city link not among them: "Bourg-en-Bresse"), French street types, "bis"/"ter", "n." before a number. The stream scanner
 * keeps a run that ends in one of these open, since the address may go on.
 */
export const ADDRESS_INNER_WORDS: ReadonlySet<string> = new Set(
  `${LINK}|en|rue|avenue|av|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|voie|passage|square|bis|ter|hs|n|${UNIT_INNER_WORDS}`
    .replace(/[(?:)']/g, '')
    .split(/[| ]/)
    .filter((w) => w.length > 0),
);
const ROMANCE_STREET = `(?:${ROMANCE_TYPES})[ \\t]+(?:${ROMANCE_LINK}[ \\t]+)?${CAP}(?:[ \\t]+(?:${ROMANCE_LINK}[ \\t]+)?${CAP}){0,3},?[ \\t]+(?:n[º°.]?[ \\t]*)?\\d{1,5}[A-Za-z]?${UNIT}?(?:,[ \\t]*${CITY}(?![ \\t]*\\d))?`;

/** A capitalised run that opens with a Romance or French street-type word and has a house number after it is a street ("Rua Augusta 142", "Via Garibaldi, 21"), not a person (the NAME recognizer asks). */
export const STREET_OPENER_RE = new RegExp(`^(?:${ROMANCE_TYPES}|${FR_TYPES})[ \\t]`, 'u');

const START = '(?<![\\p{L}\\p{N}_.-])';
const FULL_RE = new RegExp(`${START}${FULL}(?![\\p{L}\\p{N}])`, 'gu');
/** The separator and locality every full address ends with: found first (it starts at a comma or a line break), then the full pattern runs only just before it. */
export const LOCALITY_ANCHOR_RE = new RegExp(`${SEP}(?:${CITY}${SEP})?${LOCALITY}`, 'uy');
/** Longest street part (unit, number, street name) before the locality. */
const STREET_PART_MAX = 160;
export const STREET_RE = new RegExp(`${START}(?:${EN_STREET}|${DE_STREET}|${FR_STREET}|${ROMANCE_STREET})`, 'uy');
const STREET_TYPE_RE = new RegExp(`(?:^|[ \\t])(?:${STREET_TYPES}|${ROMANCE_TYPES}|${FR_TYPES})\\.?(?:[ \\t,]|$)|(?:${DE_SUFFIX})[ \\t]`, 'iu');

const ADDRESS_CONTEXT =
  /\b(?:address|addr|live|lives|living|located|located at|reside|resides|ship(?:ping)? to|deliver(?:y)? to|send (?:it|them|this) to|return to|mail(?:ing)?|billing|home|office|warehouse|visit us at|moved to|adresse|wohne|wohnt|anschrift|dirección|direccion|endereço|indirizzo|vivo|j'habite|domicile)\b[^\n]{0,24}$/;

/** Capitalised words that start a sentence or a label, not a street ("Visit Calle Mayor 15"). */
const NOT_STREET_START = /^(?:visit|send|ship|deliver|mail|return|write|post|come|meet|see|find|call|at|to|in|on|from|our|my|your|the|new|home|office|address|adresse|bei|nach|chez|en|a|para|per)$/i;

function trimLead(text: string, start: number, end: number): number {
  // Drop leading capitalised words that are not part of a street ("Visit Calle Mayor 15, ...").
  let s = start;
  for (;;) {
    const m = /^(\p{L}+)[ \t]+/u.exec(text.slice(s, end));
    if (!m || !NOT_STREET_START.test(m[1]!)) return s;
    s += m[0].length;
  }
}

/** A low surrogate right after a high one: the middle of a character, where a `u` pattern never starts a match. */
function midPair(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  return c >= 0xdc00 && c <= 0xdfff && i > 0 && text.charCodeAt(i - 1) >= 0xd800 && text.charCodeAt(i - 1) <= 0xdbff;
}

/**
 * The first match of the sticky `LOCALITY_ANCHOR_RE` starting in [pos, limit): what the same pattern
 * searched globally from `pos` finds (or null when that starts at `limit` or later). Every match opens
 * with a comma, a line break, or spaces and tabs that run into a line break (and then matches from the
 * first of those spaces exactly when it matches from any later one), so only those places are tried.
 */
export function nextAnchor(text: string, pos: number, limit: number): RegExpExecArray | null {
  const end = Math.min(text.length, limit);
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    let at = -1;
    if (c === 44) at = i;
    else if (c === 10) {
      at = i;
      while (at > pos && (text.charCodeAt(at - 1) === 32 || text.charCodeAt(at - 1) === 9)) at--;
    } else continue;
    LOCALITY_ANCHOR_RE.lastIndex = at;
    const m = LOCALITY_ANCHOR_RE.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/**
 * The first match of the sticky `STREET_RE` starting in [pos, limit), as a global search from `pos`
 * finds it. Every form opens with a digit or a capital, not right after a letter, digit, `_`, `.` or
 * `-`, and has a digit on its line: only such places are tried (any non-ASCII character counts as a
 * possible capital).
 */
export function nextStreet(text: string, pos: number, limit: number): RegExpExecArray | null {
  const end = Math.min(text.length, limit);
  for (let i = pos; i < end; i++) {
    const c = text.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c >= 128)) continue;
    if (i > 0) {
      const p = text.charCodeAt(i - 1);
      if ((p >= 48 && p <= 57) || (p >= 65 && p <= 90) || (p >= 97 && p <= 122) || p === 95 || p === 46 || p === 45) continue;
      // At `pos` itself the pattern steps back to the character's start, as a global search does.
      if (i > pos && midPair(text, i)) continue;
    }
    if ((c < 48 || c > 57) && !digitAhead(text, i)) continue;
    STREET_RE.lastIndex = i;
    const m = STREET_RE.exec(text);
    if (m !== null) return m;
  }
  return null;
}

/** Whitespace-separated tokens a street line opening with a word can have before its number ("Calle de la Cruz de los Reyes Magos, nº 12"): at most 15. */
const WORDS_BEFORE_NUMBER = 20;

/**
 * The last answer of `digitAhead` and the span it holds for: from `memoFrom` to `memoTo`, every start
 * gets the same answer (a digit found at `memoTo` is within reach of any later start before it, with
 * no fewer tokens; a line break or the end at `memoTo` with no digit before it stops any later start
 * too). `nextStreet` asks at every capital of a line, left to right: most of them are answered here
 * instead of scanning the rest of the line again.
 */
let memoText: string | null = null;
let memoFrom = 0;
let memoTo = -1;
let memoAnswer = false;

/**
 * Whether a digit follows text[i] on the same line within `WORDS_BEFORE_NUMBER` tokens: every
 * street line that opens with a word (German "Hauptstraße 5", Romance "Calle Mayor 15") has its
 * house number there, and none crosses a line break.
 */
function digitAhead(text: string, i: number): boolean {
  if (i >= memoFrom && i <= memoTo && text === memoText) return memoAnswer;
  let tokens = 1;
  let space = false;
  for (let k = i; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c >= 48 && c <= 57) return remember(text, i, k, true);
    if (c === 10) return remember(text, i, k, false);
    if (c === 32 || c === 9) space = true;
    else if (space) {
      space = false;
      // Too many words before the digit: a later start may have fewer, so this answer is not kept.
      if (++tokens > WORDS_BEFORE_NUMBER) return false;
    }
  }
  return remember(text, i, text.length, false);
}

function remember(text: string, from: number, to: number, answer: boolean): boolean {
  memoText = text;
  memoFrom = from;
  memoTo = to;
  memoAnswer = answer;
  return answer;
}

export const addressRecognizer: PiiRecognizer = {
  types: ['ADDRESS'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    // Every form has a digit (a house number or a postal code).
    if (!/\d/.test(from === 0 ? text : text.slice(from))) return out;
    const fulls: RegExpExecArray[] = [];
    let scanned = from;
    const anchorLimit = until + STREET_PART_MAX;
    for (let a = nextAnchor(text, from, anchorLimit); a !== null; a = nextAnchor(text, Math.max(a.index + 1, scanned), anchorLimit)) {
      FULL_RE.lastIndex = Math.max(scanned, a.index - STREET_PART_MAX);
      for (let m = FULL_RE.exec(text); m !== null && m.index <= a.index; m = FULL_RE.exec(text)) {
        fulls.push(m);
        scanned = FULL_RE.lastIndex;
      }
      scanned = Math.max(scanned, a.index + 1);
    }
    for (const m of fulls) {
      if (m.index >= until) break;
      const end = m.index + m[0].replace(/[\s,]+$/, '').length;
      const start = trimLead(text, m.index, end);
      // A street line without a house number before it needs a street type word or a link word.
      const line = text.slice(start, end);
      if (
        !/^\d/.test(line) &&
        !/^(?:Apt|Apartment|Suite|Unit|Flat|Bâtiment|Bât\.|Escalier|Scala|Block)/.test(line) &&
        !STREET_TYPE_RE.test(line.split(/[,\n]/)[0]! + ' ') &&
        !/\p{Lu}\p{Ll}+,?[ \t]+\d/u.test(line)
      )
        continue;
      let score = 0.9;
      if (ADDRESS_CONTEXT.test(leftContext(text, start, 40))) score += 0.1;
      out.push({ type: 'ADDRESS', start, end, score });
    }
    for (let m = nextStreet(text, from, until); m !== null; m = nextStreet(text, m.index + m[0].length, until)) {
      const s = m[0].replace(/[\s,]+$/, '');
      let score = 0.65;
      if (ADDRESS_CONTEXT.test(leftContext(text, m.index, 40))) score += 0.25;
      out.push({ type: 'ADDRESS', start: m.index, end: m.index + s.length, score });
    }
    return out;
  },
};
