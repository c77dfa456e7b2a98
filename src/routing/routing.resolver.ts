import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import { RoutingRule } from './routing-rule.entity';
import { RoutingRuleInput } from './routing-rule.inputs';
import type { RoutingService } from './routing.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ routing: RoutingService }>;

@Resolver()
export class RoutingRuleResolver {
  @Authorized(Roles.READ)
  @Query(() => [RoutingRule], { description: 'Every routing rule, in the order they are tried (priority, then name).' })
  routingRules(@Ctx() ctx: ServicesContext): Promise<RoutingRule[]> {
    return ctx.services.routing.list();
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => RoutingRule)
  createRoutingRule(@Arg('input', () => RoutingRuleInput) input: RoutingRuleInput, @Ctx() ctx: ServicesContext): Promise<RoutingRule> {
    return ctx.services.routing.create(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => RoutingRule, { description: "Replaces the rule's settings; omitted enabled / fallbackModelIds keep their values." })
  updateRoutingRule(@Arg('id', () => ID) id: string, @Arg('input', () => RoutingRuleInput) input: RoutingRuleInput, @Ctx() ctx: ServicesContext): Promise<RoutingRule> {
    return ctx.services.routing.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean)
  deleteRoutingRule(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.routing.delete(id, ctx.actor);
  }
}
