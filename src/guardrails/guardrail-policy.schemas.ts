import { z } from 'zod';

/**
 * zod schemas for the JSON fields of a guardrail policy, exactly as API.md ("Guardrail policies")
 * documents them. Objects are strict: unknown keys are refused on write. Each field schema has a
 * default for "empty" so a policy that omits a field parses to a policy that checks nothing for it.
 */

/** The 31 PII entity types of Bedrock Guardrails (BEDROCK.md section 3). */
export const PII_ENTITY_TYPES = [
  'ADDRESS',
  'AGE',
  'AWS_ACCESS_KEY',
  'AWS_SECRET_KEY',
  'CA_HEALTH_NUMBER',
  'CA_SOCIAL_INSURANCE_NUMBER',
  'CREDIT_DEBIT_CARD_CVV',
  'CREDIT_DEBIT_CARD_EXPIRY',
  'CREDIT_DEBIT_CARD_NUMBER',
  'DRIVER_ID',
  'EMAIL',
  'INTERNATIONAL_BANK_ACCOUNT_NUMBER',
  'IP_ADDRESS',
  'LICENSE_PLATE',
  'MAC_ADDRESS',
  'NAME',
  'PASSWORD',
  'PHONE',
  'PIN',
  'SWIFT_CODE',
  'UK_NATIONAL_HEALTH_SERVICE_NUMBER',
  'UK_NATIONAL_INSURANCE_NUMBER',
  'UK_UNIQUE_TAXPAYER_REFERENCE_NUMBER',
  'URL',
  'USERNAME',
  'US_BANK_ACCOUNT_NUMBER',
  'US_BANK_ROUTING_NUMBER',
  'US_INDIVIDUAL_TAX_IDENTIFICATION_NUMBER',
  'US_PASSPORT_NUMBER',
  'US_SOCIAL_SECURITY_NUMBER',
  'VEHICLE_IDENTIFICATION_NUMBER',
] as const;

export const piiEntityTypeSchema = z.enum(PII_ENTITY_TYPES);
/** One of Bedrock's PII entity type names, e.g. `EMAIL`. */
export type PiiEntityType = z.infer<typeof piiEntityTypeSchema>;

export const piiActionSchema = z.enum(['BLOCK', 'ANONYMIZE']);
/** Config-side PII action: block the whole text, or replace the entity with `{TYPE}`. */
export type PiiAction = z.infer<typeof piiActionSchema>;

export const piiEntityConfigSchema = z.strictObject({
  type: piiEntityTypeSchema,
  action: piiActionSchema,
});
/** One configured PII entity type and what to do when it is found. */
export type PiiEntityConfig = z.infer<typeof piiEntityConfigSchema>;

export const piiConfigSchema = z
  .strictObject({
    entities: z
      .array(piiEntityConfigSchema)
      .default([])
      // One action per type: EMAIL listed as both ANONYMIZE and BLOCK would be ambiguous.
      .superRefine((entities, ctx) => {
        const seen = new Set<string>();
        entities.forEach((e, i) => {
          if (seen.has(e.type)) ctx.addIssue({ code: 'custom', path: [i, 'type'], message: `${e.type} is listed twice; give each type one action` });
          seen.add(e.type);
        });
      }),
  })
  .default({ entities: [] });
/** The `pii` field of a policy. */
export type PiiConfig = z.infer<typeof piiConfigSchema>;

export const deniedTopicSchema = z.strictObject({
  name: z.string().min(1).max(100),
  definition: z.string().min(1).max(200),
  examples: z.array(z.string().min(1)).max(5).optional(),
});
/** One denied topic: a name, a short definition and up to five example phrases. */
export type DeniedTopic = z.infer<typeof deniedTopicSchema>;

export const deniedTopicsSchema = z.array(deniedTopicSchema).default([]);
/** The `deniedTopics` field of a policy. */
export type DeniedTopics = z.infer<typeof deniedTopicsSchema>;

export const wordFiltersSchema = z
  .strictObject({
    words: z.array(z.string().trim().min(1, 'must not be blank')).default([]),
    profanity: z.boolean().optional(),
  })
  .default({ words: [] });
/** The `wordFilters` field: custom words (whole word, case-insensitive) and the built-in profanity list. */
export type WordFilters = z.infer<typeof wordFiltersSchema>;

