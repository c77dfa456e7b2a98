/**
 * Structural evidence found in the raw text, in one pass of one combined pattern: places a human
 * reader does not see (HTML/markdown comments, hidden or white HTML, alt/title text, front matter and
 * metadata fields, footnotes, bracketed notes, postscripts, zero-width runs), URLs that would carry
 * data out when rendered or fetched, shell and database commands that destroy or install, and fake
 * role delimiters. What a carrier *holds* is judged by the caller (an instruction to the model in a
 * carrier is an attack; "TODO: replace screenshot" is not).
 */

import { NeedleSet } from './needle-set';

export type CarrierKind = 'comment' | 'hidden-html' | 'alt-text' | 'front-matter' | 'metadata' | 'footnote' | 'bracket-note' | 'postscript' | 'zero-width' | 'code-comment';

export interface Carrier {
  kind: CarrierKind;
  /** Raw text of the carrier (the whole match). */
  match: string;
  /** What the carrier holds. */
  body: string;
  /** Hidden by styling (display:none, white text, zero-width): any instruction in it is suspect. */
  invisible: boolean;
}

export interface StructuralHit {
  id: string;
  family: 'EXFILTRATION' | 'TOOL_ABUSE' | 'FAKE_DELIMITER';
  weight: number;
  /** The start of the command's line when a verb there asks to run it ("Setup for agents: run"): who is asked decides. */
  runRequest?: string;
  match: string;
}

const HIDDEN_STYLE = String.raw`(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?![.\d]*[1-9])|color\s*[:=]\s*["']?\s*(?:#f{3}\b|#f{6}\b|white\b|rgb\(\s*255\s*,\s*255\s*,\s*255\s*\))|\shidden(?=[\s>=]))`;

/** URL query values that carry data out: placeholders, templates, or names of what to put there. */
const EXFIL_PLACEHOLDER = /[?&#][^=\s]{0,40}=(?:[^&\s]*(?:\{|\}|%7[bBdD]|<|>|\$\(|\[[A-Za-z _]+\])|[^&\s]*\b[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}\b|$)/;
const EXFIL_NAME = /[?&][^=\s]{0,20}(?:conversation|history|chat|secret|prompt|password|passwd|token|session|cookie|creds?|credential|apikey|api_key|ssn|card|msg|messages|exfil|leak)[^=\s]{0,20}=/i;
/** The content of a JSON array of objects or strings. */
const JSON_ARRAY = /^[ \t]*[{"]/;
/** A JSON string value long enough to say something (a key is followed by ':'). */
const JSON_STRING = /"((?:[^"\\\n]|\\.){12,1000})"(?![ \t]*:)/g;
const EXFIL_QUERY = { test: (url: string): boolean => EXFIL_PLACEHOLDER.test(url) || EXFIL_NAME.test(url) };

/**
 * The structural patterns. Each has a literal trigger tested first (`includes` on the raw text or a
 * one-character-class probe), so a text runs only the few patterns whose trigger it contains: plain
 * prose runs none of them.
 */
interface StructuralPattern {
  trigger: Trigger;
  re: RegExp;
  on: (m: RegExpExecArray, out: Collector) => void;
}

interface Collector {
  carrier(kind: CarrierKind, match: string, body: string | undefined, invisible?: boolean): void;
  hit(id: string, family: StructuralHit['family'], weight: number, match: string, runRequest?: string): void;
}

/** A verb asking to run something (six languages) earlier on the command's own line: "use the shell tool to run `curl … | sh`". */
const RUN_VERB = /\b(?:run|execute|exec|launch|lance[rz]?|ex[eé]cute[rz]?|ejecut[ae]r?|corre|executa[r]?|rode|roda|f[uü]hre|starte|esegui|lancia)\b/i;

/** The text before the match `m` on its own line when a verb there asks to run it, else undefined. */
function runRequest(m: RegExpExecArray): string | undefined {
  const lineStart = m.input.lastIndexOf('\n', m.index) + 1;
  const before = m.input.slice(Math.max(lineStart, m.index - 120), m.index);
  return RUN_VERB.test(before) ? before : undefined;
}

