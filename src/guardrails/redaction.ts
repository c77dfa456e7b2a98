import type { Finding } from './engine/guardrail-engine.types';

/**
 * What a policy anonymized or blocked, so that nothing downstream (trace, logs, analytics) keeps it
 * in clear: the raw values found, each with the placeholder that stands for it.
 */
export class ProtectedValues {
  private readonly values = new Map<string, string>();

  /** Records the entity values of findings that anonymize or block (PII and filtered words). */
  addFindings(findings: readonly (Pick<Finding, 'kind' | 'name' | 'action'> & { match?: string | null })[]): void {
    for (const f of findings) {
      if (typeof f.match !== 'string' || f.match.length < 2) continue;
      if (f.kind === 'PII' && (f.action === 'ANONYMIZED' || f.action === 'BLOCKED')) this.values.set(f.match, `{${f.name}}`);
      else if (f.kind === 'WORD') this.values.set(f.match, '{WORD}');
    }
  }

  get size(): number {
    return this.values.size;
  }

  /** The text with every protected value replaced by its placeholder (longest values first). */
  scrubText(text: string): string {
    if (this.values.size === 0 || text.length === 0) return text;
    let out = text;
    for (const [raw, placeholder] of [...this.values.entries()].sort((a, b) => b[0].length - a[0].length)) {
      if (out.includes(raw)) out = out.split(raw).join(placeholder);
    }
    return out;
  }

  /** A deep copy of a JSON-like value with every string scrubbed. */
  scrub<T>(value: T): T {
    if (this.values.size === 0) return value;
    return this.walk(value) as T;
  }

  private walk(v: unknown): unknown {
    if (typeof v === 'string') return this.scrubText(v);
    if (Array.isArray(v)) return v.map((x) => this.walk(x));
    if (v instanceof Date || v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = this.walk(x);
    return out;
  }
}

/**
 * A finding as it may be stored or shown: kind, name, action, offsets and score; the matched text
 * only in masked form (`{EMAIL}` for an entity, `{WORD}` for a filtered word). Injection, topic and
 * content findings keep their (non-personal) match, scrubbed of protected values.
 */
export function maskFinding<F extends Pick<Finding, 'kind' | 'name'> & { match?: string | null }>(f: F, protectedValues?: ProtectedValues): F {
  if (f.kind === 'PII') return { ...f, match: `{${f.name}}` };
  if (f.kind === 'WORD') return { ...f, match: '{WORD}' };
  return typeof f.match !== 'string' || !protectedValues ? { ...f } : { ...f, match: protectedValues.scrubText(f.match) };
}
