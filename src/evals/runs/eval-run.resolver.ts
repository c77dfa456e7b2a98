import DataLoader from 'dataloader';
import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Roles } from '../../graphql/roles';
import type { RequestContext } from '../../graphql/context';
import { NotFoundError } from '../../graphql/errors';
import { EvalCase } from '../eval-case.entity';
import { EvalSet } from '../eval-set.entity';
import { EvalResult } from './eval-result.entity';
import { EvalRun } from './eval-run.entity';
import { EvalRunComparison, EvalTrendRow, RunEvalInput } from './eval-run.types';
import { TimeBucket } from '../../analytics';
import { LabelMove, PromotionResult } from '../../prompts';
import type { EvalRunService } from './eval-run.service';
import type { EvalSetService } from '../eval-set.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ evalRuns: EvalRunService; evalSets: EvalSetService }>;

interface Loaders {
  set: DataLoader<string, EvalSet | null>;
  caseById: DataLoader<string, EvalCase | null>;
}
const perOperation = new WeakMap<ServicesContext, Loaders>();
function loaders(ctx: ServicesContext): Loaders {
  let l = perOperation.get(ctx);
  if (!l) {
    l = {
      set: new DataLoader(async (ids) => Promise.all(ids.map((id) => ctx.services.evalSets.byId(id)))),
      caseById: new DataLoader(async (ids) => {
        const rows = await ctx.services.evalSets.casesByIds(ids);
        const m = new Map(rows.map((r) => [r.id, r]));
        return ids.map((id) => m.get(id) ?? null);
      }),
    };
    perOperation.set(ctx, l);
  }
  return l;
}

@Resolver(() => EvalRun)
export class EvalRunResolver {
  @Authorized(Roles.CI)
  @Mutation(() => EvalRun, { description: 'Queues an eval run and returns it at once (QUEUED); watch it with evalRunProgress.' })
  runEval(@Arg('input', () => RunEvalInput) input: RunEvalInput, @Ctx() ctx: ServicesContext): Promise<EvalRun> {
    return ctx.services.evalRuns.start(input, ctx.actor);
  }

  @Authorized(Roles.CI)
  @Mutation(() => EvalRun, { description: 'Stops a queued or running eval run (CANCELLED); a finished run is returned as it is.' })
  cancelEvalRun(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<EvalRun> {
    return ctx.services.evalRuns.cancel(id, ctx.actor);
  }

  @Authorized(Roles.READ)
  @Query(() => EvalRun, { nullable: true })
  evalRun(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<EvalRun | null> {
    return ctx.services.evalRuns.get(id);
  }

  @Authorized(Roles.READ)
  @Query(() => [EvalRun], { description: 'Newest first (first: default 50, at most 1000).' })
  evalRuns(
    @Ctx() ctx: ServicesContext,
    @Arg('evalSet', () => String, { nullable: true }) evalSet?: string | null,
    @Arg('prompt', () => String, { nullable: true }) prompt?: string | null,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
  ): Promise<EvalRun[]> {
    return ctx.services.evalRuns.list({ evalSet, prompt, first });
  }

  @Authorized(Roles.READ)
  @Query(() => EvalRunComparison, { description: 'Per case: both scores and the difference; regressions first.' })
  async compareEvalRuns(@Arg('base', () => ID) base: string, @Arg('candidate', () => ID) candidate: string, @Ctx() ctx: ServicesContext): Promise<EvalRunComparison> {
    const c = await ctx.services.evalRuns.compare(base, candidate);
    return {
      base: c.base,
      candidate: c.candidate,
      scoreDelta: c.base.score !== null && c.candidate.score !== null ? c.candidate.score - c.base.score : null,
      regressions: c.cases.filter((x) => x.delta !== null && x.delta < 0).length,
      improvements: c.cases.filter((x) => x.delta !== null && x.delta > 0).length,
      cases: c.cases,
    };
  }

  @Authorized(Roles.READ)
  @Query(() => [EvalTrendRow], { description: "Eval scores over time (bucket default DAY): the set's finished runs and the production traces its online evaluators scored, optionally of one prompt." })
  evalScoreTrend(
    @Arg('evalSet') evalSet: string,
    @Ctx() ctx: ServicesContext,
    @Arg('prompt', () => String, { nullable: true }) prompt?: string | null,
    @Arg('bucket', () => TimeBucket, { nullable: true }) bucket?: TimeBucket | null,
  ): Promise<EvalTrendRow[]> {
    return ctx.services.evalRuns.scoreTrend(evalSet, prompt, bucket ?? TimeBucket.DAY);
  }

  @Authorized(Roles.READ)
  @Subscription(() => EvalRun, {
    description: 'The run now, then when it starts (QUEUED → RUNNING) and after each finished case; completes when the run ends.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { id: string }, ServicesContext>) => context.services.evalRuns.progress(args.id),
  })
  evalRunProgress(@Root() run: EvalRun, @Arg('id', () => ID) _id: string): EvalRun {
    return run;
  }

  @FieldResolver(() => EvalSet)
  async evalSet(@Root() run: EvalRun, @Ctx() ctx: ServicesContext): Promise<EvalSet> {
    const set = await loaders(ctx).set.load(run.evalSetId);
    if (!set) throw new NotFoundError('EvalSet', run.evalSetId);
    return set;
  }

  @FieldResolver(() => [EvalResult], { description: 'In case order, one page: `first` (default 1000, at most 10,000) after the case position `after`.' })
  results(
    @Root() run: EvalRun,
    @Ctx() ctx: ServicesContext,
    @Arg('first', () => Int, { nullable: true }) first?: number | null,
    @Arg('after', () => Int, { nullable: true, description: 'A case position: results after it.' }) after?: number | null,
  ): Promise<EvalResult[]> {
    return ctx.services.evalRuns.results(run.id, first, after);
  }
}

@Resolver(() => EvalResult)
export class EvalResultResolver {
  @FieldResolver(() => EvalCase, { name: 'case' })
  async evalCase(@Root() r: EvalResult, @Ctx() ctx: ServicesContext): Promise<EvalCase> {
    const c = await loaders(ctx).caseById.load(r.caseId);
    if (!c) throw new NotFoundError('EvalCase', r.caseId);
    return c;
  }
}

/** `PromotionResult.evalRun`: the run a gate decided with. */
@Resolver(() => PromotionResult)
export class PromotionEvalRunResolver {
  @FieldResolver(() => EvalRun, { nullable: true, description: 'The eval run the gate decided with (null without a gate).' })
  evalRun(@Root() r: PromotionResult, @Ctx() ctx: ServicesContext): Promise<EvalRun | null> | null {
    return r.evalRunId ? ctx.services.evalRuns.get(r.evalRunId) : null;
  }
}

/** `LabelMove.evalRun`: the run that allowed a gated move. */
@Resolver(() => LabelMove)
export class LabelMoveEvalRunResolver {
  @FieldResolver(() => EvalRun, { nullable: true, description: 'The eval run whose score allowed this move (gated promotions).' })
  evalRun(@Root() m: LabelMove, @Ctx() ctx: ServicesContext): Promise<EvalRun | null> | null {
    return m.evalRunId ? ctx.services.evalRuns.get(m.evalRunId) : null;
  }
}
