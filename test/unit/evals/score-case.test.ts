import { parseEvalCases } from '../../../src/evals/eval-case.schemas';
import { scoreCase, type ScoringDeps } from '../../../src/evals/assertions/score-case';
import { BadUserInputError } from '../../../src/graphql/errors';

const deps = (judge: ScoringDeps['judge'] = async () => ({ ok: true, score: 0.9, reason: 'names Paris' }), sim = 0.9): ScoringDeps => ({
  judge,
  similarity: async () => sim,
});

function caseOf(assertions: unknown[], extra: Record<string, unknown> = {}) {
  return parseEvalCases([{ assertions, expected: 'Paris', ...extra }], 'input.cases', { rubric: 'names the capital' })[0]!;
}

const outcome = (output: string | null, over: Partial<{ costUsd: number; latencyMs: number; error: string }> = {}) => ({
  output,
  error: over.error ?? (output === null ? 'PROVIDER_ERROR: boom' : null),
  costUsd: over.costUsd ?? 0.001,
  latencyMs: over.latencyMs ?? 100,
});

/** Each base type with an output that passes and one that fails it. */
const CASES: Array<[Record<string, unknown>, string, string]> = [
  [{ type: 'equals', value: 'Paris' }, ' Paris\n', 'Lyon'],
  [{ type: 'contains', value: 'Par' }, 'In Paris', 'Lyon'],
  [{ type: 'icontains', value: 'PARIS' }, 'paris', 'Lyon'],
  [{ type: 'regex', value: '^pa', flags: 'i' }, 'Paris', 'Lyon'],
  [{ type: 'starts-with', value: 'Pa' }, 'Paris', 'Lyon'],
  [{ type: 'is-json' }, '{"a":1}', '{a:1}'],
  [{ type: 'json-schema', value: { type: 'object', required: ['city'], properties: { city: { type: 'string' } } } }, '{"city":"Paris"}', '{"city":4}'],
  [{ type: 'max-length', value: 5 }, 'Paris', 'Paris!'],
  [{ type: 'cost-below', value: 0.01 }, 'x', 'y'],
  [{ type: 'latency-below', value: 500 }, 'x', 'y'],
  [{ type: 'llm-rubric' }, 'Paris', 'Lyon'],
  [{ type: 'similar', threshold: 0.8 }, 'Paris', 'Lyon'],
];

function depsFor(type: string, passing: boolean): ScoringDeps {
  if (type === 'llm-rubric') return deps(async () => ({ ok: true, score: passing ? 0.9 : 0.1, reason: 'graded' }));
  if (type === 'similar') return deps(undefined, passing ? 0.95 : 0.2);
  return deps();
}

describe('assertion engine', () => {
  it.each(CASES)('%j passes and fails, and its not- negation does the opposite', async (a, good, bad) => {
    const type = a.type as string;
    const slow = type === 'cost-below' ? { costUsd: 0.5 } : type === 'latency-below' ? { latencyMs: 900 } : {};
    const pos = caseOf([a]);
    const neg = caseOf([{ ...a, type: `not-${type}` }]);
    const okPos = await scoreCase(pos, outcome(good), 'rubric', depsFor(type, true));
    const badPos = await scoreCase(pos, outcome(bad, slow), 'rubric', depsFor(type, false));
    expect(okPos.passed).toBe(true);
    expect(badPos.passed).toBe(false);
    expect(badPos.scores[0]!.reason).toBeTruthy();
    const okNeg = await scoreCase(neg, outcome(good), 'rubric', depsFor(type, true));
    const badNeg = await scoreCase(neg, outcome(bad, slow), 'rubric', depsFor(type, false));
    expect(okNeg.passed).toBe(false);
    expect(okNeg.scores[0]!.type).toBe(`not-${type}`);
    expect(badNeg.passed).toBe(true);
    expect(okNeg.score).toBeCloseTo(1 - okPos.score, 6);
  });

  it('weighs the case score and passes on a case threshold when one is set', async () => {
    const c = caseOf([
      { type: 'contains', value: 'Paris', weight: 3 },
      { type: 'contains', value: 'France', weight: 1 },
    ]);
    const r = await scoreCase(c, outcome('Paris'), null, deps());
    expect(r.score).toBeCloseTo(0.75, 6);
    expect(r.passed).toBe(false);
    const lenient = caseOf(
      [
        { type: 'contains', value: 'Paris', weight: 3 },
        { type: 'contains', value: 'France', weight: 1 },
      ],
      { threshold: 0.7 },
    );
    expect((await scoreCase(lenient, outcome('Paris'), null, deps())).passed).toBe(true);
  });

  it('records a judge error as a failed assertion, negated or not, never a silent pass', async () => {
    const judge: ScoringDeps['judge'] = async () => ({ ok: false, error: 'the judge answer cannot be parsed' });
    for (const type of ['llm-rubric', 'not-llm-rubric']) {
      const r = await scoreCase(caseOf([{ type }]), outcome('Paris'), 'rubric', deps(judge));
      expect(r.passed).toBe(false);
      expect(r.scores[0]).toMatchObject({ passed: false, score: 0, error: expect.stringContaining('cannot be parsed') });
      expect(r.judgeScore).toBeNull();
      expect(r.judgeReason).toContain('judge error');
    }
  });

  it('scores 0 on every assertion when the generation failed', async () => {
    const r = await scoreCase(caseOf([{ type: 'not-contains', value: 'x' }]), outcome(null), null, deps());
    expect(r).toMatchObject({ score: 0, passed: false });
    expect(r.scores[0]!.reason).toContain('PROVIDER_ERROR');
  });

  it('refuses on write a JSON Schema ajv cannot compile, and a negated similar without expected', () => {
    const refuse = (cases: unknown[]) => {
      try {
        parseEvalCases(cases, 'input.cases', { rubric: null });
      } catch (err) {
        expect(err).toBeInstanceOf(BadUserInputError);
        return (err as BadUserInputError).field;
      }
      throw new Error('not refused');
    };
    expect(refuse([{ assertions: [{ type: 'json-schema', value: { type: 'object', properties: { a: { minLength: 'x' } } } }] }])).toBe('input.cases.0.assertions.0.value');
    expect(refuse([{ assertions: [{ type: 'not-json-schema', value: { notAKeyword: 1 } }] }])).toBe('input.cases.0.assertions.0.value');
    expect(refuse([{ assertions: [{ type: 'not-similar' }] }])).toBe('input.cases.0.expected');
    expect(refuse([{ assertions: [{ type: 'not-sounds-good' }] }])).toBe('input.cases.0.assertions.0.type');
  });
});
