import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { GuardrailPolicy } from './guardrail-policy.entity';
import { GuardrailPolicyInput } from './guardrail-policy.inputs';
import { GuardrailDirection, GuardrailVerdict } from './guardrail.types';
import { Roles } from '../graphql/roles';
import type { RequestContext } from '../graphql/context';
import type { GuardrailService } from './guardrail-policy.service';

/** What these resolvers use from the context. */
type ServicesContext = RequestContext<{ guardrails: GuardrailService }>;

@Resolver()
export class GuardrailPolicyResolver {
  @Authorized(Roles.READ)
  @Query(() => [GuardrailPolicy], { description: 'Every guardrail policy, by name.' })
  guardrailPolicies(@Ctx() ctx: ServicesContext): Promise<GuardrailPolicy[]> {
    return ctx.services.guardrails.list();
  }

  @Authorized(Roles.READ)
  @Query(() => GuardrailVerdict, { description: 'Checks a text against one policy (enabled or not), as the pipeline would.' })
  checkGuardrail(
    @Arg('policy') policy: string,
    @Arg('direction', () => GuardrailDirection) direction: GuardrailDirection,
    @Arg('text') text: string,
    @Ctx() ctx: ServicesContext,
  ): Promise<GuardrailVerdict> {
    return ctx.services.guardrails.check(policy, direction, text) as Promise<GuardrailVerdict>;
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => GuardrailPolicy)
  createGuardrailPolicy(@Arg('input', () => GuardrailPolicyInput) input: GuardrailPolicyInput, @Ctx() ctx: ServicesContext): Promise<GuardrailPolicy> {
    return ctx.services.guardrails.create(input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => GuardrailPolicy, { description: 'Updates the fields given; omitted fields keep their values.' })
  updateGuardrailPolicy(@Arg('id', () => ID) id: string, @Arg('input', () => GuardrailPolicyInput) input: GuardrailPolicyInput, @Ctx() ctx: ServicesContext): Promise<GuardrailPolicy> {
    return ctx.services.guardrails.update(id, input, ctx.actor);
  }

  @Authorized(Roles.ADMIN)
  @Mutation(() => Boolean)
  deleteGuardrailPolicy(@Arg('id', () => ID) id: string, @Ctx() ctx: ServicesContext): Promise<boolean> {
    return ctx.services.guardrails.delete(id, ctx.actor);
  }
}
