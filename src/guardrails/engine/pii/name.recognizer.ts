import nlp from 'compromise';
import { allLocales } from '@faker-js/faker';
import type { PiiMatch, PiiRecognizer } from './pii-recognizer.types';
import { leftContext } from './pii-context';

/**
 * Person names. Candidates are runs of capitalised words (with name particles such as "van der");
 * each word is looked up in the lexicon of the `compromise` NLP library (its ~3,000 first names and
 * ~900 last names, and every ordinary word it knows), context words raise the score, and runs that
 * stay ambiguous are confirmed by running compromise's tagger on the surrounding sentence only
 * (tagging everything would cost ~5 µs per character).
 */

type Lexicon = Record<string, string | string[]>;
const LEXICON: Lexicon = (nlp as unknown as { world(): { model: { one: { lexicon: Lexicon } } } }).world().model.one.lexicon;

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
  for (const locale of Object.values(allLocales) as { person?: { first_name?: Names; last_name?: Names } }[]) {
    add(first, locale.person?.first_name);
    add(last, locale.person?.last_name);
  }
  worldNames = { first, last };
  return worldNames;
}

function classify(word: string): WordClass {
  const lower = word.toLowerCase().replace(/['’]s$/, '');
  if (NOT_NAMES.has(lower)) return 'common';
  const entry = LEXICON[lower];
  if (entry === undefined) {
    const w = world();
    if (w.first.has(lower)) return w.last.has(lower) ? 'last' : 'first';
    return w.last.has(lower) ? 'last' : 'unknown';
  }
  const tags = Array.isArray(entry) ? entry : [entry];
  if (tags.some((t) => FUNCTION_TAGS.has(t))) return 'common';
  if (tags.some((t) => PLACE_TAGS.has(t))) return 'place';
  if (tags.some((t) => FIRST_TAGS.has(t))) return tags.every((t) => PERSONISH.has(t)) ? 'first' : 'first-ambiguous';
  if (tags.includes('LastName') || tags.every((t) => PERSONISH.has(t))) return 'last';
  if (tags.every((t) => NOUN_TAGS.has(t))) return 'noun';
  return 'common';
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
  'dr',
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
]);

const PARTICLES = new Set(['van', 'von', 'der', 'den', 'de', 'del', 'della', 'di', 'da', 'du', 'le', 'la', 'bin', 'ibn', 'al', 'ten', 'ter', 'dos', 'das', 'zu', 'y', 'e', 'do']);

const WORD = "(?:\\p{Lu}['’]\\p{Lu}\\p{Ll}+|\\p{Lu}\\p{Ll}+(?:\\p{Lu}\\p{Ll}+)?(?:-\\p{Lu}\\p{Ll}+|-\\p{Ll}{2,})?)";
const PARTICLE = `(?:${[...PARTICLES].join('|')})`;
const RUN_RE = new RegExp(`(?<![\\p{L}\\p{N}_@./\\\\-])${WORD}(?:[ \\t]+(?:${PARTICLE}[ \\t]+){0,2}${WORD}){0,3}(?![\\p{L}\\p{N}_@-])`, 'gu');
const TOKEN_RE = new RegExp(`${WORD}|\\p{Ll}+`, 'gu');

const COPULA = `(?:\\s+(?:is|was|ist|est|es|è))?`;
const NAME_CONTEXT = new RegExp(
  `\\b(?:names?|nom|called|mr|mrs|ms|miss|mx|dr|prof|dear|hi|hello|hey|thanks|regards|sincerely|from|to|cc|by|with|ask|tell|asked|told|contact|customer|client|user|holder|manager|colleague|assignee|author|reviewer|owner|spouse|wife|husband|son|daughter|mother|father|sister|brother|friend|reply|approved|shows|met|for|and|dependent|emp(?:loyé|loyee)?|mitarbeiter|kunde|kundin|monsieur|madame|herr|frau)\\b${COPULA}[\\s:,"'=.]*$`,
);
const STRONG_NAME_CONTEXT = new RegExp(
  `(?:\\b(?:name|named|nom|nombre|nome|mr|mrs|ms|dr|dear|applicant|employee|holder|patient|candidate|tenant|signed|signed by|attn|dependent|written by|forwarded by|contact person|account holder)\\b${COPULA}|heiße|heisse|llamo|chiamo|appelle|je suis|ich bin|soy|sono|\\bthis is|\\bit'?s|\\bi am|\\bi'm|` +
    // A signature: the line after a closing ("Kind regards,\\n").
    `\\b(?:regards|sincerely|cheers|best|thanks|thank you|wishes|yours|cordialement|salutations|saludos|atentamente|grüße|gruesse|grüßen|saluti|cordiali saluti|atenciosamente|abraços|abrazos)[,.!]?[ \\t]*\\n|` +
    `\\b(?:good (?:morning|afternoon|evening)|bonjour|hola|hallo|ciao|olá|ola|buongiorno|buenos días|buenos dias|guten tag)\\b[ \\t,]*)[\\s:,"'=.]*$`,
);

interface Candidate {
  start: number;
  end: number;
  classes: WordClass[];
  /** Start offset of each word. */
  starts: number[];
}

/** Splits a run into words and trims leading/trailing ordinary words. */
function candidateOf(text: string, runStart: number, run: string): Candidate | null {
  const words: { s: number; e: number; w: string }[] = [];
  TOKEN_RE.lastIndex = 0;
  for (let m = TOKEN_RE.exec(run); m !== null; m = TOKEN_RE.exec(run)) words.push({ s: m.index, e: m.index + m[0].length, w: m[0] });
  const classes = words.map((w, i): WordClass => {
    if (PARTICLES.has(w.w)) return 'last';
    const k = classify(w.w);
    // After a name particle ("van der Berg") an ordinary noun is a surname.
    if (i > 0 && PARTICLES.has(words[i - 1]!.w) && (k === 'noun' || k === 'common' || k === 'place')) return 'last';
    return k;
  });
  // A place name right after a first name is a surname ("Ana Lima", "Paris Jordan").
  for (let i = 1; i < classes.length; i++) {
    if (classes[i] === 'place' && (classes[i - 1] === 'first' || classes[i - 1] === 'first-ambiguous')) classes[i] = 'last';
  }
  for (let i = 0; i < classes.length; i++) if (classes[i] === 'place') classes[i] = 'common';
  let a = 0;
  let b = words.length;
  while (a < b && (classes[a] === 'common' || PARTICLES.has(words[a]!.w))) a++;
  while (b > a && (classes[b - 1] === 'common' || PARTICLES.has(words[b - 1]!.w))) b--;
  if (a >= b) return null;
  // An ordinary word inside the run splits it; keep the part that looks most like a name (the first).
  for (let i = a; i < b; i++) {
    if (classes[i] === 'common') {
      b = i;
      break;
    }
  }
  return { start: runStart + words[a]!.s, end: runStart + words[b - 1]!.e, classes: classes.slice(a, b), starts: words.slice(a, b).map((w) => runStart + w.s) };
}

/** The run without its first word ("Contact Grace Ferreira" -> "Grace Ferreira"), when the first word is not a name. */
function withoutFirst(c: Candidate): Candidate | null {
  if (c.classes.length < 2 || c.classes[0] === 'first' || c.classes[0] === 'first-ambiguous' || c.classes[0] === 'last') return null;
  return { start: c.starts[1]!, end: c.end, classes: c.classes.slice(1), starts: c.starts.slice(1) };
}

function baseScore(c: Candidate): number {
  const k = c.classes;
  if (k.length >= 2) {
    const rest = k.slice(1);
    const restNamey = rest.every((x) => x === 'last' || x === 'unknown' || x === 'noun' || x === 'first');
    const restStrong = rest.every((x) => x === 'last' || x === 'unknown' || x === 'first');
    if (k[0] === 'first' && restNamey) return 0.85;
    if (k[0] === 'first-ambiguous' && restStrong) return 0.75;
    if (k[0] === 'unknown' && rest.some((x) => x === 'last') && restStrong) return 0.7;
    if (k[0] === 'unknown' && restStrong) return 0.45;
    if (k[0] === 'first-ambiguous' && restNamey) return 0.45;
    return 0.2;
  }
  switch (k[0]) {
    case 'first':
      return 0.45;
    case 'first-ambiguous':
    case 'last':
      return 0.3;
    case 'unknown':
      return 0.2;
    default:
      return 0;
  }
}

/** Sentence around [start, end), at most `pad` characters each side. */
function sentenceAround(text: string, start: number, end: number, pad = 80): { s: number; text: string } {
  let s = Math.max(0, start - pad);
  const before = text.slice(s, start);
  const cut = Math.max(before.lastIndexOf('\n'), before.search(/[.!?]\s[^.!?]*$/) >= 0 ? before.search(/[.!?]\s[^.!?]*$/) + 2 : -1);
  if (cut > 0) s += cut;
  let e = Math.min(text.length, end + pad);
  const after = text.slice(end, e);
  const stop = after.search(/[.!?]\s|\n/);
  if (stop >= 0) e = end + stop + 1;
  return { s, text: text.slice(s, e) };
}

/**
 * Asks compromise whether the words in [start, end) are a person in their sentence. Results are
 * cached per sentence within one `find` call: several candidates of a sentence cost one tagging.
 */
function compromiseSaysPerson(text: string, start: number, end: number, cache: Map<number, { s: number; people: [number, number][] }>): boolean {
  const { s, text: sentence } = sentenceAround(text, start, end, 48);
  let entry = cache.get(s);
  if (!entry) {
    const people = (nlp(sentence).people().json({ offset: true }) as { offset?: { start: number; length: number } }[])
      .filter((p) => p.offset !== undefined)
      .map((p): [number, number] => [s + p.offset!.start, s + p.offset!.start + p.offset!.length]);
    entry = { s, people };
    cache.set(s, entry);
  }
  return entry.people.some(([a, b]) => a < end && b > start);
}

export const nameRecognizer: PiiRecognizer = {
  types: ['NAME'],
  find(text) {
    const out: PiiMatch[] = [];
    const cache = new Map<number, { s: number; people: [number, number][] }>();
    RUN_RE.lastIndex = 0;
    for (let m = RUN_RE.exec(text); m !== null; m = RUN_RE.exec(text)) {
      const full = candidateOf(text, m.index, m[0]);
      if (!full) continue;
      const shorter = withoutFirst(full);
      const c = shorter && baseScore(shorter) > baseScore(full) ? shorter : full;
      const base = baseScore(c);
      let score = base;
      const ctx = leftContext(text, c.start, 32);
      if (STRONG_NAME_CONTEXT.test(ctx)) score += 0.35;
      else if (NAME_CONTEXT.test(ctx)) score += 0.15;
      // A two-word run in a field-like position ("Onboarding: Ana Diaz, start date ...") reads as a name.
      else if (c.classes.length >= 2 && /[:(,;]\s*$/.test(ctx) && /^(?:[\s,.;:)]|\s<|$)/.test(text.slice(c.end, c.end + 2))) score += 0.15;
      // "Smith & Co", "Acme Inc": company suffixes make it an organisation.
      if (/^[\s,]*(?:&|inc\b|ltd\b|llc\b|gmbh\b|corp\b|co\.|plc\b|ag\b|sa\b|bank\b)/i.test(text.slice(c.end, c.end + 8))) score -= 0.5;
      // The tagger is slow (~0.5 ms a sentence): ask it only when the lexicon or the shape already points to a name.
      if (score >= 0.3 && score < 0.5 && (base >= 0.3 || c.classes.length >= 2)) {
        if (compromiseSaysPerson(text, c.start, c.end, cache)) score = Math.max(score + 0.2, 0.55);
      }
      if (score > 0) out.push({ type: 'NAME', start: c.start, end: c.end, score: Math.min(1, score) });
    }
    return out;
  },
};
