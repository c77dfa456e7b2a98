import { Arg, Authorized, Ctx, Query, Resolver } from 'type-graphql';
import { CacheRow, CostRow, Dimension, GuardrailRow, LatencyRow, TimeBucket } from './analytics.types';
import { TraceFilter } from '../traces';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import type { AnalyticsService } from './analytics.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ analytics: AnalyticsService }>;

@Resolver()
export class AnalyticsResolver {
  @Authorized(Roles.READ)
  @Query(() => [CostRow], { description: 'Requests, tokens and exact cost per group (and time bucket).' })
  costBreakdown(
    @Ctx() ctx: ServicesContext,
    @Arg('groupBy', () => [Dimension]) groupBy: Dimension[],
    @Arg('filter', () => TraceFilter, { nullable: true }) filter?: TraceFilter,
    @Arg('bucket', () => TimeBucket, { nullable: true }) bucket?: TimeBucket,
  ): Promise<CostRow[]> {
    return ctx.services.analytics.costBreakdown(filter, groupBy, bucket);
  }

  @Authorized(Roles.READ)
  @Query(() => [LatencyRow], { description: 'Latency and time-to-first-token percentiles per group (and time bucket).' })
  latencyStats(
    @Ctx() ctx: ServicesContext,
    @Arg('filter', () => TraceFilter, { nullable: true }) filter?: TraceFilter,
    @Arg('groupBy', () => [Dimension], { nullable: true }) groupBy?: Dimension[],
    @Arg('bucket', () => TimeBucket, { nullable: true }) bucket?: TimeBucket,
  ): Promise<LatencyRow[]> {
    return ctx.services.analytics.latencyStats(filter, groupBy, bucket);
  }

  @Authorized(Roles.READ)
  @Query(() => [GuardrailRow], { description: 'Guardrail trigger counts and rates per policy, finding kind and direction.' })
  guardrailStats(
    @Ctx() ctx: ServicesContext,
    @Arg('filter', () => TraceFilter, { nullable: true }) filter?: TraceFilter,
    @Arg('bucket', () => TimeBucket, { nullable: true }) bucket?: TimeBucket,
  ): Promise<GuardrailRow[]> {
    return ctx.services.analytics.guardrailStats(filter, bucket);
  }

  @Authorized(Roles.READ)
  @Query(() => [CacheRow], { description: 'Response-cache hits, hit rate and money saved.' })
  cacheStats(
    @Ctx() ctx: ServicesContext,
    @Arg('filter', () => TraceFilter, { nullable: true }) filter?: TraceFilter,
    @Arg('bucket', () => TimeBucket, { nullable: true }) bucket?: TimeBucket,
  ): Promise<CacheRow[]> {
    return ctx.services.analytics.cacheStats(filter, bucket);
  }
}
