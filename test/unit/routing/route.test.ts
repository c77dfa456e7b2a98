import { compileRules, resolveTarget, type RouteRequest, type RoutingRuleData } from '../../../src/routing/route';
import type { RoutingCondition } from '../../../src/routing/routing-condition.schemas';

const DEFAULTS = { defaultModelId: 'amazon.nova-micro-v1:0' };

function rule(name: string, condition: RoutingCondition, extra: Partial<RoutingRuleData> = {}): RoutingRuleData {
  return { name, priority: 10, enabled: true, condition, targetModelId: `model-${name}`, fallbackModelIds: [], ...extra };
}

function req(extra: Partial<RouteRequest> = {}): RouteRequest {
  return { inputTokens: 100, prompt: 'support', label: 'production', input: 'hello there', messageCount: 1, tags: [], ...extra };
}

/** The model chosen when `condition` is the only rule. */
function routeWith(condition: RoutingCondition, r: Partial<RouteRequest>) {
  return resolveTarget([rule('only', condition)], req(r), DEFAULTS);
}

describe('resolveTarget: each condition key', () => {
  const cases: Array<{ key: string; condition: RoutingCondition; hit: Partial<RouteRequest>; miss: Partial<RouteRequest>; reason: string }> = [
    { key: 'minInputTokens', condition: { minInputTokens: 4000 }, hit: { inputTokens: 5234 }, miss: { inputTokens: 3999 }, reason: 'inputTokens 5234 >= minInputTokens 4000' },
    { key: 'maxInputTokens', condition: { maxInputTokens: 500 }, hit: { inputTokens: 500 }, miss: { inputTokens: 501 }, reason: 'inputTokens 500 <= maxInputTokens 500' },
    { key: 'prompts', condition: { prompts: ['support', 'sales'] }, hit: { prompt: 'sales' }, miss: { prompt: 'billing' }, reason: 'prompt "sales" in prompts' },
    { key: 'labels', condition: { labels: ['staging'] }, hit: { label: 'staging' }, miss: { label: null }, reason: 'label "staging" in labels' },
    { key: 'inputMatches', condition: { inputMatches: '^translate\\b' }, hit: { input: 'translate this' }, miss: { input: 'please translate this' }, reason: 'input matches /^translate\\b/' },
    {
      key: 'inputMatches (literal with flags)',
      condition: { inputMatches: '/REFUND|chargeback/i' },
      hit: { input: 'I want a refund' },
      miss: { input: 'I want a pizza' },
      reason: 'input matches /REFUND|chargeback/i',
    },
    {
      key: 'keywordsAny',
      condition: { keywordsAny: ['refund', 'credit card'] },
      hit: { input: 'My Credit  Card was charged' },
      miss: { input: 'refunds are nice' },
      reason: 'input contains keyword "Credit  Card"',
    },
    { key: 'hasCode true', condition: { hasCode: true }, hit: { input: 'Why does this fail?\n```js\nconst x = 1;\n```' }, miss: { input: 'What is the weather like?' }, reason: 'input has code' },
    { key: 'hasCode false', condition: { hasCode: false }, hit: { input: 'Tell me a joke' }, miss: { input: 'def f(x):\n    return x + 1' }, reason: 'input has no code' },
    { key: 'minMessages', condition: { minMessages: 4 }, hit: { messageCount: 6 }, miss: { messageCount: 3 }, reason: 'messages 6 >= minMessages 4' },
    { key: 'tagsAny', condition: { tagsAny: ['vip', 'beta'] }, hit: { tags: ['x', 'beta'] }, miss: { tags: ['x'] }, reason: 'tag "beta" in tagsAny' },
    { key: 'minComplexity', condition: { minComplexity: 0.6 }, hit: { complexity: 0.72 }, miss: { complexity: 0.59 }, reason: 'complexity 0.72 >= minComplexity 0.6' },
    { key: 'maxComplexity', condition: { maxComplexity: 0.3 }, hit: { complexity: 0.3 }, miss: { complexity: 0.31 }, reason: 'complexity 0.3 <= maxComplexity 0.3' },
  ];

  it.each(cases)('$key: matches when it holds and explains why, falls through when not', ({ condition, hit, miss, reason }) => {
    const yes = routeWith(condition, hit);
    expect(yes.modelId).toBe('model-only');
    expect(yes.rule?.name).toBe('only');
    expect(yes.reason).toBe(`rule "only" (priority 10): ${reason}`);
    const no = routeWith(condition, miss);
    expect(no.modelId).toBe(DEFAULTS.defaultModelId);
    expect(no.rule).toBeNull();
  });

  it('requires every key of a condition to hold, and explains all of them', () => {
    const condition: RoutingCondition = { minInputTokens: 1000, tagsAny: ['vip'] };
    expect(routeWith(condition, { inputTokens: 2000, tags: [] }).rule).toBeNull();
    expect(routeWith(condition, { inputTokens: 10, tags: ['vip'] }).rule).toBeNull();
    const both = routeWith(condition, { inputTokens: 2000, tags: ['vip'] });
    expect(both.reason).toBe('rule "only" (priority 10): tag "vip" in tagsAny and inputTokens 2000 >= minInputTokens 1000');
  });

  it('matches keywords as whole words only, in any case', () => {
    expect(routeWith({ keywordsAny: ['sql'] }, { input: 'a NoSQL store' }).rule).toBeNull();
    expect(routeWith({ keywordsAny: ['sql'] }, { input: 'write SQL for me' }).rule?.name).toBe('only');
    expect(routeWith({ keywordsAny: ['c++'] }, { input: 'help with c++ templates' }).rule?.name).toBe('only');
  });

  it('lets an empty condition match every request', () => {
    const d = routeWith({}, {});
    expect(d.modelId).toBe('model-only');
    expect(d.reason).toBe('rule "only" (priority 10): empty condition matches every request');
  });
});

