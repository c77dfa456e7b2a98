/**
 * Refuses regular expressions that can backtrack catastrophically, for patterns stored by users
 * and run on untrusted text (routing `inputMatches` on every request, eval `regex` assertions).
 *
 * The rule, conservative: a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1)
 * must not be ambiguous, i.e. it may not
 * - contain a quantified element (`(a+)+`, `(\w+\s?)+`, `(.*a){20}`), unless each repetition must
 *   start with a literal character that nothing quantified inside the group can match, which makes
 *   the split between repetitions unique (`(-[a-z]+)*` is allowed: every repetition starts with `-`);
 * - hold alternatives that can start with the same character (`(a|a)*`, `(\d|\w)+`).
 * Some safe patterns are refused too; the message says how to rewrite them.
 */

interface Atom {
  /** Source text of the atom (a char, an escape, a class, or a whole group). */
  text: string;
  /** The atom can match more than once (followed by *, +, {n,} or {n,m} with m > 1). */
  repeated: boolean;
  /** The atom is optional or repeated (any quantifier). */
  quantified: boolean;
  /** For groups: the parsed content, split into alternatives. */
  group?: Atom[][];
}

/** Why the pattern is refused, or null when it is acceptable. */
export function backtrackingRisk(pattern: string, flags = ''): string | null {
  let atoms: Atom[][];
  try {
    atoms = parseAlternatives(pattern, { i: 0 }, false);
  } catch {
    return null; // Not our parser's dialect: RegExp compilation decides validity.
  }
  return checkAlternatives(atoms, flags);
}

function checkAlternatives(alts: Atom[][], flags: string): string | null {
  for (const seq of alts) {
    for (const atom of seq) {
      if (!atom.group) continue;
      if (atom.repeated) {
        const why = repeatedGroupRisk(atom, flags);
        if (why) return why;
      }
      const inner = checkAlternatives(atom.group, flags);
      if (inner) return inner;
    }
  }
  return null;
}

function repeatedGroupRisk(atom: Atom, flags: string): string | null {
  const alts = atom.group!;
  if (alts.length > 1) {
    const firsts = alts.map((seq) => seq[0]);
    for (let a = 0; a < firsts.length; a++) {
      for (let b = a + 1; b < firsts.length; b++) {
        if (!firsts[a] || !firsts[b] || mayOverlap(firsts[a]!, firsts[b]!, flags)) {
          return `the repeated group ${atom.text} has alternatives that can start with the same character, which can backtrack catastrophically; make each alternative start differently`;
        }
      }
    }
  }
  for (const seq of alts) {
    const quantified = seq.filter((x) => x.quantified || (x.group && hasQuantifier(x.group)));
    if (!quantified.length) continue;
    const lead = seq[0];
    const delimited = lead && !lead.quantified && !lead.group && isLiteral(lead.text) && quantified.every((q) => q !== lead && !mayMatchChar(q, literalChar(lead.text), flags));
    if (!delimited) {
      return `nested quantifiers such as ${atom.text} can backtrack catastrophically; remove the inner quantifier or start each repetition with a literal character it cannot match`;
    }
  }
  return null;
}

function hasQuantifier(alts: Atom[][]): boolean {
  return alts.some((seq) => seq.some((x) => x.quantified || (x.group && hasQuantifier(x.group))));
}

function isLiteral(text: string): boolean {
  return text.length === 1 ? !'.^$'.includes(text) : /^\\[^dDwWsSbBpPuxck0-9]$/.test(text);
}

function literalChar(text: string): string {
  return text.length === 1 ? text : text[1]!;
}

/** Can this atom (or the start of a group) match the character `c`? Unknown means yes. */
function mayMatchChar(atom: Atom, c: string, flags: string): boolean {
  if (atom.group) return atom.group.some((seq) => seq.some((x) => mayMatchChar(x, c, flags)));
  try {
    return new RegExp(`^(?:${atom.text})$`, flags.replace(/[gy]/g, '')).test(c);
  } catch {
    return true;
  }
}

/** Can two atoms match a common first character? Literals and classes are compared on a sample. */
function mayOverlap(a: Atom, b: Atom, flags: string): boolean {
  if (a.group || b.group) return true;
  if (isLiteral(a.text)) return mayMatchChar(b, literalChar(a.text), flags);
  if (isLiteral(b.text)) return mayMatchChar(a, literalChar(b.text), flags);
  // Two classes or escapes: look for a common character among printable ASCII.
  for (let code = 32; code < 127; code++) {
    const c = String.fromCharCode(code);
    if (mayMatchChar(a, c, flags) && mayMatchChar(b, c, flags)) return true;
  }
  return false;
}

const QUANTIFIER = /^(?:\*|\+|\?|\{(\d+)(,(\d*))?\})\??/;

function parseAlternatives(src: string, pos: { i: number }, inGroup: boolean): Atom[][] {
  const alts: Atom[][] = [[]];
  while (pos.i < src.length) {
    const ch = src[pos.i]!;
    if (ch === ')') {
      if (!inGroup) throw new Error('unbalanced');
      return alts;
    }
    if (ch === '|') {
      alts.push([]);
      pos.i++;
      continue;
    }
    const start = pos.i;
    let group: Atom[][] | undefined;
    if (ch === '(') {
      pos.i++;
      if (src[pos.i] === '?') {
        // (?:...), (?=...), (?!...), (?<=...), (?<!...), (?<name>...)
        const m = /^\?(?::|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(src.slice(pos.i));
        if (!m) throw new Error('group syntax');
        pos.i += m[0].length;
      }
      group = parseAlternatives(src, pos, true);
      if (src[pos.i] !== ')') throw new Error('unbalanced');
      pos.i++;
    } else if (ch === '[') {
      pos.i++;
      while (pos.i < src.length && src[pos.i] !== ']') pos.i += src[pos.i] === '\\' ? 2 : 1;
      pos.i++;
    } else if (ch === '\\') {
      pos.i += 2;
    } else {
      pos.i++;
    }
    const text = src.slice(start, pos.i);
    const q = QUANTIFIER.exec(src.slice(pos.i));
    let repeated = false;
    let quantified = false;
    if (q) {
      quantified = true;
      pos.i += q[0].length;
      const sym = q[0][0];
      if (sym === '*' || sym === '+') repeated = true;
      else if (sym === '{') repeated = q[2] !== undefined ? q[3] === '' || Number(q[3]) > 1 : Number(q[1]) > 1;
    }
    alts[alts.length - 1]!.push({ text, repeated, quantified, group });
  }
  if (inGroup) throw new Error('unbalanced');
  return alts;
}
