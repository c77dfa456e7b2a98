/**
 * Structural evidence found in the raw text, in one pass of one combined pattern: places a human
 * reader does not see (HTML/markdown comments, hidden or white HTML, alt/title text, front matter and
 * metadata fields, footnotes, bracketed notes, postscripts, zero-width runs), URLs that would carry
 * data out when rendered or fetched, shell and database commands that destroy or install, and fake
 * role delimiters. What a carrier *holds* is judged by the caller (an instruction to the model in a
 * carrier is an attack; "TODO: replace screenshot" is not).
 */

export type CarrierKind =
  | 'comment'
  | 'hidden-html'
  | 'alt-text'
  | 'front-matter'
  | 'metadata'
  | 'footnote'
  | 'bracket-note'
  | 'postscript'
  | 'zero-width'
  | 'code-comment';

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
  match: string;
}

const HIDDEN_STYLE = String.raw`(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0|opacity\s*:\s*0(?![.\d]*[1-9])|color\s*[:=]\s*["']?\s*(?:#f{3}\b|#f{6}\b|white\b|rgb\(\s*255\s*,\s*255\s*,\s*255\s*\))|\shidden(?=[\s>=]))`;

/** One pattern, one pass: the alternatives are named. */
const SCAN = new RegExp(
  [
    String.raw`(?<comment><!--(?<commentBody>[\s\S]{0,2000}?)-->)`,
    String.raw`(?<hidden><(?<tag>[a-z][a-z0-9]*)\b[^>]{0,300}?${HIDDEN_STYLE}[^>]{0,300}>(?<hiddenBody>[\s\S]{0,2000}?)</\k<tag>\s*>)`,
    String.raw`(?<attr>\b(?:alt|title|aria-label|content)\s*=\s*(?:"(?<attrBody>[^"<>]{12,1000})"|'(?<attrBody2>[^'<>]{12,1000})'))`,
    String.raw`(?<mdimg>!\[(?<mdAlt>[^\]\n]{0,500})\]\((?<mdUrl>[^)\s]{1,2000})(?:\s+"(?<mdTitle>[^"\n]{0,500})")?\))`,
    String.raw`(?<mdlink>(?<![!\]])\[(?<linkText>[^\]\n]{0,300})\]\((?<linkUrl>https?://[^)\s]{1,2000})\))`,
    String.raw`(?<imgsrc><img\b[^>]{0,300}?\bsrc\s*=\s*["']?(?<imgUrl>https?://[^"'\s>]{1,2000}))`,
    String.raw`(?<front>^---[ \t]*\n(?<frontBody>[\s\S]{1,2000}?)\n---[ \t]*(?:\n|$))`,
    String.raw`(?<meta>^[ \t]*[\w-]{0,30}(?:comment|description|note|notes|keywords|summary|subject|meta|remark|x-[\w-]+)[\w-]{0,30}[ \t]*:[ \t]*(?<metaBody>[^\n]{8,1000}))`,
    String.raw`(?<foot>^\[\^[\w-]{1,20}\]:[ \t]*(?<footBody>[^\n]{4,1000}))`,
    String.raw`(?<bracket>\[(?<bracketBody>[^\[\]\n]{12,1000})\](?!\())`,
    String.raw`(?<paren>\((?:hidden|invisible|secret)(?:[ \t]+(?:text|note|message|instruction))?\)[ \t]*(?<parenBody>[^\n]{3,1000}))`,
    String.raw`(?<ps>(?:^|[\n.!?][ \t]*)P\.?[ \t]?S\.?(?:[ \t]+(?:to|for|pour|para|an|per)\b[^:\n]{0,60})?[:,\s-]+(?<psBody>[^\n]{4,1000}))`,
    String.raw`(?<zw>[\u200B-\u200D\u2060\uFEFF]+(?<zwBody>[^\n\u200B-\u200D\u2060\uFEFF]{3,600}))`,
    String.raw`(?<codeComment>^[ \t]*(?:#|//|--|;)[ \t]*(?<codeBody>[^\n]{8,600}))`,
    // Commands and delimiters.
    String.raw`(?<curlsh>\b(?:curl|wget|iwr|invoke-webrequest)\b[^\n|\x60]{0,300}https?://[^\n|\x60]{0,300}\|[ \t]*(?:sudo[ \t]+)?(?:ba|z|k|da)?sh\b)`,
    String.raw`(?<rmrf>\brm[ \t]+-(?:[a-z]*r[a-z]*f|[a-z]*f[a-z]*r)[a-z]*[ \t]+(?:--no-preserve-root[ \t]*)?(?:/(?=[ \t\x60'"*\n]|$)|/\*|~|\$home\b|\*(?=[ \t\x60'"\n]|$)|--no-preserve-root))`,
    String.raw`(?<dropdb>\bdrop[ \t]+(?:database|schema)\b)`,
    String.raw`(?<forcepush>\bgit[ \t]+push[ \t]+(?:[^\n]{0,40}[ \t])?(?:--force\b|-f\b))`,
    String.raw`(?<wipe>\bformat[ \t]+c:|\bmkfs(?:\.\w+)?\b|:\(\)[ \t]*\{[ \t]*:\|:&[ \t]*\};:|\bdd[ \t]+if=/dev/(?:zero|u?random))`,
    String.raw`(?<roletag><\|?(?:im_start|im_end|endoftext|system|eot_id)\|?>|</?(?:system|assistant|user|instructions?|sys)>|\[/?(?:inst|sys)\])`,
    String.raw`(?<delim>^[ \t]*(?:#{2,}|={2,}|-{3,}|\*{2,}|\[|<)[ \t]*(?:end of (?:the )?(?:document|context|input|user input|text|data|file|email)|(?:new|updated) (?:system )?(?:prompt|instructions?|rules)|system (?:prompt|override|message|update|note|instructions?)|admin(?:istrator)? (?:override|message|note)))`,
    String.raw`(?<rolecolon>^[ \t]*(?:system|admin|administrator|developer|operator|root)[ \t]*(?:\([^)\n]{0,30}\))?[ \t]*:)`,
  ].join('|'),
  'gimu',
);

