import { Arg, Authorized, Ctx, ID, Int, Query, Resolver } from 'type-graphql';
import { Trace } from './trace.entity';
import { TraceFilter } from './trace-filter.inputs';
import { Connection } from '../graphql/paging';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import type { TraceService } from './trace.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ traces: TraceService }>;

export const TraceConnection = Connection(Trace, 'Trace');

@Resolver()
export class TraceResolver {
  @Authorized(Roles.READ)
  @Query(() => Trace, { nullable: true, description: 'One trace; null when the id is unknown.' })
  trace(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<Trace | null> {
    return ctx.services.traces.get(id);
  }

  @Authorized(Roles.READ)
  @Query(() => TraceConnection, { description: 'Traces, newest first, narrowed by the filter. `first` is 1..500 (default 50).' })
  async traces(
    @Ctx() ctx: ServicesContext,
    @Arg('filter', () => TraceFilter, { nullable: true }) filter?: TraceFilter,
    @Arg('first', () => Int, { nullable: true }) first?: number,
    @Arg('after', () => String, { nullable: true }) after?: string,
  ): Promise<InstanceType<typeof TraceConnection>> {
    return TraceConnection.from(await ctx.services.traces.list(filter, first ?? 50, after));
  }
}
