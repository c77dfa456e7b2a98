import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { TraceFilter } from '../../traces';
import { Roles } from '../../graphql/roles';
import type { RequestContext } from '../../graphql/context';
import type { DriftService } from './drift.service';
import { DriftReport, TimeRangeInput } from './drift.types';

type ServicesContext = RequestContext<{ drift: DriftService }>;

@Resolver()
export class DriftResolver {
  @Authorized(Roles.READ)
  @Query(() => DriftReport, {
    description:
      'Whether the traffic in `window` drifted from `baseline` (disjoint ranges; production traffic unless the filter says otherwise), signal by signal: user inputs (length, language, topic), routing (model and rule mix), retrieval (chunk scores, chunks dropped) and outcomes (error and guardrail rates, output length, eval scores, latency).',
  })
  drift(
    @Ctx() ctx: ServicesContext,
    @Arg('window', () => TimeRangeInput) window: TimeRangeInput,
    @Arg('baseline', () => TimeRangeInput) baseline: TimeRangeInput,
    @Arg('filter', () => TraceFilter, { nullable: true }) filter?: TraceFilter,
  ): Promise<DriftReport> {
    return ctx.services.drift.drift(filter, window, baseline);
  }
}
