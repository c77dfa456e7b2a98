import { inputPatternSchema } from '../../../src/routing/routing-condition.schemas';
import { assertionSchema } from '../../../src/evals/eval-case.schemas';

/**
 * `inputMatches` runs on every request's input on the event loop, and a `regex` assertion on every
 * eval output: a pattern that backtracks exponentially stalls the whole process. The schema refuses
 * `(a+)+`; these are the same hazard in other spellings (each takes >0.5 s on 25 characters).
 */
const CATASTROPHIC = ['^(\\w+\\s?)+$', '^(a|a)*$', '^(a+b?)+$', '^(a+?)+$', '(.*a){20}$', '/^(\\d+\\.?)+$/i'];
const SAFE = ['^refund', '/refund|chargeback/i', '\\b(order|invoice) #\\d+'];

describe('inputMatches refuses patterns with catastrophic backtracking', () => {
  it('refuses the classic (a+)+ and (a*)*', () => {
    for (const p of ['^(a+)+$', '(a*)*b', '(?:x{1,5})+y']) expect(inputPatternSchema.safeParse(p).success).toBe(false);
  });

  it('accepts ordinary patterns', () => {
    for (const p of SAFE) expect(inputPatternSchema.safeParse(p).success).toBe(true);
  });

  it('accepts a safe pattern whose repeated group starts with a literal, ^[a-z]+(-[a-z]+)*$ (each repetition must begin with "-")', () => {
    expect(inputPatternSchema.safeParse('^[a-z]+(-[a-z]+)*$').success).toBe(true);
  });

  it.each(CATASTROPHIC)('refuses %s', (p) => {
    expect(inputPatternSchema.safeParse(p).success).toBe(false);
  });
});

describe('regex assertions refuse patterns with catastrophic backtracking', () => {
  it.each(['^(a+)+$', '^(\\w+\\s?)+$'])('refuses %s', (value) => {
    expect(assertionSchema.safeParse({ type: 'regex', value }).success).toBe(false);
  });

  it('accepts an ordinary pattern', () => {
    expect(assertionSchema.safeParse({ type: 'regex', value: '^Paris\\b', flags: 'i' }).success).toBe(true);
  });
});
