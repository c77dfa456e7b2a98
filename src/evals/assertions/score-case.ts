import { baseOf, type Assertion } from '../eval-case.schemas';
import { validateJsonSchema } from './json-schema';

/** What one case's generation produced, as the assertions see it. */
export interface CaseOutcome {
  /** The output text; null when the generation failed. */
  output: string | null;
  /** Why the generation failed (GenerationFailed code and message), or null. */
  error: string | null;
  costUsd: number;
  latencyMs: number;
}

/** The judge's verdict on one output, or why it could not give one. */
export type JudgeVerdict = { ok: true; score: number; reason: string } | { ok: false; error: string };

/** The model-backed checks an assertion may need; injected so the scoring itself stays pure. */
export interface ScoringDeps {
  /** Grades `output` against `criteria` (and `expected` when present) 0..1. */
  judge(input: { output: string; criteria: string; expected: string | null }): Promise<JudgeVerdict>;
  /** Cosine similarity of the two texts' embeddings, or throws. */
  similarity(a: string, b: string): Promise<number>;
}

/** The score of one assertion, stored in `EvalResult.scores`. */
export interface AssertionScore {
  type: string;
  weight: number;
  score: number;
  passed: boolean;
  /** Why it failed (or, for graded ones, what was measured). */
  reason: string | null;
  /** Set when the assertion could not be evaluated (judge error, embedding error): it never passes. */
  error?: string;
}

/** The scored case. */
export interface CaseScore {
  score: number;
  passed: boolean;
  scores: AssertionScore[];
  judgeScore: number | null;
  judgeReason: string | null;
}

interface BaseCheck {
  score: number;
  passed: boolean;
  reason: string | null;
  error?: string;
}

const pass = (reason: string | null = null): BaseCheck => ({ score: 1, passed: true, reason });
const fail = (reason: string): BaseCheck => ({ score: 0, passed: false, reason });
const check = (ok: boolean, why: string): BaseCheck => (ok ? pass() : fail(why));
const quote = (s: string, max = 80): string => JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);

function parseJson(output: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(output) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}

/**
 * Scores one base (not negated) assertion. Semantics follow promptfoo where it has the same name;
 * graded ones (`llm-rubric`, `similar`) score the measured value and pass at their threshold.
 */
async function checkBase(
  a: Assertion,
  base: ReturnType<typeof baseOf>['base'],
  output: string,
  ctx: { outcome: CaseOutcome; expected: string | null; rubric: string | null },
  deps: ScoringDeps,
): Promise<BaseCheck> {
  const v = (a as { value?: unknown }).value;
  switch (base) {
    case 'equals':
      return check(output.trim() === String(v).trim(), `output ${quote(output)} does not equal ${quote(String(v))}`);
    case 'contains':
      return check(output.includes(String(v)), `output does not contain ${quote(String(v))}`);
    case 'icontains':
      return check(output.toLowerCase().includes(String(v).toLowerCase()), `output does not contain ${quote(String(v))} (ignoring case)`);
    case 'regex': {
      const re = new RegExp(String(v), (a as { flags?: string }).flags);
      return check(re.test(output), `output does not match /${String(v)}/`);
    }
    case 'starts-with':
      return check(output.trim().startsWith(String(v)), `output does not start with ${quote(String(v))}`);
    case 'is-json': {
      const p = parseJson(output);
      return p.ok ? pass() : fail(`output is not JSON: ${p.error}`);
    }
    case 'json-schema': {
      const p = parseJson(output);
      if (!p.ok) return fail(`output is not JSON: ${p.error}`);
      const err = validateJsonSchema(v as Record<string, unknown>, p.value);
      return err ? fail(`output does not match the schema: ${err}`) : pass();
    }
    case 'max-length':
      return check(output.length <= Number(v), `output is ${output.length} characters, more than ${Number(v)}`);
    case 'cost-below':
      return check(ctx.outcome.costUsd < Number(v), `cost ${ctx.outcome.costUsd} USD is not below ${Number(v)}`);
    case 'latency-below':
      return check(ctx.outcome.latencyMs < Number(v), `latency ${Math.round(ctx.outcome.latencyMs)} ms is not below ${Number(v)}`);
    case 'llm-rubric': {
      const threshold = (a as { threshold: number }).threshold;
      const criteria = [ctx.rubric, v as string | undefined].filter((x): x is string => Boolean(x)).join('\n');
      const verdict = await deps.judge({ output, criteria, expected: ctx.expected });
      if (!verdict.ok) return { score: 0, passed: false, reason: null, error: `judge error: ${verdict.error}` };
      return { score: verdict.score, passed: verdict.score >= threshold, reason: verdict.reason };
    }
    case 'similar': {
      const threshold = (a as { threshold: number }).threshold;
      if (ctx.expected === null) return { score: 0, passed: false, reason: null, error: "similar needs the case's expected" };
      let cos: number;
      try {
        cos = await deps.similarity(output, ctx.expected);
      } catch (err) {
        return { score: 0, passed: false, reason: null, error: `embedding error: ${(err as Error).message}` };
      }
      const score = Math.max(0, Math.min(1, cos));
      return { score, passed: cos >= threshold, reason: `cosine similarity ${cos.toFixed(3)} (threshold ${threshold})` };
    }
  }
}

/**
 * Scores one case: every assertion (a `not-` prefix negates it: it passes when the base assertion
 * fails, scoring 1 - the base score; an assertion that could not be evaluated fails either way), the
 * weighted mean as the case's score, and the pass rule: with `threshold`, score at least threshold;
 * without, every assertion passed. A failed generation scores 0 on every assertion.
 */
export async function scoreCase(c: { assertions: Assertion[]; expected: string | null; threshold: number | null }, outcome: CaseOutcome, rubric: string | null, deps: ScoringDeps): Promise<CaseScore> {
  const scores: AssertionScore[] = [];
  let judgeScore: number | null = null;
  let judgeReason: string | null = null;
  for (const a of c.assertions) {
    const { base, negated } = baseOf(a.type);
    if (outcome.output === null) {
      scores.push({ type: a.type, weight: a.weight, score: 0, passed: false, reason: `generation failed: ${outcome.error ?? 'no output'}` });
      continue;
    }
    const r = await checkBase(a, base, outcome.output, { outcome, expected: c.expected, rubric }, deps);
    if (base === 'llm-rubric' && judgeScore === null) {
      judgeScore = r.error ? null : r.score;
      judgeReason = r.error ?? r.reason;
    }
    if (r.error) {
      scores.push({ type: a.type, weight: a.weight, score: 0, passed: false, reason: r.error, error: r.error });
    } else if (negated) {
      scores.push({ type: a.type, weight: a.weight, score: 1 - r.score, passed: !r.passed, reason: r.passed ? `negated: ${r.reason ?? `the ${base} assertion passed`}` : null });
    } else {
      scores.push({ type: a.type, weight: a.weight, score: r.score, passed: r.passed, reason: r.passed ? (base === 'llm-rubric' || base === 'similar' ? r.reason : null) : r.reason });
    }
  }
  const totalWeight = scores.reduce((s, x) => s + x.weight, 0);
  const score = totalWeight > 0 ? scores.reduce((s, x) => s + x.weight * x.score, 0) / totalWeight : 0;
  const generated = outcome.output !== null;
  const passed = generated && (c.threshold !== null ? score >= c.threshold : scores.every((x) => x.passed));
  return { score, passed, scores, judgeScore, judgeReason };
}
