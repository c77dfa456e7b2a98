import type { DataSource } from 'typeorm';
import type { Logger } from '../../observability/logger';
import type { CaseContextChunk, CaseMessage } from '../eval-case.schemas';
import type { GRADE_TOOL } from '../judge/llm-judge';

/** One case as a generation request: what the generate pipeline is asked. */
export interface EvalCaseRequest {
  prompt: string;
  /** The version by number (the run pins it at the start, even when asked by label). */
  version: number;
  /** Sent with every case when the run asked for a model (routing then keeps it); null lets routing decide. */
  modelId: string | null;
  variables: Record<string, string>;
  messages: CaseMessage[];
  input: string | null;
  context: CaseContextChunk[];
  tags: string[];
}

/** What the pipeline produced for one case. */
export interface EvalCaseGeneration {
  traceId: string | null;
  /** The output; null when the generation failed or was blocked. */
  output: string | null;
  /** `CODE: message` of a failed generation, or null. */
  error: string | null;
  costMicros: number;
  latencyMs: number;
}

/** A prompt version as a run pins it. */
export interface EvalVersionRef {
  prompt: string;
  versionId: string;
  number: number;
  modelId: string | null;
}

/**
 * What eval runs need from the rest of the service, as narrow ports the composition root fills in
 * (`app.ts`): the generate pipeline behind one function, prompt version lookup, the judge model and
 * embeddings.
 */
export interface EvalRunDeps {
  db: DataSource;
  logger: Logger;
  /** Runs one generation through the production pipeline, traced with source EVAL and the run's id. */
  generate(req: EvalCaseRequest, ctx: { runId: string; actor: string | null; signal: AbortSignal }): Promise<EvalCaseGeneration>;
  /** Throws NotFoundError for an unknown prompt, label or version. */
  resolveVersion(prompt: string, sel: { label: string | null; version: number | null }): Promise<EvalVersionRef>;
  /** One forced tool call to the judge model, priced. */
  judge(modelId: string, req: { system: string; prompt: string; tool: typeof GRADE_TOOL }, signal: AbortSignal): Promise<{ toolInput: unknown; text: string; costMicros: number }>;
  /** Titan embeddings of a text (for `similar`). */
  embed(text: string): Promise<number[]>;
  isKnownModel(modelId: string): boolean;
  /** The model when neither the run nor the version names one. */
  defaultModelId: string;
  /** The judge when the set names none. */
  defaultJudgeModelId: string;
  /** Cases of one run in flight at once (EVAL_CONCURRENCY). */
  concurrency: number;
  /** True on embedded PGlite: one process owns the data, so a RUNNING run found at start-up was interrupted. */
  singleProcess: boolean;
  /** A RUNNING run whose heartbeat is older than this is taken for interrupted (default 30 s). */
  staleMs?: number;
}
