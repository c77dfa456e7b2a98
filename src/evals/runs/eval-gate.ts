import { BadUserInputError } from '../../graphql/errors';
import type { EvalSet } from '../eval-set.entity';
import { EvalRun, EvalRunStatus } from './eval-run.entity';
import type { EvalRunDeps, EvalVersionRef } from './eval-run.ports';
import type { EvalRunService } from './eval-run.service';

/** A promotion gate, validated (EvalGateInput). */
export interface GateData {
  evalSet: string;
  minScore: number;
  modelId: string | null;
  minPassRate: number | null;
  maxRegression: number | null;
}

/** The gate's verdict: whether the label may move, why, and the run that decided. */
export interface GateVerdict {
  allowed: boolean;
  reason: string;
  evalRunId: string | null;
  /** The run of the version the label pointed at, when `maxRegression` compared with it. */
  baselineRunId: string | null;
}

const fmt = (n: number | null) => (n === null ? 'none' : n.toFixed(3));

/**
 * Gated promotion: evaluates the candidate version on the gate's set (reusing a finished run of the
 * same version, set content and model), and with `maxRegression` the version the label points at
 * now as well, then says whether the label may move. Everything that can be refused is refused
 * before any model call.
 */
export class EvalGate {
  constructor(
    private readonly runs: EvalRunService,
    private readonly deps: Pick<EvalRunDeps, 'resolveVersion' | 'isKnownModel'>,
  ) {}

  async evaluate(req: { prompt: string; version: number; baselineVersion: number | null; gate: GateData }, actor: string | null): Promise<GateVerdict> {
    const { gate } = req;
    if (gate.modelId && !this.deps.isKnownModel(gate.modelId)) throw new BadUserInputError('input.gate.modelId', `unknown model "${gate.modelId}"`);
    const set = await this.runs.setByName(gate.evalSet, 'input.gate.evalSet');
    const { count } = await this.runs.fingerprint(set);
    if (count === 0) throw new BadUserInputError('input.gate.evalSet', `eval set "${set.name}" has no cases`);
    const candidate = await this.deps.resolveVersion(req.prompt, { label: null, version: req.version });
    const compare = gate.maxRegression !== null && req.baselineVersion !== null && req.baselineVersion !== req.version;
    const baseline = compare ? await this.deps.resolveVersion(req.prompt, { label: null, version: req.baselineVersion }) : null;

    const [cand, base] = await Promise.all([this.runFor(set, candidate, gate.modelId, actor), baseline ? this.runFor(set, baseline, gate.modelId, actor) : null]);
    if (cand.status !== EvalRunStatus.SUCCEEDED) {
      return { allowed: false, reason: `the eval run ${cand.id} ended ${cand.status}${cand.error ? `: ${cand.error}` : ''}`, evalRunId: cand.id, baselineRunId: base?.id ?? null };
    }
    const problems: string[] = [];
    const score = cand.score ?? 0;
    if (score < gate.minScore) problems.push(`score ${fmt(score)} is below minScore ${fmt(gate.minScore)}`);
    if (gate.minPassRate !== null && (cand.passRate ?? 0) < gate.minPassRate) problems.push(`pass rate ${fmt(cand.passRate)} is below minPassRate ${fmt(gate.minPassRate)}`);
    let regressionNote = '';
    if (base && gate.maxRegression !== null) {
      if (base.status !== EvalRunStatus.SUCCEEDED) {
        problems.push(`the baseline run ${base.id} of version ${base.promptVersion} ended ${base.status}; the regression cannot be measured`);
      } else {
        const drop = (base.score ?? 0) - score;
        if (drop > gate.maxRegression + 1e-12) {
          const cmp = await this.runs.compare(base.id, cand.id);
          const worst = cmp.cases.filter((c) => c.delta !== null && c.delta < 0).slice(0, 5);
          problems.push(
            `score ${fmt(score)} is ${fmt(drop)} below version ${base.promptVersion}'s ${fmt(base.score)} (the version the label points at), more than maxRegression ${fmt(gate.maxRegression)}` +
              (worst.length ? `; regressions: ${worst.map((c) => `case #${c.position} ${fmt(c.baseScore)} → ${fmt(c.candidateScore)}`).join(', ')}` : ''),
          );
        } else {
          regressionNote = `; ${fmt(drop > 0 ? drop : 0)} below version ${base.promptVersion}'s ${fmt(base.score)}, within maxRegression ${fmt(gate.maxRegression)}`;
        }
      }
    }
    if (problems.length) {
      const failed = await this.runs.failedResults(cand.id, 5);
      const list = failed.map((r) => {
        const why = r.error ?? r.scores.find((s) => !s.passed)?.reason ?? 'did not pass';
        return `#${r.position} (score ${fmt(r.score)}: ${why.length > 120 ? `${why.slice(0, 120)}…` : why})`;
      });
      const failedCount = cand.doneCount - cand.passedCount;
      return {
        allowed: false,
        reason:
          `refused by the gate on eval set "${set.name}" (run ${cand.id}): ${problems.join('; ')}` +
          (failedCount ? `; ${failedCount} of ${cand.doneCount} cases failed: ${list.join(', ')}${failedCount > list.length ? ', …' : ''}` : ''),
        evalRunId: cand.id,
        baselineRunId: base?.id ?? null,
      };
    }
    return {
      allowed: true,
      reason: `passed the gate on eval set "${set.name}" (run ${cand.id}): score ${fmt(score)} ≥ minScore ${fmt(gate.minScore)}, pass rate ${fmt(cand.passRate)}${regressionNote}`,
      evalRunId: cand.id,
      baselineRunId: base?.id ?? null,
    };
  }

  /** A finished run of this version on this set content and model, reused; otherwise a new run, waited for. */
  private async runFor(set: EvalSet, version: EvalVersionRef, modelId: string | null, actor: string | null): Promise<EvalRun> {
    const { hash } = await this.runs.fingerprint(set);
    const reusable = await this.runs.findReusable(version.versionId, hash, modelId);
    if (reusable) return reusable;
    const run = await this.runs.queue(set, version, null, modelId, actor, 'input.gate.evalSet');
    return this.runs.waitFor(run.id);
  }
}
