import { CONDITION_KEYS, compilePattern, type RoutingCondition } from './routing-condition.schemas';

/**
 * The pure routing core: which model serves a request, and why. Plain functions over plain data, no
 * database: `RoutingService` feeds it the cached, precompiled rules.
 */

/** A routing rule as the core sees it; the `RoutingRule` entity satisfies this shape. */
export interface RoutingRuleData {
  id?: string;
  name: string;
  /** Lower is tried first; ties are broken by name. */
  priority: number;
  /** Disabled rules are skipped. */
  enabled: boolean;
  /** Every key present must hold; `{}` matches every request. */
  condition: RoutingCondition;
  targetModelId: string;
  /** Tried in order when the target fails with a retryable error. */
  fallbackModelIds: string[];
}

/** What routing knows about a request. */
export interface RouteRequest {
  /** Input tokens of the whole assembled prompt. */
  inputTokens: number;
  /** The prompt's name. */
  prompt: string;
  /** The label the prompt version was served through, or null (explicit version). */
  label: string | null;
  /** The user's new message ('' when none); `inputMatches`, `keywordsAny`, `hasCode` and the complexity score look at it. */
  input: string;
  /** Messages in the conversation history (the new input not counted). */
  messageCount: number;
  tags: string[];
  /** A precomputed complexity score (0..1); computed from `input` when absent. */
  complexity?: number;
}

/** Where a request goes when no rule matches. */
export interface RouteFallback {
  /** The prompt version's `modelId`, if it names one. */
  promptModelId?: string | null;
  /** The configured `DEFAULT_MODEL_ID`. */
  defaultModelId: string;
}

/** The outcome of routing one request. */
export interface RouteDecisionData<R extends RoutingRuleData = RoutingRuleData> {
  modelId: string;
  /** Models to try, in order, if `modelId` fails with a retryable error (never contains `modelId`). */
  fallbackModelIds: string[];
  /** The rule that matched, or null when the prompt version's or the default model serves. */
  rule: R | null;
  /** For people: e.g. `rule "long-inputs" (priority 10): inputTokens 5234 >= minInputTokens 4000`. */
  reason: string;
  inputTokens: number;
  /** The complexity score used (0..1). */
  complexity: number;
}

/** The facts about a request that conditions test, computed at most once per request. */
interface RouteFacts {
  readonly req: RouteRequest;
  readonly complexity: number;
  hasCode(): boolean;
}

type Check = (facts: RouteFacts) => string | null;

/**
 * A rule with its condition turned into checks (regexes compiled) once per cache load, so the hot
 * path only runs them.
 */
export interface CompiledRule<R extends RoutingRuleData = RoutingRuleData> {
  readonly rule: R;
  /** One check per condition key, in evaluation order; each returns its reason fragment or null. */
  readonly checks: readonly Check[];
}

const quote = (s: string): string => JSON.stringify(s);
const fmt = (n: number): string => String(Math.round(n * 1000) / 1000);

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function check(condition: RoutingCondition, key: (typeof CONDITION_KEYS)[number]): Check | null {
  switch (key) {
    case 'prompts': {
      const set = condition.prompts && new Set(condition.prompts);
      return set ? ({ req }) => (set.has(req.prompt) ? `prompt ${quote(req.prompt)} in prompts` : null) : null;
    }
    case 'labels': {
      const set = condition.labels && new Set(condition.labels);
      return set ? ({ req }) => (req.label !== null && set.has(req.label) ? `label ${quote(req.label)} in labels` : null) : null;
    }
    case 'tagsAny': {
      const set = condition.tagsAny && new Set(condition.tagsAny);
      return set
        ? ({ req }) => {
            const tag = req.tags.find((t) => set.has(t));
            return tag !== undefined ? `tag ${quote(tag)} in tagsAny` : null;
          }
        : null;
    }
    case 'minInputTokens': {
      const min = condition.minInputTokens;
      return min === undefined ? null : ({ req }) => (req.inputTokens >= min ? `inputTokens ${req.inputTokens} >= minInputTokens ${min}` : null);
    }
    case 'maxInputTokens': {
      const max = condition.maxInputTokens;
      return max === undefined ? null : ({ req }) => (req.inputTokens <= max ? `inputTokens ${req.inputTokens} <= maxInputTokens ${max}` : null);
    }
    case 'minMessages': {
      const min = condition.minMessages;
      return min === undefined ? null : ({ req }) => (req.messageCount >= min ? `messages ${req.messageCount} >= minMessages ${min}` : null);
    }
    case 'hasCode': {
      const want = condition.hasCode;
      if (want === undefined) return null;
      return (f) => (f.hasCode() === want ? (want ? 'input has code' : 'input has no code') : null);
    }
    case 'keywordsAny': {
      if (!condition.keywordsAny) return null;
      // One regex per rule: whole words or phrases, any case, any run of whitespace inside a phrase.
      const alternatives = condition.keywordsAny.map((k) => escapeRegExp(k.trim()).replace(/\s+/g, '\\s+'));
      const re = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'iu');
      return ({ req }) => {
        const m = re.exec(req.input);
        return m ? `input contains keyword ${quote(m[0])}` : null;
      };
    }
    case 'inputMatches': {
      if (condition.inputMatches === undefined) return null;
      const re = compilePattern(condition.inputMatches);
      const shown = condition.inputMatches.startsWith('/') ? condition.inputMatches : `/${condition.inputMatches}/`;
      return ({ req }) => (re.test(req.input) ? `input matches ${shown}` : null);
    }
    case 'minComplexity': {
      const min = condition.minComplexity;
      return min === undefined ? null : ({ complexity }) => (complexity >= min ? `complexity ${fmt(complexity)} >= minComplexity ${min}` : null);
    }
    case 'maxComplexity': {
      const max = condition.maxComplexity;
      return max === undefined ? null : ({ complexity }) => (complexity <= max ? `complexity ${fmt(complexity)} <= maxComplexity ${max}` : null);
    }
  }
}

