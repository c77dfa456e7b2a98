import { NeedleSet } from './needle-set';

/**
 * One pass over a text telling which of a fixed list of regexes cannot match it: each regex's
 * required literals (a set of ASCII strings, one of which every match contains) are read from its
 * source once, and one `NeedleSet` pass finds which occur. A regex none of whose literals occurs is
 * skipped; any other runs as before, so results do not change (a regex whose literals cannot be
 * read always runs). Replaces a dozen unanchored word-alternation passes over the normalised text
 * with one.
 */
export class RegexGate {
  private set: NeedleSet | null = null;
  /** Per regex: the needle ids of its literals, or null (no literal found: it always runs). */
  private readonly idsOf = new Map<RegExp, Uint16Array | null>();
  private found = new Uint8Array(0);
  private text: string | null = null;
  /** The ids of `extraNeedles` in the set. */
  private extraIds = new Uint16Array(0);

  /**
   * The literals are read and the needle set built on the first question (~40 ms of cold code kept out of module loading).
   * `extraNeedles` (lower-case ASCII) join the same pass for another reader of the text (`foundExtra`): one pass over a
   * text answers both.
   */
  constructor(
    readonly regexes: readonly RegExp[],
    private readonly extraNeedles: readonly string[] = [],
  ) {}

  private build(): NeedleSet {
    const needles: string[] = [];
    // Literals shorter than `MIN_LITERAL` ("is", "?") occur in most texts: such a regex is not worth a place in the set.
    // Two characters that are not both letters (" -", a flag after a space) are rare enough in prose to gate on.
    const lits = this.regexes.map((re) => {
      const l = requiredLiterals(re);
      return l !== null && l.every((x) => x.length >= MIN_LITERAL || (x.length === 2 && /[^a-z]/.test(x))) ? l : null;
    });
    for (const l of lits) for (const s of l ?? []) if (!needles.includes(s)) needles.push(s);
    for (const s of this.extraNeedles) if (!needles.includes(s)) needles.push(s);
    const set = new NeedleSet(needles, { caseless: true });
    this.found = new Uint8Array(needles.length);
    this.extraIds = Uint16Array.from(this.extraNeedles, (s) => set.idOf(s)!);
    this.regexes.forEach((re, k) => this.idsOf.set(re, lits[k] === null ? null : Uint16Array.from(lits[k]!, (s) => set.idOf(s)!)));
    return set;
  }

  /** False when `re` cannot match `text` (none of its literals occurs); `re` must be one of the gate's regexes. */
  may(text: string, re: RegExp): boolean {
    const set = (this.set ??= this.build());
    const ids = this.idsOf.get(re);
    if (ids === undefined) throw new Error(`RegexGate: unknown regex /${re.source.slice(0, 40)}/`);
    if (ids === null) return true;
    if (text !== this.text) {
      this.found.fill(0);
      set.scan(text, this.found);
      this.text = text;
    }
    for (let k = 0; k < ids.length; k++) if (this.found[ids[k]!] === 1) return true;
    return false;
  }

  /**
   * When the gate's last pass was over `text`: sets `out[k]` to 1 when `extraNeedles[k]` occurs in it (A–Z read as
   * a–z), 0 when not, and returns true. Otherwise leaves `out` alone and returns false (no pass is made).
   */
  foundExtra(text: string, out: Uint8Array): boolean {
    if (this.text === null || text !== this.text) return false;
    const ids = this.extraIds;
    for (let k = 0; k < ids.length; k++) out[k] = this.found[ids[k]!]!;
    return true;
  }
}

/** The shortest literal worth gating on. */
const MIN_LITERAL = 3;

/** Above this many strings, a run of literals is cut (a product of alternations grows fast). */
const MAX_STRINGS = 16;

/**
 * What a piece of pattern tells about its matches: `exact`, every string it can match when that is a
 * small finite set of ASCII strings (else null); `need`, strings one of which every match contains
 * (null when none is known, or when it can match the empty string).
 */
interface Lits {
  exact: string[] | null;
  need: string[] | null;
}

/**
 * Lower-cased ASCII strings one of which every match of `re` contains, or null when the source
 * says nothing usable (or uses what this reader does not handle: Unicode case folding, `\p{…}`
 * only ends a run of literals). A small reader of JavaScript's pattern syntax: literals, escapes,
 * simple character classes, groups, alternation, quantifiers and assertions.
 */
