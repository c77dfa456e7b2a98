import { BadUserInputError } from '../../../src/graphql/errors';
import { parseEvalCases } from '../../../src/evals/eval-case.schemas';

function refusal(cases: unknown, rubric: string | null = null): { field: string; message: string } {
  try {
    parseEvalCases(cases, 'input.cases', { rubric });
  } catch (err) {
    expect(err).toBeInstanceOf(BadUserInputError);
    return { field: (err as BadUserInputError).field, message: (err as Error).message };
  }
  throw new Error('expected the cases to be refused');
}

const ok = { type: 'contains', value: 'Paris' };

describe('eval case schemas', () => {
  it('accepts every assertion type and fills weight and threshold defaults', () => {
    const [c] = parseEvalCases(
      [
        {
          variables: { city: 'Paris' },
          messages: [
            { role: 'user', content: 'hi' },
            { role: 'ASSISTANT', content: 'hello' },
          ],
          input: 'What is the capital of France?',
          context: [{ id: 'c1', text: 'Paris is the capital.', score: 0.9, source: 'wiki' }],
          expected: 'Paris',
          tags: ['geo', 'geo'],
          assertions: [
            { type: 'equals', value: 'Paris' },
            { type: 'contains', value: 'Par', weight: 2 },
            { type: 'icontains', value: 'paris' },
            { type: 'not-contains', value: 'London' },
            { type: 'regex', value: '^paris$', flags: 'i' },
            { type: 'starts-with', value: 'Pa' },
            { type: 'is-json', weight: 0 },
            { type: 'json-schema', value: { type: 'object', required: ['city'] } },
            { type: 'max-length', value: 100 },
            { type: 'llm-rubric', value: 'names the capital', threshold: 0.7 },
            { type: 'similar' },
            { type: 'cost-below', value: 0.01 },
            { type: 'latency-below', value: 2000 },
          ],
        },
      ],
      'input.cases',
      { rubric: null },
    );
    expect(c!.messages).toEqual([
      { role: 'USER', content: 'hi' },
      { role: 'ASSISTANT', content: 'hello' },
    ]);
    expect(c!.tags).toEqual(['geo']);
    expect(c!.assertions[0]).toEqual({ type: 'equals', value: 'Paris', weight: 1 });
    expect(c!.assertions[1]!.weight).toBe(2);
    expect(c!.assertions[9]).toEqual({ type: 'llm-rubric', value: 'names the capital', threshold: 0.7, weight: 1 });
    expect(c!.assertions[10]).toEqual({ type: 'similar', threshold: 0.8, weight: 1 });
  });

  it('fills empty defaults for the optional fields', () => {
    const [c] = parseEvalCases([{ assertions: [ok] }], 'input.cases', { rubric: null });
    expect(c).toEqual({ variables: {}, messages: [], input: null, context: [], expected: null, assertions: [{ ...ok, weight: 1 }], tags: [], threshold: null });
  });

  it.each([
    [[{ assertions: [{ type: 'contains' }] }], 'input.cases.0.assertions.0.value'],
    [[{ assertions: [ok, { type: 'contains', value: '' }] }], 'input.cases.0.assertions.1.value'],
    [[{ assertions: [ok, { type: 'equals', value: 3 }] }], 'input.cases.0.assertions.1.value'],
    [[{ assertions: [ok, { type: 'regex', value: '(unclosed' }] }], 'input.cases.0.assertions.1.value'],
    [[{ assertions: [{ type: 'regex', value: 'a', flags: 'g' }] }], 'input.cases.0.assertions.0.flags'],
    [[{ assertions: [{ type: 'is-json', value: true }] }], 'input.cases.0.assertions.0'],
    [[{ assertions: [{ type: 'json-schema', value: 'object' }] }], 'input.cases.0.assertions.0.value'],
    [[{ assertions: [{ type: 'json-schema', value: { type: 5 } }] }], 'input.cases.0.assertions.0.value.type'],
    [[{ assertions: [{ type: 'max-length', value: -1 }] }], 'input.cases.0.assertions.0.value'],
    [[{ assertions: [{ type: 'max-length', value: 2.5 }] }], 'input.cases.0.assertions.0.value'],
    [[{ assertions: [{ type: 'llm-rubric', value: 'x', threshold: 1.5 }] }], 'input.cases.0.assertions.0.threshold'],
    [[{ expected: 'x', assertions: [{ type: 'similar', threshold: -0.1 }] }], 'input.cases.0.assertions.0.threshold'],
    [[{ assertions: [{ type: 'cost-below', value: -1 }] }], 'input.cases.0.assertions.0.value'],
    [[{ assertions: [{ type: 'latency-below', value: '100ms' }] }], 'input.cases.0.assertions.0.value'],
    [[{ assertions: [{ ...ok, weight: -1 }] }], 'input.cases.0.assertions.0.weight'],
    [[{ assertions: [{ ...ok, colour: 'red' }] }], 'input.cases.0.assertions.0'],
    [[{ assertions: [{ type: 'sounds-good' }] }], 'input.cases.0.assertions.0.type'],
    [[{ assertions: ['contains'] }], 'input.cases.0.assertions.0'],
    [[{ assertions: [] }], 'input.cases.0.assertions'],
    [[{ assertions: [{ ...ok, weight: 0 }] }], 'input.cases.0.assertions'],
    [[{ assertions: { type: 'contains' } }], 'input.cases.0.assertions'],
    [[{}], 'input.cases.0.assertions'],
    [[{ assertions: [ok], variables: { city: 1 } }], 'input.cases.0.variables.city'],
    [[{ assertions: [ok], variables: ['Paris'] }], 'input.cases.0.variables'],
    [[{ assertions: [ok], messages: [{ role: 'system', content: 'x' }] }], 'input.cases.0.messages.0.role'],
    [[{ assertions: [ok], messages: [{ role: 'user', content: '' }] }], 'input.cases.0.messages.0.content'],
    [[{ assertions: [ok], messages: [{ role: 'user', content: 'x', name: 'bob' }] }], 'input.cases.0.messages.0'],
    [[{ assertions: [ok], context: [{ id: 'a' }] }], 'input.cases.0.context.0.text'],
    [[{ assertions: [ok], context: [{ id: 'a', text: 't', score: 2 }] }], 'input.cases.0.context.0.score'],
    [[{ assertions: [ok], tags: [''] }], 'input.cases.0.tags.0'],
    [[{ assertions: [ok], extra: 1 }], 'input.cases.0'],
    [[{ assertions: [ok] }, { assertions: [{ type: 'similar' }] }], 'input.cases.1.expected'],
    [[{ assertions: [ok, { type: 'llm-rubric' }] }], 'input.cases.0.assertions.1.value'],
    ['not a list', 'input.cases'],
  ])('refuses %j naming %s', (cases, field) => {
    const r = refusal(cases);
    expect(r.field).toBe(field);
    expect(r.message.startsWith(`${field}: `)).toBe(true);
  });

  it('lets llm-rubric rely on the set rubric when it has no value of its own', () => {
    const [c] = parseEvalCases([{ assertions: [{ type: 'llm-rubric' }] }], 'input.cases', { rubric: 'Be correct and brief.' });
    expect(c!.assertions[0]).toEqual({ type: 'llm-rubric', threshold: 0.5, weight: 1 });
  });

  it('caps the number of cases in one call', () => {
    expect(refusal(Array.from({ length: 1001 }, () => ({ assertions: [ok] }))).field).toBe('input.cases');
  });
});
