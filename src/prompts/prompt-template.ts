import { BadUserInputError } from '../graphql/errors';

/**
 * Prompt templates, pure. A slot is `{{name}}` (spaces inside the braces allowed: `{{ name }}`),
 * where name is an identifier: a letter or `_`, then letters, digits or `_`. `\{{` is a literal
 * `{{` (for prompts that show template syntax or JSON). Anything else between `{{` and `}}`, or a
 * `{{` never closed, is a malformed slot.
 */

/** One piece of a parsed template: literal text or a variable slot. */
export type TemplatePart = { text: string } | { slot: string };

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_SLOT_NAME = 100;

/** Shows a slot as written, shortened, for error messages. */
function quote(s: string): string {
  return JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);
}

/**
 * Splits a template into literal text and slots. Throws BadUserInputError naming `field` (e.g.
 * `input.messages.1.content`) for a malformed or unclosed slot.
 */
export function parseTemplate(template: string, field = 'template'): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const open = template.indexOf('{{', i);
    if (open < 0) {
      text += template.slice(i);
      break;
    }
    if (open > 0 && template[open - 1] === '\\') {
      // `\{{` is a literal `{{`: drop the backslash, keep the braces, and do not read a slot.
      text += template.slice(i, open - 1) + '{{';
      i = open + 2;
      continue;
    }
    text += template.slice(i, open);
    const close = template.indexOf('}}', open + 2);
    if (close < 0) {
      throw new BadUserInputError(field, `unclosed slot ${quote(template.slice(open, open + 40))}: write {{name}}, or \\{{ for literal braces`);
    }
    const inner = template.slice(open + 2, close).trim();
    if (!IDENT.test(inner) || inner.length > MAX_SLOT_NAME) {
      throw new BadUserInputError(field, `malformed slot ${quote(template.slice(open, close + 2))}: a slot is {{name}} with a name of letters, digits and _ (not starting with a digit)`);
    }
    if (text) parts.push({ text });
    text = '';
    parts.push({ slot: inner });
    i = close + 2;
  }
  if (text) parts.push({ text });
  return parts;
}

/** The distinct slot names of several templates, in order of first appearance. */
export function findVariables(templates: ReadonlyArray<{ template: string | null | undefined; field: string }>): string[] {
  const seen = new Set<string>();
  for (const { template, field } of templates) {
    if (!template) continue;
    for (const p of parseTemplate(template, field)) if ('slot' in p) seen.add(p.slot);
  }
  return [...seen];
}

/**
 * Checks the caller's variables: an object (or nothing) whose values are strings. Returns it as a
 * plain record. Field paths are `input.variables` / `input.variables.<name>`.
 */
export function checkVariables(vars: unknown): Record<string, string> {
  if (vars === null || vars === undefined) return {};
  if (typeof vars !== 'object' || Array.isArray(vars)) throw new BadUserInputError('input.variables', 'must be an object of strings');
  for (const [name, value] of Object.entries(vars)) {
    if (typeof value !== 'string') throw new BadUserInputError(`input.variables.${name}`, `must be a string, got ${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`);
  }
  return vars as Record<string, string>;
}

/**
 * Fills every slot with its variable, in one pass: a value that itself contains `{{x}}` is inserted
 * as is, never expanded again (user-supplied values cannot reach other variables). A missing
 * variable is BadUserInputError(`input.variables.<name>`, 'missing'); a value that is not a string
 * is refused the same way.
 */
export function renderTemplate(template: string, vars: Record<string, string>): string {
  let out = '';
  for (const p of parseTemplate(template)) {
    if ('text' in p) {
      out += p.text;
      continue;
    }
    if (!Object.prototype.hasOwnProperty.call(vars, p.slot)) throw new BadUserInputError(`input.variables.${p.slot}`, 'missing');
    const value: unknown = vars[p.slot];
    if (typeof value !== 'string') throw new BadUserInputError(`input.variables.${p.slot}`, 'must be a string');
    out += value;
  }
  return out;
}

/** A message of a prompt version: USER or ASSISTANT, content may hold slots. */
export interface TemplateMessage {
  role: 'USER' | 'ASSISTANT';
  content: string;
}

/** What `renderVersion` needs of a version. */
export interface RenderableVersion {
  system: string | null;
  messages: readonly TemplateMessage[];
}

/** A version with its slots filled. */
export interface RenderedVersion {
  system: string | null;
  messages: TemplateMessage[];
}

/**
 * Renders a version's system prompt and messages with the caller's variables (an object of
 * strings; variables the version does not use are ignored).
 */
export function renderVersion(version: RenderableVersion, variables: unknown): RenderedVersion {
  const vars = checkVariables(variables);
  return {
    system: version.system === null ? null : renderTemplate(version.system, vars),
    messages: version.messages.map((m) => ({ role: m.role, content: renderTemplate(m.content, vars) })),
  };
}
