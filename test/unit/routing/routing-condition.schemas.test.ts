import { BadUserInputError } from '../../../src/graphql/errors';
import { parseCondition } from '../../../src/routing/routing-condition.schemas';

function fieldOf(value: unknown): string {
  try {
    parseCondition(value, 'input.condition');
  } catch (err) {
    expect(err).toBeInstanceOf(BadUserInputError);
    return (err as BadUserInputError).field;
  }
  throw new Error('expected the condition to be refused');
}

describe('routing condition schema', () => {
  it('accepts every documented key and an empty condition', () => {
    const all = {
      minInputTokens: 10,
      maxInputTokens: 10,
      prompts: ['a'],
      labels: ['production'],
      inputMatches: '/^hi/i',
      keywordsAny: ['refund'],
      hasCode: false,
      minMessages: 0,
      tagsAny: ['vip'],
      minComplexity: 0,
      maxComplexity: 1,
    };
    expect(parseCondition(all, 'input.condition')).toEqual(all);
    expect(parseCondition({}, 'input.condition')).toEqual({});
  });

  it.each([
    [{ minInputTokens: -1 }, 'input.condition.minInputTokens'],
    [{ minInputTokens: 1.5 }, 'input.condition.minInputTokens'],
    [{ maxInputTokens: '10' }, 'input.condition.maxInputTokens'],
    [{ minInputTokens: 10, maxInputTokens: 5 }, 'input.condition.maxInputTokens'],
    [{ prompts: 'support' }, 'input.condition.prompts'],
    [{ prompts: [] }, 'input.condition.prompts'],
    [{ labels: [1] }, 'input.condition.labels.0'],
    [{ inputMatches: '(' }, 'input.condition.inputMatches'],
    [{ inputMatches: '(a+)+$' }, 'input.condition.inputMatches'],
    [{ inputMatches: 'x'.repeat(501) }, 'input.condition.inputMatches'],
    [{ inputMatches: 3 }, 'input.condition.inputMatches'],
    [{ keywordsAny: ['ok', ''] }, 'input.condition.keywordsAny.1'],
    [{ hasCode: 'yes' }, 'input.condition.hasCode'],
    [{ minMessages: -2 }, 'input.condition.minMessages'],
    [{ tagsAny: [null] }, 'input.condition.tagsAny.0'],
    [{ minComplexity: 1.2 }, 'input.condition.minComplexity'],
    [{ maxComplexity: -0.1 }, 'input.condition.maxComplexity'],
    [{ minComplexity: 0.8, maxComplexity: 0.2 }, 'input.condition.maxComplexity'],
    [{ minTokens: 5 }, 'input.condition.minTokens'],
    [[], 'input.condition'],
    ['x', 'input.condition'],
    [null, 'input.condition'],
  ])('refuses %j naming %s', (value, field) => {
    expect(fieldOf(value)).toBe(field);
  });
});
