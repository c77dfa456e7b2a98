import type { CompiledPolicy } from './compile-policy';
import type { Finding, InstrumentedStreamScanner, StreamStep, Verdict } from './guardrail-engine.types';
import { anonymize, piiFinding, windowFindings, wordFinding } from './check-text';
import { PII_MAX_SPAN } from './pii/pii-detector';
import { PII_LEFT_CONTEXT } from './pii/pii-recognizer.types';
import { ADDRESS_INNER_WORDS } from './pii/address.recognizer';
import { nameRunsSkipped, PARTICLES } from './pii/name.recognizer';
import { splitSentences, WINDOW_SENTENCES } from './text-windows';
import type { WordStarts } from './words/word-starts';

/**
 * Streaming OUTPUT check. The scanner keeps two buffers: a short tail of already released text
 * (left context for the recognizers' context words) and the pending text not yet released. On each
 * delta it decides how much of the pending text can no longer change any verdict:
 *
 * - PII and word filters: everything before the trailing run of tokens that could still grow into
 *   (or be part of) a match. A "quiet" token — a complete lower-case word that no recognizer can
 *   include — ends such a run; digits, capitals, `@`, `:`, `/`, a partial last token, name
 *   particles and words of configured phrases keep it open. A span that crosses the boundary moves
 *   the boundary to its start.
 * - Denied topics and content categories (scored per sentence window): only whole sentences are
 *   released, each scored with the sentences before it exactly as `checkText` does.
 *
 * Only pending text plus a fixed context is rescanned per delta, and pending text is capped
 * (`MAX_HOLD`), so the work per delta is bounded and a long stream costs linear time.
 */

/** The empty list of matches or sentences a step does not look for (shared: never written to). */
const NONE: readonly never[] = Object.freeze([]);

/** Released text kept as left context (more than the recognizers look back). */
const CONTEXT_CHARS = PII_LEFT_CONTEXT + 16;
/** Longest held-back tail before the scanner forces a release (keeping the last `PII_MAX_SPAN` chars). */
export const MAX_HOLD = 2 * PII_MAX_SPAN;

/**
 * Lower-case words that can sit inside a name or an address ("van der Berg", "12 rue de la Paix",
 * "Calle de los Ángeles", "Avenue of the Americas", "Frankfurt am Main"): the recognizers' own
 * particle and link lists, and street-type words those lists lack.
 */
export const CONNECTORS: ReadonlySet<string> = new Set([
  ...PARTICLES,
  ...ADDRESS_INNER_WORDS,
  'ave',
  'st',
  'rd',
  'blvd',
  'ln',
  'dr',
  'ct',
  'pl',
  'sq',
  'hwy',
  'via',
  'calle',
  'str',
  'weg',
  'platz',
  'plaza',
  'piazza',
  'viale',
  'largo',
  'rua',
  'travessa',
]);

/**
 * The lower-case words a quiet token must not be (the connectors, and a policy's phrase words),
 * looked up by a hash of the token's characters so that no token is cut out of the text as a string.
 */
interface WordSet {
  /** Words by `wordHash`; a hit is confirmed by comparing characters. */
  readonly byHash: ReadonlyMap<number, readonly string[]>;
  /** Length of the longest word: a longer token is never in the set. */
  readonly maxLen: number;
}