/**
 * Compiles a rule's condition into checks. The condition must have passed `routingConditionSchema`
 * (an invalid regex throws here).
 */
export function compileRule<R extends RoutingRuleData>(rule: R): CompiledRule<R> {
  const checks: Check[] = [];
  for (const key of CONDITION_KEYS) {
    const c = check(rule.condition ?? {}, key);
    if (c) checks.push(c);
  }
  return { rule, checks };
}

/** Compiles rules and orders them as routing tries them: enabled only, ascending priority, then name. */
export function compileRules<R extends RoutingRuleData>(rules: readonly R[]): CompiledRule<R>[] {
  return sortRules(rules.filter((r) => r.enabled).map((r) => compileRule(r)));
}

function isCompiled<R extends RoutingRuleData>(r: R | CompiledRule<R>): r is CompiledRule<R> {
  return 'checks' in r && 'rule' in r;
}

function sortRules<R extends RoutingRuleData>(rules: CompiledRule<R>[]): CompiledRule<R>[] {
  return rules.sort((a, b) => a.rule.priority - b.rule.priority || (a.rule.name < b.rule.name ? -1 : a.rule.name > b.rule.name ? 1 : 0));
}

/**
 * Picks the model for a request. Rules (raw or precompiled) are tried by ascending priority, ties by
 * name, disabled ones skipped; the first whose every condition key holds wins. With no match the
 * prompt version's model serves, else the default model.
 */
export function resolveTarget<R extends RoutingRuleData>(rules: ReadonlyArray<R | CompiledRule<R>>, req: RouteRequest, fallback: RouteFallback): RouteDecisionData<R> {
  const complexity = req.complexity !== undefined ? Math.min(1, Math.max(0, req.complexity)) : complexityScore(req.input);
  let code: boolean | undefined;
  const facts: RouteFacts = { req, complexity, hasCode: () => (code ??= looksLikeCode(req.input)) };
  const ordered = sortRules(rules.map((r) => (isCompiled(r) ? r : compileRule(r))).filter((c) => c.rule.enabled));

  for (const { rule, checks } of ordered) {
    const reasons: string[] = [];
    for (const c of checks) {
      const why = c(facts);
      if (why === null) break;
      reasons.push(why);
    }
    if (reasons.length !== checks.length) continue;
    const head = `rule ${quote(rule.name)} (priority ${rule.priority}): `;
    return {
      modelId: rule.targetModelId,
      fallbackModelIds: [...new Set(rule.fallbackModelIds)].filter((m) => m !== rule.targetModelId),
      rule,
      reason: head + (reasons.length ? reasons.join(' and ') : 'empty condition matches every request'),
      inputTokens: req.inputTokens,
      complexity,
    };
  }
  const promptModel = fallback.promptModelId || null;
  return {
    modelId: promptModel ?? fallback.defaultModelId,
    fallbackModelIds: [],
    rule: null,
    reason: promptModel ? 'no rule matched; prompt version model' : 'no rule matched; default model',
    inputTokens: req.inputTokens,
    complexity,
  };
}

// ---------------------------------------------------------------------------------------------
// Heuristics over the user's input

/** Only this much of a long input is scanned for features (length itself is still counted in full). */
const SAMPLE_CHARS = 20_000;

const sample = (text: string): string => (text.length > SAMPLE_CHARS ? text.slice(0, SAMPLE_CHARS) : text);

