import {
  bedrockGuardrailSchema,
  contentCategoriesSchema,
  deniedTopicsSchema,
  parseGuardrailPolicyConfig,
  piiConfigSchema,
  promptInjectionSchema,
  wordFiltersSchema,
} from '../../../src/guardrails/guardrail-policy.schemas';

describe('guardrail policy schemas', () => {
  it('defaults every field of an empty policy to "checks nothing"', () => {
    expect(parseGuardrailPolicyConfig({})).toEqual({
      pii: { entities: [] },
      deniedTopics: [],
      wordFilters: { words: [] },
      promptInjection: { enabled: false, sensitivity: 'MEDIUM', onContext: 'DROP', escalation: null },
      contentCategories: [],
    });
  });

  it('accepts the documented pii shape and refuses unknown types, actions and keys', () => {
    expect(piiConfigSchema.parse({ entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }] })).toEqual({
      entities: [{ type: 'EMAIL', action: 'ANONYMIZE' }],
    });
    expect(piiConfigSchema.safeParse({ entities: [{ type: 'SOCIAL', action: 'BLOCK' }] }).success).toBe(false);
    expect(piiConfigSchema.safeParse({ entities: [{ type: 'EMAIL', action: 'NONE' }] }).success).toBe(false);
    expect(piiConfigSchema.safeParse({ entities: [], extra: 1 }).success).toBe(false);
  });

  it('bounds denied topic names, definitions and examples', () => {
    expect(deniedTopicsSchema.safeParse([{ name: 'Investing', definition: 'Advice on stocks' }]).success).toBe(true);
    expect(deniedTopicsSchema.safeParse([{ name: '', definition: 'x' }]).success).toBe(false);
    expect(deniedTopicsSchema.safeParse([{ name: 'x'.repeat(101), definition: 'x' }]).success).toBe(false);
    expect(deniedTopicsSchema.safeParse([{ name: 'x', definition: 'x'.repeat(201) }]).success).toBe(false);
    expect(deniedTopicsSchema.safeParse([{ name: 'x', definition: 'y', examples: ['1', '2', '3', '4', '5', '6'] }]).success).toBe(false);
  });

  it('defaults prompt injection sensitivity and context handling', () => {
    expect(promptInjectionSchema.parse({ enabled: true })).toEqual({ enabled: true, sensitivity: 'MEDIUM', onContext: 'DROP', escalation: null });
    expect(promptInjectionSchema.safeParse({ enabled: true, sensitivity: 'MAX' }).success).toBe(false);
    expect(promptInjectionSchema.safeParse({ sensitivity: 'LOW' }).success).toBe(false);
  });

  it('validates word filters, content categories and the Bedrock guardrail reference', () => {
    expect(wordFiltersSchema.parse({ profanity: true })).toEqual({ words: [], profanity: true });
    expect(contentCategoriesSchema.safeParse([{ category: 'HATE', action: 'BLOCK', strength: 'HIGH' }]).success).toBe(true);
    expect(contentCategoriesSchema.safeParse([{ category: 'PROMPT_ATTACK', action: 'BLOCK' }]).success).toBe(false);
    expect(bedrockGuardrailSchema.parse(null)).toBeNull();
    expect(bedrockGuardrailSchema.parse({ identifier: 'abc123', version: 'DRAFT' })).toEqual({ identifier: 'abc123', version: 'DRAFT' });
    expect(bedrockGuardrailSchema.safeParse({ identifier: '', version: '1' }).success).toBe(false);
  });
});
