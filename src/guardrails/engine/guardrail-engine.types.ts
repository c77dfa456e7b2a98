/** What a finding was produced by. */
export type GuardrailFindingKind = 'PII' | 'TOPIC' | 'WORD' | 'PROMPT_INJECTION' | 'CONTENT';

/** The outcome of a check (same values as the GraphQL `GuardrailAction` enum). */
export type GuardrailActionValue = 'NONE' | 'ANONYMIZED' | 'BLOCKED';

/** Which side of the model a text is on. */
export type { GuardrailDirection } from '../../core/guardrail-direction';

/** One thing a check found in a text. */
export interface Finding {
  /** Which check produced it. */
  kind: GuardrailFindingKind;
  /** PII type (`EMAIL`), topic name, matched word, injection signal family or content category. */
  name: string;
  /** What the finding did to the text: `ANONYMIZED` or `BLOCKED` (or `NONE` for a sub-threshold note). */
  action: GuardrailActionValue;
  /** The matched text, when the finding has a span. */
  match?: string;
  /** Start offset (UTF-16 code units, inclusive) in the checked text. */
  start?: number;
  /** End offset (exclusive). */
  end?: number;
  /** Detector confidence in 0..1. */
  score?: number;
  /** Names the context chunk (or other origin) the text came from. */
  source?: string;
}

/** The result of checking one text against a policy. */
export interface Verdict {
  /** BLOCKED if any check blocks, else ANONYMIZED if any PII was replaced, else NONE. */
  action: GuardrailActionValue;
  /** The anonymized text when ANONYMIZED; the original text when NONE or BLOCKED. */
  text: string;
  /** Everything found, in text order where there is a span. */
  findings: Finding[];
  /** The local prompt-injection score (INPUT with injection detection on), blocking or not. */
  injectionScore?: number;
  /** Set when the score fell in the policy's escalation band: what the remote layers answered and which decided. */
  escalation?: {
    localScore: number;
    answers: {
      layer: 'classifier-model' | 'bedrock-guardrail';
      verdict: 'injection' | 'benign';
      modelId?: string;
      usage?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number };
      characters?: number;
    }[];
    decidedBy: 'classifier-model' | 'bedrock-guardrail' | 'local';
  };
}

/** Options of `checkText`. */
export interface CheckTextOptions {
  /** Copied into every finding's `source` (e.g. the name of a retrieved chunk). */
  source?: string;
  /** The text is a retrieved context chunk: prompt injection also looks for indirect (document-borne) signals. */
  isContextChunk?: boolean;
}

/** What a stream scanner returns for each delta and at the end. */
export interface StreamStep {
  /** Text that is safe to send now (PII anonymized). Empty while the tail is held back. */
  release: string;
  /** Set when the stream must stop: nothing after the already released text may be sent. */
  blocked?: Verdict;
  /** Findings in the text released (or blocked) by this step; offsets are in the whole original stream. */
  findings: Finding[];
}

/** Incremental OUTPUT check of a streamed model response (see `createStreamScanner`). */
export interface StreamScanner {
  /** Feed a model delta; returns text safe to send now (anonymized), and a verdict if the stream must stop (BLOCKED). */
  push(delta: string): StreamStep;
  /** End of stream: flushes the held-back tail (checked). */
  end(): StreamStep;
}

/** The engine's scanner also exposes work counters (for tests and benchmarks). */
export interface InstrumentedStreamScanner extends StreamScanner {
  stats(): StreamScannerStats;
}

/** Counters of a stream scanner. */
export interface StreamScannerStats {
  /** Characters searched by the PII recognizers and the word filter's patterns so far (rescanned context included; a release they are not run on counts nothing). */
  scannedChars: number;
  /** Characters received so far. */
  receivedChars: number;
  /** Characters received but not yet released. */
  heldChars: number;
}