/** URL query values that carry data out: placeholders, templates, or names of what to put there. */
const EXFIL_PLACEHOLDER = /[?&#][^=\s]{0,40}=(?:[^&\s]*(?:\{|\}|%7[bBdD]|<|>|\$\(|\[[A-Za-z _]+\])|[^&\s]*\b[A-Z][A-Z0-9]*_[A-Z0-9_]{2,}\b|$)/;
const EXFIL_NAME = /[?&][^=\s]{0,20}(?:conversation|history|chat|secret|prompt|password|passwd|token|session|cookie|creds?|credential|apikey|api_key|ssn|card|msg|messages|exfil|leak)[^=\s]{0,20}=/i;
const EXFIL_QUERY = { test: (url: string): boolean => EXFIL_PLACEHOLDER.test(url) || EXFIL_NAME.test(url) };

export interface StructureScan {
  carriers: Carrier[];
  hits: StructuralHit[];
}

const MAX_CARRIERS = 64;

/** Scans the raw text once. */
export function scanStructure(raw: string): StructureScan {
  const carriers: Carrier[] = [];
  const hits: StructuralHit[] = [];
  const hit = (id: string, family: StructuralHit['family'], weight: number, match: string): void => {
    if (!hits.some((h) => h.id === id && h.weight >= weight)) hits.push({ id, family, weight, match: match.slice(0, 200) });
  };
  const carrier = (kind: CarrierKind, match: string, body: string | undefined, invisible = false): void => {
    if (body && carriers.length < MAX_CARRIERS) carriers.push({ kind, match, body, invisible });
  };
  SCAN.lastIndex = 0;
  for (let m = SCAN.exec(raw); m !== null; m = SCAN.exec(raw)) {
    if (m[0].length === 0) {
      SCAN.lastIndex++;
      continue;
    }
    const g = m.groups!;
    if (g.comment) carrier('comment', g.comment, g.commentBody);
    else if (g.hidden) {
      carrier('hidden-html', g.hidden, g.hiddenBody?.replace(/<[^>]*>/g, ' '), true);
      // Rescan inside the hidden element (it may hold an image or a link).
      SCAN.lastIndex = m.index + g.hidden.indexOf('>') + 1;
    } else if (g.attr) carrier('alt-text', g.attr, g.attrBody ?? g.attrBody2);
    else if (g.mdimg) {
      carrier('alt-text', g.mdimg, [g.mdAlt, g.mdTitle].filter(Boolean).join(' '));
      if (EXFIL_QUERY.test(g.mdUrl!)) hit('image-url-data', 'EXFILTRATION', 0.85, g.mdimg);
    } else if (g.mdlink) {
      if (EXFIL_QUERY.test(g.linkUrl!)) hit('link-url-data', 'EXFILTRATION', 0.55, g.mdlink);
    } else if (g.imgsrc) {
      if (EXFIL_QUERY.test(g.imgUrl!)) hit('image-url-data', 'EXFILTRATION', 0.85, g.imgsrc);
    } else if (g.front) carrier('front-matter', g.front, g.frontBody);
    else if (g.meta) carrier('metadata', g.meta, g.metaBody);
    else if (g.foot) carrier('footnote', g.foot, g.footBody);
    else if (g.bracket) carrier('bracket-note', g.bracket, g.bracketBody);
    else if (g.paren) carrier('bracket-note', g.paren, g.parenBody, true);
    else if (g.ps) carrier('postscript', g.ps, g.psBody);
    else if (g.zw) carrier('zero-width', g.zw, g.zwBody, true);
    else if (g.codeComment) carrier('code-comment', g.codeComment, g.codeBody);
    else if (g.curlsh) hit('pipe-to-shell', 'TOOL_ABUSE', 0.7, g.curlsh);
    else if (g.rmrf) hit('rm-rf-root', 'TOOL_ABUSE', 0.7, g.rmrf);
    else if (g.dropdb) hit('drop-database', 'TOOL_ABUSE', 0.5, g.dropdb);
    else if (g.forcepush) hit('force-push', 'TOOL_ABUSE', 0.4, g.forcepush);
    else if (g.wipe) hit('wipe-disk', 'TOOL_ABUSE', 0.6, g.wipe);
    else if (g.roletag) hit('role-tag', 'FAKE_DELIMITER', 0.6, g.roletag);
    else if (g.delim) hit('fake-delimiter', 'FAKE_DELIMITER', 0.7, g.delim);
    else if (g.rolecolon) hit('role-colon', 'FAKE_DELIMITER', 0.45, g.rolecolon);
  }
  const code = codeRisk(raw);
  if (code) hit(code.id, 'TOOL_ABUSE', code.weight, code.match);
  return { carriers, hits };
}

const NET = /\b(?:requests\.(?:get|post|put)|urllib|urlopen|http\.client|fetch\(|axios|XMLHttpRequest|socket\.(?:socket|connect)|smtplib|ftplib|paramiko|Invoke-WebRequest|net\.connect)/i;
const SENSITIVE =
  /\b(?:os\.environ|getenv|process\.env|\.ssh|authorized_keys|id_rsa|document\.cookie|clipboard|pynput|keylog\w*|\/etc\/passwd|\/etc\/shadow|getpass|\.aws\/|Login Data|ImageGrab|screenshot|VideoCapture|webcam|ransom|wallet)\b/i;
const DESTRUCTIVE = /(?:shutil\.rmtree|os\.remove|os\.unlink|os\.fork\(\)|crontab|HKEY_|reg\s+add|schtasks|chmod\s+777)/i;

/** Code in a text that reaches the network with secrets, or destroys and persists: what an injected snippet does. */
function codeRisk(raw: string): { id: string; weight: number; match: string } | null {
  if (!/import |require\(|```|<script|#include|def |function /.test(raw)) return null;
  const net = NET.exec(raw);
  const sensitive = SENSITIVE.exec(raw);
  if (net && sensitive) return { id: 'code-exfiltrates', weight: 0.75, match: `${net[0]} … ${sensitive[0]}` };
  const destructive = DESTRUCTIVE.exec(raw);
  if (destructive) return { id: 'code-destructive', weight: 0.5, match: destructive[0] };
  if (sensitive) return { id: 'code-sensitive', weight: 0.35, match: sensitive[0] };
  return null;
}