/** Hash of text[start, end) (the same for a string of the same characters). */
function wordHash(text: string, start: number, end: number): number {
  let h = end - start;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

function makeWordSet(words: Iterable<string>): WordSet {
  const byHash = new Map<number, string[]>();
  let maxLen = 0;
  for (const w of new Set(words)) {
    const h = wordHash(w, 0, w.length);
    const bucket = byHash.get(h);
    if (bucket) bucket.push(w);
    else byHash.set(h, [w]);
    maxLen = Math.max(maxLen, w.length);
  }
  return { byHash, maxLen };
}

/** Whether text[start, end) is one of the set's words. */
function inWordSet(set: WordSet, text: string, start: number, end: number): boolean {
  if (end - start > set.maxLen) return false;
  const bucket = set.byHash.get(wordHash(text, start, end));
  if (bucket === undefined) return false;
  for (const w of bucket) if (w.length === end - start && text.startsWith(w, start)) return true;
  return false;
}

/** The connectors alone (a policy without phrases). */
const CONNECTOR_SET = makeWordSet(CONNECTORS);
/** Connectors and phrase words, per phrase-word set (a compiled policy keeps its set for its lifetime). */
const wordSets = new WeakMap<ReadonlySet<string>, WordSet>();

function loudWordsOf(phraseWords: ReadonlySet<string> | undefined): WordSet {
  if (phraseWords === undefined || phraseWords.size === 0) return CONNECTOR_SET;
  let set = wordSets.get(phraseWords);
  if (set === undefined) wordSets.set(phraseWords, (set = makeWordSet([...CONNECTORS, ...phraseWords])));
  return set;
}

/**
 * Complete tokens that must follow an address before it is released. Its end can depend on the
 * text after it (other types end where their own characters end): an address's city takes up to two lower-case words when a line break follows
 * them ("Galluzzo del friuli"), so at the end of the text received so far "Lorient this " looks
 * like a city, and "Braga do" is a city that "Descoberto" may complete. With three complete tokens
 * after it (or the end of the stream) the match is the one the whole text gives.
 */
const SETTLE_TOKENS = 3;

/** Whether at least `SETTLE_TOKENS` complete (white-space terminated) tokens follow text[end]. */
function settled(text: string, end: number): boolean {
  let tokens = 0;
  let inToken = false;
  for (let i = end; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) {
      if (inToken && ++tokens >= SETTLE_TOKENS) return true;
      inToken = false;
    } else inToken = true;
  }
  return false;
}

const QUIET_TOKEN = /^[\p{Ll}]+(?:['’][\p{Ll}]+)?[,;:!?.)\]"'”’]*$/u;

/** Punctuation that may trail a quiet word: , ; : ! ? . ) ] " ' ” ’ */
function trailingPunct(c: number): boolean {
  return c === 44 || c === 59 || c === 58 || c === 33 || c === 63 || c === 46 || c === 41 || c === 93 || c === 34 || c === 39 || c === 0x201d || c === 0x2019;
}

/**
 * Whether the complete token text[start, end) is quiet (`QUIET_TOKEN`: lower-case letters, at most
 * one inner apostrophe, then trailing punctuation) and its word, without the punctuation, is none of
 * `loud` (connectors, phrase words). ASCII tokens are judged by character compares and the word is
 * looked up where it stands; a token with another letter goes through the pattern.
 */
function quietToken(text: string, start: number, end: number, loud: WordSet): boolean {
  let i = start;
  while (i < end && text.charCodeAt(i) >= 97 && text.charCodeAt(i) <= 122) i++;
  if (i > start && i < end && (text.charCodeAt(i) === 39 || text.charCodeAt(i) === 0x2019) && i + 1 < end && text.charCodeAt(i + 1) >= 97 && text.charCodeAt(i + 1) <= 122) {
    i += 2;
    while (i < end && text.charCodeAt(i) >= 97 && text.charCodeAt(i) <= 122) i++;
  }
  const letters = i;
  if (letters > start) {
    while (i < end && trailingPunct(text.charCodeAt(i))) i++;
    if (i === end) return !inWordSet(loud, text, start, letters);
  }
  // Another character: ASCII ones make the token loud; any other may be a lower-case letter.
  for (let k = start; k < end; k++) {
    const c = text.charCodeAt(k);
    if (c >= 128 && c !== 0x201d && c !== 0x2019) {
      const word = quietWordByPattern(text.slice(start, end));
      return word !== null && !inWordSet(loud, word, 0, word.length);
    }
  }
  return false;
}

/**
 * Whether `token` (a complete token, no white space) is quiet for a policy whose phrase words are
 * `phraseWords`: what the scanner decides for each token at the end of the pending text.
 */
export function isQuietToken(token: string, phraseWords?: ReadonlySet<string>): boolean {
  return quietToken(token, 0, token.length, loudWordsOf(phraseWords));
}

function quietWordByPattern(token: string): string | null {
  return QUIET_TOKEN.test(token) ? token.replace(/[,;:!?.)\]"'”’]+$/, '') : null;
}

/**
 * True when text[start, end) holds only lower-case ASCII words, white space and punctuation that
 * ends a word: no digit, capital, `@`, non-ASCII letter or dot inside a word. No PII entity can
 * start in such text (names and addresses start with a capital or a digit, e-mail addresses and
 * URLs hold `@`, `:` or a dot inside a word, every other type a digit or a capital), so it can be
 * released without running the recognizers.
 */
export function inertText(text: string, start: number, end: number): boolean {
  let afterPunct = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || c === 39) {
      if (afterPunct) return false;
    } else if (c === 32 || c === 10 || c === 9 || c === 13) afterPunct = false;
    // , ; : ! ? . end a word (inside one they make a URL, an address or a number); ( ) ] " - are neutral.
    else if (c === 44 || c === 59 || c === 58 || c === 33 || c === 63 || c === 46) afterPunct = true;
    else if (c === 41 || c === 40 || c === 93 || c === 34 || c === 45) afterPunct = false;
    else return false;
  }
  return true;
}