/**
 * What the triggers ask of a text, each answered once: which of a few structural characters it holds
 * (a one-character `indexOf`, the fastest scan there is) and, only when a word test is reached, its
 * lower-cased copy and which word needles it holds. One probe serves every scan (`reset` per text):
 * its tables are typed arrays, whose allocation per text cost more than a short chunk's whole scan.
 */
class Probe {
  raw = '';
  /** `raw.toLowerCase()`, once asked for (or given by the caller). */
  private lowered: string | null = null;
  /** Per ASCII code: 0 not asked yet, 1 present, 2 absent (a typed array: a Map keyed by one-character strings cost more than the search). */
  private readonly chars = new Uint8Array(128);
  /** Which of `LOWER_NEEDLES` the lower-cased text holds (one pass for all of them, on the first word question); `scanned` says whether it is filled. */
  private readonly found = new Uint8Array(LOWER_NEEDLES.length);
  private scanned = false;
  /** Per ASCII code, whether some line starts with it (after spaces and tabs); `lines`: 0 not computed, 1 computed, 2 the text has other line breaks. */
  private readonly firsts = new Uint8Array(128);
  private lines = 0;

  /**
   * Starts a text. `lowered`: `raw.toLowerCase()` when the caller already has it; `lowerFound`: which of
   * `LOWER_NEEDLES` it holds, when the caller's own pass over it already found that (then no pass is made here).
   */
  reset(raw: string, lowered: string | null, lowerFound: Uint8Array | null = null): this {
    this.raw = raw;
    this.lowered = lowered;
    this.chars.fill(0);
    if (lowerFound !== null && lowered !== null) {
      this.found.set(lowerFound);
      this.scanned = true;
    } else {
      if (this.scanned) this.found.fill(0);
      this.scanned = false;
    }
    if (this.lines === 1) this.firsts.fill(0);
    this.lines = 0;
    return this;
  }
  /** The text holds this character. */
  ch(c: string): boolean {
    const code = c.charCodeAt(0);
    if (code >= 128 || c.length !== 1) return this.raw.includes(c);
    let v = this.chars[code]!;
    if (v === 0) this.chars[code] = v = this.raw.includes(c) ? 1 : 2;
    return v === 1;
  }
  get lower(): string {
    return (this.lowered ??= this.raw.toLowerCase());
  }
  /** The lower-cased text holds the needle `id` of `LOWER_NEEDLES`: what `lower.includes(LOWER_NEEDLES[id])` answers. */
  lowerHas(id: number): boolean {
    if (!this.scanned) {
      lowerNeedles().scan(this.lower, this.found);
      this.scanned = true;
    }
    return this.found[id] === 1;
  }
  /**
   * Some line starts, after spaces and tabs, with one of these (ASCII) characters (what a `^[ \t]*X`
   * pattern with the `m` flag needs). Lines are found by `indexOf('\n')`; a text with other line
   * breaks answers yes.
   */
  lineStarts(cs: string): boolean {
    if (this.lines === 0) {
      const raw = this.raw;
      if (raw.includes('\r') || raw.includes('\u2028') || raw.includes('\u2029')) this.lines = 2;
      else {
        this.lines = 1;
        for (let at = 0; ;) {
          let k = at;
          while (k < raw.length && (raw.charCodeAt(k) === 32 || raw.charCodeAt(k) === 9)) k++;
          if (k < raw.length && raw.charCodeAt(k) < 128) this.firsts[raw.charCodeAt(k)] = 1;
          const nl = raw.indexOf('\n', at);
          if (nl < 0) break;
          at = nl + 1;
        }
      }
    }
    if (this.lines === 2) return true;
    for (let i = 0; i < cs.length; i++) if (this.firsts[cs.charCodeAt(i)] === 1) return true;
    return false;
  }
}

/** A trigger: cheap literal tests on the text (character first, then words), before any regex runs. */
type Trigger = (p: Probe) => boolean;
const has =
  (needle: string): Trigger =>
  (p) =>
    p.raw.includes(needle);
