import { AppError } from '../graphql/errors';
import { Arg, Authorized, Ctx, Mutation, Query, Resolver, Root, Subscription, type SubscribeResolverData } from 'type-graphql';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import { RouteDecision, type RoutingRule } from '../routing';
import { sanitizeForStorage, type TraceRequest } from '../traces';
import { GenerateInput, parseGenerateInput } from './generate.inputs';
import { GenerateEvent, GenerateResult } from './generate.types';
import type { GenerateEventData } from './generate.events';
import { abortableStream } from './abortable-stream';
import { coalesceDeltas } from './coalesce-deltas';
import { collectResult } from './generate-once';
import type { GenerationPipeline } from './pipeline';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ generation: GenerationPipeline }>;

function callerOf(ctx: ServicesContext) {
  return {
    apiKeyId: ctx.apiKey?.id ?? null,
    apiKeyName: ctx.apiKey?.name ?? null,
    otel: ctx.telemetry ? { traceId: ctx.telemetry.traceId, parentSpanId: ctx.telemetry.parentSpanId, sampled: ctx.telemetry.sampled } : null,
    receivedAt: ctx.receivedAt ?? null,
  };
}

/** Validates the input; a refused one is still traced (every request leaves a trace), then answered BAD_USER_INPUT. */
function parseOrTrace(input: GenerateInput, ctx: ServicesContext) {
  try {
    return parseGenerateInput(input);
  } catch (err) {
    // A bounded copy (depth, size): the input was refused, it may be anything a client can send.
    const raw = sanitizeForStorage({ ...(input ?? {}) }) as unknown as TraceRequest;
    const traceId = ctx.services.generation.traceRejected(raw, callerOf(ctx), err);
    // The answer names its trace: `extensions.traceId` on the GraphQL error.
    if (err instanceof AppError) err.extra.traceId = traceId;
    throw err;
  }
}

@Resolver()
export class GenerateResolver {
  @Authorized(Roles.GENERATE)
  @Subscription(() => GenerateEvent, {
    description: 'Streams one generation: GenerationStarted, TextDeltas, then GenerationCompleted or GenerationFailed. Completing the subscription stops the model call.',
    subscribe: ({ args, context }: SubscribeResolverData<unknown, { input: GenerateInput }, ServicesContext>) => {
      const req = parseOrTrace(args.input, context);
      const caller = callerOf(context);
      return coalesceDeltas(abortableStream((signal) => context.services.generation.run(req, caller, signal), context.signal));
    },
  })
  generate(@Root() event: GenerateEventData, @Arg('input', () => GenerateInput) _input: GenerateInput): GenerateEventData {
    return event;
  }

  @Authorized(Roles.GENERATE)
  @Mutation(() => GenerateResult, { description: 'The same as `generate`, as one result.' })
  generateOnce(@Arg('input', () => GenerateInput) input: GenerateInput, @Ctx() ctx: ServicesContext): Promise<GenerateResult> {
    const req = parseOrTrace(input, ctx);
    return collectResult(ctx.services.generation.run(req, callerOf(ctx), ctx.signal, { whole: true }));
  }

  // It shows the routing rules' conditions: config readers only, not apps.
  @Authorized(Roles.READ)
  @Query(() => RouteDecision, { description: 'Where a request would be routed, and why; calls no model.' })
  async explainRoute(@Arg('input', () => GenerateInput) input: GenerateInput, @Ctx() ctx: ServicesContext): Promise<RouteDecision> {
    const decision = await ctx.services.generation.explain(parseGenerateInput(input), callerOf(ctx));
    return RouteDecision.from({ ...decision, rule: decision.rule as RoutingRule | null });
  }
}