/** `releasePass`: text[start, end) may hold the start of a PII entity (`inertText` says no). */
const NOT_INERT = 1;
/** `releasePass`: a word-filter hit may start in text[start, end). */
const MAY_HIT_WORDS = 2;

/**
 * What the text a delta releases needs: a PII pass unless `inertText` holds (`NOT_INERT`), and the word
 * filter's pattern (`MAY_HIT_WORDS`) unless the release is inert and no word in it opens like one of the
 * filter's words (`WordStarts`; inert text is lower-case ASCII, read without folding). On prose most
 * releases need neither.
 */
function releasePass(text: string, start: number, end: number, starts: WordStarts): number {
  if (!inertText(text, start, end)) return NOT_INERT | (starts.mayStart(text, start, end) ? MAY_HIT_WORDS : 0);
  return starts.mayStartLowerAscii(text, start, end) ? MAY_HIT_WORDS : 0;
}

/** Where a capitalised word may open in `capitalsOnly`: the start, after a blank, `(` or `"`. */
function opensWord(text: string, i: number): boolean {
  const b = i > 0 ? text.charCodeAt(i - 1) : 32;
  return b === 32 || b === 10 || b === 9 || b === 13 || b === 40 || b === 34;
}

/**
 * True when text[start..] (the whole window from where the PII pass would search, held tail included)
 * holds only what `inertText` allows (no `:`, `-` or `]` even) plus ASCII capitals that open a word (after
 * a space, a line break, `(` or `"`, or at the window's start), with no run of 40 letters and no "www.".
 * A capital has a lower-case letter after it ("The"), or it stands alone or opens a word in capitals ("I",
 * "AI", "JSON") followed by a blank, an apostrophe or punctuation that ends a word. In such text only the
 * NAME recognizer can find anything: the gate pass (`charClasses`) sets no digit, `@`, URL, `::` or
 * base64-run bit, the only separators are dots not followed by a letter (a MAC address needs hex digits
 * after its dots), no word in capitals holds "AKIA" or "ASIA" (an AWS access key), and none follows a line
 * break, a colon or the window's start (where NAME reads names written in capitals, `capsNames`). NAME's run finder opens no
 * run at a lone capital or inside a word in capitals; `nameRunsSkipped` judges the runs it does open.
 */
