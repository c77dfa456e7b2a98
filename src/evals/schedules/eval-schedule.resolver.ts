import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Roles } from '../../graphql/roles';
import type { RequestContext } from '../../graphql/context';
import { EvalRun } from '../runs/eval-run.entity';
import type { EvalRunService } from '../runs/eval-run.service';
import { EvalSchedule } from './eval-schedule.entity';
import { EvalScheduleInput } from './eval-schedule.inputs';
import type { EvalScheduleService } from './eval-schedule.service';

type ServicesContext = RequestContext<{ evalSchedules: EvalScheduleService; evalRuns: EvalRunService }>;

@Resolver(() => EvalSchedule)
export class EvalScheduleResolver {
  @Authorized(Roles.READ)
  @Query(() => [EvalSchedule], { description: 'Every eval schedule, by name.' })
  evalSchedules(@Ctx() ctx: ServicesContext): Promise<EvalSchedule[]> {
    return ctx.services.evalSchedules.list();
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => EvalSchedule, { description: 'Schedules re-runs of an eval set on the version under a label; the first run comes at startAt (default: the next scheduler tick).' })
  createEvalSchedule(@Arg('input', () => EvalScheduleInput) input: EvalScheduleInput, @Ctx() ctx: ServicesContext): Promise<EvalSchedule> {
    return ctx.services.evalSchedules.create(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => EvalSchedule, { description: "Replaces the schedule's settings; omitted enabled keeps its value, startAt moves the next run." })
  updateEvalSchedule(@Arg('id', () => ID) id: string, @Arg('input', () => EvalScheduleInput) input: EvalScheduleInput, @Ctx() ctx: ServicesContext): Promise<EvalSchedule> {
    return ctx.services.evalSchedules.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes the schedule; the runs it queued stay.' })
  deleteEvalSchedule(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.evalSchedules.delete(id, ctx.actor);
  }

  @FieldResolver(() => [EvalRun], { description: 'The runs this schedule queued, newest first.' })
  runs(
    @Root() s: EvalSchedule,
    @Ctx() ctx: ServicesContext,
    @Arg('first', () => Int, { nullable: true, description: 'At most this many (default 20, at most 1000).' }) first?: number | null,
  ): Promise<EvalRun[]> {
    return ctx.services.evalRuns.bySchedule(s.id, first ?? 20);
  }
}
