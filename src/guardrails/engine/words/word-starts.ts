/**
 * Where a word-filter match can start, decided from its first characters without running the
 * pattern. The stream scanner asks on every delta whether the filter can find anything in the
 * text it is about to release; on prose the answer is mostly no, and the pattern run (a Unicode
 * look-behind tried at every position) is skipped.
 *
 * The alternatives are read by a small parser (literals, escapes, classes, `(?:…)`, `?`, `+`, `*`,
 * `|`); anything else (look-arounds, anchors, counted repeats, back references) makes the builder
 * give up, and then every position counts as a possible start. Which ASCII characters an atom
 * matches is asked of the pattern engine itself (the atom compiled with the filter's `iu` flags and
 * tried on each of the 128 ASCII characters), so case folding and classes need no table of ours.
 * A position with a character beyond ASCII among its first `PREFIX` characters is always a possible
 * start (an ASCII letter of a pattern also matches the Kelvin sign or a long s under `iu`, and a
 * pattern's accented letters and combining marks are not in the tables).
 */

/** How many first characters of a match are compared. */
const PREFIX = 4;
/** More prefixes than this (a pattern opening with a wide class): give up. */
const MAX_PREFIXES = 20_000;

type Node = { t: 'set'; chars: readonly number[] } | { t: 'seq'; items: Node[] } | { t: 'alt'; options: Node[] } | { t: 'rep'; node: Node; min: 0 | 1; max: 1 | 2 };

class Unsupported extends Error {}

/** Lower-case ASCII folding (the text side folds the same way). */
function fold(c: number): number {
  return c >= 65 && c <= 90 ? c + 32 : c;
}

/** `asciiSet` and `alternativePrefixes` answers by source: the built-in list's are worked out once per process. */
const atomCache = new Map<string, number[]>();
const alternativeCache = new Map<string, readonly string[] | null>();
/** Bound on each cache (custom words come from policies). */
const CACHE_MAX = 10_000;

/** The folded ASCII characters an atom (a regex source matching one character) matches under `iu`. */
function asciiSet(source: string): number[] {
  let out = atomCache.get(source);
  if (out === undefined) {
    out = asciiSetOf(source);
    if (atomCache.size >= CACHE_MAX) atomCache.clear();
    atomCache.set(source, out);
  }
  return out;
}

