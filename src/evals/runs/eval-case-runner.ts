import { performance } from 'node:perf_hooks';
import { scoreCase } from '../assertions/score-case';
import type { EvalCase } from '../eval-case.entity';
import type { EvalSet } from '../eval-set.entity';
import { judgeOutput } from '../judge/llm-judge';
import type { EvalRunDeps } from './eval-run.ports';
import type { EvalRun } from './eval-run.entity';
import type { AssertionScore } from '../assertions/score-case';

/** One scored case, ready to be written as an EvalResult. */
export interface CaseResultData {
  caseId: string;
  position: number;
  output: string | null;
  traceId: string | null;
  scores: AssertionScore[];
  passed: boolean;
  score: number;
  judgeScore: number | null;
  judgeReason: string | null;
  humanScore: null;
  error: string | null;
  costMicros: number;
  judgeCostMicros: number;
  latencyMs: number | null;
  /** Wall time of the judge calls. */
  judgeMs: number;
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

/** Runs one case: the generation through the pipeline, then its assertions (judge and embeddings included). */
export class EvalCaseRunner {
  constructor(private readonly deps: EvalRunDeps) {}

  /** The scored case, or null when the run was aborted meanwhile (the case is then left for a resume). */
  async run(run: EvalRun, set: EvalSet, c: EvalCase, signal: AbortSignal): Promise<CaseResultData | null> {
    const gen = await this.deps.generate(
      {
        prompt: run.prompt,
        version: run.promptVersion,
        modelId: run.requestedModelId,
        variables: c.variables,
        messages: c.messages,
        input: c.input,
        context: c.context,
        tags: ['eval', ...c.tags],
      },
      { runId: run.id, actor: run.createdBy, signal },
    );
    if (signal.aborted) return null;
    let judgeCostMicros = 0;
    let judgeMs = 0;
    const judgeModel = set.judgeModelId ?? this.deps.defaultJudgeModelId;
    const scored = await scoreCase(c, { output: gen.output, error: gen.error, costUsd: gen.costMicros / 1e6, latencyMs: gen.latencyMs }, set.rubric, {
      judge: (input) =>
        judgeOutput(async (req) => {
          const t0 = performance.now();
          try {
            const r = await this.deps.judge(judgeModel, req, signal);
            judgeCostMicros += r.costMicros;
            return r;
          } finally {
            judgeMs += performance.now() - t0;
          }
        }, input),
      similarity: async (a, b) => {
        const [ea, eb] = await Promise.all([this.deps.embed(a), this.deps.embed(b)]);
        return cosine(ea, eb);
      },
    });
    if (signal.aborted) return null;
    return {
      caseId: c.id,
      position: c.position,
      output: gen.output,
      traceId: gen.traceId,
      scores: scored.scores,
      passed: scored.passed,
      score: scored.score,
      judgeScore: scored.judgeScore,
      judgeReason: scored.judgeReason,
      humanScore: null,
      error: gen.error,
      costMicros: gen.costMicros,
      judgeCostMicros,
      latencyMs: gen.output === null && gen.latencyMs === 0 ? null : gen.latencyMs,
      judgeMs,
    };
  }
}