/**
 * Every needle of the word triggers (`hasAny`), registered as the patterns are built. The first word
 * question about a text answers them all in one pass over its lower-cased copy (a set of ~45
 * `includes` over 2 KB cost more than the patterns they gate).
 */
const LOWER_NEEDLES: string[] = [];
let needleSet: NeedleSet | null = null;
function lowerNeedles(): NeedleSet {
  return (needleSet ??= new NeedleSet(LOWER_NEEDLES));
}
/** The word triggers' needles (for tests). */
export function wordTriggerNeedles(): readonly string[] {
  return [...LOWER_NEEDLES];
}
/** Any of the needles in the lower-cased text. */
const hasAny = (...needles: string[]): Trigger => {
  const ids = needles.map((n) => {
    if (needleSet !== null) throw new Error('hasAny: needles are registered before the first scan');
    const at = LOWER_NEEDLES.indexOf(n);
    return at >= 0 ? at : LOWER_NEEDLES.push(n) - 1;
  });
  return (p) => ids.some((id) => p.lowerHas(id));
};
/** Any of these characters. */
const chars =
  (...cs: string[]): Trigger =>
  (p) =>
    cs.some((c) => p.ch(c));
const probe =
  (re: RegExp): Trigger =>
  (p) =>
    re.test(p.raw);
const any =
  (...tests: Trigger[]): Trigger =>
  (p) =>
    tests.some((t) => t(p));
/** A line starts with one of these characters. */
const lineStarts = (cs: string): Trigger => {
  if (/[^\x00-\x7f]/.test(cs)) throw new Error('lineStarts: ASCII characters only');
  return (p) => p.lineStarts(cs);
};
/** Every test passes; the regex (a closer but slower test) is given last and runs only when the literals passed. */
const all =
  (...tests: (Trigger | RegExp)[]): Trigger =>
  (p) =>
    tests.every((t) => (t instanceof RegExp ? t.test(p.raw) : t(p)));

/** What `/P\.?[ \t-]?[SD]/` can match, lower-cased ("p.s", "p.-d", "ps"): word needles, so the pattern runs only where one occurs. */
const POSTSCRIPT_MARKS = ['', '.'].flatMap((dot) => ['', ' ', '\t', '-'].flatMap((gap) => ['s', 'd'].map((letter) => `p${dot}${gap}${letter}`)));