export const injectionSensitivitySchema = z.enum(['LOW', 'MEDIUM', 'HIGH']);
/** Detector threshold: HIGH flags the most (most recall), LOW the least. */
export type InjectionSensitivity = z.infer<typeof injectionSensitivitySchema>;

/**
 * Escalation of the uncertain band: an input whose local injection score is at least `above` but
 * below the sensitivity's threshold is asked again, of a classifier model on Bedrock (a forced tool
 * call to `classifierModelId`) and/or of Bedrock Guardrails' prompt-attack filter (ApplyGuardrail on
 * `bedrockGuardrail`); it is blocked when any of them says it is an attack.
 */
export const injectionEscalationSchema = z
  .strictObject({
    above: z.number().min(0).max(1),
    classifierModelId: z.string().min(1).nullable().default(null),
    bedrockGuardrail: z
      .strictObject({ identifier: z.string().min(1), version: z.string().regex(/^(DRAFT|[1-9][0-9]{0,7})$/, 'DRAFT or a version number') })
      .nullable()
      .default(null),
  })
  .refine((e) => e.classifierModelId !== null || e.bedrockGuardrail !== null, { message: 'set classifierModelId and/or bedrockGuardrail' });
/** The `promptInjection.escalation` field. */
export type InjectionEscalation = z.infer<typeof injectionEscalationSchema>;

export const promptInjectionSchema = z
  .strictObject({
    enabled: z.boolean(),
    sensitivity: injectionSensitivitySchema.default('MEDIUM'),
    /** What to do with a retrieved context chunk that carries an injection: drop the chunk or block the request. */
    onContext: z.enum(['DROP', 'BLOCK']).default('DROP'),
    escalation: injectionEscalationSchema.nullable().default(null),
  })
  .default({ enabled: false, sensitivity: 'MEDIUM', onContext: 'DROP', escalation: null });
/** The `promptInjection` field of a policy (the action on user input is always BLOCK). */
export type PromptInjectionConfig = z.infer<typeof promptInjectionSchema>;

export const CONTENT_CATEGORIES = ['HATE', 'INSULTS', 'SEXUAL', 'VIOLENCE', 'MISCONDUCT', 'SELF_HARM'] as const;
export const contentCategoryNameSchema = z.enum(CONTENT_CATEGORIES);
/** A content filter category. */
export type ContentCategoryName = z.infer<typeof contentCategoryNameSchema>;

export const filterStrengthSchema = z.enum(['LOW', 'MEDIUM', 'HIGH']);
/** Filter strength, Bedrock semantics: HIGH blocks LOW+ confidence, MEDIUM blocks MEDIUM+, LOW blocks HIGH only. */
export type FilterStrength = z.infer<typeof filterStrengthSchema>;

export const contentCategorySchema = z.strictObject({
  category: contentCategoryNameSchema,
  action: z.literal('BLOCK'),
  strength: filterStrengthSchema.optional(),
});
/** One content category filter. `strength` defaults to MEDIUM in the engine. */
export type ContentCategoryConfig = z.infer<typeof contentCategorySchema>;

export const contentCategoriesSchema = z.array(contentCategorySchema).default([]);
/** The `contentCategories` field of a policy. */
export type ContentCategories = z.infer<typeof contentCategoriesSchema>;

export const bedrockGuardrailSchema = z
  .strictObject({
    identifier: z.string().min(1),
    version: z.string().min(1),
  })
  .nullable()
  .default(null);
/** The `bedrockGuardrail` field: also send the text to Bedrock's ApplyGuardrail (`version` is `DRAFT` or a number). */
export type BedrockGuardrailRef = z.infer<typeof bedrockGuardrailSchema>;

/** The checks of a policy that the local engine evaluates, all parsed (defaults applied). */
export interface GuardrailPolicyConfig {
  pii: PiiConfig;
  deniedTopics: DeniedTopics;
  wordFilters: WordFilters;
  promptInjection: PromptInjectionConfig;
  contentCategories: ContentCategories;
}

export const guardrailPolicyConfigSchema = z.strictObject({
  pii: piiConfigSchema,
  deniedTopics: deniedTopicsSchema,
  wordFilters: wordFiltersSchema,
  promptInjection: promptInjectionSchema,
  contentCategories: contentCategoriesSchema,
});

/** Parses (and defaults) the engine-relevant JSON fields of a stored policy; throws a ZodError on invalid input. */
export function parseGuardrailPolicyConfig(input: unknown): GuardrailPolicyConfig {
  return guardrailPolicyConfigSchema.parse(input);
}