export function requiredLiterals(re: RegExp): string[] | null {
  // With both flags, case folding maps non-ASCII letters onto ASCII ones ("ſ" ~ "s", "K" ~ "k").
  if (re.flags.includes('i') && (re.flags.includes('u') || re.flags.includes('v'))) return null;
  const p = new Reader(re.source);
  const r = p.disjunction();
  if (p.at !== re.source.length) throw new Error(`requiredLiterals: unread pattern at ${p.at} in /${re.source}/`);
  const need = r.need;
  if (need === null || need.length === 0 || need.some((s) => s.length === 0)) return null;
  // A string holding another of the set adds nothing: the shorter one occurs whenever it does.
  const lower = [...new Set(need.map((s) => s.toLowerCase()))];
  return lower.filter((s) => !lower.some((t) => t !== s && s.includes(t)));
}

function product(a: string[], b: string[]): string[] | null {
  if (a.length === 1 && b.length === 1) return [a[0]! + b[0]!];
  if (a.length * b.length > MAX_STRINGS) return null;
  const out: string[] = [];
  for (const x of a) for (const y of b) out.push(x + y);
  return [...new Set(out)];
}

/** Literals this long are selective enough: among sets whose shortest string reaches it, the smaller set is better. */
const LONG_ENOUGH = 4;

/** The better of two needle sets: longer shortest string (up to `LONG_ENOUGH`), then fewer strings. */
function better(a: string[] | null, b: string[] | null): string[] | null {
  const ok = (x: string[] | null): x is string[] => x !== null && x.length > 0 && x.every((s) => s.length > 0);
  if (!ok(a)) return ok(b) ? b : null;
  if (!ok(b)) return a;
  const la = Math.min(LONG_ENOUGH, ...a.map((s) => s.length));
  const lb = Math.min(LONG_ENOUGH, ...b.map((s) => s.length));
  return lb > la || (lb === la && b.length < a.length) ? b : a;
}

const ZERO_WIDTH: Lits = { exact: [''], need: null };
const OPAQUE: Lits = { exact: null, need: null };

class Reader {
  at = 0;
  constructor(private readonly src: string) {}

  disjunction(): Lits {
    const alts: Lits[] = [this.alternative()];
    while (this.src[this.at] === '|') {
      this.at++;
      alts.push(this.alternative());
    }
    if (alts.length === 1) return alts[0]!;
    const exact = alts.every((a) => a.exact !== null) ? [...new Set(alts.flatMap((a) => a.exact!))] : null;
    const need = alts.every((a) => a.need !== null) ? [...new Set(alts.flatMap((a) => a.need!))] : null;
    return { exact: exact !== null && exact.length > MAX_STRINGS ? null : exact, need: better(need, exact) };
  }

  /** A sequence: runs of exact terms concatenate; the best run or mandatory term gives the need. */
  private alternative(): Lits {
    let run: string[] | null = [''];
    let all: string[] | null = [''];
    let need: string[] | null = null;
    const endRun = (): void => {
      need = better(need, run);
      run = [''];
    };
    while (this.at < this.src.length && this.src[this.at] !== '|' && this.src[this.at] !== ')') {
      const t = this.term();
      if (t.exact !== null) {
        all = all === null ? null : product(all, t.exact);
        const next = product(run, t.exact);
        if (next === null) {
          endRun();
          run = t.exact;
        } else run = next;
      } else {
        all = null;
        endRun();
        need = better(need, t.need);
      }
    }
    endRun();
    return { exact: all, need: better(need, all) };
  }

  private term(): Lits {
    const c = this.src[this.at]!;
    if (c === '^' || c === '$') {
      this.at++;
      return ZERO_WIDTH;
    }
    if (c === '\\' && (this.src[this.at + 1] === 'b' || this.src[this.at + 1] === 'B')) {
      this.at += 2;
      return ZERO_WIDTH;
    }
    if (
      c === '(' &&
      this.src[this.at + 1] === '?' &&
      (this.src.startsWith('(?=', this.at) || this.src.startsWith('(?!', this.at) || this.src.startsWith('(?<=', this.at) || this.src.startsWith('(?<!', this.at))
    ) {
      this.at += this.src[this.at + 2] === '<' ? 4 : 3;
      this.disjunction();
      this.expect(')');
      return this.quantified(ZERO_WIDTH);
    }
    return this.quantified(this.atom());
  }

  private atom(): Lits {
    const c = this.src[this.at]!;
    if (c === '(') {
      if (this.src.startsWith('(?:', this.at)) this.at += 3;
      else if (this.src.startsWith('(?<', this.at)) this.at = this.src.indexOf('>', this.at) + 1;
      else if (this.src[this.at + 1] === '?') throw new Error(`requiredLiterals: unknown group at ${this.at} in /${this.src}/`);
      else this.at++;
      const r = this.disjunction();
      this.expect(')');
      return r;
    }
    if (c === '[') return this.charClass();
    if (c === '.') {
      this.at++;
      return OPAQUE;
    }
    if (c === '\\') return this.escape();
    this.at++;
    return literal(c);
  }

