/**
 * The local guardrail engine: pure functions over a compiled policy, no database, no network.
 *
 * - `compilePolicy(config)` once per policy version;
 * - `checkText(policy, 'INPUT' | 'OUTPUT', text, { source, isContextChunk })` for whole texts
 *   (user input, rendered variables, retrieved chunks, a finished output);
 * - `createStreamScanner(policy, { source })` for a streamed model output.
 */
export { compilePolicy, type CompiledPolicy } from './compile-policy';
export { checkText } from './check-text';
export { createStreamScanner, type StreamScannerOptions } from './stream-scanner';
export type {
  CheckTextOptions,
  Finding,
  GuardrailActionValue,
  GuardrailDirection,
  GuardrailFindingKind,
  InstrumentedStreamScanner,
  StreamScanner,
  StreamScannerStats,
  StreamStep,
  Verdict,
} from './guardrail-engine.types';
export { SUPPORTED_PII_TYPES } from './pii/pii-detector';
export { INJECTION_THRESHOLDS, scoreInjection, type InjectionScore } from './injection/injection-detector';