describe('resolveTarget: order and fallbacks', () => {
  it('tries rules by ascending priority, ties by name, whatever the input order', () => {
    const rules = [rule('zeta', {}, { priority: 5 }), rule('late', {}, { priority: 50 }), rule('alpha', {}, { priority: 5 }), rule('first', { tagsAny: ['never'] }, { priority: 1 })];
    expect(resolveTarget(rules, req(), DEFAULTS).rule?.name).toBe('alpha');
    expect(resolveTarget([...rules].reverse(), req(), DEFAULTS).rule?.name).toBe('alpha');
    expect(resolveTarget(compileRules(rules), req(), DEFAULTS).rule?.name).toBe('alpha');
  });

  it('skips disabled rules, raw or precompiled', () => {
    const rules = [rule('off', {}, { priority: 0, enabled: false }), rule('on', {}, { priority: 9 })];
    expect(resolveTarget(rules, req(), DEFAULTS).rule?.name).toBe('on');
    expect(compileRules(rules).map((c) => c.rule.name)).toEqual(['on']);
  });

  it('returns the rule object it was given and its fallbacks without the target or duplicates', () => {
    const r = rule('fb', {}, { targetModelId: 'a', fallbackModelIds: ['b', 'a', 'c', 'b'] });
    const d = resolveTarget([r], req(), DEFAULTS);
    expect(d.rule).toBe(r);
    expect(d.modelId).toBe('a');
    expect(d.fallbackModelIds).toEqual(['b', 'c']);
  });

  it('without a match serves the prompt version model, else the default model', () => {
    const rules = [rule('never', { tagsAny: ['nope'] })];
    const p = resolveTarget(rules, req(), { promptModelId: 'anthropic.claude-3-haiku-20240307-v1:0', ...DEFAULTS });
    expect(p).toMatchObject({ modelId: 'anthropic.claude-3-haiku-20240307-v1:0', rule: null, fallbackModelIds: [], reason: 'no rule matched; prompt version model' });
    const d = resolveTarget(rules, req(), { promptModelId: null, ...DEFAULTS });
    expect(d).toMatchObject({ modelId: DEFAULTS.defaultModelId, rule: null, reason: 'no rule matched; default model' });
    expect(resolveTarget([], req(), DEFAULTS).reason).toBe('no rule matched; default model');
  });

  it('reports the input tokens and the complexity it used, computing it when not given', () => {
    const given = resolveTarget([], req({ inputTokens: 42, complexity: 0.5 }), DEFAULTS);
    expect(given).toMatchObject({ inputTokens: 42, complexity: 0.5 });
    const computed = resolveTarget([], req({ input: 'Explain why the derivative of x^2 is 2x, step by step?' }), DEFAULTS);
    expect(computed.complexity).toBeGreaterThan(0);
    expect(computed.complexity).toBeLessThanOrEqual(1);
  });
});