const STRONG_CODE_LINE =
  /^\s*(?:#include\s*[<"]|(?:async\s+)?def\s+\w+\s*\(|function\s*\w*\s*\(|(?:public|private|protected|static)\s+[\w<>[\]]+\s+\w+\s*\(|import\s+[\w{}*,\s]+\s+from\s+['"]|from\s+[\w.]+\s+import\s+\w|package\s+[\w.]+;|using\s+[\w.]+;|(?:const|let|var)\s+\w+\s*=|SELECT\s+.+\s+FROM\s+\w|fn\s+\w+\s*\(|func\s+\w+\s*\()/;
const WEAK_CODE_LINE =
  /(?:[;{]\s*$|^\s*}\s*[\w;)]*\s*$|=>|===|!==|::|->\s*\w|\+\+|\w\[\w*\]\s*=|^\s*(?:return|if\s*\(|for\s*\(|while\s*\(|class\s+\w+|#!\/)|<\/?[a-z][\w-]*(?:\s[^>]*)?>|^\s*[\w.]+\([^()]*\);?\s*$)/;

/** Code evidence in a text: fenced blocks count 3, code-looking lines 2 (strong) or 1, inline `code` 1. */
function codeSignals(text: string): number {
  const s = sample(text);
  let n = 3 * Math.floor((s.match(/```/g)?.length ?? 0) / 2);
  for (const line of s.split('\n')) {
    if (STRONG_CODE_LINE.test(line)) n += 2;
    else if (WEAK_CODE_LINE.test(line)) n += 1;
  }
  n += Math.min(2, s.replace(/```[\s\S]*?```/g, '').match(/`[^`\n]+`/g)?.length ?? 0);
  return n;
}

/**
 * Whether a text contains source code: a fenced block, one unmistakable line (`def f(`, `#include`,
 * `import x from '...'`, ...), or at least two code-looking lines (ending in `;` or `{`, `=>`, tags, ...).
 */
export function looksLikeCode(text: string): boolean {
  return codeSignals(text) >= 2;
}

const WORD = /[\p{L}\p{N}]+(?:['’-][\p{L}\p{N}]+)*/gu;
const STEP_LINE = /^\s*(?:\d+[.)]|[-*•])\s+\S/gm;
const SEQUENCE_WORD = /\b(?:first(?:ly)?|second(?:ly)?|then|next|after that|afterwards|finally|lastly|step \d+)\b/gi;
const MATH =
  /\d\s*[-+*/^×÷=<>]\s*\d|\\(?:frac|sum|int|sqrt|lim|partial|cdot|alpha|beta|theta|pi)\b|[∑∫√≤≥≠±π∞∂]|\b(?:equations?|integrals?|derivatives?|theorem|proofs?|prove|probability|matri(?:x|ces)|eigen\w*|logarithms?|polynomials?|solve for|variance|regression)\b/gi;
const REASONING =
  /\b(?:why|explain|analy[sz]e|analysis|compare|contrast|evaluate|assess|design|architect\w*|trade-?offs?|justify|derive|optimi[sz]e|implications?|pros and cons|critique|step[- ]by[- ]step|reason(?:ing)? about|root cause|in detail)\b/gi;

/** The weights of the complexity features; they sum to 1. */
export const COMPLEXITY_WEIGHTS = { length: 0.25, reasoning: 0.2, steps: 0.15, code: 0.15, math: 0.1, rareWords: 0.1, questions: 0.05 } as const;

const clamp01 = (x: number): number => (x <= 0 ? 0 : x >= 1 ? 1 : x);

/**
 * How demanding a request looks, 0 (trivial) .. 1 (hard), from its text alone. A cheap, deterministic
 * heuristic (no model call) meant for routing thresholds, not for truth. It is a weighted sum of
 * features, each saturating at 1 (weights in {@link COMPLEXITY_WEIGHTS}):
 * - length: ln(1 + words) / ln(1 + 1500), so ~1500 words saturate;
 * - reasoning: "why", "explain", "compare", "trade-offs", "design", "derive"... (4 hits saturate);
 * - steps: numbered or bulleted lines and sequence words "first", "then", "finally" (6 saturate);
 * - code: fenced blocks and code-looking lines (see {@link looksLikeCode}; 6 points saturate);
 * - math: arithmetic between numbers, LaTeX commands, math symbols and words ("integral", "prove"; 4 saturate);
 * - rare words: share of words with 10+ letters (20% saturates);
 * - questions: question marks (4 saturate).
 * Only the first 20,000 characters are scanned for features; the word count is extrapolated to the
 * whole text. The result is rounded to 3 decimals.
 */
export function complexityScore(text: string): number {
  if (!text) return 0;
  const s = sample(text);
  const words = s.match(WORD) ?? [];
  const wordCount = words.length * (text.length / s.length);
  const long = words.filter((w) => w.length >= 10).length;
  const steps = (s.match(STEP_LINE)?.length ?? 0) + (s.match(SEQUENCE_WORD)?.length ?? 0);
  const features = {
    length: clamp01(Math.log1p(wordCount) / Math.log1p(1500)),
    reasoning: clamp01((s.match(REASONING)?.length ?? 0) / 4),
    steps: clamp01(steps / 6),
    code: clamp01(codeSignals(s) / 6),
    math: clamp01((s.match(MATH)?.length ?? 0) / 4),
    rareWords: words.length ? clamp01(long / words.length / 0.2) : 0,
    questions: clamp01((s.match(/\?/g)?.length ?? 0) / 4),
  };
  let score = 0;
  for (const k of Object.keys(COMPLEXITY_WEIGHTS) as Array<keyof typeof COMPLEXITY_WEIGHTS>) score += COMPLEXITY_WEIGHTS[k] * features[k];
  return Math.round(clamp01(score) * 1000) / 1000;
}
