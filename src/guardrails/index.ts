/** The guardrails feature as other features see it: policies (config) and the checks the pipeline runs. */
export { GuardrailPolicy, DEFAULT_BLOCKED_MESSAGE } from './guardrail-policy.entity';
export { GuardrailPolicyInput } from './guardrail-policy.inputs';
export { GuardrailPolicyResolver } from './guardrail-policy.resolver';
export {
  GuardrailService,
  type ActivePolicy,
  type GuardrailApplier,
  type PolicyChainResult,
  type PolicyCheck,
  type InputScreening,
  type ScreenedText,
  type ScreeningCheck,
} from './guardrail-policy.service';
export {
  createPolicyStreamScanner,
  withBedrockGuardrails,
  type AsyncPolicyStreamScanner,
  type BedrockStreamOptions,
  type PolicyFinding,
  type PolicyStreamScanner,
  type PolicyStreamScannerOptions,
  type PolicyStreamStep,
} from './policy-stream-scanner';
export { mergeBedrockVerdict } from './bedrock-verdict';
export { maskFinding, ProtectedValues } from './redaction';
export { GuardrailAction, GuardrailDirection, GuardrailFinding, GuardrailVerdict } from './guardrail.types';
export type { CheckTextOptions, Finding, GuardrailActionValue, GuardrailFindingKind, Verdict } from './engine/guardrail-engine.types';
export { guardrailsModule } from './guardrails.module';
export { InputCheckPool, type InputCheckPoolOptions } from './input-check-pool';
export { CleanChunks, DEFAULT_CLEAN_CHUNKS, type CleanChunksOptions } from './clean-chunks';
