import { backtrackingRisk } from '../../../src/graphql/regex-safety';

describe('backtrackingRisk', () => {
  it.each(['^(\\w+\\s?)+$', '^(a|a)*$', '^(a+b?)+$', '^(a+?)+$', '(.*a){20}$', '^(\\d+\\.?)+$', '^(a+)+$', '(a*)*b', '(?:x{1,5})+y', '^(\\d|\\w)+$'])(
    'refuses %s, which backtracks catastrophically',
    (p) => {
      expect(backtrackingRisk(p)).toMatch(/catastrophically/);
    },
  );

  it.each(['^refund', 'refund|chargeback', '\\b(order|invoice) #\\d+', '^[a-z]+(-[a-z]+)*$', '(foo|bar)+', '\\d{3}-\\d{4}', '(ab)+', '^\\s*#', '(a+)?b'])(
    'accepts %s, whose repetitions cannot be split two ways',
    (p) => {
      expect(backtrackingRisk(p)).toBeNull();
    },
  );

  it('takes the flags into account (case-insensitive alternatives overlap)', () => {
    expect(backtrackingRisk('(a|A)+')).toBeNull();
    expect(backtrackingRisk('(a|A)+', 'i')).toMatch(/alternatives/);
  });
});
