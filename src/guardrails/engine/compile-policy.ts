import type { GuardrailPolicyConfig, InjectionSensitivity, PiiAction, PiiEntityType } from '../guardrail-policy.schemas';
import { createPiiDetector, SUPPORTED_PII_TYPES, type PiiDetector } from './pii/pii-detector';
import { compileWordFilter, type WordFilter } from './words/word-filter';
import { compileContentClassifier, type ContentClassifier } from './content/content-classifier';
import { compileTopicMatcher, type TopicMatcher } from './topics/denied-topics';
import { INJECTION_THRESHOLDS } from './injection/injection-detector';

/**
 * A policy prepared for checking: regexes, word lists and topic vectors built once. Immutable and
 * shareable between requests; build it when the policy changes, not per request.
 */
export interface CompiledPolicy {
  /** The configuration it was compiled from. */
  readonly config: GuardrailPolicyConfig;
  /** PII detector for the configured (and locally supported) entity types, or null. */
  readonly pii: PiiDetector | null;
  /** Configured action per PII type. */
  readonly piiActions: ReadonlyMap<PiiEntityType, PiiAction>;
  /** Configured PII types the local engine cannot detect (left to Bedrock's ApplyGuardrail when configured). */
  readonly unsupportedPiiTypes: readonly PiiEntityType[];
  readonly words: WordFilter | null;
  readonly content: ContentClassifier | null;
  readonly topics: TopicMatcher | null;
  /** Injection threshold (0..1) when prompt-injection detection is enabled, else null. */
  readonly injectionThreshold: number | null;
  readonly injectionSensitivity: InjectionSensitivity;
}

/** Precompiles a policy configuration (see `CompiledPolicy`). Pure; never throws on a parsed config. */
export function compilePolicy(config: GuardrailPolicyConfig): CompiledPolicy {
  const piiActions = new Map<PiiEntityType, PiiAction>();
  // When a type is listed twice, BLOCK wins over ANONYMIZE.
  for (const e of config.pii.entities) if (piiActions.get(e.type) !== 'BLOCK') piiActions.set(e.type, e.action);
  const supported = [...piiActions.keys()].filter((t) => SUPPORTED_PII_TYPES.has(t));
  return Object.freeze({
    config,
    pii: supported.length > 0 ? createPiiDetector(supported) : null,
    piiActions,
    unsupportedPiiTypes: [...piiActions.keys()].filter((t) => !SUPPORTED_PII_TYPES.has(t)),
    words: compileWordFilter(config.wordFilters.words, config.wordFilters.profanity === true),
    content: compileContentClassifier(config.contentCategories),
    topics: compileTopicMatcher(config.deniedTopics),
    injectionThreshold: config.promptInjection.enabled ? INJECTION_THRESHOLDS[config.promptInjection.sensitivity] : null,
    injectionSensitivity: config.promptInjection.sensitivity,
  });
}