export function capitalsOnly(text: string, start: number): boolean {
  let afterPunct = false;
  let run = 0;
  for (let i = start; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 97 && c <= 122) || c === 39) {
      if (afterPunct || ++run >= 40) return false;
      continue;
    }
    if (c >= 65 && c <= 90) {
      if (!opensWord(text, i)) return false;
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) >= 65 && text.charCodeAt(j) <= 90) j++;
      const d = j < text.length ? text.charCodeAt(j) : 32;
      if (j === i + 1 && d >= 97 && d <= 122) {
        run = 1;
        continue;
      }
      // A lone capital or a word in capitals: a blank, an apostrophe or punctuation that ends a word after it.
      if (!(d === 32 || d === 10 || d === 9 || d === 13 || d === 39 || d === 44 || d === 59 || d === 33 || d === 63 || d === 46 || d === 41 || d === 34)) return false;
      if (j > i + 1) {
        const word = text.slice(i, j);
        if (word.includes('AKIA') || word.includes('ASIA')) return false;
        let k = i - 1;
        while (k >= 0 && (text.charCodeAt(k) === 32 || text.charCodeAt(k) === 9)) k--;
        if (k < 0 || text.charCodeAt(k) === 10 || text.charCodeAt(k) === 58) return false;
      }
      run += j - i;
      if (run >= 40) return false;
      i = j - 1;
      continue;
    }
    run = 0;
    if (c === 32 || c === 10 || c === 9 || c === 13) afterPunct = false;
    else if (c === 46) {
      // "www." in any case marks a URL for the gate pass.
      if ((text.charCodeAt(i - 1) | 32) === 119 && (text.charCodeAt(i - 2) | 32) === 119 && (text.charCodeAt(i - 3) | 32) === 119) return false;
      afterPunct = true;
    } else if (c === 44 || c === 59 || c === 33 || c === 63) afterPunct = true;
    else if (c === 41 || c === 40 || c === 34) afterPunct = false;
    else return false;
  }
  return true;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 9 || c === 13 || c === 12 || c === 11 || c === 0xa0;
}

/** Options of `createStreamScanner`. */
export interface StreamScannerOptions {
  /** Copied into every finding's `source`. */
  source?: string;
}