export const PATTERNS: readonly StructuralPattern[] = [
  { trigger: all(chars('<'), has('<!--')), re: /<!--([\s\S]{0,2000}?)-->/g, on: (m, o) => o.carrier('comment', m[0], m[1]) },
  // Markdown comments (link reference definitions nothing links to): `[//]: # (text)`, `[comment]: # "text"`.
  {
    trigger: all(lineStarts('['), has(']:')),
    re: /^[ \t]*\[(?:\/\/|comment|_|#)\]:[ \t]*(?:#|<>)[ \t]*(?:\(([^\n]{4,1000})\)|"([^"\n]{4,1000})"|'([^'\n]{4,1000})')/gim,
    on: (m, o) => o.carrier('comment', m[0], m[1] ?? m[2] ?? m[3]),
  },
  {
    trigger: all(chars('<'), chars('>'), hasAny('display', 'visibility', 'font-size', 'opacity', 'color', 'hidden')),
    re: new RegExp(String.raw`<([a-z][a-z0-9]*)\b[^>]{0,300}?${HIDDEN_STYLE}[^>]{0,300}>([\s\S]{0,2000}?)</\1\s*>`, 'gi'),
    on: (m, o) => o.carrier('hidden-html', m[0], m[2]?.replace(/<[^>]*>/g, ' '), true),
  },
  {
    trigger: all(chars('='), hasAny('alt', 'title', 'aria-label', 'content'), /(?:alt|title|aria-label|content)\s*=/i),
    re: /\b(?:alt|title|aria-label|content)\s*=\s*(?:"([^"<>]{12,1000})"|'([^'<>]{12,1000})')/gi,
    on: (m, o) => o.carrier('alt-text', m[0], m[1] ?? m[2]),
  },
  {
    trigger: all(chars(']'), has('](')),
    re: /(!?)\[([^\]\n]{0,500})\]\(([^)\s]{1,2000})(?:\s+"([^"\n]{0,500})")?\)/g,
    on: (m, o) => {
      if (m[1] === '!') {
        o.carrier('alt-text', m[0], [m[2], m[4]].filter(Boolean).join(' '));
        if (EXFIL_QUERY.test(m[3]!)) o.hit('image-url-data', 'EXFILTRATION', 0.85, m[0]);
      } else if (/^https?:/i.test(m[3]!) && EXFIL_QUERY.test(m[3]!)) o.hit('link-url-data', 'EXFILTRATION', 0.55, m[0]);
    },
  },
  // Reference-style markdown (`![logo][ref]` … `[ref]: https://…?q=`): the URL sits on its own line, away from the image that renders it.
  {
    trigger: all(lineStarts('['), has(']:'), hasAny('http')),
    re: /^[ \t]{0,3}\[([^\]\n]{1,60})\]:[ \t]*<?(https?:\/\/[^\s>]{1,2000})/gim,
    on: (m, o) => {
      if (!EXFIL_QUERY.test(m[2]!)) return;
      const label = m[1]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      if (new RegExp(String.raw`!\[[^\]\n]{0,500}\]\[${label}\]`, 'i').test(m.input)) o.hit('image-url-data', 'EXFILTRATION', 0.85, m[0]);
      else o.hit('link-url-data', 'EXFILTRATION', 0.55, m[0]);
    },
  },
  // A bare URL that ends in an empty query parameter ("https://x.example/r?c=") in prose: a slot left for something to be appended.
  {
    trigger: all(chars('='), hasAny('http')),
    re: /\bhttps?:\/\/[^\s"'<>()\]]{1,500}[?&][\w-]{1,30}=(?=[\s"'<>)\]]|$)/gi,
    on: (m, o) => o.hit('url-slot', 'EXFILTRATION', 0.55, m[0]),
  },
  {
    trigger: all(chars('<'), hasAny('<img')),
    re: /<img\b[^>]{0,300}?\bsrc\s*=\s*["']?(https?:\/\/[^"'\s>]{1,2000})/gi,
    on: (m, o) => {
      if (EXFIL_QUERY.test(m[1]!)) o.hit('image-url-data', 'EXFILTRATION', 0.85, m[0]);
    },
  },
  { trigger: (p) => p.raw.startsWith('---'), re: /^---[ \t]*\n([\s\S]{1,2000}?)\n---[ \t]*(?:\n|$)/g, on: (m, o) => o.carrier('front-matter', m[0], m[1]) },
  {
    trigger: all(
      chars(':'),
      hasAny('comment', 'description', 'note', 'keywords', 'summary', 'subject', 'meta', 'remark', 'x-'),
      /(?:comment|description|note|keywords|summary|subject|meta|remark|x-)[\w-]*[ \t]*:/i,
    ),
    re: /^[ \t]*[\w-]{0,30}(?:comment|description|note|notes|keywords|summary|subject|meta|remark|x-[\w-]+)[\w-]{0,30}[ \t]*:[ \t]*([^\n]{8,1000})/gim,
    on: (m, o) => o.carrier('metadata', m[0], m[1]),
  },
  { trigger: all(lineStarts('['), has('[^')), re: /^\[\^[\w-]{1,20}\]:[ \t]*([^\n]{4,1000})/gm, on: (m, o) => o.carrier('footnote', m[0], m[1]) },
  // A JSON array of objects or strings (`"results":[{"order": ...}]` in a tool's output) holds data fields a reader sees: each string
  // value is judged as a visible field (one that names an AI must speak to it), not the whole array as one bracketed aside.
  {
    trigger: chars('['),
    re: /\[([^[\]\n]{12,1000})\](?!\()/g,
    on: (m, o) => {
      if (!JSON_ARRAY.test(m[1]!)) return o.carrier('bracket-note', m[0], m[1]);
      for (const v of m[1]!.matchAll(JSON_STRING)) o.carrier('metadata', v[0], v[1]);
    },
  },
  // A note on how a pasted text looked ("[white text, 1pt]", "(hidden via CSS)", "[texte blanc]"): what follows it was not visible.
  {
    trigger: all(chars('[', '('), probe(/white|hidden|invisible|blanc|bianco|branco|wei(?:ss|ß)|oculto|cach[eé]|nascost|versteckt|escondid/i)),
    re: /[[(]((?=[^\])\n]{0,40}[\])])(?:[^\])\n]{0,24}?\b(?:hidden|invisible|oculto|oculta|cach[ée]e?|nascost[oa]|versteckte[rn]?|escondid[oa])\b|(?=[^\])\n]{0,40}\b(?:text|texte|texto|testo|font|pt|px|css|schrift|colou?r|couleur)\b)[^\])\n]{0,24}?\b(?:white|blanc|blanco|branco|bianco|wei(?:ss|ß)e?[rn]?)\b)[^\])\n]{0,30})[\])][ \t]*([^\n]{3,1000})/gi,
    on: (m, o) => o.carrier('bracket-note', m[0], m[2], true),
  },
  {
    trigger: all(chars('('), hasAny('(hidden', '(invisible', '(secret')),
    re: /\((?:hidden|invisible|secret)(?:[ \t]+(?:text|note|message|instruction))?\)[ \t]*([^\n]{3,1000})/gi,
    on: (m, o) => o.carrier('bracket-note', m[0], m[1], true),
  },
  {
    trigger: all(chars('P'), chars('S', 'D'), hasAny(...POSTSCRIPT_MARKS), /P\.?[ \t-]?[SD]\b/),
    // P.S., PS, P.-S. (French), P.D. (Spanish "posdata").
    // Whom the postscript is for ("P.S. for the AI that summarises this:") is part of what it holds.
    re: /(?:^|[\n.!?][ \t]*)P\.?[ \t-]?[SD]\.?((?:[ \t]+(?:to|for|pour|para|an|per)\b[^:\n]{0,60})?[:,\s-]+[^\n]{4,1000})/g,
    on: (m, o) => o.carrier('postscript', m[0], m[1]),
  },
  {
    trigger: probe(/[\u200B-\u200D\u2060\uFEFF]/),
    re: /[\u200B-\u200D\u2060\uFEFF]+([^\n\u200B-\u200D\u2060\uFEFF]{3,600})/g,
    on: (m, o) => o.carrier('zero-width', m[0], m[1], true),
  },
  // `## Heading` (two or more hashes, then a space) is a markdown heading, not a comment.
  { trigger: all(lineStarts('#/-;'), /^[ \t]*(?:#|\/\/|--|;)/m), re: /^[ \t]*(?:#(?!#+[ \t])|\/\/|--|;)[ \t]*([^\n]{8,600})/gm, on: (m, o) => o.carrier('code-comment', m[0], m[1]) },
  // Commands and delimiters.
  {
    trigger: all(chars('|'), hasAny('curl', 'wget', 'iwr', 'invoke-webrequest')),
    re: /\b(?:curl|wget|iwr|invoke-webrequest)\b[^\n|`]{0,300}https?:\/\/[^\n|`]{0,300}\|[ \t]*(?:sudo[ \t]+)?(?:ba|z|k|da)?sh\b/gi,
    // Install pages show people exactly this every day, and users ask what it does: alone it is not a
    // request to the model (below MEDIUM). A run verb before it on its line asks someone to run it:
    // in a user's own message the model; in a document, only if that line names a model or agent.
    on: (m, o) => o.hit('pipe-to-shell', 'TOOL_ABUSE', 0.65, m[0], runRequest(m)),
  },
  {
    trigger: all(chars('-'), has('rm'), /\brm[ \t]+-/),
    re: /\brm[ \t]+-(?:[a-z]*r[a-z]*f|[a-z]*f[a-z]*r)[a-z]*[ \t]+(?:--no-preserve-root[ \t]*)?(?:\/(?=[ \t`'"*\n]|$)|\/\*|(?:~|\$home\b)\/?(?=[ \t`'"*;&|)\n]|$)|(?:~|\$home)\/\*|\*(?=[ \t`'"\n]|$)|--no-preserve-root)/gi,
    on: (m, o) => o.hit('rm-rf-root', 'TOOL_ABUSE', 0.7, m[0]),
  },
  { trigger: all(hasAny('drop'), /drop[ \t]+(?:database|schema)/i), re: /\bdrop[ \t]+(?:database|schema)\b/gi, on: (m, o) => o.hit('drop-database', 'TOOL_ABUSE', 0.5, m[0]) },
  { trigger: all(chars(';'), hasAny('drop'), /drop[ \t]+table[ \t]+\w+[ \t]*;/i), re: /\bdrop[ \t]+table[ \t]+\w+[ \t]*;/gi, on: (m, o) => o.hit('drop-table', 'TOOL_ABUSE', 0.45, m[0]) },
  { trigger: has('push'), re: /\bgit[ \t]+push[ \t]+(?:[^\n]{0,40}[ \t])?(?:--force\b(?!-)|-f\b)/gi, on: (m, o) => o.hit('force-push', 'TOOL_ABUSE', 0.4, m[0]) },
  {
    trigger: all(any(chars(':', '='), hasAny('mkfs')), hasAny('format', 'mkfs', ':()', 'if='), /format|mkfs|:\(\)|dd[ \t]+if=/i),
    re: /\bformat[ \t]+c:|\bmkfs(?:\.\w+)?\b|:\(\)[ \t]*\{[ \t]*:\|:&[ \t]*\};:|\bdd[ \t]+if=\/dev\/(?:zero|u?random)/gi,
    on: (m, o) => o.hit('wipe-disk', 'TOOL_ABUSE', 0.6, m[0]),
  },
  {
    trigger: all(
      chars('<', '['),
      hasAny('<|', 'system>', 'assistant>', 'user>', 'instruction>', 'instructions>', 'sys>', 'inst]', 'sys]'),
      /<\||<\/?(?:system|assistant|user|instructions?|sys)>|\[\/?(?:inst|sys)\]/i,
    ),
    re: /<\|?(?:im_start|im_end|endoftext|system|eot_id)\|?>|<\/?(?:system|assistant|user|instructions?|sys)>|\[\/?(?:inst|sys)\]/gi,
    on: (m, o) => o.hit('role-tag', 'FAKE_DELIMITER', 0.6, m[0]),
  },
  {
    trigger: all(
      lineStarts('#=-*[<'),
      hasAny('end of', 'new ', 'updated ', 'system ', 'admin'),
      /end of|new (?:system )?(?:prompt|instruction|rule)|updated (?:system )?(?:prompt|instruction|rule)|system (?:prompt|override|message|update|note|instruction)|admin/i,
    ),
    re: /^[ \t]*(?:#{2,}|={2,}|-{3,}|\*{2,}|\[|<)[ \t]*(?:end of (?:the )?(?:document|context|input|user input|text|data|file|email)|(?:new|updated) (?:system )?(?:prompt|instructions?|rules)|system (?:prompt|override|message|update|note|instructions?)|admin(?:istrator)? (?:override|message|note))/gim,
    on: (m, o) => o.hit('fake-delimiter', 'FAKE_DELIMITER', 0.7, m[0]),
  },
  {
    trigger: all(
      chars(':'),
      lineStarts('sadorSADOR'),
      hasAny('system', 'admin', 'developer', 'operator', 'root'),
      /^[ \t]*(?:system|admin|administrator|developer|operator|root)[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*:/im,
    ),
    re: /^[ \t]*(?:system|admin|administrator|developer|operator|root)[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*:/gim,
    on: (m, o) => o.hit('role-colon', 'FAKE_DELIMITER', 0.45, m[0]),
  },
];

/** The probe every scan reuses (made after the patterns, once every word needle is registered). */
let PROBE: Probe | null = null;

export interface StructureScan {
  carriers: Carrier[];
  hits: StructuralHit[];
}

const MAX_CARRIERS = 64;

/**
 * Scans the raw text: each pattern whose trigger the text contains runs once over it. `lower`: `raw.toLowerCase()`, when
 * the caller has it; `lowerFound`: for each of `wordTriggerNeedles()`, 1 when `lower` holds it and 0 when not, when the
 * caller's own pass over `lower` found that (the word triggers then make no pass of their own).
 */
export function scanStructure(raw: string, lower: string | null = null, lowerFound: Uint8Array | null = null): StructureScan {
  const carriers: Carrier[] = [];
  const hits: StructuralHit[] = [];
  const out: Collector = {
    hit(id, family, weight, match, request) {
      if (!hits.some((h) => h.id === id && h.weight >= weight && (request === undefined || h.runRequest !== undefined)))
        hits.push({ id, family, weight, ...(request !== undefined ? { runRequest: request } : {}), match: match.slice(0, 200) });
    },
    carrier(kind, match, body, invisible = false) {
      if (body && carriers.length < MAX_CARRIERS) carriers.push({ kind, match, body, invisible });
    },
  };
  const probe = (PROBE ??= new Probe()).reset(raw, lower, lowerFound);
  for (const p of PATTERNS) {
    if (!p.trigger(probe)) continue;
    p.re.lastIndex = 0;
    for (let m = p.re.exec(raw); m !== null; m = p.re.exec(raw)) {
      if (m[0].length === 0) p.re.lastIndex++;
      else p.on(m, out);
    }
  }
  const code = codeRisk(probe);
  if (code) out.hit(code.id, 'TOOL_ABUSE', code.weight, code.match);
  return { carriers, hits };
}

const NET = /\b(?:requests\.(?:get|post|put)|urllib|urlopen|http\.client|fetch\(|axios|XMLHttpRequest|socket\.(?:socket|connect)|smtplib|ftplib|paramiko|Invoke-WebRequest|net\.connect)/i;
const SENSITIVE =
  /\b(?:os\.environ|getenv|process\.env|\.ssh|authorized_keys|id_rsa|document\.cookie|clipboard|pynput|keylog\w*|\/etc\/passwd|\/etc\/shadow|getpass|\.aws\/|Login Data|ImageGrab|screenshot|VideoCapture|webcam|ransom|wallet)\b/i;
const DESTRUCTIVE = /(?:shutil\.rmtree|os\.remove|os\.unlink|os\.fork\(\)|crontab|HKEY_|reg\s+add|schtasks|chmod\s+777)/i;

const CODE_WORDS = hasAny('import ', 'def ', 'function ');

/** Code in a text that reaches the network with secrets, or destroys and persists: what an injected snippet does. */
function codeRisk(p: Probe): { id: string; weight: number; match: string } | null {
  const raw = p.raw;
  const looksLikeCode = (p.ch('(') && raw.includes('require(')) || (p.ch('`') && raw.includes('```')) || (p.ch('<') && raw.includes('<script')) || (p.ch('#') && raw.includes('#include'));
  // The lower-cased words first (answered by the word needles' one pass): the raw text holds a keyword only if they do.
  if (!(looksLikeCode || (CODE_WORDS(p) && (raw.includes('import ') || raw.includes('def ') || raw.includes('function '))))) return null;
  const net = NET.exec(raw);
  const sensitive = SENSITIVE.exec(raw);
  if (net && sensitive) return { id: 'code-exfiltrates', weight: 0.75, match: `${net[0]} … ${sensitive[0]}` };
  const destructive = DESTRUCTIVE.exec(raw);
  if (destructive) return { id: 'code-destructive', weight: 0.5, match: destructive[0] };
  if (sensitive) return { id: 'code-sensitive', weight: 0.35, match: sensitive[0] };
  return null;
}
