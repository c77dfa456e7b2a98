import { BadUserInputError } from '../../../src/graphql/errors';
import { parseInput } from '../../../src/graphql/validation';
import { compactParams, labelNameSchema, modelParamsSchema } from '../../../src/prompts/prompt.schemas';

const params = (v: unknown) => compactParams(parseInput(modelParamsSchema.nullish(), v, 'input.params'));
const field = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(BadUserInputError);
    return (err as BadUserInputError).field;
  }
  throw new Error('expected a BadUserInputError');
};

describe('model params', () => {
  it('accepts the boundaries and keeps only the keys that were set', () => {
    expect(params({ maxTokens: 200000, temperature: 0, topP: 1, stopSequences: ['a', 'b', 'c', 'd'] })).toEqual({
      maxTokens: 200000,
      temperature: 0,
      topP: 1,
      stopSequences: ['a', 'b', 'c', 'd'],
    });
    expect(params({ maxTokens: 1, temperature: null })).toEqual({ maxTokens: 1 });
    expect(params({})).toBeNull();
    expect(params(null)).toBeNull();
  });

  it.each([
    [{ maxTokens: 0 }, 'input.params.maxTokens'],
    [{ maxTokens: 1.5 }, 'input.params.maxTokens'],
    [{ maxTokens: 200001 }, 'input.params.maxTokens'],
    [{ temperature: -0.01 }, 'input.params.temperature'],
    [{ temperature: 1.01 }, 'input.params.temperature'],
    [{ topP: 2 }, 'input.params.topP'],
    [{ stopSequences: ['1', '2', '3', '4', '5'] }, 'input.params.stopSequences'],
    [{ stopSequences: ['ok', ''] }, 'input.params.stopSequences.1'],
    [{ temperature: '0.5' }, 'input.params.temperature'],
    [{ seed: 1 }, 'input.params'],
  ])('refuses %j naming %s', (value, path) => {
    expect(field(() => params(value))).toBe(path);
  });
});

describe('label names', () => {
  it.each(['production', 'staging', 'canary-2', 'a_b', 'x'])('accepts %s', (name) => {
    expect(parseInput(labelNameSchema, name, 'label')).toBe(name);
  });
  it.each(['', 'Production', '2nd', '-x', 'has space', 'ünicode', 'x'.repeat(51)])('refuses %j', (name) => {
    expect(field(() => parseInput(labelNameSchema, name, 'label'))).toBe('label');
  });
});