/** Creates an incremental scanner for one streamed model output (direction OUTPUT). */
export function createStreamScanner(policy: CompiledPolicy, opts: StreamScannerOptions = {}): InstrumentedStreamScanner {
  const source = opts.source;
  const tokenHold = policy.pii !== null || policy.words !== null;
  const windowed = policy.topics !== null || policy.content !== null;
  const loudWords = loudWordsOf(policy.words?.phraseWords);
  /**
   * One buffer: the released context (at most `CONTEXT_CHARS`, left context for the recognizers)
   * followed by the pending text, which starts at `off`. Recognizers get the buffer as is: no
   * concatenation of context and pending text per delta.
   */
  let buf = '';
  let off = 0;
  let base = 0;
  // Sentence history and reported topics/categories: only a windowed policy (topics, content) needs them.
  let history: string[] = [];
  const seen = windowed ? new Set<string>() : undefined;
  let blocked: Verdict | undefined;
  let ended = false;
  let scanned = 0;
  let received = 0;

  /** Set when a release was forced in the middle of a run: the next scan looks at the released context too. */
  let rescanContext = false;
  let forced = false;

  /** Characters sliced off the front of `buf` so far: `dropped + i` is buf[i]'s position in the stream. */
  let dropped = 0;
  /**
   * What the last `tokenCut` learned, in stream positions: every complete token starting in [loudFrom, loudTo) is
   * not quiet (loudTo is where the then partial last token started, or the end). Appended text leaves those tokens
   * as they are, so the next walk back over a held run jumps from the first of them it meets to `loudFrom` instead of
   * judging each again (a held run is walked once, not once per delta). -1: nothing known (after a forced release,
   * whose boundary can fall inside a token).
   */
  let loudFrom = -1;
  let loudTo = -1;

  /** Start (relative to the pending text) of the trailing run of tokens that could still be (part of) a match. */
  const tokenCut = (): number => {
    forced = false;
    const n = buf.length;
    let cut = n;
    let end = n;
    let lastStart = n;
    const lf = loudFrom - dropped;
    const lt = loudFrom >= 0 && lf >= off ? loudTo - dropped : -1;
    while (end > off) {
      let j = end;
      while (j > off && isSpace(buf.charCodeAt(j - 1))) j--;
      if (j === off) break;
      let k = j;
      while (k > off && !isSpace(buf.charCodeAt(k - 1))) k--;
      const partial = j === n;
      if (partial) lastStart = k;
      // A token already judged loud: so is every one back to `lf` (the walk would pass them all).
      else if (k < lt && k >= lf) k = lf;
      else if (quietToken(buf, k, j, loudWords)) break;
      cut = k;
      end = k;
      if (n - cut > MAX_HOLD) break;
    }
    if (n - cut > MAX_HOLD) {
      cut = Math.max(cut, n - PII_MAX_SPAN);
      forced = true;
      loudFrom = -1;
    } else {
      loudFrom = dropped + cut;
      loudTo = dropped + lastStart;
    }
    return cut - off;
  };

  const step = (final: boolean): StreamStep => {
    if (blocked) return { release: '', blocked, findings: [] };
    const len = buf.length - off;
    if (len === 0) return { release: '', findings: [] };
    let cut = final || !tokenHold ? len : tokenCut();
    if (cut === 0 && !final) return { release: '', findings: [] };

    // The recognizers get ctx + pending (the buffer); only the pending text is searched (the released
    // context is left context), unless the last release was forced.
    const win = buf;
    const from = rescanContext ? 0 : off;
    const until = final ? Infinity : off + cut;
    // Text that cannot hold the start of an entity needs no PII pass at all, and the word filter runs only where a word
    // of the release opens like one of its words. With PII on, one pass over the release (searched from `off` to `until`,
    // the same range) answers both; a words-only policy runs its pattern (cheaper than a pass of its own).
    let piiNeeded: boolean;
    let wordsRun: boolean;
    if (policy.pii !== null && policy.words !== null && from === off) {
      const r = releasePass(buf, off, off + cut, policy.words.starts);
      piiNeeded = (r & NOT_INERT) !== 0;
      wordsRun = (r & MAY_HIT_WORDS) !== 0;
    } else {
      piiNeeded = policy.pii !== null && !inertText(buf, off, off + cut);
      wordsRun = policy.words !== null;
    }
    // Only what starts before the cut matters now: a match further on is found when its text can be released.
    // Capitals that only open ordinary words ("Thanks", "The") with nothing else a recognizer needs: NAME
    // says whether it would pass over all of them, and then the pass would find nothing.
    const piiRun = piiNeeded && !(capitalsOnly(win, from) && (!policy.pii!.wanted.has('NAME') || nameRunsSkipped(win, from, until)));
    let pii = piiRun ? policy.pii!.find(win, from, until) : NONE;
    let words = wordsRun ? policy.words!.find(win, from, until) : NONE;
    if (piiRun || wordsRun) scanned += win.length - from;
    // Matches that ended inside the released context were handled when that text was released.
    if (pii.length > 0) pii = pii.filter((m) => m.end > off);
    if (words.length > 0) words = words.filter((w) => w.end > off);

    // A match whose end the coming text may still change waits (its start becomes the boundary).
    if (!final) for (const m of pii) if (m.type === 'ADDRESS' && m.start - off < cut && !settled(win, m.end)) cut = Math.max(0, Math.min(cut, m.start - off));
    // Never split a span: move the boundary to the start of any match that crosses it.
    if (!final && (pii.length > 0 || words.length > 0)) {
      for (let moved = true; moved;) {
        moved = false;
        for (const list of [pii, words] as const) {
          for (const m of list) {
            const s = Math.max(0, m.start - off);
            const e = m.end - off;
            if (s < cut && e > cut) {
              cut = s;
              moved = true;
            }
          }
        }
      }
    }

    // Denied topics / content: release whole sentences only, each scored in its window.
    const pending = windowed ? buf.slice(off) : '';
    let sentences = windowed ? splitSentences(pending) : NONE;
    if (windowed && !final) {
      let aligned = 0;
      for (const s of sentences) if (s.complete && s.end <= cut) aligned = s.end;
      cut = aligned;
      // Content scores add up over a window of sentences: a sentence with a content term can still
      // be part of a blocking window of the sentences after it, whose finding would point into it.
      // So it waits until WINDOW_SENTENCES - 1 sentences follow it (or the stream ends).
      if (policy.content) {
        const done = sentences.filter((s) => s.complete && s.end <= cut);
        const waiting = done.findIndex((s, i) => done.length - 1 - i < WINDOW_SENTENCES - 1 && policy.content!.mentions(pending.slice(s.start, s.end)));
        if (waiting >= 0) cut = done[waiting]!.start;
      }
      sentences = sentences.filter((s) => s.end <= cut);
    }
    if (cut === 0 && !final) return { release: '', findings: [] };

    // The common case: nothing found and nothing windowed, the text goes out as is.
    if (pii.length === 0 && words.length === 0 && !windowed) return releaseUpTo(cut, '', []);

    const text = windowed ? pending : buf.slice(off);
    const findings: Finding[] = [];
    for (const w of words) if (w.start - off < cut) findings.push(wordFinding({ ...w, start: w.start - off, end: w.end - off }, base, source));
    const released = pii.filter((m) => m.start - off < cut);
    for (const m of released) findings.push(piiFinding(policy, { ...m, start: m.start - off, end: m.end - off }, text, base, source));
    if (windowed) {
      for (const s of sentences) {
        const sentence = text.slice(s.start, s.end);
        const prefix = history.join('');
        findings.push(...windowFindings(policy, prefix + sentence, base + s.start - prefix.length, { start: base + s.start, end: base + s.end, text: sentence }, seen!, source));
        history.push(sentence);
        if (history.length > WINDOW_SENTENCES - 1) history = history.slice(-(WINDOW_SENTENCES - 1));
      }
    }
    findings.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));

    if (findings.some((f) => f.action === 'BLOCKED')) {
      blocked = { action: 'BLOCKED', text, findings };
      return { release: '', blocked, findings };
    }
    return releaseUpTo(
      cut,
      released.map((m) => ({ start: Math.max(0, m.start - off), end: Math.min(cut, m.end - off), type: m.type })),
      findings,
    );
  };

  /** Releases pending[0, cut) with `spans` anonymized; the buffer keeps `CONTEXT_CHARS` of it as context. */
  const releaseUpTo = (cut: number, spans: readonly { start: number; end: number; type: string }[] | '', findings: Finding[]): StreamStep => {
    const chunk = buf.slice(off, off + cut);
    const release = spans === '' || spans.length === 0 ? chunk : anonymize(chunk, spans);
    const keep = Math.max(0, off + cut - CONTEXT_CHARS);
    buf = buf.slice(keep);
    dropped += keep;
    off = off + cut - keep;
    rescanContext = forced;
    base += cut;
    return { release, findings };
  };

  return {
    push(delta: string): StreamStep {
      if (ended) return { release: '', blocked, findings: [] };
      received += delta.length;
      buf += delta;
      return step(false);
    },
    end(): StreamStep {
      if (ended) return { release: '', blocked, findings: [] };
      const out = step(true);
      ended = true;
      return out;
    },
    stats() {
      return { scannedChars: scanned, receivedChars: received, heldChars: buf.length - off };
    },
  };
}
