import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { Trace } from '../traces/index';
import type { RequestContext } from '../graphql/context';
import { TraceScore } from './trace-score.entity';
import type { TraceScoreService } from './trace-score.service';

type ServicesContext = RequestContext<{ traceScores: TraceScoreService }>;

/** `Trace.scores`: the judge, rule and human scores given to a trace, oldest first. */
@Resolver(() => Trace)
export class TraceScoresResolver {
  @FieldResolver(() => [TraceScore])
  scores(@Root() trace: Trace, @Ctx() ctx: ServicesContext): Promise<TraceScore[]> {
    return ctx.services.traceScores.forTrace(trace.id);
  }
}