function asciiSetOf(source: string): number[] {
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${source})$`, 'iu');
  } catch {
    throw new Unsupported(source);
  }
  const out = new Set<number>();
  for (let c = 0; c < 128; c++) if (re.test(String.fromCharCode(c))) out.add(fold(c));
  return [...out];
}

function parse(src: string): Node {
  let i = 0;
  const alt = (): Node => {
    const options = [seq()];
    while (src[i] === '|') {
      i++;
      options.push(seq());
    }
    return options.length === 1 ? options[0]! : { t: 'alt', options };
  };
  const seq = (): Node => {
    const items: Node[] = [];
    while (i < src.length && src[i] !== '|' && src[i] !== ')') {
      let node = atom();
      const q = src[i];
      if (q === '?' || q === '+' || q === '*') {
        i++;
        if (src[i] === '?' || src[i] === '+') throw new Unsupported(src);
        node = { t: 'rep', node, min: q === '+' ? 1 : 0, max: q === '?' ? 1 : 2 };
      } else if (q === '{') throw new Unsupported(src);
      items.push(node);
    }
    return { t: 'seq', items };
  };
  const atom = (): Node => {
    const c = src[i]!;
    if (c === '(') {
      if (src.startsWith('(?:', i)) i += 3;
      else if (src[i + 1] === '?') throw new Unsupported(src);
      else i += 1;
      const inner = alt();
      if (src[i] !== ')') throw new Unsupported(src);
      i++;
      return inner;
    }
    if (c === '[') {
      let j = i + 1;
      if (src[j] === '^') j++;
      if (src[j] === ']') j++;
      while (j < src.length && src[j] !== ']') j += src[j] === '\\' ? 2 : 1;
      if (j >= src.length) throw new Unsupported(src);
      const source = src.slice(i, j + 1);
      i = j + 1;
      return { t: 'set', chars: asciiSet(source) };
    }
    if (c === '\\') {
      const e = src[i + 1];
      // Classes (\s, \d, \w...) and escaped punctuation are one character; assertions, references and code escapes are not read here.
      if (e === undefined || /[bBpPuxck0-9]/.test(e)) throw new Unsupported(src);
      i += 2;
      // An escaped ASCII punctuation mark is itself (only letters fold, and only to each other, within ASCII).
      if (!/[dDwWsS]/.test(e) && e.charCodeAt(0) < 128) return { t: 'set', chars: [fold(e.charCodeAt(0))] };
      return { t: 'set', chars: asciiSet(`\\${e}`) };
    }
    if (c === ')' || c === '|' || c === '^' || c === '$' || c === '*' || c === '+' || c === '?' || c === '{' || c === '}' || c === ']') throw new Unsupported(src);
    // One code point (a surrogate pair is one character under `u`).
    const cp = src.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    i += ch.length;
    if (cp < 128 && c !== '.') return { t: 'set', chars: [fold(cp)] };
    return { t: 'set', chars: asciiSet(c === '.' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) };
  };
  const node = alt();
  if (i !== src.length) throw new Unsupported(src);
  return node;
}

/** Strings of at most `k` folded characters: the first `k` of a match of `node`, or a whole match shorter than `k`. */
function prefixes(node: Node, k: number): Set<string> {
  if (k === 0) return new Set(['']);
  let out: Set<string>;
  switch (node.t) {
    case 'set':
      out = new Set(node.chars.map((c) => String.fromCharCode(c)));
      break;
    case 'alt':
      out = new Set(node.options.flatMap((o) => [...prefixes(o, k)]));
      break;
    case 'seq':
      out = new Set(['']);
      for (const item of node.items) out = concat(out, item, k);
      break;
    case 'rep': {
      if (node.max === 1) {
        out = prefixes(node.node, k);
        if (node.min === 0) out.add('');
      } else {
        const star = (left: number): Set<string> => {
          const s = new Set(['']);
          for (const x of prefixes(node.node, left)) {
            if (x === '') continue;
            if (x.length === left) s.add(x);
            else for (const y of star(left - x.length)) s.add(x + y);
          }
          return s;
        };
        out = node.min === 1 ? concat(prefixes(node.node, k), { t: 'seq', items: [] }, k, star) : star(k);
      }
      break;
    }
  }
  if (out.size > MAX_PREFIXES) throw new Unsupported('too many prefixes');
  return out;
}

function concat(left: Set<string>, item: Node, k: number, rest?: (left: number) => Set<string>): Set<string> {
  const out = new Set<string>();
  for (const x of left) {
    if (x.length === k) out.add(x);
    else for (const y of rest ? rest(k - x.length) : prefixes(item, k - x.length)) out.add(x + y);
    if (out.size > MAX_PREFIXES) throw new Unsupported('too many prefixes');
  }
  return out;
}

/** `prefixes` of one alternative, or null when the parser does not read it. */
function alternativePrefixes(source: string): readonly string[] | null {
  let out = alternativeCache.get(source);
  if (out === undefined) {
    try {
      out = [...prefixes(parse(source), PREFIX)];
    } catch (e) {
      if (!(e instanceof Unsupported)) throw e;
      out = null;
    }
    if (alternativeCache.size >= CACHE_MAX) alternativeCache.clear();
    alternativeCache.set(source, out);
  }
  return out;
}

/** Which positions of a text can start a match of a set of whole-word alternatives. */
export interface WordStarts {
  /**
   * False only when no match of the alternatives can start at `q`, a position the caller has found
   * where the whole-word guard allows one (not right after an ASCII letter, digit or `_`).
   */
  startsAt(text: string, q: number): boolean;
  /**
   * False only when no match of the alternatives (with the whole-word guard before it) can start
   * in [from, until) of `text`; true when one may.
   */
  mayStart(text: string, from: number, until: number): boolean;
  /**
   * `mayStart` for a range the caller knows holds only ASCII characters and no capital (the stream
   * scanner's inert releases): the tables are read without folding or looking for other scripts,
   * except where the first characters reach past `until`.
   */
  mayStartLowerAscii(text: string, from: number, until: number): boolean;
}

/** Whether `c` is an ASCII letter, digit or `_` (after one, the whole-word guard allows no match). */
export function asciiWordy(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
}

const ALWAYS: WordStarts = { startsAt: () => true, mayStart: () => true, mayStartLowerAscii: () => true };

function keyOf(text: string, at: number, len: number): number {
  let key = 0;
  for (let i = 0; i < len; i++) key = key * 128 + fold(text.charCodeAt(at + i));
  return key;
}

/**
 * Builds the start test for regex alternatives (sources as given to `new RegExp(..., 'iu')`), each
 * matched whole-word (not after a letter, digit or `_`). Gives up (every position may start a
 * match) on a pattern it cannot read or one that can match the empty string.
 */
export function wordStarts(alternatives: readonly string[]): WordStarts {
  const each = alternatives.map(alternativePrefixes);
  if (each.some((p) => p === null)) return ALWAYS;
  const all = new Set(each.flatMap((p) => p!));
  if (all.size === 0 || all.has('')) return ALWAYS;
  // By length (a prefix shorter than PREFIX is a whole match), and a first test on the first two characters.
  const byLength = new Map<number, Set<number>>();
  const one = new Uint8Array(128);
  const two = new Uint8Array(128 * 128);
  for (const p of all) {
    if (p.length === 1) one[p.charCodeAt(0)] = 1;
    else two[p.charCodeAt(0) * 128 + p.charCodeAt(1)] = 1;
    let set = byLength.get(p.length);
    if (!set) byLength.set(p.length, (set = new Set()));
    set.add(keyOf(p, 0, p.length));
  }
  const lengths = [...byLength.keys()].filter((l) => l >= 2).sort((a, b) => a - b);
  const sets = lengths.map((l) => byLength.get(l)!);
  const startsAt = (text: string, q: number): boolean => {
    // Beyond ASCII among the first characters: the tables know only ASCII, so maybe.
    const w = Math.min(PREFIX, text.length - q);
    for (let i = 0; i < w; i++) if (text.charCodeAt(q + i) >= 128) return true;
    if (w <= 0) return false;
    const f = fold(text.charCodeAt(q));
    if (one[f] === 1) return true;
    if (w < 2 || two[f * 128 + fold(text.charCodeAt(q + 1))] === 0) return false;
    for (let s = 0; s < lengths.length; s++) {
      const len = lengths[s]!;
      if (len > w) break;
      if (sets[s]!.has(keyOf(text, q, len))) return true;
    }
    return false;
  };
  return {
    startsAt,
    mayStart(text: string, from: number, until: number): boolean {
      const end = Math.min(text.length, until);
      for (let q = from; q < end; q++) if ((q === 0 || !asciiWordy(text.charCodeAt(q - 1))) && startsAt(text, q)) return true;
      return false;
    },
    mayStartLowerAscii(text: string, from: number, until: number): boolean {
      const end = Math.min(text.length, until);
      // Inside the range a word character is a lower-case letter, a digit or `_`; before it, anything.
      let wordy = from > 0 && asciiWordy(text.charCodeAt(from - 1));
      for (let q = from; q < end; q++) {
        const c = text.charCodeAt(q);
        if (!wordy) {
          // The first characters reach past the range: the general test.
          if (q + PREFIX > end) {
            if (startsAt(text, q)) return true;
          } else if (one[c] === 1) return true;
          else if (two[c * 128 + text.charCodeAt(q + 1)] === 1) {
            for (let s = 0; s < lengths.length; s++) if (sets[s]!.has(keyOf(text, q, lengths[s]!))) return true;
          }
        }
        wordy = (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95;
      }
      return false;
    },
  };
}