  private escape(): Lits {
    const e = this.src[this.at + 1]!;
    this.at += 2;
    if (e === 'u' && this.src[this.at] === '{') {
      this.at = this.src.indexOf('}', this.at) + 1;
      return OPAQUE;
    }
    if (e === 'u' || e === 'x') {
      const len = e === 'u' ? 4 : 2;
      const hex = this.src.slice(this.at, this.at + len);
      if (hex.length !== len || !HEX.test(hex)) return literal(e);
      this.at += len;
      return literal(String.fromCharCode(parseInt(hex, 16)));
    }
    if (e === 'p' || e === 'P') {
      if (this.src[this.at] === '{') this.at = this.src.indexOf('}', this.at) + 1;
      return OPAQUE;
    }
    if (e === 'k' && this.src[this.at] === '<') {
      this.at = this.src.indexOf('>', this.at) + 1;
      return OPAQUE;
    }
    if (e === 'c' && /[A-Za-z]/.test(this.src[this.at] ?? '')) {
      this.at++;
      return OPAQUE;
    }
    // Character classes, back references, NUL: nothing exact.
    if ('dDsSwW0123456789'.includes(e)) return OPAQUE;
    const controls: Record<string, string> = { t: '\t', n: '\n', r: '\r', v: '\v', f: '\f' };
    return literal(controls[e] ?? e);
  }

  /** A class of literal characters only ("[ \t]", "[:,]") is exact; anything else (ranges, negation, escapes of sets) is opaque. */
  private charClass(): Lits {
    this.at++;
    const negated = this.src[this.at] === '^';
    const chars: string[] = [];
    let plain = !negated;
    while (this.src[this.at] !== ']') {
      if (this.at >= this.src.length) throw new Error(`requiredLiterals: unclosed class in /${this.src}/`);
      let ch = this.src[this.at]!;
      if (ch === '\\') {
        const e = this.src[this.at + 1]!;
        this.at += 2;
        if (e === 'u' || e === 'x') {
          const len = e === 'u' ? 4 : 2;
          ch = String.fromCharCode(parseInt(this.src.slice(this.at, this.at + len), 16));
          this.at += len;
        } else if ('tnrvf'.includes(e)) ch = { t: '\t', n: '\n', r: '\r', v: '\v', f: '\f' }[e]!;
        else if (/[A-Za-z0-9]/.test(e)) {
          // \d, \s, \w, \p{…}, \b (backspace) and the like.
          plain = false;
          if ((e === 'p' || e === 'P') && this.src[this.at] === '{') this.at = this.src.indexOf('}', this.at) + 1;
          continue;
        } else ch = e;
      } else this.at++;
      if (this.src[this.at] === '-' && this.src[this.at + 1] !== ']') plain = false;
      chars.push(ch);
    }
    this.at++;
    if (!plain || chars.length === 0 || chars.some((ch) => ch.charCodeAt(0) >= 128)) return OPAQUE;
    const exact = [...new Set(chars)];
    return { exact, need: exact };
  }

  private quantified(a: Lits): Lits {
    const next = this.src[this.at];
    if (next !== '*' && next !== '+' && next !== '?' && next !== '{') return a;
    const q = /^(?:\*|\+|\?|\{(\d+)(?:(,)(\d*))?\})\??/.exec(this.src.slice(this.at, this.at + 20));
    if (q === null) return a;
    this.at += q[0].length;
    const c = q[0][0];
    const min = c === '*' || c === '?' ? 0 : c === '+' ? 1 : Number(q[1]);
    const max = c === '*' || c === '+' ? Infinity : c === '?' ? 1 : q[2] === undefined ? min : q[3] === '' ? Infinity : Number(q[3]);
    if (min === 0) return { exact: a.exact !== null && max === 1 ? [...new Set([...a.exact, ''])] : null, need: null };
    if (a.exact !== null && min === max && min <= 4) {
      let e: string[] | null = [''];
      for (let k = 0; k < min && e !== null; k++) e = product(e, a.exact);
      if (e !== null) return { exact: e, need: better(a.need, e) };
    }
    return { exact: null, need: better(a.need, a.exact) };
  }

  private expect(ch: string): void {
    if (this.src[this.at] !== ch) throw new Error(`requiredLiterals: expected '${ch}' at ${this.at} in /${this.src}/`);
    this.at++;
  }
}

const HEX = /^[0-9a-fA-F]+$/;

/** One character: exact when ASCII (the needle set reads ASCII only). */
function literal(ch: string): Lits {
  return ch.charCodeAt(0) < 128 ? { exact: [ch], need: [ch] } : OPAQUE;
}
