/**
 * Makes any value storable as text and jsonb, so that no input can cost a request its trace:
 * NUL and lone UTF-16 surrogates become U+FFFD, a string longer than `maxChars` is cut with a marker
 * saying its original size, an array longer than `maxItems` keeps its first items and a marker, and
 * nesting deeper than `maxDepth` is replaced by a marker. Never throws; plain data in, plain data out.
 */
export interface SanitizeLimits {
  /** Characters a string keeps. Default 100,000. */
  maxChars: number;
  /** Elements an array keeps. Default 1,000. */
  maxItems: number;
  /** Nesting kept (PostgreSQL and the trace schema refuse very deep JSON). Default 32. */
  maxDepth: number;
}

export const DEFAULT_SANITIZE_LIMITS: SanitizeLimits = { maxChars: 100_000, maxItems: 1000, maxDepth: 32 };

/** The marker appended to a cut string. */
export function truncationMarker(originalChars: number): string {
  return `…[truncated: ${originalChars} characters in all]`;
}

/** Replaces NUL and lone surrogates with U+FFFD. */
export function wellFormed(s: string): string {
  const native = (s as unknown as { toWellFormed?: () => string }).toWellFormed;
  const fixed = typeof native === 'function' ? native.call(s) : s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  return fixed.includes('\u0000') ? fixed.replace(/\u0000/g, '\ufffd') : fixed;
}

const MARKED = /…\[truncated: \d+ characters in all\]$/;

/** Idempotent: a string cut once keeps its first marker (and the original size it names). */
export function sanitizeString(s: string, maxChars = DEFAULT_SANITIZE_LIMITS.maxChars): string {
  if (s.length <= maxChars || (s.length <= maxChars + 64 && MARKED.test(s))) return wellFormed(s);
  // Cut on a code point boundary, then mark.
  let cut = s.slice(0, maxChars);
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return wellFormed(cut) + truncationMarker(s.length);
}

/**
 * The value made storable. A value that needs no change (the usual case: a well-formed record from
 * the pipeline) is checked without copying and returned as is; otherwise a sanitized copy.
 */
export function sanitizeForStorage<T>(value: T, limits: SanitizeLimits = DEFAULT_SANITIZE_LIMITS): T {
  return isClean(value, limits, 0) ? value : (walk(value, limits, 0) as T);
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const isWellFormed = (s: string): boolean => {
  const native = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
  return typeof native === 'function' ? native.call(s) : !LONE_SURROGATE.test(s);
};
const cleanString = (s: string, max: number) => s.length <= max && !s.includes('\u0000') && isWellFormed(s);

/** True when `walk` would return an equal value: nothing to cut, replace or drop. Allocates nothing. */
function isClean(v: unknown, limits: SanitizeLimits, depth: number): boolean {
  if (typeof v === 'string') return cleanString(v, limits.maxChars);
  if (v === null || typeof v !== 'object') return typeof v !== 'number' || Number.isFinite(v);
  if (v instanceof Date) return true;
  if (depth >= limits.maxDepth) return false;
  if (Array.isArray(v)) {
    if (v.length > limits.maxItems) return false;
    for (const x of v) if (!isClean(x, limits, depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  let n = 0;
  for (const k in v) {
    if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
    const x = (v as Record<string, unknown>)[k];
    if (++n > limits.maxItems || x === undefined || !cleanString(k, 200) || !isClean(x, limits, depth + 1)) return false;
  }
  return true;
}

function walk(v: unknown, limits: SanitizeLimits, depth: number): unknown {
  if (typeof v === 'string') return sanitizeString(v, limits.maxChars);
  if (v === null || typeof v !== 'object') return typeof v === 'number' && !Number.isFinite(v) ? null : v;
  if (v instanceof Date) return v;
  if (depth >= limits.maxDepth) return `[truncated: nested deeper than ${limits.maxDepth} levels]`;
  if (Array.isArray(v)) {
    const kept = v.slice(0, limits.maxItems).map((x) => walk(x, limits, depth + 1));
    if (v.length > limits.maxItems) kept.push(`[truncated: ${v.length} elements in all]`);
    return kept;
  }
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (n++ >= limits.maxItems) {
      out['…'] = `[truncated: ${Object.keys(v as object).length} keys in all]`;
      break;
    }
    if (x !== undefined) out[sanitizeString(k, 200)] = walk(x, limits, depth + 1);
  }
  return out;
}
