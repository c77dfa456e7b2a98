import { Arg, Authorized, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { Roles } from '../../graphql/roles';
import type { RequestContext } from '../../graphql/context';
import { OnlineEvaluator } from './online-evaluator.entity';
import { OnlineEvaluatorInput } from './online-evaluator.inputs';
import type { OnlineEvaluatorService } from './online-evaluator.service';

type ServicesContext = RequestContext<{ onlineEvals: OnlineEvaluatorService }>;

@ObjectType({ description: "This process's online evaluation worker since it started (also the genai_cp_online_eval_* metrics)." })
export class OnlineEvalStats {
  @Field(() => Int, { description: 'Samples taken into the queue.' })
  queued!: number;

  @Field(() => Int, { description: 'Samples dropped because the queue was full (ONLINE_EVAL_QUEUE_SIZE) or the worker was stopping.' })
  dropped!: number;

  @Field(() => Int, { description: 'Samples scored and stored.' })
  scored!: number;

  @Field(() => Int, { description: 'Samples whose scoring failed (see the logs).' })
  failed!: number;

  @Field(() => Int, { description: 'Samples whose llm-rubric assertions were skipped because a budget covering online judging had no room.' })
  judgeRefused!: number;

  @Field(() => Int, { description: 'Samples waiting now.' })
  pending!: number;
}

@Resolver()
export class OnlineEvaluatorResolver {
  @Authorized(Roles.READ)
  @Query(() => [OnlineEvaluator], { description: 'Every online evaluator, by name (disabled ones included).' })
  onlineEvaluators(@Ctx() ctx: ServicesContext): Promise<OnlineEvaluator[]> {
    return ctx.services.onlineEvals.list();
  }

  @Authorized(Roles.READ)
  @Query(() => OnlineEvalStats, { description: "What this process's online evaluation worker did since it started: queued, dropped, scored, failed samples." })
  onlineEvalStats(@Ctx() ctx: ServicesContext): OnlineEvalStats {
    return { ...ctx.services.onlineEvals.worker.stats, pending: ctx.services.onlineEvals.worker.pending };
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => OnlineEvaluator, { description: 'Creates an online evaluator; it samples traces recorded from now on.' })
  createOnlineEvaluator(@Arg('input', () => OnlineEvaluatorInput) input: OnlineEvaluatorInput, @Ctx() ctx: ServicesContext): Promise<OnlineEvaluator> {
    return ctx.services.onlineEvals.create(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => OnlineEvaluator, { description: "Replaces the evaluator's settings; an omitted enabled keeps its value." })
  updateOnlineEvaluator(@Arg('id', () => ID) id: string, @Arg('input', () => OnlineEvaluatorInput) input: OnlineEvaluatorInput, @Ctx() ctx: ServicesContext): Promise<OnlineEvaluator> {
    return ctx.services.onlineEvals.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean, { description: 'Deletes the evaluator; the scores it gave stay on their traces.' })
  deleteOnlineEvaluator(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.onlineEvals.delete(id, ctx.actor);
  }
}
